"""Solving, storing, publishing and re-planning a programme in the database."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from cpinspect.programmes.models import Inspection, TeamMember
from cpinspect.scheduling import services
from cpinspect.scheduling.checker import check
from cpinspect.scheduling.models import PlanAssignment, PlanState, PlanVersion
from cpinspect.scheduling.problem import Plan, Problem
from tests.fixtures import programme_manager
from tests.scheduling.conftest import AS_OF, FAST

pytestmark = pytest.mark.django_db


def test_solved_plan_is_stored_with_provenance_and_obeys_every_rule(solved):
    version = solved["version"]
    assert version.state == PlanState.DRAFT
    assert version.solver_version.startswith("OR-Tools CP-SAT 9.")
    assert version.solver_status in {"optimal", "feasible"}
    assert version.seed == FAST.seed and version.parameters["seed"] == FAST.seed
    assert version.parameters["workers"] == 2 and version.gap is not None
    problem, plan = Problem.from_json(version.problem), Plan.from_json(version.plan)
    assert check(problem, plan) == []
    ins = solved["inspections"]
    slots = {p.task_id: p for p in plan.placements.values()}
    assert set(slots) == {i.pk for i in ins.values()}
    # The Met: six people over two fortnights.
    met = PlanAssignment.objects.filter(version=version, inspection=ins["met"])
    assert met.count() == 6
    assert {a.role for a in met}.issuperset({"lead"})
    assert (met[0].ends_on - met[0].starts_on).days == 25  # 20 working days
    # Kent avoids its PEEL fortnight (index 4) and the lead who served in Kent.
    assert slots[ins["kent"].pk].slot != 4
    kent_people = set(
        PlanAssignment.objects.filter(version=version, inspection=ins["kent"]).values_list(
            "user_id", flat=True
        )
    )
    assert solved["staff"]["lead"].pk not in kent_people


def test_only_programme_managers_solve_and_publish(planning, solved):
    with pytest.raises(PermissionDenied):
        services.plan_solve(
            planning["people"]["lead"],
            programme=planning["programme"],
            as_of=AS_OF,
        )
    with pytest.raises(PermissionDenied):
        services.plan_publish(planning["people"]["analyst"], version=solved["version"])


def test_publishing_writes_dates_and_teams_into_planned_inspections(published):
    version = published["version"]
    assert version.state == PlanState.PUBLISHED
    assert version.published_by == published["people"]["programme_manager"]
    for a in version.assignments.all():
        inspection = Inspection.objects.get(pk=a.inspection_id)
        assert inspection.fieldwork_starts_on == a.starts_on
        role = "lead" if a.role == "lead" else "inspector"
        assert TeamMember.objects.filter(inspection=inspection, user=a.user, role=role).exists()
    essex = published["inspections"]["essex"]
    assert TeamMember.objects.filter(inspection=essex).count() == 4


def test_replan_after_leave_moves_only_what_the_change_forces(published):
    version = published["version"]
    plan = Plan.from_json(version.plan)
    essex = plan.placements[published["inspections"]["essex"].pk]
    person = next(m for m in essex.members if m != essex.lead)
    slot = Problem.from_json(version.problem).slots[essex.slot]
    services.absence_create(
        programme_manager(),
        person=published["staff"]["lead"].__class__.objects.get(pk=person),
        kind="leave",
        starts_on=slot.starts_on,
        ends_on=slot.ends_on,
    )
    manager = published["people"]["programme_manager"]
    replan = services.plan_solve(
        manager,
        programme=published["programme"],
        replan=True,
        as_of=AS_OF,
        params=FAST,
        reason="leave changed",
    )
    assert replan.number == 2 and replan.replan_of == version
    assert check(Problem.from_json(replan.problem), Plan.from_json(replan.plan)) == []
    changes = replan.changes
    # Exactly one change: either the person on leave comes off Essex, or Essex moves to
    # another fortnight with its whole team; nothing else moves.
    assert changes["assignments_moved"] == 1
    took_off = changes["left"] == [{"task": essex.task_id, "person": person}]
    moved_essex = [m["task"] for m in changes["moved"]] == [essex.task_id] and not changes["left"]
    assert took_off != moved_essex
    services.plan_publish(manager, version=replan)
    version.refresh_from_db()
    replan.refresh_from_db()
    assert version.state == PlanState.SUPERSEDED  # kept, not deleted
    assert replan.state == PlanState.PUBLISHED
    assert replan.published_diff["assignments_moved"] == changes["assignments_moved"]
    still_on = TeamMember.objects.filter(inspection_id=essex.task_id, user_id=person).exists()
    assert still_on == moved_essex
    assert TeamMember.objects.filter(inspection_id=essex.task_id).count() == 4


def test_a_stored_plan_is_never_resolved(solved, client):
    version = solved["version"]
    before = (version.plan, version.objective, version.wall_time)
    client.force_login(solved["people"]["programme_manager"])
    assert client.get(f"/plans/{version.pk}/").status_code == 200
    version.refresh_from_db()
    assert (version.plan, version.objective, version.wall_time) == before
    assert PlanVersion.objects.count() == 1
    PlanVersion.objects.filter(pk=version.pk).update(state=PlanState.SUPERSEDED)
    with pytest.raises(services.PlanError, match="Only a draft can be published"):
        services.plan_publish(solved["people"]["programme_manager"], version=version)


def test_replan_needs_a_published_plan(planning):
    with pytest.raises(services.PlanError, match="no published plan"):
        services.plan_solve(
            planning["people"]["programme_manager"],
            programme=planning["programme"],
            replan=True,
            as_of=AS_OF,
        )


def test_infeasible_request_is_stored_with_its_explanation(planning):
    # Every lead inspector on leave all year: no inspection can have a lead.
    for key in ("lead", "other_lead", "lead3"):
        services.absence_create(
            programme_manager(),
            person=planning["staff"][key],
            kind="training",
            starts_on=date(2026, 4, 1),
            ends_on=date(2027, 3, 31),
        )
    version = services.plan_solve(
        planning["people"]["programme_manager"],
        programme=planning["programme"],
        as_of=AS_OF,
        params=FAST,
    )
    assert version.state == PlanState.INFEASIBLE
    assert version.solver_status == "infeasible"
    assert version.plan == [] and not version.assignments.exists()
    assert all("no lead inspector free" in item["message"] for item in version.explanation)
    assert len(version.explanation) == 4


def test_notice_and_peel_blocks_come_from_the_database(planning):
    from cpinspect.scheduling.inputs import build_problem

    problem = build_problem(planning["programme"], as_of=date(2026, 4, 10)).problem
    kent = problem.task(planning["inspections"]["kent"].pk)
    assert kent.blocked_slots == (4,)
    # 10 working days' notice from 10 April 2026: fieldwork from 27 April, so fortnight 2.
    assert kent.earliest_slot == 2
    met = problem.task(planning["inspections"]["met"].pk)
    assert (met.team_size, met.duration) == (6, 2)
    half = problem.person(planning["staff"]["insp3"].pk)
    assert half.capacity == 4
    assert "E23000032" in problem.person(planning["staff"]["lead"].pk).conflicts


def test_recent_inspection_of_a_force_is_a_conflict_of_interest(planning):
    from cpinspect.programmes import services as programme_services
    from cpinspect.programmes.models import InspectionType, Status, TeamRole
    from cpinspect.scheduling.inputs import build_problem

    past = programme_services.inspection_create(
        programme_manager(),
        programme=planning["programme"],
        kind=InspectionType.CHILD_PROTECTION,
        force=planning["surrey"],
        fieldwork_starts_on=date(2024, 5, 6),
    )
    Inspection.objects.filter(pk=past.pk).update(status=Status.CLOSED)
    programme_services.team_member_add(
        programme_manager(),
        inspection=past,
        person=planning["staff"]["insp5"],
        role=TeamRole.INSPECTOR,
    )
    problem = build_problem(planning["programme"], as_of=AS_OF).problem
    person = problem.person(planning["staff"]["insp5"].pk)
    assert person.conflicts == {"E23000031": "inspected this force (fieldwork ended 2024-05-17)"}
    # Three years on, the conflict has lapsed.
    later = build_problem(planning["programme"], as_of=date(2027, 6, 1)).problem
    assert later.person(planning["staff"]["insp5"].pk).conflicts == {}


def test_a_new_follow_up_is_added_without_moving_the_published_plan(published):
    from cpinspect.programmes import services as programme_services
    from cpinspect.programmes.models import InspectionType

    follow_up = programme_services.inspection_create(
        programme_manager(),
        programme=published["programme"],
        kind=InspectionType.RE_INSPECTION,
        force=published["inspections"]["essex"].force,
        fieldwork_starts_on=date(2027, 1, 11),
    )
    replan = services.plan_solve(
        published["people"]["programme_manager"],
        programme=published["programme"],
        replan=True,
        as_of=AS_OF,
        params=FAST,
        reason="new follow-up",
    )
    assert replan.changes["added"] == [follow_up.pk]
    assert replan.changes["assignments_moved"] == 0
    plan = Plan.from_json(replan.plan)
    assert check(Problem.from_json(replan.problem), plan) == []
    assert len(plan.placements[follow_up.pk].members) == 3
