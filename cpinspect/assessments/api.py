"""REST endpoints of the case-file audit: the same selectors and services as the pages, so the
same rules. The inspection's team only (404 for anyone else, as the pages and casefiles' API);
blind moderation through ``selectors.visible_assessments``; every request about one case is
access-logged with ``via="api"``, as the pages log theirs.

Status codes: 400 for a body that does not fit (with the problems per field or per question),
403 for a rule that refuses the user (not their assessment, not the lead, the assessment is
submitted or the case locked), 404 for anything outside the user's team, 409 for a save over
someone else's newer version (with both versions), an action the case's state does not allow
yet, or any write once the inspection has moved on and its audit is closed (the detail says
why). An escalation is never refused for the inspection's stage.
"""

from __future__ import annotations

import dataclasses

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cpinspect.accounts import access
from cpinspect.assessments import questionsets, selectors, services
from cpinspect.assessments.models import Assessment, CaseAudit, CaseGrade, Escalation, Kind
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.casefiles.schema import category_label
from cpinspect.casefiles.services import SampleRefused
from cpinspect.editing import api as editing
from cpinspect.editing import submissions
from cpinspect.programmes.selectors import case_audit_closed

# --- serializers ------------------------------------------------------------------------------


def _name(user) -> str | None:
    return user.full_name if user is not None else None


class AssessmentSerializer(serializers.ModelSerializer):
    """One examination with its answers and its writing (decrypted for the reader)."""

    examiner = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    texts = serializers.SerializerMethodField()
    rationale = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "kind",
            "examiner",
            "status",
            "version",
            "answers",
            "notes",
            "texts",
            "overall_grade",
            "rationale",
            "created_at",
            "updated_at",
            "submitted_at",
        ]
        read_only_fields = fields

    def get_examiner(self, obj):
        return _name(obj.examiner)

    def _writing(self, obj) -> dict:
        return obj.writing or {}

    def get_notes(self, obj):
        return self._writing(obj).get("notes", {})

    def get_texts(self, obj):
        return self._writing(obj).get("text", {})

    def get_rationale(self, obj):
        return self._writing(obj).get("rationale", "")


class DraftSerializer(serializers.Serializer):
    """What a client sends to save or submit: the version it started from and the answers.

    Lengths and values are checked by the service, which reports the problems per question."""

    version = serializers.IntegerField(min_value=1)
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=100), default=dict
    )
    notes = serializers.DictField(child=serializers.CharField(allow_blank=True), default=dict)
    texts = serializers.DictField(child=serializers.CharField(allow_blank=True), default=dict)
    overall_grade = serializers.CharField(
        allow_blank=True,
        max_length=40,
        default="",
        help_text="The answer to the overall_grade question (answers wins if both are given).",
    )
    rationale = serializers.CharField(allow_blank=True, default="")

    def draft(self) -> services.Draft:
        data = self.validated_data
        return services.Draft(
            answers={k: v for k, v in data["answers"].items() if v},
            notes={k: v for k, v in data["notes"].items() if v},
            texts={k: v for k, v in data["texts"].items() if v},
            overall_grade=data["overall_grade"],
            rationale=data["rationale"],
        )


class EscalationSerializer(serializers.ModelSerializer):
    case_id = serializers.IntegerField(read_only=True)
    raised_by = serializers.SerializerMethodField()
    recorded_by = serializers.SerializerMethodField()
    concern = serializers.CharField(read_only=True)  # decrypted; never the raw token

    class Meta:
        model = Escalation
        fields = [
            "id",
            "case_id",
            "raised_by",
            "raised_at",
            "concern",
            "status",
            "acknowledged_at",
            "acknowledged_by_force",
            "recorded_by",
        ]
        read_only_fields = fields

    def get_raised_by(self, obj):
        return _name(obj.raised_by)

    def get_recorded_by(self, obj):
        return _name(obj.recorded_by)


class ConcernSerializer(serializers.Serializer):
    concern = serializers.CharField(max_length=questionsets.MAX_TEXT)


