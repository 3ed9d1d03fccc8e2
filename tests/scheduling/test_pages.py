"""Planning pages, calendar feeds, the API and the command line, end to end."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from icalendar import Calendar

from cpinspect.scheduling.models import Absence, PlanState, PlanVersion
from tests.fixtures import programme_manager
from tests.forms import submit
from tests.scheduling.conftest import AS_OF_TYPED

pytestmark = pytest.mark.django_db


def test_programme_page_shows_gantt_table_and_calendar(published, client):
    client.force_login(published["people"]["analyst"])
    page = client.get(reverse("plan-programme", args=[published["programme"].pk])).content.decode()
    assert "Published plan (version 1)" in page
    assert page.count('fill="#1d70b8"') == 4  # one blue bar per planned inspection
    assert page.count('fill="#505a5f"') == 1  # Kent's PEEL inspection, fixed
    assert "Other inspections in the programme (not moved by planning)" in page
    assert "PEEL: Kent" in page
    assert '<caption class="govuk-table__caption govuk-table__caption--m">Published plan' in page
    assert "Child protection inspection: Metropolitan Police" in page
    assert "Solve or re-plan" not in page  # analysts do not plan
    assert ' style="' not in page  # the Content Security Policy allows no inline style


def test_planner_solves_through_the_form_and_sees_provenance(planning, client):
    client.force_login(planning["people"]["programme_manager"])
    url = reverse("plan-solve", args=[planning["programme"].pk])
    response = submit(client, url, {"time_limit": "5", "max_concurrent": "3", **AS_OF_TYPED})
    version = PlanVersion.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{version.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "OR-Tools CP-SAT" in page and str(version.seed) in page
    assert "Publish this plan" in page


def test_solve_form_errors_use_the_error_summary(planning, client):
    client.force_login(planning["people"]["programme_manager"])
    url = reverse("plan-solve", args=[planning["programme"].pk])
    response = submit(
        client, url, {"time_limit": "600", "max_concurrent": "3", "replan": "on", **AS_OF_TYPED}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page and "Ensure this value is less than or equal to 60" in page
    response = submit(
        client, url, {"time_limit": "5", "max_concurrent": "3", "replan": "on", **AS_OF_TYPED}
    )
    assert response.status_code == 400
    assert "There is no published plan to re-plan" in response.content.decode()
    assert PlanVersion.objects.count() == 0


def test_infeasible_plan_page_names_the_conflict(planning, client):
    from datetime import date

    from cpinspect.scheduling import services
    from tests.scheduling.conftest import AS_OF, FAST

    for key in ("lead", "other_lead", "lead3"):
        services.absence_create(
            programme_manager(),
            person=planning["staff"][key],
            kind="leave",
            starts_on=date(2026, 4, 1),
            ends_on=date(2027, 3, 31),
        )
    version = services.plan_solve(
        planning["people"]["programme_manager"],
        programme=planning["programme"],
        as_of=AS_OF,
        params=FAST,
    )
    client.force_login(planning["people"]["inspector"])
    page = client.get(reverse("plan-version", args=[version.pk])).content.decode()
    assert "No plan is possible" in page
    assert "Child protection inspection: Essex: not enough qualified staff" in page
    assert "Publish this plan" not in page


def _date(name: str, typed: str) -> dict:
    """A GOV.UK date input's three boxes, as typed ("27 3 2027")."""
    day, month, year = typed.split()
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def test_an_absence_is_typed_in_uk_order_and_an_impossible_day_is_summarised(planning, client):
    client.force_login(planning["people"]["programme_manager"])
    url = reverse("plan-people")
    person = planning["staff"]["insp3"].pk
    bad = submit(
        client,
        url,
        {
            "user": person,
            "kind": "leave",
            **_date("starts_on", "31 2 2027"),
            **_date("ends_on", "5 3 2027"),
        },
    )
    page = bad.content.decode()
    summary = page[page.index("govuk-error-summary") :]
    assert bad.status_code == 400
    assert '<a href="#id_starts_on_day">The first day must be a real date</a>' in summary
    assert not Absence.objects.exists()
    good = submit(
        client,
        url,
        {
            "user": person,
            "kind": "leave",
            **_date("starts_on", "27 3 2027"),
            **_date("ends_on", "2 4 2027"),
        },
    )
    assert good.status_code == 302
    absence = Absence.objects.get()
    assert (absence.starts_on, absence.ends_on) == (date(2027, 3, 27), date(2027, 4, 2))


