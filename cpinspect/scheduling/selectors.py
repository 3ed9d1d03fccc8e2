"""Reads for planning, always scoped to what the requesting user may see.

Plans are for inspectorate staff only: anyone else gets a 404, so a schedule of unnotified
inspections never leaks to a force or a partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import Http404

from cpinspect.accounts import access
from cpinspect.accounts.models import User
from cpinspect.programmes.models import Inspection, Programme
from cpinspect.scheduling.models import PlanAssignment, PlanState, PlanVersion
from cpinspect.scheduling.problem import Problem, force_regions


def _refuse():
    raise Http404("Not found.")


def programmes_for_planning(user):
    if not access.can_see_plans(user):
        return Programme.objects.none()
    return Programme.objects.all()


def programme_for_planning(user, pk) -> Programme:
    try:
        return programmes_for_planning(user).get(pk=pk)
    except (Programme.DoesNotExist, ValueError, TypeError):
        _refuse()


def plan_versions_of(user, programme):
    if not access.can_see_plans(user):
        return PlanVersion.objects.none()
    return PlanVersion.objects.filter(programme=programme).select_related(
        "created_by", "published_by"
    )


def plan_version_for(user, pk) -> PlanVersion:
    if not access.can_see_plans(user):
        _refuse()
    try:
        return PlanVersion.objects.select_related(
            "programme", "created_by", "published_by", "replan_of"
        ).get(pk=pk)
    except (PlanVersion.DoesNotExist, ValueError, TypeError):
        _refuse()


def published_numbers(user) -> dict[int, int]:
    """Programme id -> the number of its published plan, for the programmes list."""
    if not access.can_see_plans(user):
        return {}
    return dict(
        PlanVersion.objects.filter(state=PlanState.PUBLISHED).values_list("programme_id", "number")
    )


def published_version(user, programme) -> PlanVersion | None:
    return plan_versions_of(user, programme).filter(state=PlanState.PUBLISHED).first()


@dataclass
class PlanRow:
    inspection_id: int
    label: str
    force_code: str
    region: str
    slot: int
    starts_on: date
    ends_on: date
    duration: int
    lead: str
    team: list[str]
    status: str = ""


def plan_rows(version: PlanVersion) -> list[PlanRow]:
    """The plan as rows for its table, Gantt, calendar, ICS and API (one source for all)."""
    if not version.plan:
        return []
    problem = Problem.from_json(version.problem)
    names = dict(
        User.objects.filter(pk__in={m for r in version.plan for m in r["members"]}).values_list(
            "pk", "full_name"
        )
    )
    dates = {}
    for a in version.assignments.all():
        dates[a.inspection_id] = (a.starts_on, a.ends_on)
    statuses = dict(
        Inspection.objects.filter(pk__in=[r["task"] for r in version.plan]).values_list(
            "pk", "status"
        )
    )
    rows = []
    for r in version.plan:
        task = problem.task(r["task"])
        starts_on, ends_on = dates[task.id]
        rows.append(
            PlanRow(
                inspection_id=task.id,
                label=task.label,
                force_code=task.force_code,
                region=force_regions().get(task.force_code, ""),
                slot=r["slot"],
                starts_on=starts_on,
                ends_on=ends_on,
                duration=task.duration,
                lead=names.get(r["lead"], str(r["lead"])),
                team=sorted(names.get(m, str(m)) for m in r["members"] if m != r["lead"]),
                status=statuses.get(task.id, ""),
            )
        )
    return sorted(rows, key=lambda row: (row.starts_on, row.label))


def calendar_owner_for(user, person_pk) -> User:
    try:
        person = User.objects.get(pk=person_pk)
    except (User.DoesNotExist, ValueError, TypeError):
        _refuse()
    if not access.can_fetch_calendar_of(user, person):
        _refuse()
    return person


def published_assignments_of(person):
    """The person's places on every programme's published plan."""
    return (
        PlanAssignment.objects.filter(user=person, version__state=PlanState.PUBLISHED)
        .select_related("version__programme", "inspection__force", "inspection__council")
        .order_by("starts_on")
    )


def calendar_owner_by_token(token: str) -> User:
    """The owner of a secret calendar link, if it is current and they still see plans."""
    from cpinspect.scheduling.models import CalendarFeedToken
    from cpinspect.scheduling.services import token_hash

    found = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if found is None or not access.can_see_plans(found.user):
        _refuse()
    return found.user
