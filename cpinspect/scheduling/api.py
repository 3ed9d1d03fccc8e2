"""REST endpoints for planning: the same selectors and services as the pages."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from cpinspect.accounts import access
from cpinspect.editing import api as editing
from cpinspect.scheduling import selectors, services
from cpinspect.scheduling.priorities import force_priorities
from cpinspect.scheduling.solver import SolveParams


def _version_summary(v):
    return {
        "id": v.pk,
        "number": v.number,
        "state": v.state,
        "solver_version": v.solver_version,
        "solver_status": v.solver_status,
        "objective": v.objective,
        "bound": v.bound,
        "gap": v.gap,
        "seed": v.seed,
        "parameters": v.parameters,
        "wall_time": v.wall_time,
        "as_of": v.as_of,
        "created_at": v.created_at,
        "created_by": v.created_by.full_name if v.created_by else None,
        "created_via": v.created_via,
        "published_at": v.published_at,
        "published_by": v.published_by.full_name if v.published_by else None,
        "replan_of": v.replan_of_id,
    }


def _version_detail(v):
    return {
        **_version_summary(v),
        "explanation": v.explanation,
        "changes": v.changes,
        "published_diff": v.published_diff,
        "assignments": [
            {
                "inspection": row.inspection_id,
                "label": row.label,
                "force": row.force_code,
                "region": row.region,
                "fieldwork_starts_on": row.starts_on,
                "fieldwork_ends_on": row.ends_on,
                "lead": row.lead,
                "team": row.team,
            }
            for row in selectors.plan_rows(v)
        ],
    }


ANY = OpenApiResponse(description="JSON")


@extend_schema(responses=ANY, summary="Risk-based priorities of forces, with reasons")
@api_view(["GET"])
def priorities(request, pk):
    selectors.programme_for_planning(request.user, pk)
    return Response([fp.to_json() for fp in force_priorities(as_of=timezone.localdate())])


class SolveRequest(serializers.Serializer):
    replan = serializers.BooleanField(default=False)
    published = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="A re-plan: the id of the published plan it re-plans (0: none); required.",
    )
    reason = serializers.CharField(default="", allow_blank=True, max_length=300)
    as_of = serializers.DateField(
        required=False,
        help_text="The planning date (YYYY-MM-DD): fieldwork starts after notice from it. "
        "Default: the date the programme's plan was made as of.",
    )
    time_limit = serializers.IntegerField(default=20, min_value=1, max_value=60)
    max_concurrent = serializers.IntegerField(required=False, min_value=1, max_value=10)
    deadlines = serializers.DictField(
        child=serializers.DateField(),
        default=dict,
        help_text="Inspection id -> the date its fieldwork must start by (must go earlier).",
    )

    def validate_deadlines(self, value):
        try:
            return {int(k): v for k, v in value.items()}
        except ValueError as error:
            raise serializers.ValidationError("Keys are inspection ids.") from error


@extend_schema(
    methods=["GET"], responses=ANY, summary="Plan versions of a programme (newest first)"
)
@extend_schema(methods=["POST"], request=SolveRequest, responses=ANY, summary="Solve or re-plan")
@api_view(["GET", "POST"])
def plans(request, pk):
    programme = selectors.programme_for_planning(request.user, pk)
    if request.method == "GET":
        return Response(
            [_version_summary(v) for v in selectors.plan_versions_of(request.user, programme)]
        )
    access.require(access.can_plan_programmes(request.user))
    body = SolveRequest(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    if data["replan"] and data.get("published") is None:
        raise editing.PreconditionRequired(PUBLISHED_REQUIRED)
    try:
        outcome = editing.create_once(
            request,
            lambda: services.plan_solve(
                request.user,
                programme=programme,
                replan=data["replan"],
                reason=data["reason"],
                as_of=data.get("as_of"),
                params=SolveParams(time_limit=float(data["time_limit"])),
                max_concurrent=data.get("max_concurrent"),
                deadlines=data["deadlines"],
                via="api",
                seen_published=data.get("published"),
            ),
        )
    except services.PlanError as error:
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    return editing.created(_version_detail(outcome.obj), outcome)


PUBLISHED_REQUIRED = (
    'Send "published": the id of the published plan you mean to re-plan or replace (0: none), '
    "so that a plan published meanwhile is not replaced unseen."
)


class PublishRequest(serializers.Serializer):
    published = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="The id of the published plan this one replaces (0: none); required.",
    )


@extend_schema(responses=ANY, summary="A plan version: provenance, assignments and changes")
@api_view(["GET"])
def plan_detail(request, pk):
    return Response(_version_detail(selectors.plan_version_for(request.user, pk)))


@extend_schema(request=PublishRequest, responses=ANY, summary="Publish a draft plan version")
@api_view(["POST"])
def plan_publish(request, pk):
    version = selectors.plan_version_for(request.user, pk)
    access.require(access.can_plan_programmes(request.user))
    body = PublishRequest(data=request.data)
    body.is_valid(raise_exception=True)
    seen = body.validated_data.get("published")
    if seen is None:
        raise editing.PreconditionRequired(PUBLISHED_REQUIRED)
    try:
        version = services.plan_publish(request.user, version=version, seen_published=seen)
    except services.PlanStale as stale:  # with the plan published now, as the client must see
        now = services.published_plan(version.programme)
        return Response(
            {"detail": str(stale), "current": _version_summary(now) if now else None},
            status=status.HTTP_409_CONFLICT,
        )
    except services.PlanError as error:
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    return Response(_version_detail(version))
