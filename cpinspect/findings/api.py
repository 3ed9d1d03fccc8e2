"""REST endpoints for findings: the same selectors, rules and services as the pages. An
inspection the user may not see is 404; a change they may not make is 403; a change the rules
refuse is 409 with the reason; a malformed request is 400.

Safe editing (ADR 0020, ``editing/api.py``): a change to a record sends the version it read
(``"version"`` in the body or ``If-Match``; 428 without one); one made stale by someone
else's save is 409 with who changed what and the record as it is now. A create may send an
``Idempotency-Key``: sent again, it gets the first answer."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import ValidationError as BadRequest
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.response import Response

from cpinspect.accounts import access
from cpinspect.api.pagination import Pagination
from cpinspect.editing import api as editing
from cpinspect.editing import versions
from cpinspect.findings import selectors, services
from cpinspect.findings.models import (
    FOLLOW_UP_KINDS,
    ActionPlan,
    ActionPlanStatus,
    AreaForImprovement,
    CauseOfConcern,
    FollowUpProposal,
    Recommendation,
    RecommendationStatus,
    Topic,
)
from cpinspect.registry.models import Force

# --- what is returned ----------------------------------------------------------------------


class RecommendationSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "cause_of_concern",
            "text",
            "owner",
            "due_on",
            "status",
            "overdue",
            "version",
        ]

    def get_overdue(self, obj) -> bool:
        return bool(getattr(obj, "overdue", False))


class BoardRecommendationSerializer(RecommendationSerializer):
    inspection = serializers.IntegerField(source="inspection_id")
    force = serializers.CharField(source="inspection.subject_force.code")
    force_name = serializers.CharField(source="inspection.subject_force.name")

    class Meta(RecommendationSerializer.Meta):
        fields = ["inspection", "force", "force_name", *RecommendationSerializer.Meta.fields]


class CauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = CauseOfConcern
        fields = ["id", "topic", "title", "text", "version"]


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = AreaForImprovement
        fields = ["id", "topic", "text", "version"]


class ActionPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionPlan
        fields = ["published_on", "due_on", "received_on", "status", "version"]


class ProposalSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUpProposal
        fields = [
            "id",
            "reason",
            "kind",
            "window_from_months",
            "window_to_months",
            "status",
            "decision_note",
            "follow_up",
            "version",
        ]


def _judgement(row, working: bool) -> dict:
    j = row.judgement
    body = {"topic": row.topic, "grade": j.grade if j else None, "version": j.version if j else 0}
    if working:
        body |= {
            "scale": j.scale if j else None,
            "rationale": j.rationale if j else None,
            "decided_by": j.decided_by.full_name if j else None,
            "decided_at": j.decided_at if j else None,
            "suggested_grade_when_decided": (j.suggested_grade or None) if j else None,
            "suggested_grade": row.suggestion.grade,
            "suggestion_reasons": list(row.suggestion.reasons),
            "evidence": row.evidence.as_dict(),
        }
    return body


def _findings_body(user, inspection) -> dict:
    found = selectors.findings_for(user, inspection)
    recs = [r for c in found.causes for r in c.recommendations.all()]
    body = {
        "inspection": inspection.pk,
        "status": inspection.status,
        "published_on": found.published_on,
        "judgements": [_judgement(row, found.working) for row in found.judgements],
        "causes_of_concern": CauseSerializer(found.causes, many=True).data,
        "recommendations": RecommendationSerializer(
            recs + found.other_recommendations, many=True
        ).data,
        "areas_for_improvement": AreaSerializer(found.areas, many=True).data,
        "action_plan": ActionPlanSerializer(found.action_plan).data if found.action_plan else None,
    }
    if found.action_plan:
        body["action_plan"]["overdue"] = found.action_plan_overdue
    if found.working:
        body["follow_up_proposals"] = ProposalSerializer(
            [row.proposal for row in found.proposals], many=True
        ).data
    return body


def _refused(refusal) -> Response:
    if isinstance(refusal, ValidationError):
        detail = refusal.message_dict if hasattr(refusal, "error_dict") else refusal.messages
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)


REFUSALS = services.REFUSALS
# the rules are checked before the version is asked for: a refusal is 403, not 428
TRACKERS = "Only the inspection's team or a programme manager tracks its findings."

# --- what is sent --------------------------------------------------------------------------


class JudgementIn(serializers.Serializer):
    topic = serializers.ChoiceField(choices=Topic.values)
    grade = serializers.CharField(max_length=24)
    rationale = serializers.CharField(max_length=5000)


class RecommendationIn(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    owner = serializers.CharField(max_length=200)
    due_on = serializers.DateField()


class CauseIn(serializers.Serializer):
    topic = serializers.ChoiceField(choices=Topic.values, required=False, default="")
    title = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=5000)
    recommendations = RecommendationIn(many=True, allow_empty=True)


class StandaloneRecommendationIn(RecommendationIn):
    cause_of_concern = serializers.IntegerField(required=False, allow_null=True)


class StatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=RecommendationStatus.values)
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class AreaIn(serializers.Serializer):
    topic = serializers.ChoiceField(choices=Topic.values, required=False, default="")
    text = serializers.CharField(max_length=5000)


class AcceptIn(serializers.Serializer):
    fieldwork_starts_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=[k.value for k in FOLLOW_UP_KINDS], required=False)


class DeclineIn(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ActionPlanIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=ActionPlanStatus.values)
    received_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


def _valid(serializer_class, request) -> dict:
    form = serializer_class(data=request.data)
    form.is_valid(raise_exception=True)
    return form.validated_data


# --- endpoints -----------------------------------------------------------------------------


@api_view(["GET"])
def findings(request, pk):
    """An inspection's findings: judgements, causes of concern, recommendations, areas for
    improvement, the action plan, and (inspectorate and team only) the follow-up proposals
    and the working behind each judgement."""
    inspection = selectors.findings_inspection_for(request.user, pk)
    return Response(_findings_body(request.user, inspection))


@api_view(["POST"])
@parser_classes([JSONParser, FormParser])
def judgement_record(request, pk):
    """Record a topic's judgement, or change it: then send its version (0 or none: there was
    none when the client looked; a judgement recorded meanwhile is 409)."""
    inspection = selectors.findings_inspection_for(request.user, pk)
    data = _valid(JudgementIn, request)
    try:
        services.judgement_record(
            inspection=inspection,
            user=request.user,
            expected_version=editing.sent_version(request, required=False),
            **data,
        )
    except versions.StaleEdit as stale:
        row = selectors.judgement_context(request.user, inspection, data["topic"])
        return editing.stale_response(stale, _judgement(row, True))
    except REFUSALS as refusal:
        return _refused(refusal)
    row = selectors.judgement_context(request.user, inspection, data["topic"])
    return Response(_judgement(row, True), status=status.HTTP_201_CREATED)


@api_view(["POST"])
@parser_classes([JSONParser])
def cause_create(request, pk):
    """A cause of concern with its recommendations (at least one: else 409)."""
    inspection = selectors.findings_inspection_for(request.user, pk)
    data = _valid(CauseIn, request)
    try:
        outcome = editing.create_once(
            request,
            lambda: services.cause_of_concern_create(
                inspection=inspection,
                user=request.user,
                topic=data["topic"],
                title=data["title"],
                text=data["text"],
                recommendations=[services.NewRecommendation(**r) for r in data["recommendations"]],
            ),
        )
    except REFUSALS as refusal:
        return _refused(refusal)
    cause = outcome.obj
    if cause is None:
        return _created_then_deleted()
    body = CauseSerializer(cause).data
    body["recommendations"] = RecommendationSerializer(cause.recommendations.all(), many=True).data
    return editing.created(body, outcome)


def _created_then_deleted() -> Response:
    return Response(
        {"detail": "This Idempotency-Key's request was carried out; what it made is deleted."},
        status=status.HTTP_410_GONE,
    )


@api_view(["POST"])
@parser_classes([JSONParser, FormParser])
def recommendation_add(request, pk):
    inspection = selectors.findings_inspection_for(request.user, pk)
    data = _valid(StandaloneRecommendationIn, request)
    cause_id = data.pop("cause_of_concern", None)
    cause = None
    if cause_id is not None:
        try:
            cause = selectors.cause_for(request.user, inspection, cause_id)
        except Http404:
            raise BadRequest(
                {"cause_of_concern": "No such cause of concern in this inspection."}
            ) from None
    try:
        outcome = editing.create_once(
            request,
            lambda: services.recommendation_add(
                inspection=inspection, user=request.user, cause_of_concern=cause, **data
            ),
        )
    except REFUSALS as refusal:
        return _refused(refusal)
    if outcome.obj is None:
        return _created_then_deleted()
    return editing.created(RecommendationSerializer(outcome.obj).data, outcome)


@api_view(["POST"])
@parser_classes([JSONParser, FormParser])
def recommendation_status(request, pk, recommendation_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    rec = selectors.recommendation_for(request.user, inspection, recommendation_id)
    data = _valid(StatusIn, request)
    access.require(access.can_track_findings(request.user, inspection), TRACKERS)
    try:
        services.recommendation_set_status(
            recommendation=rec,
            user=request.user,
            expected_version=editing.sent_version(request),
            **data,
        )
    except versions.StaleEdit as stale:
        return editing.stale_response(stale, RecommendationSerializer(stale.current).data)
    except REFUSALS as refusal:
        return _refused(refusal)
    return editing.with_version(Response(RecommendationSerializer(rec).data), rec.version)


@api_view(["POST"])
@parser_classes([JSONParser, FormParser])
def area_add(request, pk):
    inspection = selectors.findings_inspection_for(request.user, pk)
    data = _valid(AreaIn, request)
    try:
        outcome = editing.create_once(
            request,
            lambda: services.area_for_improvement_add(
                inspection=inspection, user=request.user, **data
            ),
        )
    except REFUSALS as refusal:
        return _refused(refusal)
    if outcome.obj is None:
        return _created_then_deleted()
    return editing.created(AreaSerializer(outcome.obj).data, outcome)


@api_view(["POST"])
@parser_classes([JSONParser, FormParser])
def follow_up_accept(request, pk, proposal_id):
    """Accept a proposed follow-up: 201 with the planned inspection's id."""
    inspection = selectors.findings_inspection_for(request.user, pk)
    proposal = selectors.proposal_for(request.user, inspection, proposal_id)
    data = _valid(AcceptIn, request)
    access.require(access.can_decide_follow_up(request.user, inspection))
    version = editing.sent_version(request)
    try:
        outcome = editing.create_once(
            request,
            lambda: services.follow_up_accept(
                proposal=proposal, user=request.user, expected_version=version, **data
            ),
        )
    except versions.StaleEdit as stale:
        return editing.stale_response(stale, ProposalSerializer(stale.current).data)
    except REFUSALS as refusal:
        return _refused(refusal)
    proposal.refresh_from_db()
    body = ProposalSerializer(proposal).data
    body["programme"] = outcome.obj.programme.name
    return editing.created(body, outcome)


