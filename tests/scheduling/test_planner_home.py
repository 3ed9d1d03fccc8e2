"""The planner's home page lists their tasks with due dates (issue 15), and the Gantt chart
names each inspection in full."""

from datetime import date

import pytest
from django.urls import reverse

from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import InspectionType, TeamRole
from cpinspect.scheduling.tasks import notice_date, planner_tasks
from tests.fixtures import programme_manager

pytestmark = pytest.mark.django_db


def test_notice_is_counted_in_working_days_before_fieldwork(planning):
    kent = planning["inspections"]["kent"]  # fieldwork from Monday 7 September 2026
    assert kent.fieldwork_starts_on == date(2026, 9, 7)
    assert notice_date(kent) == date(2026, 8, 24)  # ten working days before


def test_a_planners_tasks_each_with_its_due_date_soonest_first(planning, reference):
    programme, planner = planning["programme"], planning["people"]["programme_manager"]
    essex = planning["inspections"]["essex"]
    programme_services.team_member_add(
        programme_manager(),
        inspection=essex,
        person=planning["people"]["lead"],
        role=TeamRole.LEAD,
    )
    # on 17 August 2026: every planned inspection starts on 7 September; Essex has its lead
    tasks = planner_tasks(planner, today=date(2026, 8, 17))
    titles = [(t.title, t.due) for t in tasks]
    assert titles == [
        ("Solve and publish the plan for 2026/27", date(2026, 4, 1)),
        ("Choose a lead inspector for Child protection inspection: Kent", date(2026, 8, 24)),
        (
            "Choose a lead inspector for Child protection inspection: Metropolitan Police",
            date(2026, 8, 24),
        ),
        ("Choose a lead inspector for Post-inspection review: Surrey", date(2026, 8, 24)),
        ("Notify the force of Child protection inspection: Essex", date(2026, 8, 24)),
    ]
    assert tasks[0].overdue(date(2026, 8, 17)) and not tasks[1].overdue(date(2026, 8, 17))
    # in October the dates have passed: one task to re-plan them, overdue since September
    later = planner_tasks(planner, today=date(2026, 10, 1))
    assert [(t.title, t.due) for t in later][-1] == (
        "Re-plan 4 inspections of 2026/27 still planned for a date that has passed",
        date(2026, 9, 7),  # not Kent's PEEL inspection (June): planning does not place it
    )
    assert later[-1].href == reverse("plan-solve", args=[programme.pk])


def test_the_home_page_shows_the_tasks_to_planners_only(planning, client):
    client.force_login(planning["people"]["programme_manager"])
    page = client.get(reverse("dashboard")).content.decode()
    assert '<h2 class="govuk-heading-m" id="tasks">Your tasks</h2>' in page
    assert "Solve and publish the plan for 2026/27" in page
    assert "1 April 2026" in page and "Overdue" in page  # the programme started unplanned
    assert reverse("programme-new") in page
    client.force_login(planning["people"]["lead"])
    page = client.get(reverse("dashboard")).content.decode()
    assert "Your tasks" not in page and reverse("programme-new") not in page
    assert planner_tasks(planning["people"]["lead"]) == []


def test_a_programme_with_a_published_plan_has_no_plan_task(published):
    planner = published["people"]["programme_manager"]
    titles = [t.title for t in planner_tasks(planner, today=date(2026, 3, 10))]
    assert not any(t.startswith("Solve and publish") for t in titles)


def test_the_gantt_chart_names_every_force_in_full(published, client):
    long = programme_services.inspection_create(
        programme_manager(),
        programme=published["programme"],
        kind=InspectionType.JOINT_TARGETED_AREA,
        council=published["people"]["liaison"].force.councils.first(),
        fieldwork_starts_on=date(2026, 11, 9),
    )
    long.status = "notified"
    long.save()
    client.force_login(published["people"]["programme_manager"])
    page = client.get(reverse("plan-programme", args=[published["programme"].pk])).content.decode()
    label = f"Joint targeted area inspection: {long.subject_name}"
    assert f">{label}</text>" in page  # not cut at 32 characters, as it was
    assert "...</text>" not in page and "…</text>" not in page
    assert 'role="region" aria-label="Gantt chart (scrolls sideways)" tabindex="0"' in page
