"""Two people (or two tabs) acting on one case at once: each decision is taken on the stored,
locked row, so a copy read earlier never overwrites what the other did."""

import pytest

from cpinspect.assessments import services
from cpinspect.assessments.models import Assessment, CaseAudit, Escalation
from tests.assessments.conftest import submit
from tests.assessments.test_audit_services import _moderated_case

pytestmark = pytest.mark.django_db


def _two_copies(audit):
    return CaseAudit.objects.get(pk=audit.pk), CaseAudit.objects.get(pk=audit.pk)


def test_a_second_resolution_from_a_stale_page_is_refused(people, allocated):
    audit = _moderated_case(people, allocated, "good", "inadequate")
    first_tab, second_tab = _two_copies(audit)
    services.disagreement_resolve(
        audit=first_tab, user=people["lead"], grade="requires_improvement", rationale="On balance."
    )
    with pytest.raises(services.AuditRefused, match="resolved grade is final"):
        services.disagreement_resolve(
            audit=second_tab, user=people["lead"], grade="inadequate", rationale="Other tab."
        )
    stored = CaseAudit.objects.get(pk=audit.pk)
    assert (stored.final_grade, stored.resolution_rationale) == (
        "requires_improvement",
        "On balance.",
    )


def test_a_second_acknowledgement_does_not_replace_the_first(people, allocated):
    audit = allocated[0]
    escalation = services.escalation_raise(
        audit=audit, user=audit.examiner, concern="Child left with a registered offender."
    )
    mine, theirs = (Escalation.objects.get(pk=escalation.pk) for _ in range(2))
    services.escalation_acknowledge(escalation=mine, user=people["lead"], by_whom="DI Smith")
    with pytest.raises(services.AuditRefused, match="already acknowledged, by DI Smith"):
        services.escalation_acknowledge(escalation=theirs, user=audit.examiner, by_whom="PC Jones")
    assert Escalation.objects.get(pk=escalation.pk).acknowledged_by_force == "DI Smith"


def test_a_case_reallocated_meanwhile_is_not_saved_by_its_former_examiner(
    people, allocated, second_inspector
):
    """Opening stores nothing (a GET writes nothing), so the stale copy is refused on its first
    save, decided on the stored allocation."""
    audit = next(a for a in allocated if a.examiner_id == people["inspector"].pk)
    inspectors_copy, leads_copy = _two_copies(audit)
    services.case_reallocate(audit=leads_copy, user=people["lead"], examiner=second_inspector)
    opened = services.assessment_open(audit=inspectors_copy, user=people["inspector"])
    assert opened.pk is None and opened.answers == {}
    with pytest.raises(services.AuditRefused, match="given to someone else"):
        services.assessment_save(
            assessment=opened,
            user=people["inspector"],
            draft=services.Draft(answers={"child_seen": "yes"}, notes={}, texts={}),
            expected_version=1,
        )
    assert not Assessment.objects.filter(audit=audit).exists()
    assert services.assessment_open(audit=leads_copy, user=second_inspector).examiner_id == (
        second_inspector.pk
    )


def test_a_stale_copy_cannot_sign_off_or_unlock_twice(people, allocated, settings):
    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 0, "random_share": 0.0}
    audit = allocated[0]
    submit(audit, audit.examiner, "good")
    first_tab, second_tab = _two_copies(audit)
    services.case_sign_off(audit=first_tab, user=people["lead"])
    with pytest.raises(services.AuditRefused, match="signed off and locked"):
        services.case_sign_off(audit=second_tab, user=people["lead"])
    first_tab, second_tab = _two_copies(audit)
    services.case_unlock(audit=first_tab, user=people["lead"], reason="A late document.")
    with pytest.raises(services.AuditRefused, match="not locked"):
        services.case_unlock(audit=second_tab, user=people["lead"], reason="Again.")
    assert CaseAudit.objects.get(pk=audit.pk).unlocks.count() == 1