@api_view(["POST"])
@parser_classes([JSONParser, FormParser])
def follow_up_decline(request, pk, proposal_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    proposal = selectors.proposal_for(request.user, inspection, proposal_id)
    data = _valid(DeclineIn, request)
    access.require(access.can_decide_follow_up(request.user, inspection))
    try:
        services.follow_up_decline(
            proposal=proposal,
            user=request.user,
            expected_version=editing.sent_version(request),
            **data,
        )
    except versions.StaleEdit as stale:
        return editing.stale_response(stale, ProposalSerializer(stale.current).data)
    except REFUSALS as refusal:
        return _refused(refusal)
    proposal.refresh_from_db()
    return Response(ProposalSerializer(proposal).data)


@api_view(["GET", "POST"])
@parser_classes([JSONParser, FormParser])
def action_plan(request, pk):
    """GET: the force's action plan (404 before publication). POST: record its receipt."""
    inspection = selectors.findings_inspection_for(request.user, pk)
    plan = selectors.action_plan_for(request.user, inspection)
    if plan is None:
        return Response({"detail": "No action plan: the report is not published."}, status=404)
    working = access.can_see_findings_working(request.user, inspection)
    if request.method == "POST":
        data = _valid(ActionPlanIn, request)
        access.require(access.can_track_findings(request.user, inspection), TRACKERS)
        try:
            services.action_plan_record(
                plan=plan,
                user=request.user,
                expected_version=editing.sent_version(request),
                **data,
            )
        except versions.StaleEdit as stale:
            return editing.stale_response(stale, _plan_body(stale.current, working))
        except REFUSALS as refusal:
            return _refused(refusal)
    return editing.with_version(Response(_plan_body(plan, working)), plan.version)


def _plan_body(plan, working: bool) -> dict:
    body = ActionPlanSerializer(plan).data
    body["overdue"] = plan.is_overdue(timezone.localdate())
    if working:
        body["note"] = plan.note
    return body


@api_view(["GET"])
def recommendations_board(request):
    """Open recommendations of published reports across forces, overdue first. Filters:
    ``force`` (a force code) and ``status`` (one status instead of the open ones)."""
    force = None
    code = request.query_params.get("force")
    if code:
        force = Force.objects.filter(code=code).first()
        if force is None:
            raise BadRequest({"force": f"{code!r} is not a force code."})
    wanted = request.query_params.get("status") or None
    if wanted and wanted not in RecommendationStatus.values:
        raise BadRequest({"status": f"Choose one of {', '.join(RecommendationStatus.values)}."})
    rows = selectors.recommendations_board(request.user, force=force, status=wanted)
    pages = Pagination()
    page = pages.paginate_queryset(rows, request)
    return pages.get_paginated_response(BoardRecommendationSerializer(page, many=True).data)
