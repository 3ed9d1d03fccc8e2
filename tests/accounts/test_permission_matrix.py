"""Every role against every page and API endpoint.

Each row names a request and the status each kind of visitor must get. 404 means "not found":
an inspection someone may not see is never admitted to exist.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

VISITORS = [
    "anonymous",
    "administrator",
    "programme_manager",
    "lead",
    "other_lead",
    "inspector",
    "analyst",
    "partner",
    "other_partner",
    "liaison",
    "other_liaison",
]
STAFF = {"administrator", "programme_manager", "lead", "other_lead", "inspector", "analyst"}
SIGNED_IN = set(VISITORS) - {"anonymous"}


def expect(default, **overrides):
    table = {v: default for v in VISITORS}
    for visitor, status in overrides.items():
        table[visitor] = status
    return table


def only(allowed: set, ok=200, refused=404, anonymous=302):
    table = {v: (ok if v in allowed else refused) for v in VISITORS}
    table["anonymous"] = anonymous
    return table


# (name, method, url builder(fixtures) -> str, expected status by visitor)
MATRIX = [
    ("home", "get", lambda f: "/", expect(200)),
    (
        "sign-in page",
        "get",
        lambda f: reverse("sign-in"),
        {**expect(302), "anonymous": 200},
    ),  # signed-in visitors are sent on to their dashboard
    ("forces list", "get", lambda f: reverse("force-list"), expect(200)),
    ("force page", "get", lambda f: reverse("force-detail", args=["E23000028"]), expect(200)),
    ("healthz", "get", lambda f: "/healthz", expect(200)),
    ("dashboard", "get", lambda f: reverse("dashboard"), only(SIGNED_IN)),
    (
        "essex inspection",
        "get",
        lambda f: reverse("inspection-detail", args=[f["inspection"].pk]),
        only(STAFF | {"liaison"}),
    ),
    (
        "essex planned review",
        "get",
        lambda f: reverse("inspection-detail", args=[f["planned_inspection"].pk]),
        only(STAFF),
    ),  # the force has not been notified: its liaison officer must not see it
    (
        "joint inspection",
        "get",
        lambda f: reverse("inspection-detail", args=[f["joint_inspection"].pk]),
        only(STAFF | {"partner", "liaison"}),
    ),
    (
        "kent inspection",
        "get",
        lambda f: reverse("inspection-detail", args=[f["kent_inspection"].pk]),
        only(STAFF | {"other_liaison"}),
    ),
    (
        "start moderation (POST)",
        "post",
        lambda f: reverse("inspection-transition", args=[f["inspection"].pk]),
        {
            **only(STAFF | {"liaison"}, refused=404),
            "lead": 302,
            **{v: 409 for v in STAFF - {"lead"} | {"liaison"}},
        },
    ),
    (
        "audit: changes",
        "get",
        lambda f: reverse("audit-changes"),
        {**only({"administrator"}, refused=403)},
    ),
    (
        "audit: access log",
        "get",
        lambda f: reverse("audit-access"),
        {**only({"administrator"}, refused=403)},
    ),
    ("django admin", "get", lambda f: "/admin/", {**expect(302), "administrator": 200}),
    (
        "django admin: users",
        "get",
        lambda f: "/admin/accounts/user/",
        {**expect(302), "administrator": 200},
    ),
    ("api: forces", "get", lambda f: "/api/forces/", expect(200)),
    ("api: force", "get", lambda f: "/api/forces/E23000028/", expect(200)),
    ("api: councils", "get", lambda f: "/api/councils/?force=E23000028", expect(200)),
    ("api: schema", "get", lambda f: "/api/schema/", expect(200)),
    ("api: inspections", "get", lambda f: "/api/inspections/", {**expect(200), "anonymous": 403}),
    (
        "api: essex inspection",
        "get",
        lambda f: f"/api/inspections/{f['inspection'].pk}/",
        only(STAFF | {"liaison"}, anonymous=403),
    ),
    (
        "api: joint inspection",
        "get",
        lambda f: f"/api/inspections/{f['joint_inspection'].pk}/",
        only(STAFF | {"partner", "liaison"}, anonymous=403),
    ),
    (
        "api: kent inspection",
        "get",
        lambda f: f"/api/inspections/{f['kent_inspection'].pk}/",
        only(STAFF | {"other_liaison"}, anonymous=403),
    ),
    (
        "api: planned review",
        "get",
        lambda f: f"/api/inspections/{f['planned_inspection'].pk}/",
        only(STAFF, anonymous=403),
    ),
    (
        "api: write refused",
        "post",
        lambda f: "/api/inspections/",
        {**expect(405), "anonymous": 403},
    ),
    # findings (tests/findings/test_permissions.py has every findings page and endpoint)
    (
        "findings: essex inspection",
        "get",
        lambda f: reverse("findings-inspection", args=[f["inspection"].pk]),
        only(STAFF),
    ),  # not published: its liaison officer does not see the findings yet
    (
        "findings: joint inspection",
        "get",
        lambda f: reverse("findings-inspection", args=[f["joint_inspection"].pk]),
        only(STAFF | {"partner"}),
    ),
    ("recommendations board", "get", lambda f: reverse("recommendations-board"), only(SIGNED_IN)),
    (
        "api: essex findings",
        "get",
        lambda f: f"/api/inspections/{f['inspection'].pk}/findings/",
        only(STAFF, anonymous=403),
    ),
    (
        "api: recommendations board",
        "get",
        lambda f: "/api/recommendations/",
        {**expect(200), "anonymous": 403},
    ),
]


@pytest.fixture
def world(inspection, planned_inspection, joint_inspection, kent_inspection, people):
    return {
        "inspection": inspection,
        "planned_inspection": planned_inspection,
        "joint_inspection": joint_inspection,
        "kent_inspection": kent_inspection,
        "people": people,
    }


def test_matrix_names_every_visitor():
    for name, _, _, expected in MATRIX:
        assert set(expected) == set(VISITORS), name


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("row", MATRIX, ids=[row[0] for row in MATRIX])
def test_permission_matrix(row, visitor, world, client):
    name, method, url, expected = row
    if visitor != "anonymous":
        client.force_login(world["people"][visitor])
    data = {"target": "moderation"} if method == "post" else None
    response = getattr(client, method)(url(world), data)
    assert response.status_code == expected[visitor], (
        f"{visitor} on {name}: got {response.status_code}, expected {expected[visitor]}"
    )


def test_api_inspection_lists_are_scoped(world, client):
    people = world["people"]
    expected = {
        "lead": {
            world[k].pk
            for k in ("inspection", "planned_inspection", "joint_inspection", "kent_inspection")
        },
        "partner": {world["joint_inspection"].pk},
        "other_partner": set(),
        "liaison": {world["inspection"].pk, world["joint_inspection"].pk},
        "other_liaison": {world["kent_inspection"].pk},
    }
    for who, ids in expected.items():
        client.force_login(people[who])
        body = client.get("/api/inspections/").json()
        assert {row["id"] for row in body["results"]} == ids, who
        assert body["count"] == len(ids)


def test_force_liaison_never_sees_the_team(world, client):
    client.force_login(world["people"]["liaison"])
    page = client.get(reverse("inspection-detail", args=[world["inspection"].pk])).content
    assert b"Team" not in page
    assert world["people"]["inspector"].full_name.encode() not in page
    client.force_login(world["people"]["analyst"])
    page = client.get(reverse("inspection-detail", args=[world["inspection"].pk])).content
    assert world["people"]["inspector"].full_name.encode() in page


def test_public_force_page_shows_only_published_inspections(world, client):
    from cpinspect.programmes.models import Inspection, Status

    page = client.get(reverse("force-detail", args=["E23000028"])).content.decode()
    assert "No published inspections of this force." in page
    Inspection.objects.filter(pk=world["inspection"].pk).update(status=Status.PUBLISHED)
    page = client.get(reverse("force-detail", args=["E23000028"])).content.decode()
    assert "Child protection inspection" in page
    assert "Post-inspection review" not in page  # still planned: not public


def test_force_liaison_sees_the_timeline_without_people_or_notes(world, client):
    from cpinspect.programmes import services

    services.inspection_transition(
        inspection=world["inspection"],
        target="moderation",
        user=world["people"]["lead"],
        note="Working note",
    )
    client.force_login(world["people"]["liaison"])
    page = client.get(reverse("inspection-detail", args=[world["inspection"].pk])).content
    assert b"Fieldwork to Moderation" in page
    assert world["people"]["lead"].full_name.encode() not in page
    assert b"Working note" not in page


def test_signing_in_never_hides_published_inspections(world, client):
    from cpinspect.programmes.models import Inspection, Status

    Inspection.objects.filter(pk__in=[world["inspection"].pk, world["joint_inspection"].pk]).update(
        status=Status.PUBLISHED
    )
    anonymous = client.get(reverse("force-detail", args=["E23000028"])).context["inspections"]
    assert {i.pk for i in anonymous} == {world["inspection"].pk, world["joint_inspection"].pk}
    for who in ("other_liaison", "other_partner", "lead"):
        client.force_login(world["people"][who])
        seen = {
            i.pk
            for i in client.get(reverse("force-detail", args=["E23000028"])).context["inspections"]
        }
        assert {world["inspection"].pk, world["joint_inspection"].pk} <= seen, who
    assert world["planned_inspection"].pk in seen  # the lead also sees the planned review
