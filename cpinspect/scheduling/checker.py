"""An independent check of every hard rule on a plan: plain Python, sharing nothing with the
solver's model but the problem's data. Tests run it on every plan the solver produces, and the
service runs it before a plan is stored, so a modelling mistake cannot reach a published plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cpinspect.scheduling.problem import METROPOLITAN_POLICE, Plan, Problem

# The Metropolitan Police's minimums, stated here again on purpose (not read from the tasks).
MET_MIN_TEAM = 6
MET_MIN_SLOTS = 2


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str


def check(problem: Problem, plan: Plan) -> list[Violation]:
    found: list[Violation] = []

    def bad(rule, message):
        found.append(Violation(rule, message))

    slot_count = len(problem.slots)
    people = {p.id: p for p in problem.people}
    occupied = defaultdict(list)  # person -> [(slot, task)]
    load = defaultdict(int)
    running = defaultdict(int)

    for task in problem.tasks:
        placement = plan.placements.get(task.id)
        if placement is None:
            bad("one_slot", f"{task.label} has no slot")
            continue
        slots = range(placement.slot, placement.slot + task.duration)
        if placement.slot < 0 or placement.slot + task.duration > slot_count:
            bad("one_slot", f"{task.label} does not fit in the programme year")
        if task.latest_slot is not None and placement.slot > task.latest_slot:
            bad("deadline", f"{task.label} starts after the fortnight it must start by")
        if placement.slot < task.earliest_slot:
            bad("notice", f"{task.label} starts before its notice period ends")
        for s in slots:
            if s in task.blocked_slots:
                bad("peel", f"{task.label} is in fieldwork during its PEEL fieldwork (slot {s})")
            running[s] += 1
        members = list(placement.members)
        if len(set(members)) != len(members):
            bad("team", f"{task.label} has someone twice on its team")
        if len(set(members)) != task.team_size:
            bad("team", f"{task.label} has {len(set(members))} people, needs {task.team_size}")
        if placement.lead not in members:
            bad("team", f"{task.label}: the lead is not on the team")
        elif placement.lead not in people or not people[placement.lead].can_lead:
            bad("team", f"{task.label}: the lead cannot lead an inspection")
        covered = {th for m in members if m in people for th in people[m].specialisms}
        for theme in task.themes:
            if theme not in covered:
                bad("themes", f"{task.label}: no specialist in {theme}")
        if (
            task.force_code == METROPOLITAN_POLICE
            and task.kind == "child_protection"
            and (task.duration < MET_MIN_SLOTS or len(set(members)) < MET_MIN_TEAM)
        ):
            bad("metropolitan", f"{task.label}: team or fieldwork too small for the Met")
        for m in set(members):
            person = people.get(m)
            if person is None:
                bad("team", f"{task.label}: unknown person {m}")
                continue
            if task.force_code in person.conflicts:
                bad(
                    "conflict",
                    f"{person.name} on {task.label}: {person.conflicts[task.force_code]}",
                )
            for s in slots:
                if s in person.unavailable:
                    bad(
                        "absence",
                        f"{person.name} on {task.label} in slot {s}: {person.unavailable[s]}",
                    )
                occupied[m].append((s, task.id))
            load[m] += task.duration

    for m, entries in occupied.items():
        by_slot = defaultdict(list)
        for s, t in entries:
            by_slot[s].append(t)
        for s, tasks in sorted(by_slot.items()):
            if len(tasks) > 1:
                bad("one_place", f"{people[m].name} is on {len(tasks)} inspections in slot {s}")
        if load[m] > people[m].capacity:
            bad(
                "capacity",
                f"{people[m].name} has {load[m]} fortnights, allowed {people[m].capacity}",
            )

    for s, count in sorted(running.items()):
        total = count + problem.busy_slots.get(s, 0)
        if total > problem.max_concurrent:
            bad(
                "concurrency",
                f"{total} inspections in fieldwork in slot {s}, at most {problem.max_concurrent}",
            )
    extra = set(plan.placements) - {t.id for t in problem.tasks}
    for task_id in sorted(extra):
        bad("one_slot", f"plan places unknown inspection {task_id}")
    return found
