"""The planner's tasks for their home page (issue 15): what is waiting for a programme
manager, each with the date it is due, soonest first.

- a programme that has not ended and has no published plan (due: the day it starts);
- inspections still planned whose fieldwork date has passed: re-plan them (one task per
  programme, due: the earliest of those dates);
- a planned inspection with no lead inspector (due: the day the force must be told, the notice
  period before fieldwork: the lead must be on the team before then, ADR 0021);
- a planned inspection whose force must be told within four weeks (due: that day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from cpinspect.accounts import access
from cpinspect.programmes.models import Inspection, Programme, Status, TeamMember, TeamRole
from cpinspect.scheduling.inputs import SCHEDULED_KINDS, config
from cpinspect.scheduling.models import PlanState

SOON = timedelta(days=28)  # how far ahead a force's notice shows as a task


@dataclass(frozen=True)
class PlannerTask:
    title: str
    href: str
    due: date

    def overdue(self, today: date) -> bool:
        return self.due < today


def notice_date(inspection) -> date:
    """The last working day the force can be told: the notice period before fieldwork."""
    days = config()["notice_working_days"].get(inspection.kind, 10)
    day = inspection.fieldwork_starts_on
    while days:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def planner_tasks(user, today: date | None = None) -> list[PlannerTask]:
    """Nothing for anyone but a programme manager."""
    if not access.can_plan_programmes(user):
        return []
    today = today or timezone.localdate()
    tasks = []
    running = Programme.objects.filter(ends_on__gte=today).order_by("starts_on")
    for programme in running.exclude(plan_versions__state=PlanState.PUBLISHED):
        tasks.append(
            PlannerTask(
                f"Solve and publish the plan for {programme.name}",
                reverse("plan-programme", args=[programme.pk]),
                programme.starts_on,
            )
        )
    planned = (
        # the inspections planning places (PEEL and thematic ones are not the planner's)
        Inspection.objects.filter(
            programme__in=running, status=Status.PLANNED, kind__in=list(SCHEDULED_KINDS)
        )
        .select_related("programme", "force", "council")
        .annotate(
            has_lead=Exists(
                TeamMember.objects.filter(inspection=OuterRef("pk"), role=TeamRole.LEAD)
            )
        )
        .order_by("fieldwork_starts_on", "pk")
    )
    passed = {}
    for inspection in planned:
        if inspection.fieldwork_starts_on < today:
            passed.setdefault(inspection.programme, []).append(inspection)
            continue
        name = f"{inspection.get_kind_display()}: {inspection.subject_name}"
        if not inspection.has_lead:
            tasks.append(
                PlannerTask(
                    f"Choose a lead inspector for {name}",
                    reverse("team-add", args=[inspection.pk]),
                    notice_date(inspection),
                )
            )
        elif notice_date(inspection) <= today + SOON:
            tasks.append(
                PlannerTask(
                    f"Notify the force of {name}",
                    reverse("inspection-detail", args=[inspection.pk]),
                    notice_date(inspection),
                )
            )
    for programme, late in passed.items():
        count = len(late)
        tasks.append(
            PlannerTask(
                f"Re-plan {count} inspection{'s' if count != 1 else ''} of {programme.name} "
                "still planned for a date that has passed",
                reverse("plan-solve", args=[programme.pk]),
                late[0].fieldwork_starts_on,
            )
        )
    return sorted(tasks, key=lambda t: (t.due, t.title))
