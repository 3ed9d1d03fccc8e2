"""Issue 15: the case page's actions (one view each) answer a missing field or a refusal with
the GOV.UK error summary linked to the field, what was typed kept, and nothing changed."""

import pytest
from django.urls import reverse

from cpinspect.assessments import services
from cpinspect.assessments.models import CaseAudit
from tests.assessments.conftest import submit

pytestmark = pytest.mark.django_db

BANNER = "govuk-notification-banner"


def _post(client, name, audit, data=None):
    return client.post(reverse(name, args=[audit.inspection_id, audit.case_id]), data or {})


@pytest.fixture
def no_moderation(settings):
    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 0, "random_share": 0.0}


@pytest.fixture
def graded(allocated, people, no_moderation):
    """A case examined with no moderation: it has its final grade, ready for sign-off."""
    audit = CaseAudit.objects.filter(examiner=people["inspector"]).first()
    submit(audit, people["inspector"])
    audit.refresh_from_db()
    assert audit.final_grade == "good"
    return audit


@pytest.fixture
def disputed(allocated, people, no_moderation):
    audit = CaseAudit.objects.filter(examiner=people["inspector"]).first()
    services.moderation_choose(audit=audit, user=people["lead"], moderator=people["moderator"])
    submit(audit, people["inspector"], "good")
    submit(CaseAudit.objects.get(pk=audit.pk), people["moderator"], "inadequate")
    audit.refresh_from_db()
    assert audit.final_grade == "" and audit.resolved_at is None
    return audit


def test_the_actions_keep_their_paths(inspection, allocated):
    audit = allocated[0]
    base = f"/inspections/{inspection.pk}/fieldwork/cases/{audit.case_id}/"
    for name, slug in [
        ("assessments-sign-off", "sign-off"),
        ("assessments-unlock", "unlock"),
        ("assessments-resolve", "resolve"),
        ("assessments-moderate", "moderate"),
        ("assessments-reallocate", "reallocate"),
        ("assessments-unusable", "unusable"),
    ]:
        assert reverse(name, args=[inspection.pk, audit.case_id]) == f"{base}{slug}/"


def test_unlock_without_a_reason_is_in_the_error_summary(client, people, graded):
    services.case_sign_off(audit=graded, user=people["lead"])
    client.force_login(people["lead"])
    response = _post(client, "assessments-unlock", graded, {"reason": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page and BANNER not in page
    assert '<a href="#unlock-reason">Give the reason for unlocking the case.</a>' in page
    assert 'id="unlock-reason-error"' in page
    assert CaseAudit.objects.get(pk=graded.pk).locked  # nothing changed


def test_resolve_with_no_grade_keeps_the_rationale_typed(client, people, disputed):
    client.force_login(people["lead"])
    page = client.get(reverse("assessments-case", args=[disputed.inspection_id, disputed.case_id]))
    assert "Resolve the disagreement" in page.content.decode()  # offered on the case page too
    response = _post(
        client, "assessments-resolve", disputed, {"grade": "", "rationale": "KEPT-RATIONALE"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#resolve-grade">Choose the final grade.</a>' in page
    assert 'value="KEPT-RATIONALE"' in page
    assert "#resolve-rationale" not in page  # only the missing field is listed
    response = _post(client, "assessments-resolve", disputed, {"grade": "good"})
    assert '<a href="#resolve-rationale">Give the reasons for the final grade.</a>' in (
        response.content.decode()
    )
    disputed.refresh_from_db()
    assert disputed.final_grade == "" and disputed.resolved_at is None


def test_signing_off_a_case_not_ready_is_a_refusal_in_the_summary(client, people, allocated):
    audit = allocated[0]
    client.force_login(people["lead"])
    response = _post(client, "assessments-sign-off", audit)
    page = response.content.decode()
    assert response.status_code == 409
    assert '<a href="#sign-off">The case has no final grade yet' in page
    assert 'id="sign-off"' in page and BANNER not in page
    assert not CaseAudit.objects.get(pk=audit.pk).locked


def test_reallocating_to_someone_off_the_team_is_refused_at_the_field(
    client, people, allocated, inspection
):
    audit = CaseAudit.objects.filter(examiner=people["inspector"]).first()
    client.force_login(people["lead"])
    response = _post(client, "assessments-reallocate", audit, {"examiner": people["other_lead"].pk})
    assert response.status_code == 400
    assert '<a href="#examiner">Choose someone on the team who may examine cases.</a>' in (
        response.content.decode()
    )
    assert CaseAudit.objects.get(pk=audit.pk).examiner == people["inspector"]


def test_the_examiner_cannot_be_chosen_as_the_moderator(client, people, allocated):
    audit = CaseAudit.objects.filter(examiner=people["inspector"]).first()
    client.force_login(people["lead"])
    response = _post(client, "assessments-moderate", audit, {"moderator": people["inspector"].pk})
    assert response.status_code == 400
    assert '<a href="#moderator">' in response.content.decode()
    audit.refresh_from_db()
    assert audit.moderator is None and not audit.moderation_reason


def test_success_is_still_a_banner(client, people, graded):
    client.force_login(people["lead"])
    response = _post(client, "assessments-sign-off", graded)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert BANNER in page and "Case signed off and locked." in page


def test_only_the_lead_signs_off(client, people, graded):
    client.force_login(people["inspector"])
    assert _post(client, "assessments-sign-off", graded).status_code == 403
    assert not CaseAudit.objects.get(pk=graded.pk).locked