class AcknowledgementSerializer(serializers.Serializer):
    by_whom = serializers.CharField(max_length=200, help_text="Who at the force (name, role).")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class ResolutionSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=CaseGrade.choices)
    rationale = serializers.CharField(max_length=questionsets.MAX_TEXT)


class ModeratorSerializer(serializers.Serializer):
    moderator = serializers.IntegerField(
        required=False, allow_null=True, help_text="User id; omit to let the rule choose."
    )


class ExaminerSerializer(serializers.Serializer):
    examiner = serializers.IntegerField(help_text="User id of a team member who examines.")


# --- helpers ----------------------------------------------------------------------------------


def _inspection(request, pk):
    """The inspection for its team (404 for anyone else), with its team loaded once."""
    return selectors.case_inspection_for(request.user, pk)


def _audit(request, inspection, case_id) -> CaseAudit:
    audit = selectors.audit_for(request.user, inspection, case_id)
    access_log_record(
        user=request.user,
        action=AccessAction.VIEW,
        obj=audit,
        inspection_id=inspection.pk,
        via="api",
    )
    return audit


def _detail(message, code) -> Response:
    return Response({"detail": str(message)}, status=code)


def _refusal_status(refusal) -> int:
    """403 for what the person may not do; 409 when the audit is closed (the inspection's
    state, not the person, is what refuses)."""
    if isinstance(refusal, services.AuditClosed):
        return status.HTTP_409_CONFLICT
    return status.HTTP_403_FORBIDDEN


def _first_visible(user, audit, found: dict) -> bool:
    """Whether the first examination, and what follows from it (why the case is moderated,
    its final grade), may be shown to the user now: blind moderation."""
    moderation = found.get(Kind.MODERATION)
    return access.can_see_first_examination(
        user, audit, moderation_submitted=bool(moderation and moderation.submitted)
    )


def _case_summary(user, audit, found: dict) -> dict:
    """What the case list shows: who, what state; never the content of an assessment."""
    first_visible = _first_visible(user, audit, found)
    return {
        "case_id": audit.case_id,
        "theme": audit.case.stratum,
        "theme_label": category_label(audit.case.stratum),
        "case_status": audit.case.status,
        "examiner": _name(audit.examiner),
        "moderated": audit.moderated,
        "moderator": _name(audit.moderator),
        # the reason (e.g. "graded inadequate") would tell a blind moderator the first grade
        "moderation_reason": (audit.moderation_reason or None) if first_visible else None,
        "final_grade": (audit.final_grade or None) if first_visible else None,
        "locked": audit.locked,
        "your_task": services.assessment_kind_for(user, audit),
        "assessments": {
            kind: (found[kind].status if kind in found else None) for kind in Kind.values
        },
    }


def _sections(audit) -> list[dict]:
    """The questions asked of this case (its conditions on the case applied), in order."""
    qs = services.question_set_for(audit)
    facts = services.case_facts(audit)
    sections = []
    for section in qs.sections:
        questions = []
        for question in section.questions:
            if not all(questionsets.holds_on_case(c, facts) for c in question.ask_when):
                continue
            data = question.to_dict()
            data.pop("options", None)
            data["choices"] = [{"value": v, "label": label} for v, label in question.choices]
            questions.append(data)
        if questions:
            sections.append({"id": section.id, "title": section.title, "questions": questions})
    return sections


def _own_assessment(assessment, audit, *, with_questions=False) -> dict:
    body = AssessmentSerializer(assessment).data
    body["case_id"] = audit.case_id
    body["editable"] = (
        not assessment.submitted and not audit.locked and not case_audit_closed(audit.inspection)
    )
    if with_questions:
        body["sections"] = _sections(audit)
    return body