def test_absence_form_records_and_validates(planning, client):
    client.force_login(planning["people"]["programme_manager"])
    url = reverse("plan-people")
    bad = submit(
        client,
        url,
        {
            "user": planning["staff"]["insp3"].pk,
            "kind": "leave",
            **_date("starts_on", "10 8 2026"),
            **_date("ends_on", "1 8 2026"),
        },
    )
    assert (
        bad.status_code == 400
        and "The last day must be on or after the first day" in bad.content.decode()
    )
    good = submit(
        client,
        url,
        {
            "user": planning["staff"]["insp3"].pk,
            "kind": "leave",
            **_date("starts_on", "3 8 2026"),
            **_date("ends_on", "14 8 2026"),
        },
    )
    assert good.status_code == 302
    assert Absence.objects.get().user == planning["staff"]["insp3"]
    client.force_login(planning["people"]["lead"])
    assert client.post(url, {"user": planning["staff"]["insp3"].pk}).status_code == 403


def test_programme_calendar_parses_with_icalendar(published, client):
    client.force_login(published["people"]["inspector"])
    response = client.get(reverse("plan-programme-ics", args=[published["programme"].pk]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 4
    met = next(e for e in events if "Metropolitan" in str(e["SUMMARY"]))
    met_rows = published["version"].assignments.filter(inspection=published["inspections"]["met"])
    assert met.decoded("DTSTART") == met_rows[0].starts_on
    assert (met.decoded("DTEND") - met.decoded("DTSTART")).days == 26  # all-day, end exclusive


def test_personal_calendar_holds_only_the_persons_own_fieldwork(published, client):
    lead = published["staff"]["lead"]
    mine = published["version"].assignments.filter(user=lead)
    client.force_login(lead)
    calendar = Calendar.from_ical(client.get(reverse("plan-person-ics", args=[lead.pk])).content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == mine.count() > 0
    assert {e.decoded("DTSTART") for e in events} == {a.starts_on for a in mine}
    assert all("Kent" not in str(e["SUMMARY"]) for e in events)  # served in Kent


def test_api_solve_publish_and_detail(planning, client, monkeypatch):
    from django.utils import timezone

    from tests.scheduling.conftest import AS_OF

    monkeypatch.setattr(timezone, "localdate", lambda *a: AS_OF)  # plan as of the fixture's date
    client.force_login(planning["people"]["programme_manager"])
    pk = planning["programme"].pk
    created = client.post(
        f"/api/programmes/{pk}/plans/", {"time_limit": 5}, content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "draft" and body["solver_version"].startswith("OR-Tools")
    assert len(body["assignments"]) == 4 and body["seed"] == 20260401
    none = {"published": 0}  # the published plan it replaces: none yet
    published = client.post(
        f"/api/plans/{body['id']}/publish/", none, content_type="application/json"
    )
    assert published.status_code == 200 and published.json()["state"] == "published"
    again = client.post(f"/api/plans/{body['id']}/publish/", none, content_type="application/json")
    assert again.status_code == 409
    listing = client.get(f"/api/programmes/{pk}/plans/").json()
    assert [v["number"] for v in listing] == [1]
    bad = client.post(
        f"/api/programmes/{pk}/plans/", {"time_limit": 600}, content_type="application/json"
    )
    assert bad.status_code == 400 and "time_limit" in bad.json()
    surrey = planning["inspections"]["surrey"].pk
    earlier = client.post(
        f"/api/programmes/{pk}/plans/",
        {
            "replan": True,
            "published": listing[0]["id"],
            "time_limit": 5,
            "deadlines": {str(surrey): "2026-04-06"},
        },
        content_type="application/json",
    )
    assert earlier.status_code == 201, earlier.content
    body = earlier.json()
    assert body["state"] == "draft" and body["replan_of"] == listing[0]["id"]
    (row,) = [a for a in body["assignments"] if a["inspection"] == surrey]
    assert row["fieldwork_starts_on"] == "2026-04-06"
    client.force_login(planning["people"]["analyst"])
    assert client.post(f"/api/programmes/{pk}/plans/", {}).status_code == 403


def test_command_line_plan_with_progress_and_summary(planning):
    out = StringIO()
    call_command(
        "plan",
        "--programme",
        str(planning["programme"].pk),
        "--time-limit",
        "5",
        "--as-of",
        "2026-03-02",
        "--user",
        planning["people"]["programme_manager"].email,
        "--publish",
        stdout=out,
    )
    text = out.getvalue()
    assert "Solving 2026/27 (fresh)" in text
    assert "solution   1" in text  # the progress display
    assert "placed:    4 inspections, 16 team places" in text
    assert "Published version 1." in text
    assert PlanVersion.objects.get().state == PlanState.PUBLISHED
    out = StringIO()
    call_command(
        "plan",
        "--programme",
        "2026/27",
        "--replan",
        "--time-limit",
        "5",
        "--as-of",
        "2026-03-02",
        stdout=out,
    )
    assert "moved:     0 inspections, 0 people taken off, 0 assignments in all" in out.getvalue()
    with pytest.raises(CommandError, match="No programme"):
        call_command("plan", "--programme", "999999")


def test_demo_plan_is_solved_published_and_idempotent(reference, people, programme):
    from cpinspect.scheduling.demo import build_demo_plan

    version = build_demo_plan(programme=programme, inspectors=16, time_limit=10)
    assert version.state == PlanState.PUBLISHED and version.created_via == "demo"
    assert {row["task"] for row in version.plan} == set(
        programme.inspections.values_list("pk", flat=True)
    )
    assert len(version.plan) == 2  # Essex and Kent, the fixture's forces
    assert build_demo_plan(programme=programme) == version
    assert PlanVersion.objects.count() == 1


def test_planner_makes_a_force_go_earlier_through_the_form(published, client, monkeypatch):
    from django.utils import timezone

    from cpinspect.scheduling.problem import Plan, Problem
    from tests.scheduling.conftest import AS_OF

    monkeypatch.setattr(timezone, "localdate", lambda *a: AS_OF)  # plan as of the fixture's date

    version = published["version"]
    plan, problem = Plan.from_json(version.plan), Problem.from_json(version.problem)
    latest = max(plan.placements.values(), key=lambda p: (p.slot, p.task_id))
    client.force_login(published["people"]["programme_manager"])
    url = reverse("plan-solve", args=[published["programme"].pk])
    half = submit(
        client,
        url,
        {"time_limit": "5", "max_concurrent": "3", "earlier": latest.task_id, **AS_OF_TYPED},
    )
    assert half.status_code == 400 and "Choose both the inspection" in half.content.decode()
    response = submit(
        client,
        url,
        {
            "time_limit": "5",
            "max_concurrent": "3",
            "replan": "on",
            "earlier": latest.task_id,
            "start_by_day": problem.slots[0].starts_on.day,
            "start_by_month": problem.slots[0].starts_on.month,
            "start_by_year": problem.slots[0].starts_on.year,
            "reason": "force must go earlier",
            **AS_OF_TYPED,
        },
    )
    assert response.status_code == 302
    replan = PlanVersion.objects.get(number=2)
    moved = {m["task"]: m for m in replan.changes["moved"]}
    assert moved[latest.task_id]["to"] == 0
    page = client.get(response["Location"]).content.decode()
    assert "What moved from version 1" in page and "moved from the fortnight of" in page


def test_secret_calendar_link_works_without_a_session_and_is_stored_hashed(published, client):
    from cpinspect.scheduling.models import CalendarFeedToken

    lead = published["staff"]["lead"]
    client.force_login(lead)
    page = client.post(reverse("plan-calendar-link")).content.decode()
    url = page.split('<code id="calendar-link">')[1].split("</code>")[0]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    stored = CalendarFeedToken.objects.get(user=lead)
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert len(events) == published["version"].assignments.filter(user=lead).count() > 0
    assert client.get(url.replace(token, "not-the-token")).status_code == 404
    client.force_login(lead)
    client.post(reverse("plan-calendar-link"))  # a new link revokes the old one
    client.logout()
    assert client.get(url).status_code == 404


def test_outsiders_cannot_get_a_calendar_link(published, client):
    for key, status in (("liaison", 404), ("partner", 404)):
        client.force_login(published["people"][key])
        assert client.post(reverse("plan-calendar-link")).status_code == status
    client.logout()
    assert client.post(reverse("plan-calendar-link")).status_code == 302


def test_administrators_keep_profiles_and_absences_in_the_admin(planning, client):
    client.force_login(planning["people"]["administrator"])
    for url in (
        "/admin/scheduling/inspectorprofile/",
        "/admin/scheduling/inspectorprofile/add/",
        "/admin/scheduling/absence/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get("/admin/scheduling/inspectorprofile/").content.decode()
    assert "Leadthree" in page
    client.force_login(planning["people"]["programme_manager"])
    assert client.get("/admin/scheduling/absence/").status_code == 302
