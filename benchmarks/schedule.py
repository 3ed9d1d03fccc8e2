"""Benchmark: solve a year's programme, then re-plan after one inspector's leave changes.

A year of 26 fortnights, 43 forces and 40 inspectors (testkit.schedule_year), solved
with CP-SAT (2 workers, fixed seed, 30 s limit). Then one inspector on the plan gets leave over
one of their fieldwork fortnights; the plan is re-solved keeping the published plan (10 s limit)
and, for comparison, solved afresh. Prints JSON. Needs no database.

    .venv/bin/python benchmarks/schedule.py
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from cpinspect.scheduling.checker import check  # noqa: E402
from cpinspect.scheduling.problem import plan_changes  # noqa: E402
from cpinspect.scheduling.solver import SolveParams, solve  # noqa: E402
from testkit.schedule_year import synthetic_year  # noqa: E402


def main():
    problem = synthetic_year()
    params = SolveParams(time_limit=30.0, workers=2, seed=20260401)
    first = solve(problem, params)
    out = {
        "instance": {
            "fortnights": len(problem.slots),
            "forces": len(problem.tasks),
            "inspectors": len(problem.people),
            "max_concurrent": problem.max_concurrent,
        },
        "solve": {
            "seconds": round(first.wall_time, 2),
            "status": first.status,
            "objective": first.objective,
            "bound": first.bound,
            "gap": round(first.gap, 5) if first.gap is not None else None,
            "checker_violations": len(check(problem, first.plan)) if first.plan else None,
        },
    }
    published = first.plan
    # One inspector's leave changes: they are now away during one of their fieldwork fortnights.
    placement = sorted(published.placements.values(), key=lambda p: (p.slot, p.task_id))[5]
    person_id = next(m for m in placement.members if m != placement.lead)
    person = problem.person(person_id)
    person.unavailable[placement.slot] = "annual leave (changed)"
    out["change"] = {"person": person.name, "fortnight": placement.slot}

    began = time.monotonic()
    replan = solve(
        problem, SolveParams(time_limit=10.0, workers=2, seed=20260401), baseline=published
    )
    replan_seconds = time.monotonic() - began
    fresh = solve(problem, params)
    for key, result, seconds in (
        ("replan", replan, replan_seconds),
        ("fresh_solve", fresh, fresh.wall_time),
    ):
        changes = plan_changes(published, result.plan) if result.plan else None
        out[key] = {
            "seconds": round(seconds, 2),
            "status": result.status,
            "gap": round(result.gap, 5) if result.gap is not None else None,
            "checker_violations": len(check(problem, result.plan)) if result.plan else None,
            "assignments_moved": changes["assignments_moved"] if changes else None,
            "inspections_moved": len(changes["moved"]) if changes else None,
            "people_taken_off": len(changes["left"]) if changes else None,
        }
    out["machine_note"] = (
        f"{os.cpu_count()} CPUs; other test runs may share the machine, so times are pessimistic"
    )
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