def _save(request, pk, case_id, *, submit: bool) -> Response:
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    form = DraftSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    try:
        assessment = services.assessment_open(audit=audit, user=request.user)
        saved = services.assessment_save(
            assessment=assessment,
            user=request.user,
            draft=form.draft(),
            expected_version=form.validated_data["version"],
            submit=submit,
        )
    except services.SaveConflict as conflict:
        return Response(
            {
                "detail": str(conflict),
                "yours": form.validated_data,
                "saved": _own_assessment(conflict.current, audit),
            },
            status=status.HTTP_409_CONFLICT,
        )
    except services.AssessmentInvalid as invalid:
        problems: dict[str, list[str]] = {}
        for problem in invalid.problems:
            problems.setdefault(problem.question_id, []).append(problem.message)
        return Response(
            {
                "detail": "Nothing was saved: the answers have problems."
                if not submit
                else "Not submitted: the assessment is not complete.",
                "problems": problems,
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    except services.AuditRefused as refusal:
        return _detail(refusal, _refusal_status(refusal))
    return Response(_own_assessment(saved, audit))


def _require_lead(request, inspection, message: str) -> None:
    """Lead-only actions: refuse anyone else before reading the body (403, not 400)."""
    access.require(access.is_inspection_lead(request.user, inspection), message)


def _audit_state(request, inspection, case_id) -> Response:
    """The case as it is after an action (what the case list shows of it)."""
    audit = selectors.audit_for(request.user, inspection, case_id)
    return Response(_case_summary(request.user, audit, selectors.assessments_of(audit)))


# --- the inspection's audit -------------------------------------------------------------------


@api_view(["GET"])
def fieldwork(request, pk):
    """The audit's progress and the question sets fixed on the inspection."""
    inspection = _inspection(request, pk)
    setup = getattr(inspection, "fieldwork_setup", None)
    return Response(
        {
            "question_sets": setup.versions if setup else None,
            "question_sets_fixed_at": setup.fixed_at if setup else None,
            "progress": dataclasses.asdict(selectors.progress_of(request.user, inspection)),
            "is_lead": access.is_inspection_lead(request.user, inspection),
            # the inspection has moved on from moderation: nothing but escalations can change
            "closed": case_audit_closed(inspection),
        }
    )


@api_view(["GET"])
def cases(request, pk):
    """Every audited case of the inspection: who examines it and the state of each
    examination (not its content)."""
    inspection = _inspection(request, pk)
    rows = []
    for audit in selectors.audits_for(request.user, inspection).prefetch_related("assessments"):
        audit.inspection = inspection
        rows.append(_case_summary(request.user, audit, selectors.assessments_of(audit)))
    return Response(rows)


@api_view(["GET"])
def worklist(request, pk):
    """The user's own cases: those to examine and those to moderate."""
    inspection = _inspection(request, pk)
    rows = []
    for audit in selectors.worklist_for(request.user, inspection):
        kind = services.assessment_kind_for(request.user, audit)
        mine = selectors.assessments_of(audit).get(kind)
        rows.append(
            {
                "case_id": audit.case_id,
                "theme": audit.case.stratum,
                "theme_label": category_label(audit.case.stratum),
                "task": kind,
                "status": mine.status if mine else None,
                "version": mine.version if mine else None,
                "locked": audit.locked,
                "waiting": kind == Kind.MODERATION and not audit.moderation_reason,
            }
        )
    return Response(rows)


@api_view(["POST"])
def allocate(request, pk):
    """The lead gives every sampled case without an examiner to the team's inspectors."""
    inspection = _inspection(request, pk)
    try:
        made = services.cases_allocate(inspection=inspection, user=request.user)
    except services.AuditRefused as refusal:
        return _detail(refusal, status.HTTP_409_CONFLICT)
    return Response({"allocated": len(made), "cases": [a.case_id for a in made]})


def _agreement(figures) -> dict:
    return dataclasses.asdict(figures)


@api_view(["GET"])
def moderation(request, pk):
    """Agreement between first examiners and moderators (overall, per inspector, per pair,
    each with the number of cases behind it) and the disagreements, unresolved first."""
    inspection = _inspection(request, pk)
    report = selectors.agreement_report(request.user, inspection)
    disagreements = []
    for audit, first, moderated in selectors.disagreements(request.user, inspection):
        audit.inspection = inspection
        visible = selectors.visible_assessments(request.user, audit)
        if Kind.FIRST not in visible or Kind.MODERATION not in visible:
            continue
        disagreements.append(
            {
                "case_id": audit.case_id,
                "theme": audit.case.stratum,
                "first": {"examiner": _name(first.examiner), "grade": first.overall_grade},
                "moderation": {
                    "examiner": _name(moderated.examiner),
                    "grade": moderated.overall_grade,
                },
                "final_grade": audit.final_grade or None,
                "resolved": audit.resolved_at is not None,
                "resolved_by": _name(audit.resolved_by),
                "resolved_at": audit.resolved_at,
                "resolution_rationale": audit.resolution_rationale,
                "locked": audit.locked,
            }
        )
    return Response(
        {
            "overall": _agreement(report.overall),
            "by_inspector": [
                {"inspector": label, **_agreement(figures)}
                for label, figures in report.by_inspector
            ],
            "by_pair": [
                {"pair": list(label), **_agreement(figures)} for label, figures in report.by_pair
            ],
            "disagreements": disagreements,
        }
    )


@api_view(["GET"])
def escalations(request, pk):
    """The inspection's escalations (children at risk), open first."""
    inspection = _inspection(request, pk)
    rows = selectors.escalations_for(request.user, inspection)
    return Response(EscalationSerializer(rows, many=True).data)


@api_view(["POST"])
def escalation_acknowledge(request, pk, escalation_id):
    """Record who at the force acknowledged an escalation."""
    inspection = _inspection(request, pk)
    escalation = get_object_or_404(
        selectors.escalations_for(request.user, inspection), pk=escalation_id
    )
    form = AcknowledgementSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    try:
        services.escalation_acknowledge(
            escalation=escalation, user=request.user, by_whom=form.validated_data["by_whom"]
        )
    except services.AuditRefused as refusal:
        return _detail(refusal, status.HTTP_409_CONFLICT)
    return Response(EscalationSerializer(escalation).data)


# --- one case ---------------------------------------------------------------------------------


@api_view(["GET"])
def case_detail(request, pk, case_id):
    """One case with the examinations the user may see now (blind moderation applied)."""
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    found = selectors.assessments_of(audit)
    visible = selectors.visible_assessments(request.user, audit)
    body = _case_summary(request.user, audit, found)
    first_visible = _first_visible(request.user, audit, found)
    resolved = audit.resolved_at is not None and first_visible
    body.update(
        {
            "recorded_month": audit.case.recorded_on.strftime("%Y-%m"),
            "child_age": audit.case.child_age,
            "resolution": {
                "by": _name(audit.resolved_by),
                "at": audit.resolved_at,
                "rationale": audit.resolution_rationale,
            }
            if resolved
            else None,
            "locked_by": _name(audit.locked_by),
            "locked_at": audit.locked_at,
            "examinations": {
                kind: AssessmentSerializer(visible[kind]).data if kind in visible else None
                for kind in Kind.values
            },
            "hidden": [kind for kind in Kind.values if kind in found and kind not in visible],
            "escalations": EscalationSerializer(
                audit.case.escalations.select_related("raised_by", "recorded_by"), many=True
            ).data,
        }
    )
    if access.is_inspection_lead(request.user, inspection):
        body["unlocks"] = [
            {"by": _name(u.unlocked_by), "at": u.unlocked_at, "reason": u.reason}
            for u in audit.unlocks.select_related("unlocked_by")
        ]
    return Response(body)


@api_view(["GET", "PUT"])
def assessment(request, pk, case_id):
    """GET: the user's own assessment of the case, with its ``version`` and the questions
    asked of the case; before its first save, an empty draft at version 1 that is not stored
    yet (``id`` null: a GET writes nothing). PUT: save a draft (the first one stores it)."""
    if request.method == "PUT":
        return _save(request, pk, case_id, submit=False)
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    try:
        mine = services.assessment_open(audit=audit, user=request.user)
    except services.AuditRefused as refusal:
        return _detail(refusal, _refusal_status(refusal))
    return Response(_own_assessment(mine, audit, with_questions=True))


@api_view(["POST"])
def assessment_submit(request, pk, case_id):
    """Submit the user's assessment: the same body as a draft's save, everything checked."""
    return _save(request, pk, case_id, submit=True)


@api_view(["POST"])
def escalate(request, pk, case_id):
    """Record that a child in this case is at risk; the lead is told at once."""
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    form = ConcernSerializer(data=request.data)
    form.is_valid(raise_exception=True)

    def raise_it():
        return services.escalation_raise(
            audit=audit, user=request.user, concern=form.validated_data["concern"]
        )

    try:
        try:  # an Idempotency-Key makes a retry record one escalation ...
            outcome = editing.create_once(request, raise_it)
        except (editing.KeyReused, ValidationError):  # ... but a child at risk is never refused
            outcome = submissions.Outcome(obj=raise_it(), replayed=False)
    except services.AuditRefused as refusal:
        return _detail(refusal, status.HTTP_400_BAD_REQUEST)
    return editing.created(EscalationSerializer(outcome.obj).data, outcome)


def _lead_action(request, pk, case_id, *, message, serializer=None, action):
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    _require_lead(request, inspection, message)
    data = {}
    if serializer is not None:
        form = serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
    try:
        action(audit, data)
    except services.AuditRefused as refusal:
        return _detail(refusal, status.HTTP_409_CONFLICT)
    return _audit_state(request, inspection, case_id)


@api_view(["POST"])
def sign_off(request, pk, case_id):
    """The lead signs the case off, which locks it."""
    return _lead_action(
        request,
        pk,
        case_id,
        message="Only the lead signs off.",
        action=lambda audit, _: services.case_sign_off(audit=audit, user=request.user),
    )


@api_view(["POST"])
def unlock(request, pk, case_id):
    """The lead unlocks a signed-off case, giving the reason (kept, append-only)."""
    return _lead_action(
        request,
        pk,
        case_id,
        message="Only the lead unlocks.",
        serializer=ReasonSerializer,
        action=lambda audit, data: services.case_unlock(
            audit=audit, user=request.user, reason=data["reason"]
        ),
    )


@api_view(["POST"])
def resolve(request, pk, case_id):
    """The lead settles a disagreement between the two examinations; the grade is final."""
    return _lead_action(
        request,
        pk,
        case_id,
        message="Only the lead resolves.",
        serializer=ResolutionSerializer,
        action=lambda audit, data: services.disagreement_resolve(
            audit=audit, user=request.user, grade=data["grade"], rationale=data["rationale"]
        ),
    )


def _team_user(user_id):
    return get_object_or_404(get_user_model(), pk=user_id)


@api_view(["POST"])
def moderate(request, pk, case_id):
    """The lead adds the case to moderation, or gives its moderation to someone else."""

    def choose(audit, data):
        chosen = data.get("moderator")
        moderator = _team_user(chosen) if chosen else None
        services.moderation_choose(audit=audit, user=request.user, moderator=moderator)

    return _lead_action(
        request,
        pk,
        case_id,
        message="Only the lead chooses.",
        serializer=ModeratorSerializer,
        action=choose,
    )


@api_view(["POST"])
def reallocate(request, pk, case_id):
    """The lead gives a case not yet begun to another examiner on the team."""
    return _lead_action(
        request,
        pk,
        case_id,
        message="Only the lead reallocates.",
        serializer=ExaminerSerializer,
        action=lambda audit, data: services.case_reallocate(
            audit=audit, user=request.user, examiner=_team_user(data["examiner"])
        ),
    )


@api_view(["POST"])
def unusable(request, pk, case_id):
    """Mark the case unusable (with the reason); its reserve goes to the same examiner."""
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    form = ReasonSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    try:
        replacement = services.case_mark_unusable(
            audit=audit, user=request.user, reason=form.validated_data["reason"]
        )
    except (services.AuditRefused, SampleRefused) as refusal:
        return _detail(refusal, status.HTTP_409_CONFLICT)
    return Response(
        {"case_id": audit.case_id, "replaced_by": replacement.case_id if replacement else None}
    )
