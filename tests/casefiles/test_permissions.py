"""Every case extract page and endpoint against every kind of visitor.

Only the inspection's team sees case-level data: staff not on the team, partners not on the
team and force liaison officers get 404 (the extract is not admitted to exist); anonymous
visitors are sent to sign in (pages) or refused (API, 403).
"""

import pytest
from django.urls import reverse

from cpinspect.casefiles import sampling, services
from tests.accounts.test_permission_matrix import VISITORS
from tests.casefiles.conftest import TODAY, synthetic_csv

pytestmark = pytest.mark.django_db

TEAM = {"lead", "inspector", "moderator", "analyst"}  # the inspection fixture's team


def only(allowed, ok=200, refused=404, anonymous=302):
    table = {v: (ok if v in allowed else refused) for v in VISITORS}
    table["anonymous"] = anonymous
    return table


@pytest.fixture
def world(inspection, joint_inspection, people):
    extract = services.extract_import(
        inspection=inspection,
        user=people["lead"],
        data=synthetic_csv(rows=300),
        profile_name="canonical",
        today=TODAY,
    )
    sample = services.sample_draw(
        extract=extract, user=people["lead"], design=sampling.Design(), seed=1
    )
    joint_extract = services.extract_import(
        inspection=joint_inspection,
        user=people["partner"],
        data=synthetic_csv(rows=100),
        profile_name="canonical",
        today=TODAY,
    )
    return {
        "i": inspection.pk,
        "e": extract.pk,
        "c": sample.cases.first().pk,
        "j": joint_inspection.pk,
        "je": joint_extract.pk,
        "people": people,
    }


MATRIX = [
    ("extract page", "get", lambda w: reverse("casefiles-extract", args=[w["i"]]), only(TEAM)),
    (
        "extract status",
        "get",
        lambda w: reverse("casefiles-extract-detail", args=[w["i"], w["e"]]),
        only(TEAM),
    ),
    ("sample page", "get", lambda w: reverse("casefiles-sample", args=[w["i"]]), only(TEAM)),
    (
        "upload (no file)",
        "post",
        lambda w: reverse("casefiles-upload", args=[w["i"]]),
        only(TEAM, ok=400),
    ),
    (
        "draw (already drawn: the form shows why)",
        "post",
        lambda w: reverse("casefiles-sample-draw", args=[w["i"]]),
        only(TEAM, ok=400),
    ),
    (
        "confirm (not waiting)",
        "post",
        lambda w: reverse("casefiles-extract-confirm", args=[w["i"], w["e"]]),
        only(TEAM, ok=302),
    ),
    (
        "reveal",
        "post",
        lambda w: reverse("casefiles-case-reveal", args=[w["i"], w["c"]]),
        only(TEAM),
    ),
    (
        "mark unusable (no reason)",
        "post",
        lambda w: reverse("casefiles-case-unusable", args=[w["i"], w["c"]]),
        only(TEAM, ok=302),
    ),
    (
        "joint: extract page",
        "get",
        lambda w: reverse("casefiles-extract", args=[w["j"]]),
        only({"lead", "partner"}),
    ),
    (
        "joint: extract status",
        "get",
        lambda w: reverse("casefiles-extract-detail", args=[w["j"], w["je"]]),
        only({"lead", "partner"}),
    ),
    (
        "other inspection's extract id",
        "get",
        lambda w: reverse("casefiles-extract-detail", args=[w["i"], w["je"]]),
        only(set()),
    ),
    (
        "api: extracts",
        "get",
        lambda w: f"/api/inspections/{w['i']}/extracts/",
        only(TEAM, anonymous=403),
    ),
    (
        "api: extract",
        "get",
        lambda w: f"/api/inspections/{w['i']}/extracts/{w['e']}/",
        only(TEAM, anonymous=403),
    ),
    (
        "api: extract problems",
        "get",
        lambda w: f"/api/inspections/{w['i']}/extracts/{w['e']}/problems/",
        only(TEAM, anonymous=403),
    ),
    (
        "api: other inspection's extract problems",
        "get",
        lambda w: f"/api/inspections/{w['i']}/extracts/{w['je']}/problems/",
        only(set(), anonymous=403),
    ),
    (
        "extract status: a page of one problem",
        "get",
        lambda w: (
            reverse("casefiles-extract-detail", args=[w["i"], w["e"]])
            + "?problem=invalid_date&page=2"
        ),
        only(TEAM),
    ),
    (
        "api: sample",
        "get",
        lambda w: f"/api/inspections/{w['i']}/sample/",
        only(TEAM, anonymous=403),
    ),
    (
        "api: upload (no file)",
        "post",
        lambda w: f"/api/inspections/{w['i']}/extracts/",
        only(TEAM, ok=400, anonymous=403),
    ),
    (
        "api: reveal",
        "post",
        lambda w: f"/api/inspections/{w['i']}/sample/cases/{w['c']}/reveal/",
        only(TEAM, anonymous=403),
    ),
    (
        "api: joint extracts",
        "get",
        lambda w: f"/api/inspections/{w['j']}/extracts/",
        only({"lead", "partner"}, anonymous=403),
    ),
]


@pytest.mark.parametrize("row", MATRIX, ids=[r[0] for r in MATRIX])
def test_permission_matrix(row, world, client):
    """One world per row (building it is the slow part); every visitor tries the request."""
    name, method, url, expected = row
    assert set(expected) == set(VISITORS)
    failures = []
    for visitor in VISITORS:
        client.logout()
        if visitor != "anonymous":
            client.force_login(world["people"][visitor])
        response = getattr(client, method)(url(world))
        if response.status_code != expected[visitor]:
            failures.append(f"{visitor}: got {response.status_code}, expected {expected[visitor]}")
    assert not failures, f"{name}: " + "; ".join(failures)
