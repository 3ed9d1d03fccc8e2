"""Issue 15, failure 4: the force's liaison officer could not send the action plan or report
progress on recommendations (the action plan page was a bare 403 for them)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from cpinspect.findings import services
from cpinspect.findings.models import ActionPlan, ForceUpdate, RecommendationStatus
from tests.findings.conftest import publish
from tests.findings.test_pages import add_cause, findings_url, page
from tests.forms import opened, submit

pytestmark = pytest.mark.django_db


def test_the_liaison_sends_the_action_plan_and_the_team_sees_it(client, inspection, people):
    add_cause(inspection, people["lead"])
    publish(inspection, people)
    client.force_login(people["liaison"])
    body = page(client, findings_url(inspection))
    send = reverse("findings-action-plan-send", args=[inspection.pk])
    assert send in body, body[body.find("action-plan") :][:1500]
    assert send in body and "Send the force's action plan" in body
    # the old page no longer refuses them: it takes them to the form
    response = client.get(reverse("findings-action-plan", args=[inspection.pk]))
    assert response.status_code == 302 and response.url == send
    empty = submit(client, send, {"text": "  "})
    assert empty.status_code == 400
    assert "Write the action plan, or a summary of it" in empty.content.decode()
    assert "govuk-error-summary" in empty.content.decode()
    assert submit(client, send, {"text": "Plan: a triage desk by March."}).status_code == 302
    plan = ActionPlan.objects.get()
    assert plan.status == "received" and plan.received_on is not None
    client.force_login(people["lead"])
    body = page(client, findings_url(inspection))
    assert "Plan: a triage desk by March." in body and people["liaison"].full_name in body


def test_a_double_click_sends_one_plan(client, inspection, people):
    publish(inspection, people)
    client.force_login(people["liaison"])
    send = reverse("findings-action-plan-send", args=[inspection.pk])
    hidden = opened(client, send)
    for _ in range(2):
        client.post(send, {**hidden, "text": "Plan A"})
    assert ForceUpdate.objects.count() == 1


def test_the_liaison_reports_progress_and_the_team_decides(client, inspection, people):
    made = add_cause(inspection, people["lead"])
    rec = made.recommendations.get()
    publish(inspection, people)
    client.force_login(people["liaison"])
    detail = reverse("findings-recommendation", args=[inspection.pk, rec.pk])
    progress = reverse("findings-recommendation-progress", args=[inspection.pk, rec.pk])
    assert progress in page(client, detail)
    missing = submit(client, progress, {"text": "Done"})
    assert missing.status_code == 400
    assert "Say whether the force considers the recommendation done" in missing.content.decode()
    response = submit(client, progress, {"text": "All staff trained.", "considers_done": "yes"})
    assert response.status_code == 302 and response.url == detail
    body = page(client, detail)
    assert "All staff trained." in body and "The force considers it done" in body
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.OPEN  # the force does not close its own
    assert client.post(detail, {"status": "completed"}).status_code == 403
    client.force_login(people["inspector"])
    assert "All staff trained." in page(client, detail)


def test_no_one_else_sends_for_the_force(client, inspection, people):
    made = add_cause(inspection, people["lead"])
    rec = made.recommendations.get()
    send = reverse("findings-action-plan-send", args=[inspection.pk])
    progress = reverse("findings-recommendation-progress", args=[inspection.pk, rec.pk])
    client.force_login(people["liaison"])
    # before publication the liaison sees nothing of the findings
    assert client.get(send).status_code == 404
    publish(inspection, people)
    for who, status in (("other_liaison", 404), ("lead", 403), ("inspector", 403)):
        client.force_login(people[who])
        assert client.get(send).status_code == status, who
        assert client.post(progress, {"text": "x", "considers_done": "no"}).status_code == status
    assert not ForceUpdate.objects.exists()
    with pytest.raises(PermissionDenied):
        services.recommendation_progress_add(recommendation=rec, user=people["lead"], text="x")


def test_progress_on_a_closed_recommendation_is_refused(inspection, people):
    made = add_cause(inspection, people["lead"])
    rec = made.recommendations.get()
    publish(inspection, people)
    services.recommendation_set_status(
        recommendation=rec, user=people["lead"], status="completed", expected_version=rec.version
    )
    with pytest.raises(services.FindingsRefused, match="completed"):
        services.recommendation_progress_add(
            recommendation=rec, user=people["liaison"], text="More"
        )


def test_what_the_force_sent_cannot_be_rewritten(inspection, people):
    publish(inspection, people)
    plan = ActionPlan.objects.get()
    services.action_plan_submit(plan=plan, user=people["liaison"], text="Original")
    for statement in (
        "UPDATE findings_forceupdate SET text = 'Rewritten'",
        "DELETE FROM findings_forceupdate",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert ForceUpdate.objects.get().text == "Original"
