"""The audit's rules through its services: allocation, drafts, submission, conflicts,
moderation selection, resolution, sign-off, unusable cases, escalations."""

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from cpinspect.assessments import services
from cpinspect.assessments.models import (
    Assessment,
    CaseAudit,
    Escalation,
    FieldworkSetup,
    Kind,
    ModerationReason,
)
from cpinspect.programmes.models import StatusChange
from tests.assessments.conftest import complete_draft, submit
from tests.fixtures import programme_manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified_inspection(programme, people, reference):
    from datetime import date

    from cpinspect.programmes.models import InspectionType, Status, TeamRole
    from cpinspect.programmes.services import team_member_add
    from tests.fixtures import _inspection

    inspection = _inspection(
        programme,
        Status.NOTIFIED,
        kind=InspectionType.CHILD_PROTECTION,
        force=reference["kent"],
        fieldwork_starts_on=date(2026, 11, 2),
    )
    team_member_add(
        programme_manager(), inspection=inspection, person=people["lead"], role=TeamRole.LEAD
    )
    return inspection


def test_allocation_spreads_the_sample_over_the_inspectors(
    inspection, people, allocated, second_inspector
):
    assert len(allocated) == 21
    counts = {}
    for audit in allocated:
        counts[audit.examiner_id] = counts.get(audit.examiner_id, 0) + 1
    assert counts == {people["inspector"].pk: 11, second_inspector.pk: 10}
    # allocating again finds nothing new
    assert services.cases_allocate(inspection=inspection, user=people["lead"]) == []
    assert FieldworkSetup.objects.get(inspection=inspection).versions["core"] >= 1


def test_only_the_lead_allocates(inspection, people, sample):
    from django.core.exceptions import PermissionDenied

    for key in ("inspector", "analyst", "moderator", "programme_manager", "liaison"):
        with pytest.raises(PermissionDenied):
            services.cases_allocate(inspection=inspection, user=people[key])


def test_question_sets_are_fixed_when_fieldwork_starts(notified_inspection, people):
    assert not FieldworkSetup.objects.filter(inspection=notified_inspection).exists()
    from cpinspect.programmes.services import inspection_transition

    inspection_transition(people["lead"], inspection=notified_inspection, target="fieldwork")
    setup = FieldworkSetup.objects.get(inspection=notified_inspection)
    assert set(setup.versions) >= {"core", "custody", "missing_children"}
    assert StatusChange.objects.filter(inspection=notified_inspection).count() == 1


def test_a_later_question_set_change_never_alters_the_fixed_one(
    inspection, people, allocated, monkeypatch
):
    from cpinspect.assessments import questionsets

    fixed = FieldworkSetup.objects.get(inspection=inspection).question_sets
    changed = {**fixed, "core": {**fixed["core"], "title": "A new title", "version": 2}}
    monkeypatch.setattr(questionsets, "snapshot", lambda: changed)  # the files move on
    inspection.refresh_from_db()
    assert (
        services.question_sets_fix(inspection).question_sets["core"]["title"]
        == (fixed["core"]["title"])
    )
    assert services.question_set_for(allocated[0]).versions["core"] == fixed["core"]["version"]


def test_draft_then_submit(inspection, people, allocated):
    audit = allocated[0]
    user = audit.examiner
    assessment = services.assessment_open(audit=audit, user=user)
    assert assessment.kind == Kind.FIRST and assessment.version == 1
    draft = complete_draft(audit)
    partial = services.Draft(
        answers=dict(list(draft.answers.items())[:3]), notes={}, texts={}, overall_grade=""
    )
    saved = services.assessment_save(
        assessment=assessment, user=user, draft=partial, expected_version=1
    )
    assert saved.version == 2 and saved.status == "draft" and len(saved.answers) == 3
    with pytest.raises(services.AssessmentInvalid) as refused:
        services.assessment_save(
            assessment=saved, user=user, draft=partial, expected_version=2, submit=True
        )
    fields = {p.question_id for p in refused.value.problems}
    assert {"overall_grade", "rationale"} <= fields and len(fields) > 5
    done = services.assessment_save(
        assessment=saved, user=user, draft=draft, expected_version=2, submit=True
    )
    assert done.status == "submitted" and done.overall_grade == "good"
    assert done.writing["rationale"].startswith("Overall good")
    with pytest.raises(services.AuditRefused, match="submitted"):
        services.assessment_save(assessment=done, user=user, draft=draft, expected_version=3)


def test_an_invalid_value_is_refused_even_in_a_draft(allocated):
    audit = allocated[0]
    assessment = services.assessment_open(audit=audit, user=audit.examiner)
    with pytest.raises(services.AssessmentInvalid) as refused:
        services.assessment_save(
            assessment=assessment,
            user=audit.examiner,
            draft=services.Draft(answers={"child_seen": "perhaps"}, notes={}, texts={}),
            expected_version=1,
        )
    assert [p.question_id for p in refused.value.problems] == ["child_seen"]


