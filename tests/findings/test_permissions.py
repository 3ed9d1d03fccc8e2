"""Every findings page and endpoint against every kind of visitor.

The world: the Essex inspection in fieldwork (its team: lead, inspector, analyst), with a cause
of concern, a recommendation and a follow-up proposal; the Kent inspection published (led by
the other lead), with the same; the joint inspection of Thurrock (with the Ofsted partner).

404: the findings are not admitted to exist (not the user's inspection, or the force's before
publication). 403: the user sees them but may not do this. Anonymous visitors are sent to sign
in (pages) or refused (API, 403).
"""

import pytest
from django.urls import reverse

from cpinspect.findings import services
from cpinspect.findings.models import FollowUpProposal
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Status
from tests.accounts.test_permission_matrix import SIGNED_IN, STAFF, VISITORS
from tests.findings.conftest import publish, rec

pytestmark = pytest.mark.django_db

ESSEX_TEAM = {"lead", "inspector", "moderator", "analyst"}  # the inspection fixture's team


def only(allowed, ok=200, refused=404, anonymous=302, **overrides):
    table = {v: (ok if v in allowed else refused) for v in VISITORS}
    table["anonymous"] = anonymous
    table.update(overrides)
    return table


def seen_by(seeing, allowed, ok=200, anonymous=302):
    """``ok`` for ``allowed``, 403 for the others who see the findings, 404 for the rest."""
    table = only(seeing, ok=403, anonymous=anonymous)
    table.update({v: ok for v in allowed})
    return table


@pytest.fixture
def world(inspection, kent_inspection, joint_inspection, people):
    def findings(target, lead):
        cause = services.cause_of_concern_create(
            inspection=target,
            user=people[lead],
            title="Delays",
            text="Cases wait.",
            recommendations=[rec()],
        )
        return cause, cause.recommendations.get()

    cause, essex_rec = findings(inspection, "lead")
    area = services.area_for_improvement_add(
        inspection=inspection, user=people["lead"], text="Record the child's voice."
    )
    programme_services.inspection_transition(
        people["other_lead"],
        inspection=kent_inspection,
        target=Status.FIELDWORK,
    )
    _, kent_rec = findings(kent_inspection, "other_lead")
    publish(kent_inspection, people, lead="other_lead")
    return {
        "i": inspection.pk,
        "k": kent_inspection.pk,
        "j": joint_inspection.pk,
        "cause": cause.pk,
        "area": area.pk,
        "rec": essex_rec.pk,
        "kent_rec": kent_rec.pk,
        "proposal": FollowUpProposal.objects.get(inspection=inspection).pk,
        "people": people,
    }


ESSEX_SEEN = STAFF
KENT_SEEN = STAFF | {"other_liaison"}

