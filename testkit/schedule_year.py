"""A realistic synthetic year for the benchmark and the solver tests (no database).

26 fortnights, one child protection inspection of each of the 43 forces, 40 inspectors with
specialisms, home regions, part-time patterns, leave, training and conflicts of interest, all
drawn from a seeded generator so every run builds the same problem.
"""

from __future__ import annotations

import random
from datetime import date

from cpinspect.scheduling.problem import (
    METROPOLITAN_POLICE,
    THEMES,
    Person,
    Problem,
    Task,
    force_regions,
    fortnights,
)


def synthetic_year(
    *, seed: int = 7, people: int = 40, forces: int = 43, max_concurrent: int = 3
) -> Problem:
    rng = random.Random(seed)  # noqa: S311 - a reproducible benchmark, not security
    slots = fortnights(date(2026, 4, 1), date(2027, 4, 9))[:26]
    regions = force_regions()
    codes = sorted(regions)[:forces]
    if METROPOLITAN_POLICE in regions and METROPOLITAN_POLICE not in codes:
        codes[0] = METROPOLITAN_POLICE
    tasks = []
    for i, code in enumerate(codes):
        met = code == METROPOLITAN_POLICE
        peel_start = rng.randrange(0, len(slots) - 1)
        tasks.append(
            Task(
                id=i + 1,
                label=f"Child protection: {code}",
                force_code=code,
                kind="child_protection",
                themes=THEMES,
                team_size=6 if met else 4,
                duration=2 if met else 1,
                priority=rng.randint(0, 100),
                earliest_slot=1,
                blocked_slots=(peel_start, peel_start + 1),
            )
        )
    region_names = sorted(set(regions.values()))
    staff = []
    for j in range(people):
        can_lead = j % 4 == 0
        specialisms = {THEMES[j % len(THEMES)]}
        if rng.random() < 0.5:
            specialisms.add(rng.choice(THEMES))
        part_time = rng.random() < 0.2
        unavailable = {}
        summer = rng.randrange(7, 11)  # July-August leave
        unavailable[summer] = "annual leave"
        unavailable[summer + 1] = "annual leave"
        unavailable[18] = "annual leave"  # Christmas fortnight for most
        unavailable[rng.randrange(0, len(slots))] = "training"
        if part_time:
            for s in range(rng.randrange(0, 4), len(slots), 4):
                unavailable.setdefault(s, "part-time: non-working fortnight")
        if rng.random() < 0.5:
            del unavailable[18]
        served = rng.choice(codes)
        conflicts = {served: "served in this force"}
        if rng.random() < 0.3:
            conflicts[rng.choice(codes)] = "inspected this force in the last 3 years"
        staff.append(
            Person(
                id=1000 + j,
                name=f"Inspector {j + 1:02d}",
                can_lead=can_lead,
                specialisms=tuple(sorted(specialisms)),
                region=rng.choice(region_names),
                capacity=4 if part_time else 8,
                unavailable=unavailable,
                conflicts=conflicts,
            )
        )
    return Problem(slots=slots, tasks=tasks, people=staff, max_concurrent=max_concurrent)
