"""The API's safe editing (ADR 0020): a change names the version it read (body or If-Match);
a stale one is 409 with who changed what and the record as it is now; without a version,
428; a create with an Idempotency-Key is carried out once."""

from datetime import date

import pytest
from django.test import Client

from cpinspect.findings import services
from cpinspect.findings.models import AreaForImprovement, Judgement, Recommendation
from tests.findings.conftest import publish, rec

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def tracked(inspection, people):
    """A published recommendation, and its status endpoint."""
    cause = services.cause_of_concern_create(
        inspection=inspection,
        user=people["lead"],
        title="Delays",
        text="Cases wait.",
        recommendations=[rec()],
    )
    publish(inspection, people)
    made = cause.recommendations.get()
    return made, f"/api/inspections/{inspection.pk}/recommendations/{made.pk}/status/"


def test_a_stale_api_write_is_409_with_the_record_as_it_is_now(tracked, people):
    made, url = tracked
    version = (
        signed_in(people["inspector"])
        .get(f"/api/inspections/{made.inspection_id}/findings/")
        .json()["recommendations"][0]["version"]
    )
    assert version == 1
    assert (
        post(signed_in(people["programme_manager"]), url, {"status": "completed", "version": 1})
    ).status_code == 200
    response = post(
        signed_in(people["inspector"]), url, {"status": "in_progress", "version": version}
    )
    assert response.status_code == 409
    body = response.json()
    assert body["detail"].startswith("Planner changed this recommendation")
    assert [c["name"] for c in body["changed_by"]] == ["Planner"]
    assert body["changes"] == [
        {"field": "status", "label": "Status", "theirs": "Completed", "yours": "In progress"}
    ]
    assert (body["current"]["status"], body["current"]["version"], body["version"]) == (
        "completed",
        2,
        2,
    )
    stored = Recommendation.objects.get(pk=made.pk)
    assert stored.status == "completed" and stored.status_changes.count() == 1


def test_a_change_without_a_version_is_428_and_if_match_is_accepted(tracked, people):
    _, url = tracked
    client = signed_in(people["analyst"])
    response = post(client, url, {"status": "in_progress"})
    assert response.status_code == 428 and "If-Match" in response.json()["detail"]
    assert post(client, url, {"status": "in_progress"}, If_Match='"7"').status_code == 409
    assert post(client, url, {"status": "in_progress", "version": 2}, If_Match="1").status_code == (
        400
    )  # the body and the header disagree
    assert post(client, url, {"status": "in_progress"}, If_Match="soon").status_code == 400
    response = post(client, url, {"status": "in_progress"}, If_Match='W/"1"')
    assert response.status_code == 200 and response["ETag"] == '"2"'
    assert post(client, url, {"status": "completed"}, If_Match=response["ETag"]).status_code == 200


def test_a_refusal_of_the_rules_comes_before_the_question_of_versions(tracked, people):
    _, url = tracked
    assert post(signed_in(people["liaison"]), url, {"status": "completed"}).status_code == 403


def test_stale_api_decisions_on_the_action_plan_and_a_follow_up(inspection, people):
    from django.utils import timezone

    from cpinspect.findings.models import FollowUpProposal

    services.cause_of_concern_create(
        inspection=inspection, user=people["lead"], title="D", text="T", recommendations=[rec()]
    )
    proposal = FollowUpProposal.objects.get()
    publish(inspection, people)
    base = f"/api/inspections/{inspection.pk}"
    manager, team = signed_in(people["programme_manager"]), signed_in(people["inspector"])
    today = timezone.localdate().isoformat()
    plan = {"status": "received", "received_on": today, "version": 1}
    assert post(manager, f"{base}/action-plan/", plan).status_code == 200
    response = post(team, f"{base}/action-plan/", {**plan, "note": "Mine."})
    assert response.status_code == 409 and response.json()["current"]["status"] == "received"
    decline = f"{base}/follow-up-proposals/{proposal.pk}/decline/"
    assert post(manager, decline, {"note": "Not needed.", "version": 1}).status_code == 200
    response = post(manager, decline, {"note": "Something else.", "version": 1})
    assert response.status_code == 409
    assert response.json()["current"]["decision_note"] == "Not needed."


def test_a_judgement_recorded_meanwhile_is_409_through_the_api(inspection, people):
    url = f"/api/inspections/{inspection.pk}/judgements/"
    first = {"topic": "leadership", "grade": "good", "rationale": "Strong."}
    assert post(signed_in(people["lead"]), url, first).status_code == 201
    response = post(signed_in(people["lead"]), url, {**first, "grade": "inadequate"})
    assert response.status_code == 409  # it was new to this client: it sent no version
    assert response.json()["current"]["grade"] == "good"
    changed = post(signed_in(people["lead"]), url, {**first, "grade": "inadequate", "version": 1})
    assert changed.status_code == 201
    assert Judgement.objects.get().grade == "inadequate"


def test_an_idempotency_key_makes_a_retried_create_one_row(inspection, people):
    url = f"/api/inspections/{inspection.pk}/areas-for-improvement/"
    client = signed_in(people["lead"])
    body = {"text": "Record supervision."}
    first = post(client, url, body, Idempotency_Key="5a0c3d7e-area-1")
    again = post(client, url, body, Idempotency_Key="5a0c3d7e-area-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert AreaForImprovement.objects.count() == 1
    other = post(client, url, {"text": "Something else."}, Idempotency_Key="5a0c3d7e-area-1")
    assert other.status_code == 422 and "already used" in other.json()["detail"]
    assert post(client, url, body, Idempotency_Key="with spaces").status_code == 400
    assert post(client, url, body).status_code == 201  # without a key: carried out each time
    assert AreaForImprovement.objects.count() == 2


def test_a_key_is_one_clients_and_one_endpoints(inspection, people):
    base = f"/api/inspections/{inspection.pk}"
    lead, inspector = signed_in(people["lead"]), signed_in(people["inspector"])
    key = {"Idempotency_Key": "shared-key-0001"}
    assert post(lead, f"{base}/areas-for-improvement/", {"text": "A."}, **key).status_code == 201
    assert (
        post(inspector, f"{base}/areas-for-improvement/", {"text": "A."}, **key).status_code == 201
    )  # another person's key space
    made = post(
        lead,
        f"{base}/recommendations/",
        {"text": "R.", "owner": "CC", "due_on": date(2027, 1, 1).isoformat()},
        **key,
    )
    assert made.status_code == 422  # the same key on another endpoint is another request
    assert AreaForImprovement.objects.count() == 2 and not Recommendation.objects.exists()
