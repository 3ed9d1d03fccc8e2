"""Writes for planning: profiles, absences, solving and publishing plans.

One transaction each, keyword-only arguments. Solving always makes a new ``PlanVersion``; a
stored plan is never re-solved or changed except to publish or supersede it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cpinspect.accounts import access
from cpinspect.editing.versions import when_text
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import (
    DEFAULT_FIELDWORK_DAYS,
    Inspection,
    Programme,
    Status,
    TeamMember,
    TeamRole,
)
from cpinspect.scheduling import planning_date
from cpinspect.scheduling.checker import check
from cpinspect.scheduling.inputs import build_problem
from cpinspect.scheduling.models import (
    Absence,
    CalendarFeedToken,
    InspectorProfile,
    PlanAssignment,
    PlanState,
    PlanVersion,
)
from cpinspect.scheduling.problem import Plan, Problem, plan_changes
from cpinspect.scheduling.solver import SolveParams, solve


class PlanError(Exception):
    """A planning request that cannot be carried out; the message says why."""


class PlanStale(PlanError):
    """The programme's published plan is not the one the page showed (ADR 0020)."""


def _refuse_if_published_moved(programme, seen_published: int | None, doing: str) -> None:
    """``seen_published``: the id of the published plan the page showed (0: none); ``None``
    when no page is involved. Another publication since refuses the request, naming it."""
    if seen_published is None:
        return
    current = published_plan(programme)
    if (current.pk if current else 0) == seen_published:
        return
    if current is None:
        raise PlanStale(f"The published plan changed after you opened this page: {doing}.")
    by = current.published_by.full_name if current.published_by else "The system"
    when = when_text(current.published_at) if current.published_at else "since"
    raise PlanStale(
        f"{by} published plan version {current.number} {when}, after you opened this page: "
        f"{doing}. Look at version {current.number} first."
    )


@transaction.atomic
def inspector_profile_save(
    actor, *, person, specialisms, home_region, part_time_fraction=1, forces_served=()
) -> InspectorProfile:
    """``person``'s specialisms, home region and hours for planning, set by a programme
    manager (``actor``)."""
    access.require(access.can_plan_programmes(actor))
    profile, _ = InspectorProfile.objects.get_or_create(
        user=person, defaults={"home_region": home_region}
    )
    profile.specialisms = list(specialisms)
    profile.home_region = home_region
    profile.part_time_fraction = part_time_fraction
    profile.full_clean()
    profile.save()
    profile.forces_served.set(forces_served)
    return profile


@transaction.atomic
def absence_create(
    actor, *, person, kind, starts_on: date, ends_on: date, note: str = ""
) -> Absence:
    """``person``'s leave, training or other absence, recorded by a programme manager."""
    access.require(access.can_plan_programmes(actor))
    absence = Absence(user=person, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note)
    absence.full_clean()
    absence.save()
    return absence


def published_plan(programme) -> PlanVersion | None:
    return PlanVersion.objects.filter(programme=programme, state=PlanState.PUBLISHED).first()


def plan_solve(
    actor,
    *,
    programme: Programme,
    replan: bool = False,
    as_of: date | None = None,
    params: SolveParams | None = None,
    reason: str = "",
    max_concurrent: int | None = None,
    deadlines: dict | None = None,
    progress=None,
    via: str = "web",
    seen_published: int | None = None,
) -> PlanVersion:
    """Solve the programme into a new draft version (or a stored 'no plan possible' version).

    With ``replan`` the published plan is kept as far as possible and the result lists exactly
    what moved; ``seen_published`` (pages and the API) is the published plan the person meant
    to re-plan, refused if another has been published since. ``actor`` is None only on the
    command line, which is an operator's tool.
    """
    if actor is not None:
        access.require(access.can_plan_programmes(actor))
    as_of = as_of or planning_date.default_planning_date(programme)
    if as_of >= programme.ends_on:
        raise PlanError(
            f"The planning date must be before the programme ends on {programme.ends_on:%-d %B %Y}."
        )
    params = params or SolveParams()
    if replan:
        _refuse_if_published_moved(programme, seen_published, "nothing was re-planned")
    baseline_version = published_plan(programme) if replan else None
    if replan and baseline_version is None:
        raise PlanError("There is no published plan to re-plan; solve and publish one first.")
    built = build_problem(
        programme, as_of=as_of, max_concurrent=max_concurrent, deadlines=deadlines
    )
    if not built.problem.tasks:
        raise PlanError("The programme has no planned inspections to schedule.")
    baseline = Plan.from_json(baseline_version.plan) if baseline_version else None
    if baseline is not None:
        # Only inspections still to be placed can move; the others are fixed commitments now.
        keep = {t.id for t in built.problem.tasks}
        baseline = Plan({k: v for k, v in baseline.placements.items() if k in keep})
    result = solve(built.problem, params, baseline=baseline, progress=progress)
    if result.plan is None:
        planned = dict(
            Inspection.objects.filter(pk__in=[t.id for t in built.problem.tasks]).values_list(
                "pk", "fieldwork_starts_on"
            )
        )
        cause = planning_date.left_behind(built.problem, planned, as_of)
        if cause is not None:  # the likeliest cause, and the planner's to change: said first
            result.explanation = [cause, *result.explanation]
    if result.plan is not None:
        violations = check(built.problem, result.plan)
        if violations:  # a modelling error: never store a plan that breaks a rule
            raise PlanError(
                "The solver's plan broke a rule: " + "; ".join(v.message for v in violations)
            )
    return _store(
        programme=programme,
        user=actor,
        via=via,
        as_of=as_of,
        params=params,
        problem=built.problem,
        priorities=built.priorities,
        result=result,
        baseline_version=baseline_version,
        baseline=baseline,
        reason=reason,
    )


