"""The CP-SAT model against the independent checker, infeasibility explanations and re-planning.

These tests need no database: the problem is plain data.
"""

from datetime import date

import pytest

from cpinspect.scheduling.checker import check
from cpinspect.scheduling.problem import (
    THEMES,
    Person,
    Placement,
    Plan,
    Problem,
    Task,
    fortnights,
    plan_changes,
    travel_units,
)
from cpinspect.scheduling.solver import SolveParams, precheck, solve
from testkit.schedule_year import synthetic_year

FAST = SolveParams(time_limit=10.0, workers=2, seed=3)


def tiny(slots=6, max_concurrent=2):
    """Two forces, five people: small enough to reason about by hand."""
    return Problem(
        slots=fortnights(date(2026, 4, 1), date(2027, 3, 31))[:slots],
        tasks=[
            Task(1, "CP: Essex", "E23000028", "child_protection", THEMES, 3, 1, 90, 1, (2,)),
            Task(2, "CP: Kent", "E23000032", "child_protection", THEMES, 3, 1, 10, 0, ()),
        ],
        people=[
            Person(10, "Ann Lead", True, ("child_protection",), "Eastern", 8),
            Person(11, "Ben Lead", True, ("custody",), "South East", 8),
            Person(12, "Cat", False, ("online_exploitation", "custody"), "London", 8),
            Person(13, "Dan", False, ("sex_offender_management",), "Eastern", 8),
            Person(
                14, "Eve", False, ("online_exploitation", "sex_offender_management"), "Wales", 8
            ),
        ],
        max_concurrent=max_concurrent,
    )


def test_tiny_plan_obeys_every_rule_and_priority_goes_first():
    problem = tiny()
    result = solve(problem, SolveParams(time_limit=10.0, seed=3, relative_gap=0.0))
    assert result.status == "optimal"
    assert check(problem, result.plan) == []
    essex, kent = result.plan.placements[1], result.plan.placements[2]
    assert essex.slot == 1  # earliest after its notice period; fortnight 2 is PEEL
    assert result.gap == 0.0 and result.objective == result.bound
    assert len(essex.members) == 3 and essex.lead in {10, 11}
    # Ann and Ben are the only leads and both are needed for specialisms: no overlap anywhere.
    assert kent.slot != essex.slot or not set(kent.members) & set(essex.members)


def test_synthetic_year_plan_passes_the_independent_checker():
    problem = synthetic_year(forces=14, people=24, max_concurrent=2)
    result = solve(problem, FAST)
    assert result.status in {"optimal", "feasible"}
    assert check(problem, result.plan) == []
    met = result.plan.placements[problem.tasks[0].id]
    assert problem.tasks[0].force_code == "E23000001"
    assert len(met.members) == 6
    # Every plan is in the year, starts after notice and covers every theme.
    for task in problem.tasks:
        placement = result.plan.placements[task.id]
        assert task.earliest_slot <= placement.slot <= len(problem.slots) - task.duration


def _valid_plan():
    problem = tiny()
    return problem, Plan(
        {
            1: Placement(1, 1, 10, (10, 12, 13)),
            2: Placement(2, 3, 11, (11, 12, 14)),
        }
    )


def test_checker_accepts_a_hand_made_valid_plan():
    problem, plan = _valid_plan()
    problem.tasks[1].themes = ("custody", "online_exploitation", "sex_offender_management")
    assert check(problem, plan) == []


@pytest.mark.parametrize(
    "rule, breaking",
    [
        ("peel", lambda pr, pl: pl.placements[1].__setattr__("slot", 2)),
        ("notice", lambda pr, pl: pl.placements[1].__setattr__("slot", 0)),
        ("deadline", lambda pr, pl: setattr(pr.tasks[1], "latest_slot", 2)),
        ("one_place", lambda pr, pl: pl.placements[2].__setattr__("slot", 1)),
        ("absence", lambda pr, pl: pr.people[2].unavailable.__setitem__(3, "annual leave")),
        ("conflict", lambda pr, pl: pr.people[4].conflicts.__setitem__("E23000032", "served")),
        ("capacity", lambda pr, pl: setattr(pr.people[2], "capacity", 1)),
        (
            "concurrency",
            lambda pr, pl: (
                setattr(pr, "max_concurrent", 1),
                pl.placements[2].__setattr__("slot", 1),
                pl.placements[2].__setattr__("members", (11, 13, 14)),
                pl.placements[2].__setattr__("lead", 11),
                setattr(pr.people[3], "capacity", 8),
            ),
        ),
        ("team", lambda pr, pl: pl.placements[1].__setattr__("lead", 12)),
        ("themes", lambda pr, pl: pl.placements[1].__setattr__("members", (10, 12, 11))),
        ("one_slot", lambda pr, pl: pl.placements.pop(2)),
        ("one_slot", lambda pr, pl: pl.placements[2].__setattr__("slot", 6)),
    ],
)
def test_checker_catches_each_broken_rule(rule, breaking):
    problem, plan = _valid_plan()
    problem.tasks[1].themes = ("custody", "online_exploitation", "sex_offender_management")
    breaking(problem, plan)
    rules = {v.rule for v in check(problem, plan)}
    assert rule in rules, rules


def test_checker_enforces_the_metropolitan_police_minimums_on_its_own():
    problem = tiny()
    problem.tasks[0].force_code = "E23000001"  # a Met inspection given a normal team
    plan = Plan({1: Placement(1, 1, 10, (10, 12, 13)), 2: Placement(2, 3, 11, (11, 12, 14))})
    assert "metropolitan" in {v.rule for v in check(problem, plan)}


