"""The force's action plan, sent twice at once and while the team records it (ADR 0020): each
in its own thread and connection, committed for real. Nothing is lost and no state is
overwritten unseen."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cpinspect.accounts.models import Role
from cpinspect.findings.models import ActionPlan, ActionPlanStatus, ForceUpdate
from tests.findings.conftest import publish
from tests.fixtures import make_user
from tests.forms import date_boxes, opened
from tests.races import race, raised, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def _sends(client, url, text):
    def worker(go):
        hidden = opened(client, url)
        go()
        return client.post(url, {**hidden, "text": text})

    return worker


def test_two_liaisons_sending_the_action_plan_at_once_both_are_kept(inspection, people, reference):
    publish(inspection, people)
    second = make_user("liaison2", Role.FORCE_LIAISON, force=reference["essex"])
    plan = ActionPlan.objects.get(inspection=inspection)
    version = plan.version
    url = reverse("findings-action-plan-send", args=[inspection.pk])
    results = race(
        _sends(signed_in(people["liaison"]), url, "Plan from the first officer."),
        _sends(signed_in(second), url, "Plan from the second officer."),
    )
    assert raised(results) == []
    assert [r.status_code for r in results] == [302, 302]
    sent = sorted(ForceUpdate.objects.values_list("text", flat=True))
    assert sent == ["Plan from the first officer.", "Plan from the second officer."]
    plan.refresh_from_db()
    # received once, on the day: the second send found it received (the row lock) and left it
    assert plan.status == ActionPlanStatus.RECEIVED
    assert plan.received_on == timezone.localdate()
    assert plan.version == version + 1


@pytest.mark.parametrize("round_", range(3))
def test_the_team_recording_the_plan_while_the_force_sends_it_overwrites_nothing(
    inspection, people, round_
):
    publish(inspection, people)
    lead_page = reverse("findings-action-plan", args=[inspection.pk])
    lead = signed_in(people["lead"])
    accepted = {
        "status": ActionPlanStatus.ACCEPTED,
        **date_boxes("received_on", timezone.localdate().isoformat()),
        "note": "Accepted at the meeting.",
    }

    def lead_accepts(go):
        hidden = opened(lead, lead_page)  # opened before the force sent anything
        go()
        return lead.post(lead_page, {**hidden, **accepted})

    url = reverse("findings-action-plan-send", args=[inspection.pk])
    team, force = race(lead_accepts, _sends(signed_in(people["liaison"]), url, "Our plan."))
    assert raised([team, force]) == []
    assert force.status_code == 302
    assert ForceUpdate.objects.get().text == "Our plan."
    plan = ActionPlan.objects.get(inspection=inspection)
    if team.status_code == 409:
        # the force's send came first: the lead's page was stale, and is told so
        assert plan.status == ActionPlanStatus.RECEIVED
    else:
        # the lead came first: the force's later send leaves the team's decision alone
        assert team.status_code == 302
        assert plan.status == ActionPlanStatus.ACCEPTED and plan.note == "Accepted at the meeting."


def test_the_leads_page_opened_before_the_force_sent_the_plan_is_refused(inspection, people):
    """The race's first order, in sequence: the lead's save would overwrite the received plan."""
    publish(inspection, people)
    lead_page = reverse("findings-action-plan", args=[inspection.pk])
    lead = signed_in(people["lead"])
    hidden = opened(lead, lead_page)
    send = reverse("findings-action-plan-send", args=[inspection.pk])
    liaison = signed_in(people["liaison"])
    assert liaison.post(send, {**opened(liaison, send), "text": "Our plan."}).status_code == 302
    stale = lead.post(lead_page, {**hidden, "status": ActionPlanStatus.AWAITED, "note": ""})
    assert stale.status_code == 409
    assert ActionPlan.objects.get(inspection=inspection).status == ActionPlanStatus.RECEIVED
