"""Every role against every planning page and endpoint (style of the accounts matrix).

Planning is for inspectorate staff: partners and force liaison officers get 404, so a schedule
of unnotified inspections never leaks; only programme managers solve and publish (403 for other
staff). Anonymous visitors are sent to sign in (pages) or refused (API, 403).
"""

import pytest
from django.urls import reverse

from tests.accounts.test_permission_matrix import SIGNED_IN, STAFF, VISITORS, expect, only

pytestmark = pytest.mark.django_db

OUTSIDERS = SIGNED_IN - STAFF  # partners and force liaison officers


def staff_only(ok=200, planner_only=False, refused_staff=403, anonymous=302):
    table = only(STAFF, ok=ok, refused=404, anonymous=anonymous)
    if planner_only:
        for v in STAFF - {"programme_manager"}:
            table[v] = refused_staff
    return table


MATRIX = [
    ("planning index", "get", lambda f: reverse("plan-index"), staff_only()),
    ("people and absences", "get", lambda f: reverse("plan-people"), staff_only()),
    (
        "programme plan",
        "get",
        lambda f: reverse("plan-programme", args=[f["programme"].pk]),
        staff_only(),
    ),
    (
        "priorities",
        "get",
        lambda f: reverse("plan-priorities", args=[f["programme"].pk]),
        staff_only(),
    ),
    (
        "solve form",
        "get",
        lambda f: reverse("plan-solve", args=[f["programme"].pk]),
        staff_only(planner_only=True),
    ),
    (
        "plan version",
        "get",
        lambda f: reverse("plan-version", args=[f["version"].pk]),
        staff_only(),
    ),
    (
        "publish confirmation",
        "get",
        lambda f: reverse("plan-publish", args=[f["version"].pk]),
        staff_only(planner_only=True),
    ),
    (
        "publish (POST)",
        "post",
        lambda f: reverse("plan-publish", args=[f["version"].pk]),
        {**staff_only(planner_only=True), "programme_manager": 302},
    ),
    (
        "programme ICS",
        "get",
        lambda f: reverse("plan-programme-ics", args=[f["programme"].pk]),
        staff_only(),
    ),
    (
        "lead's own ICS",
        "get",
        lambda f: reverse("plan-person-ics", args=[f["people"]["lead"].pk]),
        {**only({"lead", "programme_manager"}), "anonymous": 302},
    ),
    (
        "api: priorities",
        "get",
        lambda f: f"/api/programmes/{f['programme'].pk}/priorities/",
        staff_only(anonymous=403),
    ),
    (
        "api: plan versions",
        "get",
        lambda f: f"/api/programmes/{f['programme'].pk}/plans/",
        staff_only(anonymous=403),
    ),
    (
        "api: plan version",
        "get",
        lambda f: f"/api/plans/{f['version'].pk}/",
        staff_only(anonymous=403),
    ),
    (
        "api: publish (POST)",
        "post",
        lambda f: f"/api/plans/{f['version'].pk}/publish/",
        staff_only(planner_only=True, anonymous=403),
    ),
]


def test_matrix_names_every_visitor():
    for name, _, _, expected in MATRIX:
        assert set(expected) == set(VISITORS), name
    assert expect(200)["anonymous"] == 200


@pytest.mark.parametrize("row", MATRIX, ids=[row[0] for row in MATRIX])
def test_planning_permission_matrix(row, published_for_matrix, client):
    """One fixture per row (solving is the slow part); every visitor in turn. Refusals come
    before any change, so the programme manager's POST is the only one that acts."""
    name, method, url, expected = row
    wrong = []
    for visitor in VISITORS:
        client.logout()
        if visitor != "anonymous":
            client.force_login(published_for_matrix["people"][visitor])
        path = url(published_for_matrix)
        # a publication names the published plan it replaces, as the page and the API do
        data = {"published": published_for_matrix["published"]} if method == "post" else None
        if data and path.startswith("/api/"):
            response = client.post(path, data, content_type="application/json")
        else:
            response = getattr(client, method)(path, data)
        if response.status_code != expected[visitor]:
            wrong.append(f"{visitor}: got {response.status_code}, expected {expected[visitor]}")
    assert wrong == [], f"{name}: " + "; ".join(wrong)


@pytest.fixture
def published_for_matrix(solved):
    """A published version 1 (for the ICS feeds) and a draft version 2 (for publishing)."""
    from cpinspect.scheduling import services
    from tests.scheduling.conftest import AS_OF, FAST

    manager = solved["people"]["programme_manager"]
    services.plan_publish(manager, version=solved["version"])
    draft = services.plan_solve(
        manager,
        programme=solved["programme"],
        replan=True,
        as_of=AS_OF,
        params=FAST,
    )
    return {**solved, "version": draft, "published": solved["version"].pk}


def test_solving_by_post_is_for_programme_managers_only(planning, client):
    url = reverse("plan-solve", args=[planning["programme"].pk])
    data = {"time_limit": "5", "max_concurrent": "3"}
    client.force_login(planning["people"]["lead"])
    assert client.post(url, data).status_code == 403
    client.force_login(planning["people"]["liaison"])
    assert client.post(url, data).status_code == 404
    client.force_login(planning["people"]["partner"])
    assert (
        client.post(f"/api/programmes/{planning['programme'].pk}/plans/", data).status_code == 404
    )
