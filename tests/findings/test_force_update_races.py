"""The force's action plan, sent twice at once and while the team records it (ADR 0020): each
in its own thread and connection, committed for real. Nothing is lost and no state is
overwritten unseen."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cpinspect.accounts.models import Role
from cpinspect.editing.versions import StaleEdit
from cpinspect.findings import services
from cpinspect.findings.models import ActionPlan, ActionPlanStatus, ForceUpdate
from tests.findings.conftest import publish
from tests.fixtures import make_user
from tests.forms import opened
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
    plan = ActionPlan.objects.get(inspection=inspection)
    version = plan.version  # the page the lead opened, before the force sent anything

    def lead_accepts(go):
        go()
        return services.action_plan_record(
            plan=ActionPlan.objects.get(pk=plan.pk),
            user=people["lead"],
            status=ActionPlanStatus.ACCEPTED,
            received_on=timezone.localdate(),
            note="Accepted at the meeting.",
            expected_version=version,
        )

    url = reverse("findings-action-plan-send", args=[inspection.pk])
    lead, force = race(lead_accepts, _sends(signed_in(people["liaison"]), url, "Our plan."))
    assert not isinstance(force, BaseException) and force.status_code == 302
    assert ForceUpdate.objects.get().text == "Our plan."
    plan.refresh_from_db()
    if isinstance(lead, BaseException):
        # the force's send came first: the lead's page was stale, and is told so
        assert isinstance(lead, StaleEdit), lead
        assert plan.status == ActionPlanStatus.RECEIVED
    else:
        # the lead came first: the force's later send leaves the team's decision alone
        assert plan.status == ActionPlanStatus.ACCEPTED and plan.note == "Accepted at the meeting."
