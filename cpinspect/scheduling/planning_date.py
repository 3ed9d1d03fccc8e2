"""The planning date: the day a plan is made as of (ADR 0027).

A plan is solved as of a date: fieldwork can start, at the earliest, once the force has had
its notice after that date, and conflicts of interest look back from it. The web used to solve
as of today, so a programme planned a year ahead (the demo's, as of 2 March 2026) was
infeasible when re-planned later in the year, and the page named every inspector instead of
the cause. The planner now chooses the date, defaulting to the one the programme's plan was
made as of, and an infeasible answer names planned inspections the date leaves behind first.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from cpinspect.scheduling.models import PlanState, PlanVersion
from cpinspect.scheduling.problem import Problem


def default_planning_date(programme) -> date:
    """The date the programme's plan was made as of: the published plan's, else the latest
    version's; today for a programme never planned."""
    versions = PlanVersion.objects.filter(programme=programme)
    published = versions.filter(state=PlanState.PUBLISHED).first()
    if published is not None:
        return published.as_of
    latest = versions.order_by("-number").first()
    return latest.as_of if latest is not None else timezone.localdate()


def left_behind(problem: Problem, planned_starts: dict[int, date], as_of: date) -> dict | None:
    """The explanation item for inspections whose planned fieldwork starts before the first
    day the planning date allows (``planned_starts``: inspection id -> its planned start), or
    None when there are none. Said first when no plan is possible: it is the likeliest
    cause, and the only one a planner fixes by changing the date."""
    slots = problem.slots
    if not slots or not problem.tasks:
        return None
    first = min(t.earliest_slot for t in problem.tasks)
    opens_on = slots[first].starts_on if first < len(slots) else None
    behind = [
        t
        for t in problem.tasks
        if t.id in planned_starts
        and (
            t.earliest_slot >= len(slots) or planned_starts[t.id] < slots[t.earliest_slot].starts_on
        )
    ]
    if not behind:
        return None
    count = len(behind)
    starts = sorted(planned_starts[t.id] for t in behind)
    were = (
        f"on {starts[0]:%-d %B %Y}"
        if starts[0] == starts[-1]
        else f"between {starts[0]:%-d %B %Y} and {starts[-1]:%-d %B %Y}"
    )
    room = (
        f"after notice to the force, fieldwork can start from {opens_on:%-d %B %Y} at the "
        f"earliest, which leaves {len(slots) - first} of the programme's {len(slots)} "
        f"fortnights for the {len(problem.tasks)} inspections to place"
        if opens_on is not None
        else "after notice to the force, no fortnight of the programme is left"
    )
    return {
        "rule": "planning_date",
        "tasks": [t.id for t in behind],
        "message": (
            f"{count} inspection{'s are' if count != 1 else ' is'} planned before the planning "
            f"date {as_of:%-d %B %Y} allows (fieldwork {were}): {room}. Choose an earlier planning "
            "date, or move inspections to another programme."
        ),
    }