def test_force_with_no_fortnight_free_of_peel_is_explained():
    problem = tiny()
    problem.tasks[0].blocked_slots = tuple(range(6))
    result = solve(problem, FAST)
    assert result.status == "infeasible" and result.plan is None
    assert result.explanation[0]["rule"] == "peel"
    assert result.explanation[0]["force"] == "E23000028"
    assert result.explanation[0]["message"] == (
        "CP: Essex: no fortnight fits (PEEL fieldwork in 6 fortnight(s); "
        "the notice period means starting 20 Apr 2026 at the earliest)"
    )


def test_no_qualified_staff_in_any_fortnight_is_explained():
    problem = tiny()
    for s in range(6):
        problem.people[0].unavailable[s] = "annual leave"  # Ann is the only CP specialist
    found = precheck(problem)
    assert {f["rule"] for f in found} == {"themes"}
    assert "no child protection specialist free" in found[0]["message"]
    assert "Ann Lead" in found[0]["people_unavailable_or_conflicted"]


def test_conflicting_rules_found_by_cp_sat_name_the_people():
    """Each inspection alone can be staffed, but both need Cat, who can only work fortnight 1,
    and Eve is conflicted out of Kent: only the solver's core can see that."""
    problem = tiny()
    problem.people[4].conflicts["E23000032"] = "served in this force"
    problem.people[4].specialisms = ("sex_offender_management",)  # Cat: the only online one
    for s in (0, 2, 3, 4, 5):
        problem.people[2].unavailable[s] = "training"
    assert precheck(problem) == []
    result = solve(problem, FAST)
    assert result.status == "infeasible"
    rules = {item["rule"] for item in result.explanation}
    assert "absence" in rules
    messages = " ".join(item["message"] for item in result.explanation)
    assert "Cat" in messages


def test_replanning_moves_less_than_solving_afresh():
    problem = synthetic_year(forces=16, people=24, max_concurrent=2, seed=11)
    published = solve(problem, FAST).plan
    placement = sorted(published.placements.values(), key=lambda p: (p.slot, p.task_id))[3]
    person = next(m for m in placement.members if m != placement.lead)
    problem.person(person).unavailable[placement.slot] = "annual leave (new)"
    replan = solve(problem, FAST, baseline=published)
    fresh = solve(problem, FAST)
    assert check(problem, replan.plan) == []
    assert check(problem, fresh.plan) == []
    moved = plan_changes(published, replan.plan)
    assert moved["assignments_moved"] == 1  # only the person now on leave comes off
    assert moved["left"] == [{"task": placement.task_id, "person": person}]
    assert moved["assignments_moved"] < plan_changes(published, fresh.plan)["assignments_moved"]


def test_travel_is_zero_in_region_and_grows_with_distance():
    assert travel_units("London", "London") == 0
    assert 0 < travel_units("London", "South East") < travel_units("London", "North East")


def test_problem_and_plan_round_trip_through_json():
    problem, plan = _valid_plan()
    problem.people[0].unavailable[3] = "leave"
    again = Problem.from_json(problem.to_json())
    assert again == problem
    assert Plan.from_json(plan.to_json()) == plan


def test_a_force_that_must_go_earlier_moves_and_nothing_else_needs_to():
    problem = tiny()
    problem.tasks[1].earliest_slot = 4  # published when Kent could not go before fortnight 4
    published = solve(problem, FAST).plan
    kent = published.placements[2]
    assert kent.slot >= 4
    problem.tasks[1].earliest_slot = 0
    problem.tasks[1].latest_slot = 1
    replan = solve(problem, FAST, baseline=published)
    assert check(problem, replan.plan) == []
    assert replan.plan.placements[2].slot <= 1
    changes = plan_changes(published, replan.plan)
    assert changes["moved"] == [
        {"task": 2, "from": kent.slot, "to": replan.plan.placements[2].slot}
    ]
    assert changes["left"] == []


def test_a_deadline_that_clashes_with_peel_is_explained():
    problem = tiny()
    problem.tasks[0].latest_slot = 2  # Essex: notice rules out 0, PEEL rules out 2
    problem.tasks[0].blocked_slots = (1, 2)
    found = precheck(problem)
    assert found[0]["rule"] == "peel"
    assert "must start by 04 May 2026" in found[0]["message"]
    assert "PEEL fieldwork in 2 fortnight(s)" in found[0]["message"]


def test_prechecks_count_room_from_the_first_fortnight_fieldwork_can_start():
    """A late planning date leaves the last fortnights only. Counted over the whole year (as
    before issue 15) there was room and people for both; from the fortnight they can start
    there are not, and the pre-checks say so instead of a core naming every person."""
    problem = tiny(slots=6, max_concurrent=1)
    for task in problem.tasks:
        task.earliest_slot, task.blocked_slots = 5, ()
    found = {f["rule"]: f["message"] for f in precheck(problem)}
    last = f"{problem.slots[5].starts_on:%d %b %Y}"
    assert found == {
        "capacity": "The plan needs 6 person-fortnights of fieldwork; the team's part-time "
        f"availability allows 5 from {last}.",
        "concurrency": "2 inspection-fortnights of fieldwork do not fit with at most 1 at once "
        f"(1 available from {last}, 1 fortnights).",
    }
    for task in problem.tasks:  # two fortnights left: room for both, one after the other
        task.earliest_slot = 4
    assert precheck(problem) == []
