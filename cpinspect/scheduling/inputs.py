"""Turn a programme in the database into a plain ``Problem`` for the solver and the checker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from cpinspect.accounts.models import Role
from cpinspect.programmes.models import Inspection, InspectionType, Status, TeamMember
from cpinspect.programmes.services import add_working_days
from cpinspect.scheduling import priorities as priority_module
from cpinspect.scheduling.models import Absence, InspectorProfile
from cpinspect.scheduling.problem import (
    METROPOLITAN_POLICE,
    THEMES,
    Person,
    Problem,
    Task,
    force_regions,
    fortnights,
)

# Inspections the scheduler places; PEEL inspections are fixed and block their force's weeks.
SCHEDULED_KINDS = {
    InspectionType.CHILD_PROTECTION: {"themes": THEMES, "team_size": 4, "duration": 1},
    InspectionType.RE_INSPECTION: {"themes": THEMES, "team_size": 3, "duration": 1},
    InspectionType.POST_INSPECTION_REVIEW: {
        "themes": ("child_protection",),
        "team_size": 2,
        "duration": 1,
    },
    InspectionType.JOINT_TARGETED_AREA: {
        "themes": ("child_protection",),
        "team_size": 2,
        "duration": 1,
    },
}
DEFAULTS = {
    "max_concurrent": 3,
    "full_time_fortnights": 8,  # fieldwork fortnights a full-time inspector can do in a year
    "conflict_years": 3,  # no inspector on a force they inspected in the last N years
    "met_team_size": 6,
    "met_duration": 2,
    # Working days' notice before fieldwork (a joint inspection: 10 working days).
    "notice_working_days": {
        InspectionType.JOINT_TARGETED_AREA: 10,
        InspectionType.CHILD_PROTECTION: 10,
        InspectionType.RE_INSPECTION: 10,
        InspectionType.POST_INSPECTION_REVIEW: 10,
    },
}


def config() -> dict:
    return {**DEFAULTS, **(getattr(settings, "CPINSPECT_SCHEDULING", {}) or {})}


@dataclass
class BuiltProblem:
    problem: Problem
    priorities: list  # ForcePriority


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start <= b_end and b_start <= a_end


def build_problem(
    programme, *, as_of: date, max_concurrent: int | None = None, deadlines: dict | None = None
) -> BuiltProblem:
    """``deadlines``: inspection id -> the date its fieldwork must start by (a force that
    must go earlier)."""
    deadlines = deadlines or {}
    cfg = config()
    slots = fortnights(programme.starts_on, programme.ends_on)
    inspections = list(
        Inspection.objects.filter(programme=programme, kind__in=list(SCHEDULED_KINDS))
        .select_related("force", "council__force")
        .order_by("pk")
    )
    to_place = [i for i in inspections if i.status == Status.PLANNED]
    fixed = [i for i in inspections if i.status != Status.PLANNED]
    forces = {i.subject_force for i in inspections}
    ranked = priority_module.force_priorities(as_of=as_of, forces=list(forces))
    scores = priority_module.solver_priorities(ranked)

    peel = list(
        Inspection.objects.filter(kind=InspectionType.PEEL, force__in=forces).only(
            "force_id", "fieldwork_starts_on", "fieldwork_ends_on"
        )
    )
    busy = {}
    for inspection in fixed:
        for slot in slots:
            if _overlaps(
                slot.starts_on,
                slot.ends_on,
                inspection.fieldwork_starts_on,
                inspection.fieldwork_ends_on,
            ):
                busy[slot.index] = busy.get(slot.index, 0) + 1

    tasks = []
    for inspection in to_place:
        spec = SCHEDULED_KINDS[inspection.kind]
        force = inspection.subject_force
        team_size, duration = spec["team_size"], spec["duration"]
        if force.code == METROPOLITAN_POLICE and inspection.kind == InspectionType.CHILD_PROTECTION:
            team_size, duration = cfg["met_team_size"], cfg["met_duration"]
        notice = cfg["notice_working_days"].get(inspection.kind, 10)
        earliest_day = add_working_days(as_of + timedelta(days=1), notice + 1)
        earliest = next((s.index for s in slots if s.starts_on >= earliest_day), len(slots))
        blocked = tuple(
            s.index
            for s in slots
            for p in peel
            if p.force_id == force.pk
            and _overlaps(s.starts_on, s.ends_on, p.fieldwork_starts_on, p.fieldwork_ends_on)
        )
        latest = None
        if inspection.pk in deadlines:
            latest = max(
                (s.index for s in slots if s.starts_on <= deadlines[inspection.pk]), default=-1
            )
        tasks.append(
            Task(
                id=inspection.pk,
                label=f"{inspection.get_kind_display()}: {inspection.subject_name}",
                force_code=force.code,
                kind=inspection.kind,
                themes=tuple(spec["themes"]),
                team_size=team_size,
                duration=duration,
                priority=scores.get(force.code, 0),
                earliest_slot=earliest,
                blocked_slots=tuple(sorted(set(blocked))),
                latest_slot=latest,
            )
        )

    profiles = list(
        InspectorProfile.objects.filter(
            user__is_active=True, user__role__in=[Role.LEAD_INSPECTOR, Role.INSPECTOR]
        )
        .select_related("user")
        .prefetch_related("forces_served")
        .order_by("user__full_name", "pk")
    )
    user_ids = [p.user_id for p in profiles]
    absences = list(
        Absence.objects.filter(
            user_id__in=user_ids, ends_on__gte=programme.starts_on, starts_on__lte=programme.ends_on
        )
    )
    commitments = list(
        TeamMember.objects.filter(user_id__in=user_ids, inspection__in=fixed).select_related(
            "inspection"
        )
    )
    since = as_of - timedelta(days=round(365.25 * cfg["conflict_years"]))
    recent = list(
        TeamMember.objects.filter(
            user_id__in=user_ids,
            inspection__fieldwork_ends_on__gte=since,
            inspection__fieldwork_ends_on__lt=as_of,
        )
        .exclude(inspection__in=to_place)
        .select_related("inspection__force", "inspection__council__force")
    )
    people = []
    for profile in profiles:
        unavailable = {}
        for absence in absences:
            if absence.user_id != profile.user_id:
                continue
            for s in slots:
                if _overlaps(s.starts_on, s.ends_on, absence.starts_on, absence.ends_on):
                    unavailable.setdefault(
                        s.index,
                        f"{absence.get_kind_display().lower()} "
                        f"{absence.starts_on:%d %b} to {absence.ends_on:%d %b %Y}",
                    )
        for member in commitments:
            if member.user_id != profile.user_id:
                continue
            i = member.inspection
            for s in slots:
                if _overlaps(s.starts_on, s.ends_on, i.fieldwork_starts_on, i.fieldwork_ends_on):
                    unavailable.setdefault(s.index, f"fieldwork: {i.subject_name}")
        conflicts = {f.code: "served in this force" for f in profile.forces_served.all()}
        for member in recent:
            if member.user_id == profile.user_id:
                f = member.inspection.subject_force
                conflicts.setdefault(
                    f.code,
                    f"inspected this force (fieldwork ended {member.inspection.fieldwork_ends_on})",
                )
        people.append(
            Person(
                id=profile.user_id,
                name=profile.user.full_name,
                can_lead=profile.user.role == Role.LEAD_INSPECTOR,
                specialisms=tuple(profile.specialisms),
                region=profile.home_region,
                capacity=int(
                    round(float(profile.part_time_fraction) * cfg["full_time_fortnights"])
                ),
                unavailable=unavailable,
                conflicts=conflicts,
            )
        )
    problem = Problem(
        slots=slots,
        tasks=tasks,
        people=people,
        max_concurrent=max_concurrent or cfg["max_concurrent"],
        busy_slots=busy,
    )
    # Regions are read once here so a missing force code fails loudly, not silently.
    regions = force_regions()
    for task in tasks:
        if task.force_code not in regions:
            raise ValueError(f"No police region for force {task.force_code}")
    return BuiltProblem(problem, ranked)