MATRIX = [
    # pages
    (
        "findings: essex (fieldwork)",
        "get",
        lambda w: reverse("findings-inspection", args=[w["i"]]),
        None,
        only(ESSEX_SEEN),
    ),
    (
        "findings: kent (published)",
        "get",
        lambda w: reverse("findings-inspection", args=[w["k"]]),
        None,
        only(KENT_SEEN),
    ),
    (
        "findings: joint (fieldwork)",
        "get",
        lambda w: reverse("findings-inspection", args=[w["j"]]),
        None,
        only(STAFF | {"partner"}),
    ),
    (
        "judgement form: essex",
        "get",
        lambda w: reverse("findings-judgement", args=[w["i"], "leadership"]),
        None,
        seen_by(ESSEX_SEEN, {"lead"}),
    ),
    (
        "judgement form: kent (published: back to the findings)",
        "get",
        lambda w: reverse("findings-judgement", args=[w["k"], "leadership"]),
        None,
        seen_by(KENT_SEEN, {"other_lead"}, ok=302),
    ),
    (
        "judgement: record (POST)",
        "post",
        lambda w: reverse("findings-judgement", args=[w["i"], "leadership"]),
        {"grade": "good", "rationale": "Strong leadership."},
        seen_by(ESSEX_SEEN, {"lead"}, ok=302),
    ),
    (
        "cause of concern: new",
        "get",
        lambda w: reverse("findings-cause-new", args=[w["i"]]),
        None,
        seen_by(ESSEX_SEEN, ESSEX_TEAM),
    ),
    (
        "cause of concern: change",
        "get",
        lambda w: reverse("findings-cause-edit", args=[w["i"], w["cause"]]),
        None,
        seen_by(ESSEX_SEEN, ESSEX_TEAM),
    ),
    (
        "cause of concern: delete (POST)",
        "post",
        lambda w: reverse("findings-cause-delete", args=[w["i"], w["cause"]]),
        {"version": 1},  # the version its page shows
        seen_by(ESSEX_SEEN, ESSEX_TEAM, ok=302),
    ),
    (
        "recommendation: new",
        "get",
        lambda w: reverse("findings-recommendation-new", args=[w["i"]]),
        None,
        seen_by(ESSEX_SEEN, ESSEX_TEAM),
    ),
    (
        "recommendation: essex",
        "get",
        lambda w: reverse("findings-recommendation", args=[w["i"], w["rec"]]),
        None,
        only(ESSEX_SEEN),
    ),
    (
        "recommendation: kent (published)",
        "get",
        lambda w: reverse("findings-recommendation", args=[w["k"], w["kent_rec"]]),
        None,
        only(KENT_SEEN),
    ),
    (
        "recommendation: kent status (POST)",
        "post",
        lambda w: reverse("findings-recommendation", args=[w["k"], w["kent_rec"]]),
        {"status": "in_progress", "version": 1},
        seen_by(KENT_SEEN, {"other_lead", "programme_manager"}, ok=302),
    ),
    (
        "recommendation: change",
        "get",
        lambda w: reverse("findings-recommendation-edit", args=[w["i"], w["rec"]]),
        None,
        seen_by(ESSEX_SEEN, ESSEX_TEAM),
    ),
    (
        "recommendation: delete the last of its cause (POST, refused)",
        "post",
        lambda w: reverse("findings-recommendation-delete", args=[w["i"], w["rec"]]),
        {"version": 1},
        seen_by(ESSEX_SEEN, ESSEX_TEAM, ok=302),
    ),
    (
        "area for improvement: new",
        "get",
        lambda w: reverse("findings-area-new", args=[w["i"]]),
        None,
        seen_by(ESSEX_SEEN, ESSEX_TEAM),
    ),
    (
        "area for improvement: change",
        "get",
        lambda w: reverse("findings-area-edit", args=[w["i"], w["area"]]),
        None,
        seen_by(ESSEX_SEEN, ESSEX_TEAM),
    ),
    (
        "area for improvement: delete (POST)",
        "post",
        lambda w: reverse("findings-area-delete", args=[w["i"], w["area"]]),
        {"version": 1},
        seen_by(ESSEX_SEEN, ESSEX_TEAM, ok=302),
    ),
    (
        "follow-up: accept",
        "get",
        lambda w: reverse("findings-follow-up-accept", args=[w["i"], w["proposal"]]),
        None,
        seen_by(ESSEX_SEEN, {"programme_manager"}),
    ),
    (
        "follow-up: decline",
        "get",
        lambda w: reverse("findings-follow-up-decline", args=[w["i"], w["proposal"]]),
        None,
        seen_by(ESSEX_SEEN, {"programme_manager"}),
    ),
    (
        "action plan: kent (published)",
        "get",
        lambda w: reverse("findings-action-plan", args=[w["k"]]),
        None,
        # the force's liaison officer is taken to the form that sends the plan
        seen_by(KENT_SEEN, {"other_lead", "programme_manager"}) | {"other_liaison": 302},
    ),
    (
        "action plan: kent, send",
        "get",
        lambda w: reverse("findings-action-plan-send", args=[w["k"]]),
        None,
        seen_by(KENT_SEEN, {"other_liaison"}),
    ),
    (
        "action plan: essex, send (not published)",
        "get",
        lambda w: reverse("findings-action-plan-send", args=[w["i"]]),
        None,
        seen_by(ESSEX_SEEN, set()),
    ),
    (
        "recommendation progress: kent",
        "get",
        lambda w: reverse("findings-recommendation-progress", args=[w["k"], w["kent_rec"]]),
        None,
        seen_by(KENT_SEEN, {"other_liaison"}),
    ),
    (
        "recommendation progress: essex (not published)",
        "get",
        lambda w: reverse("findings-recommendation-progress", args=[w["i"], w["rec"]]),
        None,
        seen_by(ESSEX_SEEN, set()),
    ),
    (
        "action plan: essex (not published: none yet)",
        "get",
        lambda w: reverse("findings-action-plan", args=[w["i"]]),
        None,
        seen_by(ESSEX_SEEN, set()),
    ),
    (
        "recommendations board",
        "get",
        lambda w: reverse("recommendations-board"),
        None,
        only(SIGNED_IN),
    ),
    # API
    (
        "api: findings essex",
        "get",
        lambda w: f"/api/inspections/{w['i']}/findings/",
        None,
        only(ESSEX_SEEN, anonymous=403),
    ),
    (
        "api: findings kent",
        "get",
        lambda w: f"/api/inspections/{w['k']}/findings/",
        None,
        only(KENT_SEEN, anonymous=403),
    ),
    (
        "api: action plan kent",
        "get",
        lambda w: f"/api/inspections/{w['k']}/action-plan/",
        None,
        only(KENT_SEEN, anonymous=403),
    ),
    (
        "api: recommendations board",
        "get",
        lambda w: "/api/recommendations/",
        None,
        only(SIGNED_IN, anonymous=403),
    ),
    (
        "api: judgement (POST)",
        "post",
        lambda w: f"/api/inspections/{w['i']}/judgements/",
        {"topic": "leadership", "grade": "good", "rationale": "Strong."},
        seen_by(ESSEX_SEEN, {"lead"}, ok=201, anonymous=403),
    ),
    (
        "api: cause of concern without a recommendation (POST, refused)",
        "post",
        lambda w: f"/api/inspections/{w['i']}/causes-of-concern/",
        {"title": "Bare", "text": "No recommendation.", "recommendations": []},
        seen_by(ESSEX_SEEN, ESSEX_TEAM, ok=409, anonymous=403),
    ),
    (
        "api: recommendation (POST)",
        "post",
        lambda w: f"/api/inspections/{w['i']}/recommendations/",
        {"text": "Train staff.", "owner": "Chief Constable", "due_on": "2027-05-01"},
        seen_by(ESSEX_SEEN, ESSEX_TEAM, ok=201, anonymous=403),
    ),
    (
        "api: area for improvement (POST)",
        "post",
        lambda w: f"/api/inspections/{w['i']}/areas-for-improvement/",
        {"text": "Record supervision."},
        seen_by(ESSEX_SEEN, ESSEX_TEAM, ok=201, anonymous=403),
    ),
    (
        "api: kent recommendation status (POST)",
        "post",
        lambda w: f"/api/inspections/{w['k']}/recommendations/{w['kent_rec']}/status/",
        {"status": "in_progress", "version": 1},
        seen_by(KENT_SEEN, {"other_lead", "programme_manager"}, anonymous=403),
    ),
    (
        "api: follow-up decline (POST)",
        "post",
        lambda w: f"/api/inspections/{w['i']}/follow-up-proposals/{w['proposal']}/decline/",
        {"note": "Not needed.", "version": 1},
        seen_by(ESSEX_SEEN, {"programme_manager"}, anonymous=403),
    ),
    (
        "api: kent action plan (POST)",
        "post",
        lambda w: f"/api/inspections/{w['k']}/action-plan/",
        {"status": "awaited", "version": 1},
        seen_by(KENT_SEEN, {"other_lead", "programme_manager"}, anonymous=403),
    ),
]


def test_matrix_names_every_visitor():
    for name, *_, expected in MATRIX:
        assert set(expected) == set(VISITORS), name


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("row", MATRIX, ids=[row[0] for row in MATRIX])
def test_findings_permission_matrix(row, visitor, world, client):
    name, method, url, data, expected = row
    if visitor != "anonymous":
        client.force_login(world["people"][visitor])
    if method == "post" and url(world).startswith("/api/"):
        response = client.post(url(world), data, content_type="application/json")
    else:
        response = getattr(client, method)(url(world), data)
    assert response.status_code == expected[visitor], (
        f"{visitor} on {name}: got {response.status_code}, expected {expected[visitor]}"
    )
