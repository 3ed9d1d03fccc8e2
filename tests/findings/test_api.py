"""The findings API in use: the same rules as the pages, with 400, 403, 404 and 409."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cpinspect.findings import services
from cpinspect.findings.models import CauseOfConcern, FollowUpProposal, Recommendation
from cpinspect.programmes.models import Inspection
from tests.findings.conftest import publish, rec

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_recording_findings_through_the_api(client, inspection, people, next_programme):
    base = f"/api/inspections/{inspection.pk}"
    client.force_login(people["inspector"])
    # a cause of concern without a recommendation: refused with the reason
    response = post(
        client,
        f"{base}/causes-of-concern/",
        {"title": "Delays", "text": "Cases wait.", "recommendations": []},
    )
    assert response.status_code == 409
    assert "at least one recommendation" in response.json()["detail"]
    response = post(
        client,
        f"{base}/causes-of-concern/",
        {
            "topic": "investigation",
            "title": "Delays",
            "text": "Cases wait.",
            "recommendations": [
                {
                    "text": "Allocate in 24 hours.",
                    "owner": "Chief Constable",
                    "due_on": "2027-06-30",
                }
            ],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Delays"
    assert [(r["text"], r["owner"], r["status"]) for r in body["recommendations"]] == [
        ("Allocate in 24 hours.", "Chief Constable", "open")
    ]
    # a malformed recommendation is a 400 naming the field
    response = post(client, f"{base}/recommendations/", {"text": "x", "owner": "CC"})
    assert response.status_code == 400 and "due_on" in response.json()
    response = post(
        client,
        f"{base}/recommendations/",
        {"text": "x", "owner": "CC", "due_on": "2027-01-01", "cause_of_concern": 99999},
    )
    assert response.status_code == 400 and "cause_of_concern" in response.json()
    response = post(client, f"{base}/areas-for-improvement/", {"text": "Record supervision."})
    assert response.status_code == 201 and response.json()["topic"] == ""
    # judgements are the lead's
    judgement = {"topic": "investigation", "grade": "inadequate", "rationale": "At risk."}
    assert post(client, f"{base}/judgements/", judgement).status_code == 403
    client.force_login(people["lead"])
    response = post(client, f"{base}/judgements/", {**judgement, "grade": "excellent"})
    assert response.status_code == 400 and "grade" in response.json()
    response = post(client, f"{base}/judgements/", judgement)
    assert response.status_code == 201
    body = response.json()
    assert (body["grade"], body["suggested_grade"], body["scale"]) == (
        "inadequate",
        "requires_improvement",
        "five_point",
    )
    assert body["evidence"]["causes_of_concern"] == 1
    findings = client.get(f"{base}/findings/").json()
    assert [(p["reason"], p["kind"]) for p in findings["follow_up_proposals"]] == [
        ("cause_of_concern", "post_inspection_review"),
        ("inadequate_judgement", "re_inspection"),
    ]
    assert findings["action_plan"] is None
    assert client.get(f"{base}/action-plan/").status_code == 404
    # a programme manager accepts one follow-up and declines the other
    client.force_login(people["programme_manager"])
    review, re_inspection = FollowUpProposal.objects.order_by("pk")
    response = post(
        client,
        f"{base}/follow-up-proposals/{re_inspection.pk}/accept/",
        {"fieldwork_starts_on": "2027-11-01", "version": re_inspection.version},
    )
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["programme"]) == ("accepted", "2027/28")
    planned = Inspection.objects.get(pk=response.json()["follow_up"])
    assert (planned.kind, planned.programme, planned.force) == (
        "re_inspection",
        next_programme,
        inspection.force,
    )
    response = post(client, f"{base}/follow-up-proposals/{review.pk}/decline/", {"note": ""})
    assert response.status_code == 400
    response = post(
        client,
        f"{base}/follow-up-proposals/{review.pk}/decline/",
        {"note": "Covered.", "version": review.version},
    )
    assert response.status_code == 200 and response.json()["status"] == "declined"


def test_tracking_after_publication_through_the_api(client, inspection, people):
    cause = services.cause_of_concern_create(
        inspection=inspection,
        user=people["lead"],
        title="Delays",
        text="Cases wait.",
        recommendations=[rec(due=timezone.localdate() - timedelta(days=1))],
    )
    only = cause.recommendations.get()
    base = f"/api/inspections/{inspection.pk}"
    client.force_login(people["lead"])
    url = f"{base}/recommendations/{only.pk}/status/"
    response = post(client, url, {"status": "in_progress", "version": only.version})
    assert (
        response.status_code == 409 and "once the report is published" in response.json()["detail"]
    )
    publish(inspection, people)
    # the force liaison officer sees the findings, not the working, and may not change them
    client.force_login(people["liaison"])
    findings = client.get(f"{base}/findings/").json()
    assert "follow_up_proposals" not in findings
    assert findings["judgements"][0] == {"topic": "leadership", "grade": None, "version": 0}
    assert findings["recommendations"][0]["overdue"] is True  # due yesterday, still open
    assert findings["action_plan"]["status"] == "awaited"
    assert "note" not in client.get(f"{base}/action-plan/").json()
    assert post(client, url, {"status": "completed", "version": only.version}).status_code == 403
    board = client.get("/api/recommendations/").json()
    assert [(r["id"], r["force"], r["overdue"]) for r in board["results"]] == [
        (only.pk, "E23000028", True)
    ]
    client.force_login(people["other_liaison"])
    assert client.get(f"{base}/findings/").status_code == 404
    assert client.get("/api/recommendations/").json()["count"] == 0
    # the team tracks the recommendation and the action plan
    client.force_login(people["analyst"])
    response = post(client, url, {"status": "completed", "note": "Done.", "version": 1})
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert Recommendation.objects.get().status == "completed"
    assert client.get("/api/recommendations/").json()["count"] == 0
    assert client.get("/api/recommendations/?status=completed").json()["count"] == 1
    assert client.get("/api/recommendations/?force=nowhere").status_code == 400
    assert client.get("/api/recommendations/?status=shut").status_code == 400
    today = timezone.localdate().isoformat()
    response = post(client, f"{base}/action-plan/", {"status": "received", "version": 1})
    assert response.status_code == 400 and "received_on" in response.json()
    response = post(
        client,
        f"{base}/action-plan/",
        {"status": "received", "received_on": today, "note": "OK", "version": 1},
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["note"]) == ("received", "OK")
    # published findings are fixed
    response = post(client, f"{base}/areas-for-improvement/", {"text": "Late."})
    assert response.status_code == 409 and "published" in response.json()["detail"]
    assert CauseOfConcern.objects.count() == 1