@transaction.atomic
def _store(
    *,
    programme,
    user,
    via,
    as_of,
    params,
    problem: Problem,
    priorities,
    result,
    baseline_version,
    baseline,
    reason,
) -> PlanVersion:
    Programme.objects.select_for_update().get(pk=programme.pk)
    number = (
        PlanVersion.objects.filter(programme=programme).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    version = PlanVersion.objects.create(
        programme=programme,
        number=number,
        state=PlanState.DRAFT if result.plan is not None else PlanState.INFEASIBLE,
        replan_of=baseline_version,
        reason=reason[:300],
        as_of=as_of,
        created_by=user,
        created_via=via,
        solver_version=result.solver_version,
        parameters=params.to_json(),
        seed=params.seed,
        solver_status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        wall_time=round(result.wall_time, 3),
        problem=problem.to_json(),
        plan=result.plan.to_json() if result.plan else [],
        priorities=[p.to_json() for p in priorities],
        explanation=result.explanation,
        changes=plan_changes(baseline, result.plan) if baseline and result.plan else {},
    )
    if result.plan is not None:
        slots = problem.slots
        rows = []
        for placement in result.plan.placements.values():
            task = problem.task(placement.task_id)
            starts_on, ends_on = _fieldwork_dates(task, slots[placement.slot])
            for member in placement.members:
                rows.append(
                    PlanAssignment(
                        version=version,
                        inspection_id=task.id,
                        user_id=member,
                        role="lead" if member == placement.lead else "inspector",
                        starts_on=starts_on,
                        ends_on=ends_on,
                    )
                )
        PlanAssignment.objects.bulk_create(rows)
    return version


def _fieldwork_dates(task, slot):
    days = (
        10 * task.duration if task.kind == "child_protection" else DEFAULT_FIELDWORK_DAYS[task.kind]
    )
    return slot.starts_on, programme_services.add_working_days(slot.starts_on, days)


@transaction.atomic
def plan_publish(actor, *, version: PlanVersion, seen_published: int | None = None) -> PlanVersion:
    """Publish a draft: the previous published version is superseded (and kept), the diff from
    it is stored, and the planned inspections take the plan's dates and teams.

    One publication at a time per programme (its row is locked): two at once would both
    supersede the same plan, and the second would break the one-published-plan rule.
    ``seen_published``: the published plan the page showed (0: none), checked under the lock."""
    access.require(access.can_plan_programmes(actor))
    Programme.objects.select_for_update().get(pk=version.programme_id)
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    _refuse_if_published_moved(version.programme, seen_published, "nothing was published")
    if version.state != PlanState.DRAFT:
        raise PlanError(
            f"Only a draft can be published; this plan is {version.get_state_display().lower()}."
        )
    previous = published_plan(version.programme)
    diff = {}
    if previous is not None:
        diff = plan_changes(Plan.from_json(previous.plan), Plan.from_json(version.plan))
        previous.state = PlanState.SUPERSEDED
        previous.save(update_fields=["state"])
    version.state = PlanState.PUBLISHED
    version.published_by = actor
    version.published_at = timezone.now()
    version.published_diff = diff
    version.save(update_fields=["state", "published_by", "published_at", "published_diff"])
    _apply(version, actor)
    return version


def _apply(version: PlanVersion, actor) -> None:
    """Write the plan into its inspections that are still planned (never notified ones)."""
    by_inspection = {}
    for a in version.assignments.all():
        by_inspection.setdefault(a.inspection_id, []).append(a)
    inspections = Inspection.objects.select_for_update().filter(
        pk__in=list(by_inspection), status=Status.PLANNED
    )
    for inspection in inspections:
        places = by_inspection[inspection.pk]
        inspection.fieldwork_starts_on = places[0].starts_on
        inspection.fieldwork_ends_on = places[0].ends_on
        inspection.full_clean()
        inspection.save(update_fields=["fieldwork_starts_on", "fieldwork_ends_on", "updated_at"])
        wanted = {(a.user_id, a.role) for a in places}
        for member in TeamMember.objects.filter(
            inspection=inspection, role__in=[TeamRole.LEAD, TeamRole.INSPECTOR]
        ):
            if (member.user_id, member.role) not in wanted:
                programme_services.team_member_remove(actor, member=member)
        have = set(TeamMember.objects.filter(inspection=inspection).values_list("user_id", "role"))
        for a in sorted(places, key=lambda a: a.role != "lead"):
            if (a.user_id, a.role) not in have:
                role = TeamRole.LEAD if a.role == "lead" else TeamRole.INSPECTOR
                try:
                    programme_services.team_member_add(
                        actor, inspection=inspection, person=a.user, role=role
                    )
                except ValidationError as error:
                    raise PlanError(f"{a.user} cannot join {inspection}: {error}") from error


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_issue(actor) -> str:
    """A new secret calendar link token for ``actor`` (the old one stops working)."""
    access.require(access.can_see_plans(actor), "Only inspectorate staff have feeds.")
    token = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.update_or_create(
        user=actor, defaults={"token_hash": token_hash(token)}
    )
    return token
