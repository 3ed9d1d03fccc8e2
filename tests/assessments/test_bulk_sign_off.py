"""Issue 15: signing off 70 cases took ~140 clicks. The fieldwork home ticks the ready cases
and signs them off at once, all or none; a case not ready, or not of this inspection, is named
in the error summary and nothing changes."""

import pytest
from django.urls import reverse

from cpinspect.assessments import services
from cpinspect.assessments.models import CaseAudit
from tests.assessments.conftest import draw_sample, submit
from tests.races import ROUNDS, race, raised, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(allocated, people, settings):
    """Three of the inspector's cases examined with no moderation: each has its final grade."""
    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 0, "random_share": 0.0}
    audits = list(CaseAudit.objects.filter(examiner=people["inspector"]).order_by("case_id")[:3])
    for audit in audits:
        submit(audit, people["inspector"])
    return audits


def _not_ready(people, ready):
    return (
        CaseAudit.objects.filter(final_grade="", examiner=people["inspector"])
        .exclude(pk__in=[a.pk for a in ready])
        .first()
    )


def _home(inspection):
    return reverse("assessments-home", args=[inspection.pk])


def _bulk(inspection):
    return reverse("assessments-bulk-sign-off", args=[inspection.pk])


def _locked(audits):
    return sorted(
        CaseAudit.objects.filter(
            pk__in=[a.pk for a in audits], locked_at__isnull=False
        ).values_list("case_id", flat=True)
    )


def test_the_home_offers_a_checkbox_for_each_ready_case_only(client, inspection, people, ready):
    client.force_login(people["lead"])
    page = client.get(_home(inspection)).content.decode()
    for audit in ready:
        assert f'id="case-{audit.case_id}" name="case" type="checkbox"' in page
    assert page.count('name="case" type="checkbox"') == 3
    assert "Sign off the selected cases" in page and "Sign off all 3 ready cases" in page


def test_the_lead_signs_off_the_ticked_cases(client, inspection, people, ready):
    client.force_login(people["lead"])
    response = client.post(_bulk(inspection), {"case": [ready[0].case_id, ready[1].case_id]})
    assert response.status_code == 302
    assert _locked(ready) == sorted([ready[0].case_id, ready[1].case_id])
    page = client.get(response.url).content.decode()
    assert "2 cases signed off and locked." in page
    assert 'Final grades</dt><dd class="govuk-summary-list__value">3, of which 2 signed off' in page


def test_a_case_not_ready_is_named_and_none_is_signed_off(client, inspection, people, ready):
    waiting = _not_ready(people, ready)
    client.force_login(people["lead"])
    response = client.post(_bulk(inspection), {"case": [ready[0].case_id, waiting.case_id]})
    page = response.content.decode()
    assert response.status_code == 409
    assert f'<a href="#row-{waiting.case_id}">Case {waiting.case_id}: The case has no final' in page
    assert "No case was signed off" in page
    assert f'value="{ready[0].case_id}" checked' in page  # the ticks are kept
    assert _locked(ready) == [] and not CaseAudit.objects.get(pk=waiting.pk).locked


def test_a_number_that_is_no_case_is_refused(client, inspection, people, ready):
    """A number that is no case at all is named and nothing changes."""
    outside = max(a.case_id for a in CaseAudit.objects.all()) + 1000
    client.force_login(people["lead"])
    response = client.post(_bulk(inspection), {"case": [ready[0].case_id, outside]})
    assert response.status_code == 400
    assert f"Case {outside}: This case is not in this inspection" in response.content.decode()
    assert _locked(ready) == []


def test_a_ready_case_the_lead_leads_elsewhere_is_refused_here(
    client, inspection, joint_inspection, people, ready
):
    """The attack: the same person leads a second inspection, whose case is ready to sign off;
    posting its number to this inspection's bulk sign-off signs off neither."""
    draw_sample(joint_inspection, people["lead"], size=6, seed=7)
    services.cases_allocate(inspection=joint_inspection, user=people["lead"])
    elsewhere = CaseAudit.objects.filter(inspection=joint_inspection).order_by("case_id").first()
    submit(elsewhere, elsewhere.examiner)
    elsewhere.refresh_from_db()
    assert elsewhere.final_grade and not elsewhere.locked  # ready, in the other inspection
    client.force_login(people["lead"])
    response = client.post(_bulk(inspection), {"case": [ready[0].case_id, elsewhere.case_id]})
    assert response.status_code == 400
    text = response.content.decode()
    assert f"Case {elsewhere.case_id}: This case is not in this inspection" in text
    assert _locked([*ready, elsewhere]) == []


def test_nothing_ticked_is_an_error_not_a_banner(client, inspection, people, ready):
    client.force_login(people["lead"])
    response = client.post(_bulk(inspection), {})
    assert response.status_code == 400
    assert '<a href="#cases">Choose the cases to sign off.</a>' in response.content.decode()


def test_only_the_lead_signs_off_in_bulk(client, inspection, people, ready):
    for who in ("inspector", "moderator", "analyst"):
        client.force_login(people[who])
        assert client.get(_bulk(inspection)).status_code == 403
        assert client.post(_bulk(inspection), {"case": [ready[0].case_id]}).status_code == 403
    client.force_login(people["other_lead"])  # a lead, not of this inspection: not even seen
    assert client.post(_bulk(inspection), {"case": [ready[0].case_id]}).status_code == 404
    assert _locked(ready) == []


def test_the_confirmation_page_signs_off_every_ready_case(client, inspection, people, ready):
    client.force_login(people["lead"])
    page = client.get(_bulk(inspection)).content.decode()
    assert "Sign off 3 ready cases" in page
    numbers = [a.case_id for a in ready]
    for n in numbers:
        assert f'<input type="hidden" name="case" value="{n}">' in page
    assert client.post(_bulk(inspection), {"case": numbers}).status_code == 302
    assert _locked(ready) == sorted(numbers)


@pytest.mark.django_db(transaction=True)
def test_two_tabs_signing_off_the_same_cases_at_once(inspection, people, ready):
    """The inspection has one lead; two of their sessions race. One signs off, the other is
    refused (409, naming the cases): never both, never a 500."""
    numbers = [a.case_id for a in ready]
    url = _bulk(inspection)
    for _ in range(ROUNDS):
        CaseAudit.objects.filter(pk__in=[a.pk for a in ready]).update(
            locked_at=None, locked_by=None
        )
        tabs = [signed_in(people["lead"]), signed_in(people["lead"])]

        def click(tab):
            def worker(go):
                go()
                return tab.post(url, {"case": numbers}).status_code

            return worker

        results = race(click(tabs[0]), click(tabs[1]))
        assert raised(results) == []
        assert sorted(results) == [302, 409]
        assert _locked(ready) == sorted(numbers)