def test_the_second_of_two_saves_is_refused_with_both_versions(allocated):
    audit = allocated[0]
    user = audit.examiner
    mine = services.assessment_open(audit=audit, user=user)
    theirs = services.assessment_open(audit=audit, user=user)  # a second tab, before any save
    first = services.Draft(answers={"child_seen": "yes"}, notes={}, texts={})
    second = services.Draft(
        answers={"child_seen": "no"}, notes={"child_seen": "Not seen."}, texts={}
    )
    services.assessment_save(assessment=theirs, user=user, draft=first, expected_version=1)
    with pytest.raises(services.SaveConflict) as conflict:
        services.assessment_save(assessment=mine, user=user, draft=second, expected_version=1)
    assert conflict.value.current.answers == {"child_seen": "yes"}
    assert conflict.value.current.version == 2
    assert Assessment.objects.get(audit=audit, kind=mine.kind).answers == {"child_seen": "yes"}


def test_someone_else_cannot_write_my_assessment(people, allocated):
    from django.core.exceptions import PermissionDenied

    audit = allocated[0]
    assessment = services.assessment_open(audit=audit, user=audit.examiner)
    for key in ("lead", "moderator", "analyst"):
        with pytest.raises(PermissionDenied):
            services.assessment_save(
                assessment=assessment,
                user=people[key],
                draft=complete_draft(audit),
                expected_version=1,
            )


def test_moderation_rule_first_three_inadequate_and_random(people, allocated, settings):
    settings.CPINSPECT_MODERATION_RULE = {"random_share": 0.0}
    mine = [a for a in allocated if a.examiner_id == people["inspector"].pk]
    grades = ["good", "good", "good", "good", "inadequate", "requires_improvement"]
    for audit, grade in zip(mine, grades, strict=False):
        submit(audit, people["inspector"], grade)
    reasons = [CaseAudit.objects.get(pk=a.pk).moderation_reason for a in mine[:6]]
    assert reasons == [
        ModerationReason.FIRST_OF_INSPECTOR,
        ModerationReason.FIRST_OF_INSPECTOR,
        ModerationReason.FIRST_OF_INSPECTOR,
        "",
        ModerationReason.INADEQUATE,
        "",
    ]
    # not moderated: the first grade is final; moderated: no final grade yet
    finals = [CaseAudit.objects.get(pk=a.pk).final_grade for a in mine[:6]]
    assert finals == ["", "", "", "good", "", "requires_improvement"]
    # the moderator is the team's moderator, never the examiner
    assert {CaseAudit.objects.get(pk=a.pk).moderator_id for a in mine[:3]} == {
        people["moderator"].pk
    }


def test_random_share_is_reproducible_and_about_right(people, allocated):
    from cpinspect.assessments.services import ModerationRule, moderation_reason

    rule = ModerationRule(first_per_inspector=0, random_share=0.5, all_inadequate=False)
    audit = allocated[0]
    first = Assessment(examiner=audit.examiner, overall_grade="good", kind=Kind.FIRST)
    picks = [moderation_reason(a, first, rule) for a in allocated]
    assert picks == [moderation_reason(a, first, rule) for a in allocated]  # same every time
    assert 4 <= picks.count(ModerationReason.RANDOM) <= 17  # 21 draws at 0.5
    none = ModerationRule(first_per_inspector=0, random_share=0.0, all_inadequate=False)
    assert {moderation_reason(a, first, none) for a in allocated} == {""}


def _moderated_case(people, allocated, first_grade, moderated_grade):
    audit = next(a for a in allocated if a.examiner_id == people["inspector"].pk)
    submit(audit, people["inspector"], first_grade)
    audit.refresh_from_db()
    assert audit.moderator_id == people["moderator"].pk
    submit(audit, people["moderator"], moderated_grade)
    audit.refresh_from_db()
    return audit


def test_agreement_makes_the_grade_final(people, allocated):
    audit = _moderated_case(people, allocated, "good", "good")
    assert audit.final_grade == "good"
    with pytest.raises(services.AuditRefused, match="agree"):
        services.disagreement_resolve(audit=audit, user=people["lead"], grade="good", rationale="x")


def test_the_lead_resolves_a_disagreement_with_a_rationale(people, allocated):
    audit = _moderated_case(people, allocated, "good", "inadequate")
    assert audit.final_grade == ""
    with pytest.raises(services.AuditRefused, match="reasons"):
        services.disagreement_resolve(
            audit=audit, user=people["lead"], grade="inadequate", rationale=" "
        )
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.disagreement_resolve(
            audit=audit, user=people["moderator"], grade="inadequate", rationale="Mine."
        )
    services.disagreement_resolve(
        audit=audit, user=people["lead"], grade="requires_improvement", rationale="On balance."
    )
    audit.refresh_from_db()
    assert audit.final_grade == "requires_improvement"
    assert audit.resolution_rationale == "On balance." and audit.resolved_by == people["lead"]


