"""The planning date (issue 15, failure 1): the solve form asks for it, defaulting to the date
the programme's plan was made as of, and a plan the date makes impossible says so first."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from cpinspect.scheduling import services
from cpinspect.scheduling.models import PlanState, PlanVersion
from cpinspect.scheduling.planning_date import default_planning_date
from tests.forms import submit
from tests.scheduling.conftest import AS_OF, FAST

pytestmark = pytest.mark.django_db


def typed(day: date) -> dict:
    return {"as_of_day": day.day, "as_of_month": day.month, "as_of_year": day.year}


def test_the_form_offers_the_date_the_published_plan_was_made_as_of(published, client):
    client.force_login(published["people"]["programme_manager"])
    page = client.get(reverse("plan-solve", args=[published["programme"].pk])).content.decode()
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Planning date' in page
    for name, value in typed(AS_OF).items():
        assert f'name="{name}" type="text" inputmode="numeric" value="{value}"' in page
    assert "This programme&#x27;s plan was made as of 2 March 2026" in page
    assert default_planning_date(published["programme"]) == AS_OF


def test_a_programme_never_planned_is_planned_as_of_today(planning):
    assert default_planning_date(planning["programme"]) == timezone.localdate()


def test_the_planning_date_is_used_and_shown_with_the_plan(published, client):
    client.force_login(published["people"]["programme_manager"])
    url = reverse("plan-solve", args=[published["programme"].pk])
    chosen = date(2026, 3, 16)
    response = submit(
        client,
        url,
        {"time_limit": "5", "max_concurrent": "3", "replan": "on", "reason": "x", **typed(chosen)},
    )
    assert response.status_code == 302
    version = PlanVersion.objects.get(number=2)
    assert version.as_of == chosen and version.state == PlanState.DRAFT
    assert "16 March 2026" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    "typed_date, message",
    [
        ({"as_of_day": "", "as_of_month": "", "as_of_year": ""}, "Enter the planning date"),
        ({"as_of_day": "2", "as_of_month": "", "as_of_year": "2026"}, "must include a month"),
        ({"as_of_day": "30", "as_of_month": "2", "as_of_year": "2026"}, "must be a real date"),
        (
            {"as_of_day": "31", "as_of_month": "3", "as_of_year": "2027"},
            "The planning date must be the same as or before 30 March 2027",
        ),
    ],
)
def test_a_wrong_planning_date_is_named_on_its_field(published, client, typed_date, message):
    client.force_login(published["people"]["programme_manager"])
    url = reverse("plan-solve", args=[published["programme"].pk])
    response = submit(client, url, {"time_limit": "5", "max_concurrent": "3", **typed_date})
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_as_of_day">The planning date ' in page or "Enter" in message
    assert message in page
    assert PlanVersion.objects.count() == 1


def test_the_service_refuses_a_planning_date_at_the_programme_end(published):
    with pytest.raises(services.PlanError, match="before the programme ends on 31 March 2027"):
        services.plan_solve(
            published["people"]["programme_manager"],
            programme=published["programme"],
            as_of=date(2027, 3, 31),
            params=FAST,
        )


def test_a_late_planning_date_names_the_inspections_it_leaves_behind_first(published, client):
    """Planned in April to September 2026, re-planned as of February 2027 with one inspection
    at a time: before, the pre-checks counted the whole year's room, passed, and the solver's
    core named people; now the cause comes first, then the room that is left."""
    planner = published["people"]["programme_manager"]
    client.force_login(planner)
    url = reverse("plan-solve", args=[published["programme"].pk])
    starts = sorted(
        i.fieldwork_starts_on
        for i in published["programme"].inspections.filter(status="planned").exclude(kind="peel")
    )
    response = submit(
        client,
        url,
        {"time_limit": "5", "max_concurrent": "1", "replan": "on", **typed(date(2027, 2, 1))},
    )
    assert response.status_code == 302
    version = PlanVersion.objects.get(number=2)
    assert version.state == PlanState.INFEASIBLE
    rules = [item["rule"] for item in version.explanation]
    assert rules[0] == "planning_date" and "concurrency" in rules, version.explanation
    assert "core" not in rules  # no list of everyone's rules: the pre-checks found the cause
    first = version.explanation[0]["message"]
    assert first.startswith(
        "4 inspections are planned before the planning date 1 February 2027 allows "
        f"(fieldwork between {starts[0]:%-d %B %Y} and {starts[-1]:%-d %B %Y})"
    ), first
    assert "Choose an earlier planning date" in first
    page = client.get(response["Location"]).content.decode()
    assert "No plan is possible" in page
    assert page.index("4 inspections are planned before") < page.index("inspection-fortnights")


def test_the_api_takes_the_planning_date_and_defaults_to_the_plans(published, client):
    client.force_login(published["people"]["programme_manager"])
    url = f"/api/programmes/{published['programme'].pk}/plans/"
    chosen = client.post(
        url, {"time_limit": 5, "as_of": "2026-03-16"}, content_type="application/json"
    )
    assert chosen.status_code == 201 and chosen.json()["as_of"] == "2026-03-16"
    default = client.post(url, {"time_limit": 5}, content_type="application/json")
    assert default.status_code == 201 and default.json()["as_of"] == AS_OF.isoformat()
    late = client.post(
        url, {"time_limit": 5, "as_of": "2027-03-31"}, content_type="application/json"
    )
    assert late.status_code == 409 and "before the programme ends" in late.json()["detail"]
