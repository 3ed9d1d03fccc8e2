"""A planner creates a programme in the service (issue 15, failure 7): the page, its errors,
the service's own checks, the audit trail, a double click and two planners at once."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pghistory.models import Events

from cpinspect.programmes import services
from cpinspect.programmes.models import Programme
from tests.forms import opened, submit
from tests.races import ROUNDS, race, raised, signed_in

URL = "/programmes/new/"
TYPED = {
    "name": "2027/28",
    "starts_on_day": "1",
    "starts_on_month": "4",
    "starts_on_year": "2027",
    "ends_on_day": "31",
    "ends_on_month": "3",
    "ends_on_year": "2028",
    "description": "The year's child protection inspections.",
}


@pytest.mark.django_db
def test_a_planner_creates_a_programme_and_the_trail_names_them(people, client):
    planner = people["programme_manager"]
    client.force_login(planner)
    page = client.get(URL).content.decode()
    assert '<h1 class="govuk-heading-l">Create a programme</h1>' in page
    assert 'name="starts_on_day"' in page and 'name="ends_on_year"' in page  # GOV.UK date input
    assert 'type="date"' not in page  # never the browser's picker (mm/dd/yyyy in Chromium)
    response = submit(client, URL, TYPED)
    programme = Programme.objects.get(name="2027/28")
    assert response.status_code == 302
    assert response["Location"] == reverse("plan-programme", args=[programme.pk])
    assert (programme.starts_on, programme.ends_on) == (date(2027, 4, 1), date(2028, 3, 31))
    assert programme.description == "The year's child protection inspections."
    (created,) = Events.objects.filter(
        pgh_obj_model="programmes.Programme", pgh_obj_id=str(programme.pk)
    )
    assert created.pgh_label == "insert"
    assert created.pgh_context["user"] == planner.pk and created.pgh_context["url"] == URL
    plan_page = client.get(response["Location"]).content.decode()
    assert "Programme 2027/28 created" in plan_page


@pytest.mark.django_db
def test_the_planning_list_offers_the_page_to_planners_only(people, client):
    client.force_login(people["programme_manager"])
    assert URL in client.get(reverse("plan-index")).content.decode()
    client.force_login(people["lead"])
    assert URL not in client.get(reverse("plan-index")).content.decode()


@pytest.mark.django_db
def test_a_double_click_makes_one_programme(people, client):
    client.force_login(people["programme_manager"])
    hidden = opened(client, URL)
    first = client.post(URL, {**hidden, **TYPED})
    second = client.post(URL, {**hidden, **TYPED})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Programme.objects.filter(name="2027/28").count() == 1


@pytest.mark.django_db
def test_nothing_typed_is_summarised_field_by_field(people, client):
    client.force_login(people["programme_manager"])
    response = submit(client, URL, {})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: Create a programme" in page
    assert '<a href="#id_name">Enter a name for the programme</a>' in page
    assert '<a href="#id_starts_on_day">Enter the date the programme starts</a>' in page
    assert '<a href="#id_ends_on_day">Enter the date the programme ends</a>' in page
    assert Programme.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field, message",
    [
        (
            {"starts_on_month": ""},
            "starts_on",
            "The date the programme starts must include a month",
        ),
        (
            {"ends_on_day": "", "ends_on_year": ""},
            "ends_on",
            "The date the programme ends must include a day and a year",
        ),
        ({"starts_on_day": "31", "starts_on_month": "2"}, "starts_on", "must be a real date"),
        ({"ends_on_year": "28"}, "ends_on", "Year must include 4 numbers"),
        (
            {"ends_on_year": "2027", "ends_on_month": "3"},
            "ends_on",
            "must end after the day it starts",
        ),
        ({"ends_on_year": "2030"}, "ends_on", "at most 2 years long"),
        ({"name": "x" * 61}, "name", "60 characters or fewer"),
    ],
)
def test_each_mistake_is_named_on_its_field_and_what_was_typed_is_kept(
    people, client, change, field, message
):
    client.force_login(people["programme_manager"])
    response = submit(client, URL, {**TYPED, **change})
    page = response.content.decode()
    assert response.status_code == 400, page[:2000]
    assert f'<a href="#id_{field}{"_day" if field != "name" else ""}">' in page
    assert message in page
    assert 'value="2027"' in page or change.get("starts_on_year")  # typed boxes come back
    assert "The year&#x27;s child protection inspections." in page
    assert Programme.objects.count() == 0


@pytest.mark.django_db
def test_month_names_are_understood_as_people_type_them(people, client):
    client.force_login(people["programme_manager"])
    response = submit(client, URL, {**TYPED, "starts_on_month": "Apr", "ends_on_month": "march"})
    assert response.status_code == 302
    assert Programme.objects.get().ends_on == date(2028, 3, 31)


@pytest.mark.django_db
def test_a_name_already_used_in_any_case_is_refused_on_the_name(programme, people, client):
    client.force_login(people["programme_manager"])
    response = submit(client, URL, {**TYPED, "name": "  2026/27 "})
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_name">There is already a programme called 2026/27</a>' in page
    Programme.objects.filter(pk=programme.pk).update(name="Year A")
    response = submit(client, URL, {**TYPED, "name": "year a"})
    assert "There is already a programme called year a" in response.content.decode()
    assert Programme.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["administrator", "lead", "inspector", "analyst", "partner"])
def test_only_a_programme_manager_may_create_a_programme(people, client, who):
    client.force_login(people[who])
    assert client.get(URL).status_code == 403
    assert client.post(URL, TYPED).status_code == 403
    with pytest.raises(PermissionDenied):
        services.programme_create(
            people[who],
            name="2027/28",
            starts_on=date(2027, 4, 1),
            ends_on=date(2028, 3, 31),
        )
    assert Programme.objects.count() == 0


@pytest.mark.django_db
def test_the_service_checks_again_whatever_the_form_let_through(people):
    planner = people["programme_manager"]
    with pytest.raises(ValidationError) as refused:
        services.programme_create(
            planner,
            name="   ",
            starts_on=date(2027, 4, 1),
            ends_on=date(2027, 4, 1),
        )
    assert refused.value.message_dict == {
        "name": ["Enter a name for the programme"],
        "ends_on": ["The programme must end after the day it starts"],
    }
    made = services.programme_create(
        planner,
        name=" 2027/28 \t extra ",
        starts_on=date(2027, 4, 1),
        ends_on=date(2028, 3, 31),
    )
    assert made.name == "2027/28 extra"


@pytest.mark.django_db(transaction=True)
def test_two_planners_creating_one_name_at_once_get_one_programme_and_a_message(people):
    for n in range(ROUNDS):
        name = f"Race {n}"
        clients = [signed_in(people["programme_manager"]), signed_in(people["programme_manager"])]

        def creates(client, typed_name):
            def worker(go):
                hidden = opened(client, URL)
                go()
                return client.post(URL, {**hidden, **TYPED, "name": typed_name})

            return worker

        # one types it in capitals: the same programme to a person, and to the database
        results = race(creates(clients[0], name), creates(clients[1], name.upper()))
        assert not raised(results), raised(results)
        codes = sorted(r.status_code for r in results)
        assert codes == [302, 400], codes
        lost = next(r for r in results if r.status_code == 400).content.decode()
        assert "There is already a programme called" in lost
        assert Programme.objects.filter(name__iexact=name).count() == 1