def test_sign_off_locks_and_unlocking_needs_a_reason(people, allocated, settings):
    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 0, "random_share": 0.0}
    audit = allocated[0]
    with pytest.raises(services.AuditRefused, match="no final grade"):
        services.case_sign_off(audit=audit, user=people["lead"])
    assessment = submit(audit, audit.examiner, "requires_improvement")
    audit.refresh_from_db()
    services.case_sign_off(audit=audit, user=people["lead"])
    audit.refresh_from_db()
    assert audit.locked
    for attempt in (
        lambda: services.assessment_save(
            assessment=assessment,
            user=audit.examiner,
            draft=complete_draft(audit),
            expected_version=assessment.version,
        ),
        lambda: services.case_mark_unusable(audit=audit, user=people["lead"], reason="x"),
        lambda: services.moderation_choose(audit=audit, user=people["lead"]),
        lambda: services.case_sign_off(audit=audit, user=people["lead"]),
    ):
        with pytest.raises(services.AuditRefused, match="locked"):
            attempt()
    with pytest.raises(services.AuditRefused, match="reason"):
        services.case_unlock(audit=audit, user=people["lead"], reason="")
    unlock = services.case_unlock(audit=audit, user=people["lead"], reason="Grade queried.")
    audit.refresh_from_db()
    assert not audit.locked and unlock.reason == "Grade queried."
    # the record of an unlock can be neither changed nor removed
    for statement in (
        "UPDATE assessments_caseunlock SET reason = 'x'",
        "DELETE FROM assessments_caseunlock",
    ):
        with (
            pytest.raises(Exception, match="append_only|Cannot|protect"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)


def test_an_unusable_case_is_replaced_for_the_same_examiner(people, allocated):
    audit = allocated[0]
    replacement = services.case_mark_unusable(audit=audit, user=audit.examiner, reason="No file")
    assert replacement.examiner_id == audit.examiner_id
    assert replacement.case.stratum == audit.case.stratum and replacement.case.status == "sampled"
    audit.case.refresh_from_db()
    assert audit.case.status == "unusable" and audit.case.replaced_by_id == replacement.case_id


def test_an_escalation_tells_the_lead_and_can_never_be_deleted(
    people, allocated, django_capture_on_commit_callbacks
):
    audit = allocated[0]
    with django_capture_on_commit_callbacks(execute=True):
        escalation = services.escalation_raise(
            audit=audit, user=audit.examiner, concern="Child left with a registered offender."
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [people["lead"].email] and "Urgent" in message.subject
    assert "registered offender" not in message.body  # no case detail leaves by e-mail
    assert audit.case.pseudonym not in message.body
    with (
        pytest.raises(Exception, match="escalations_never_deleted|Cannot delete"),
        transaction.atomic(),
    ):
        Escalation.objects.filter(pk=escalation.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        audit.case.delete()  # the case it points at cannot go either
    services.escalation_acknowledge(
        escalation=escalation, user=people["lead"], by_whom="DI Smith, Essex MASH"
    )
    escalation.refresh_from_db()
    assert escalation.status == "acknowledged" and escalation.acknowledged_by_force.startswith("DI")


def test_a_moderation_cannot_be_submitted_before_the_first_examination(people, allocated):
    audit = next(a for a in allocated if a.examiner_id == people["inspector"].pk)
    services.moderation_choose(audit=audit, user=people["lead"])
    audit.refresh_from_db()
    moderator = audit.moderator
    with pytest.raises(services.AuditRefused, match="first examination is not submitted"):
        submit(audit, moderator, "good")
    draft = services.assessment_open(audit=audit, user=moderator)
    assert draft.status == "draft"  # still a draft, to submit later
    submit(audit, audit.examiner, "good")
    moderation = services.assessment_open(audit=audit, user=moderator)
    services.assessment_save(
        assessment=moderation,
        user=moderator,
        draft=complete_draft(audit, "good"),
        expected_version=moderation.version,
        submit=True,
    )
    audit.refresh_from_db()
    assert audit.final_grade == "good"


def test_an_allocated_case_is_marked_unusable_only_through_the_audit(people, allocated):
    from cpinspect.casefiles import services as casefiles_services

    audit = allocated[0]
    with pytest.raises(casefiles_services.SampleRefused, match="case-file audit"):
        casefiles_services.sampled_case_mark_unusable(
            case=audit.case, user=people["lead"], reason="No file"
        )
    submit(audit, audit.examiner, "good")
    with pytest.raises(services.AuditRefused, match="submitted examination"):
        services.case_mark_unusable(audit=audit, user=people["lead"], reason="No file")
