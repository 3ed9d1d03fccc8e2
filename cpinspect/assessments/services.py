"""Writes of the case-file audit: fix the question sets, allocate cases, save and submit
assessments, pick and resolve moderations, escalate, mark unusable, sign off and unlock.

Every function checks access first (rules in accounts/access.py) and refuses a locked case.
Once the inspection has moved on from moderation the audit is closed (ADR 0021): every write
but an escalation is refused (``AuditClosed``), here and by the database's triggers, until a
recorded reopening. An escalation of a child at risk is never refused for its stage.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from cpinspect.accounts import access
from cpinspect.assessments import questionsets
from cpinspect.assessments.models import (
    Assessment,
    AssessmentStatus,
    CaseAudit,
    CaseGrade,
    CaseUnlock,
    Escalation,
    EscalationStatus,
    FieldworkSetup,
    Kind,
    ModerationReason,
)
from cpinspect.casefiles import services as casefiles_services
from cpinspect.casefiles.models import CaseStatus, SampledCase
from cpinspect.programmes import selectors as programme_selectors
from cpinspect.programmes.models import Inspection, Status, TeamMember

log = logging.getLogger(__name__)

# Who is allocated first examinations: the team's inspectors, and on a joint inspection the
# partner inspectorates' inspectors as well; the lead only when the team has neither.
EXAMINER_ROLES = ("inspector", "partner", "lead")


class AuditRefused(Exception):
    """A request the audit's rules do not allow; the message says why, for the user."""


class AuditClosed(AuditRefused):
    """The inspection has moved on from moderation: its case-file audit is read only."""


class AssessmentInvalid(Exception):
    def __init__(self, problems: list[questionsets.AnswerProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.question_id}: {p.message}" for p in problems))


class SaveConflict(Exception):
    """Someone saved this assessment after the version the user started from."""

    def __init__(self, current: Assessment):
        self.current = current
        super().__init__(
            f"This assessment was saved by someone else (now version {current.version}) "
            "after you opened it. Nothing of yours was saved over theirs."
        )


@dataclass(frozen=True)
class ModerationRule:
    """Which submitted cases are re-examined blind (the issue's default)."""

    first_per_inspector: int = 3
    random_share: float = 0.10
    all_inadequate: bool = True

    @classmethod
    def from_settings(cls) -> ModerationRule:
        return cls(**getattr(settings, "CPINSPECT_MODERATION_RULE", {}))


def _require(allowed: bool, message: str) -> None:
    access.require(allowed, message)


def _fresh(audit: CaseAudit) -> CaseAudit:
    """The caller's audit brought up to what is stored now, with the row locked until the
    transaction ends: a decision is taken on the stored state, not on a copy read earlier, so
    two people (or two tabs) acting on one case at once cannot overwrite each other."""
    current = CaseAudit.objects.select_for_update().get(pk=audit.pk)
    for field in CaseAudit._meta.concrete_fields:  # a changed id clears its cached object
        setattr(audit, field.attname, getattr(current, field.attname))
    return audit


def _lock_unlocked(audit: CaseAudit) -> CaseAudit:
    """``_fresh(audit)``, refused if the stored case is signed off."""
    _require_unlocked(_fresh(audit))
    return audit


def _require_audit_open(inspection) -> None:
    """Refuse a write to a closed audit. Holds the inspection's row (shared) until the
    transaction ends, so the lifecycle cannot close the audit under this write."""
    if programme_selectors.case_audit_closed(inspection, lock=True):
        status = Inspection.objects.values_list("status", flat=True).get(pk=inspection.pk)
        raise AuditClosed(
            "The case-file audit is closed: the inspection has moved on to "
            f"{Status(status).label.lower()}. The lead inspector or a programme manager can "
            "reopen it from the inspection's page, giving the reason."
        )


def _require_unlocked(audit: CaseAudit) -> None:
    if audit.locked:
        raise AuditRefused("This case is signed off and locked; the lead must unlock it first.")


# --- question sets ----------------------------------------------------------------------------


def question_sets_fix(inspection) -> FieldworkSetup:
    """Fix the question sets on the inspection (once; later calls return the same)."""
    try:  # the usual case; the snapshot below re-reads every file (0.4 s). Cached on the
        # instance, so the views' second call (and a save's further ones) read nothing
        return inspection.fieldwork_setup
    except FieldworkSetup.DoesNotExist:
        pass
    setup, created = FieldworkSetup.objects.get_or_create(
        inspection=inspection,
        defaults={
            "question_sets": questionsets.snapshot(),
            "versions": {i.id: i.version for i in questionsets.available()},
        },
    )
    if created:
        log.info("inspection %s: question sets fixed %s", inspection.pk, setup.versions)
    inspection.fieldwork_setup = setup
    return setup


def question_set_for(audit: CaseAudit) -> questionsets.CaseQuestionSet:
    setup = question_sets_fix(audit.inspection)
    return _question_set(setup, audit.case.stratum)


_QUESTION_SETS: dict[tuple[int, str], questionsets.CaseQuestionSet] = {}


def _question_set(setup: FieldworkSetup, theme: str):
    """Rebuilding a set from its snapshot re-checks it (about 0.2 s). A fixed setup is never
    changed (no service writes it after creation), so each (setup, theme) is built once per
    process, keyed by the row's id rather than by re-encoding its 29 KB snapshot per call."""
    key = (setup.pk, theme)
    if key not in _QUESTION_SETS:
        _QUESTION_SETS[key] = questionsets.load_for_theme(theme, snapshot=setup.question_sets)
    return _QUESTION_SETS[key]


# --- allocation -------------------------------------------------------------------------------


def _examiners(inspection) -> list:
    members = TeamMember.objects.filter(
        inspection=inspection, role__in=EXAMINER_ROLES
    ).select_related("user")
    examiners = list({m.user_id: m.user for m in members if m.role != "lead"}.values())
    return examiners or [m.user for m in members]


@transaction.atomic
def cases_allocate(*, inspection, user) -> list[CaseAudit]:
    """Give every sampled case without an examiner to the team's inspectors, in turn, the
    least loaded first. Returns the new allocations."""
    _require(access.is_inspection_lead(user, inspection), "Only the lead inspector allocates.")
    # one allocation at a time: two at once would both give out the same waiting cases, and
    # the second would break the one-audit-per-case rule (a 500) instead of finding none left
    Inspection.objects.select_for_update().get(pk=inspection.pk)
    _require_audit_open(inspection)
    question_sets_fix(inspection)
    examiners = _examiners(inspection)
    if not examiners:
        raise AuditRefused("The team has no inspectors to allocate cases to.")
    load = {u.pk: 0 for u in examiners}
    for row in (
        CaseAudit.objects.filter(inspection=inspection, examiner__in=examiners)
        .values("examiner")
        .annotate(n=Count("pk"))
    ):
        load[row["examiner"]] = row["n"]
    waiting = SampledCase.objects.filter(
        sample__inspection=inspection, status=CaseStatus.SAMPLED, audit__isnull=True
    ).order_by("stratum", "order")
    made = []
    for case in waiting:
        examiner = min(examiners, key=lambda u: (load[u.pk], u.pk))
        load[examiner.pk] += 1
        made.append(CaseAudit(inspection=inspection, case=case, examiner=examiner))
    CaseAudit.objects.bulk_create(made)
    return made


@transaction.atomic
def case_reallocate(*, audit: CaseAudit, user, examiner) -> CaseAudit:
    _require(access.is_inspection_lead(user, audit.inspection), "Only the lead reallocates.")
    _require_audit_open(audit.inspection)
    _lock_unlocked(audit)
    if not access.can_examine(examiner, audit.inspection):
        raise AuditRefused("Cases can only go to examiners on the inspection's team.")
    if audit.assessments.filter(kind=Kind.FIRST).exists():
        raise AuditRefused("The examination has begun; it stays with its examiner.")
    audit.examiner = examiner
    audit.save(update_fields=["examiner"])
    return audit


# --- assessments ------------------------------------------------------------------------------


def assessment_kind_for(user, audit: CaseAudit) -> str | None:
    if audit.examiner_id == user.pk:
        return Kind.FIRST
    if audit.moderator_id == user.pk:
        return Kind.MODERATION
    return None


def assessment_open(*, audit: CaseAudit, user) -> Assessment:
    """The user's own assessment of the case. The first time, an empty draft at version 1
    that is not stored (``pk`` None): opening a form writes nothing, the first save stores it
    (``assessment_save``)."""
    _require(access.can_see_case_data(user, audit.inspection), "Not on this inspection's team.")
    kind = assessment_kind_for(user, audit)
    if kind is None:
        raise AuditRefused("This case is not allocated to you, to examine or to moderate.")
    question_sets_fix(audit.inspection)
    assessment = Assessment.objects.filter(audit=audit, kind=kind).first()
    if assessment is None:
        assessment = Assessment(
            audit=audit, kind=kind, examiner=user, updated_by=user, writing=_empty_writing()
        )
    assessment.audit = audit  # the caller's, with its inspection, team and case loaded
    return assessment


def _stored_for_first_save(assessment: Assessment, user) -> Assessment:
    """The stored row of an assessment opened before it existed: made now (still empty, at
    version 1, so the save's version check applies as to any other) unless someone made it
    meanwhile. Decided on the locked, stored allocation."""
    audit = assessment.audit
    if assessment_kind_for(user, _fresh(audit)) != assessment.kind:
        raise AuditRefused("This case has just been given to someone else.")
    stored, _ = Assessment.objects.get_or_create(
        audit=audit,
        kind=assessment.kind,
        defaults={"examiner": user, "updated_by": user, "writing": _empty_writing()},
    )
    stored.audit = audit
    return stored


def _empty_writing() -> dict:
    return {"notes": {}, "text": {}, "rationale": ""}


def case_facts(audit: CaseAudit) -> dict:
    """What the question sets' case conditions (ask_when) are about."""
    return {"category": audit.case.stratum, "child_age": audit.case.child_age}


# The core question set's last question is the case's overall grade (question_sets/core.yaml).
OVERALL_QUESTION = "overall_grade"


@dataclass
class Draft:
    """What a form or an API call sends: answer codes, notes and texts by question id.

    The overall grade is the answer to the core set's ``overall_grade`` question; passing it
    as ``overall_grade`` is the same thing (the answer wins when both are given)."""

    answers: dict[str, str]
    notes: dict[str, str]
    texts: dict[str, str]
    overall_grade: str = ""
    rationale: str = ""

    def __post_init__(self):
        if self.overall_grade and OVERALL_QUESTION not in self.answers:
            self.answers = {**self.answers, OVERALL_QUESTION: self.overall_grade}
        self.overall_grade = self.answers.get(OVERALL_QUESTION, "")

    def as_answers(self) -> dict:
        ids = set(self.answers) | set(self.notes) | set(self.texts)
        merged = {}
        for qid in ids:
            value = self.texts.get(qid) or self.answers.get(qid) or ""
            note = self.notes.get(qid, "")
            if value or note:
                merged[qid] = {"value": value, "note": note}
        return merged


def _check(audit: CaseAudit, draft: Draft, *, submitting: bool) -> None:
    qs = question_set_for(audit)
    problems = list(
        questionsets.check_answers(qs, case_facts(audit), draft.as_answers(), submitting=submitting)
    )
    reported = {p.question_id for p in problems}
    if submitting and not draft.overall_grade and OVERALL_QUESTION not in reported:
        problems.append(questionsets.AnswerProblem(OVERALL_QUESTION, "Choose the overall grade."))
    if submitting and not draft.rationale.strip():
        problems.append(
            questionsets.AnswerProblem("rationale", "Give the reasons for the overall grade.")
        )
    if len(draft.rationale) > questionsets.MAX_TEXT:
        problems.append(
            questionsets.AnswerProblem(
                "rationale", f"Keep the rationale under {questionsets.MAX_TEXT:,} characters."
            )
        )
    if problems:
        raise AssessmentInvalid(problems)


def _split(audit: CaseAudit, draft: Draft, *, submitting: bool) -> tuple[dict, dict]:
    """Codes in the clear; writing (notes, free text, rationale) for encryption. On submit
    only the visible questions' answers are kept (docs/question-sets.md)."""
    qs = question_set_for(audit)
    merged = draft.as_answers()
    if submitting:
        merged = questionsets.visible_answers(qs, case_facts(audit), merged)
    free = {q.id for q in qs.questions if q.type == "free_text"}
    codes = {qid: a["value"] for qid, a in merged.items() if qid not in free and a["value"]}
    writing = {
        "notes": {qid: a["note"] for qid, a in merged.items() if a.get("note")},
        "text": {qid: a["value"] for qid, a in merged.items() if qid in free and a["value"]},
        "rationale": draft.rationale,
    }
    return codes, writing


@transaction.atomic
def assessment_save(
    *, assessment: Assessment, user, draft: Draft, expected_version: int, submit: bool = False
) -> Assessment:
    """Save a draft (only invalid values are refused) or submit (everything checked).

    Refused with ``SaveConflict`` when the stored version is not ``expected_version``: the
    caller shows both versions and nothing is overwritten."""
    audit = assessment.audit
    _require(access.can_write_assessment(user, assessment), "This is not your assessment.")
    _require_audit_open(audit.inspection)
    _require_unlocked(audit)
    if assessment.submitted:
        raise AuditRefused("This assessment is submitted; it can no longer be changed.")
    if (
        submit
        and assessment.kind == Kind.MODERATION
        and not audit.assessments.filter(
            kind=Kind.FIRST, status=AssessmentStatus.SUBMITTED
        ).exists()
    ):
        raise AuditRefused(
            "The first examination is not submitted yet; save your moderation as a draft "
            "and submit it once the first examination is in."
        )
    _check(audit, draft, submitting=submit)
    codes, writing = _split(audit, draft, submitting=submit)
    now = timezone.now()
    fields = {
        "answers": codes,
        "writing": writing,
        "overall_grade": draft.overall_grade,
        "updated_by": user,
        "updated_at": now,
        "version": F("version") + 1,
    }
    if submit:
        fields |= {"status": AssessmentStatus.SUBMITTED, "submitted_at": now}
    with transaction.atomic():
        if assessment.pk is None:  # the first save stores it
            assessment = _stored_for_first_save(assessment, user)
        saved = Assessment.objects.filter(
            pk=assessment.pk, version=expected_version, status=AssessmentStatus.DRAFT
        ).update(**fields)
        if saved:
            assessment.refresh_from_db()
            if submit:
                _after_submit(assessment)
    if not saved:  # outside the transaction: a first save keeps the row it stored
        raise SaveConflict(Assessment.objects.get(pk=assessment.pk))
    return assessment


def _after_submit(assessment: Assessment) -> None:
    audit = CaseAudit.objects.select_for_update().get(pk=assessment.audit_id)
    if assessment.kind == Kind.FIRST:
        reason = moderation_reason(audit, assessment)
        if reason:
            audit.moderation_reason = reason
            audit.moderator = audit.moderator or _choose_moderator(audit)
        else:
            audit.final_grade = assessment.overall_grade
        audit.save(update_fields=["moderation_reason", "moderator", "final_grade"])
    else:
        first = audit.assessments.get(kind=Kind.FIRST)
        if first.overall_grade == assessment.overall_grade:
            audit.final_grade = assessment.overall_grade
            audit.save(update_fields=["final_grade"])


def moderation_reason(audit: CaseAudit, first: Assessment, rule: ModerationRule | None = None):
    """The rule: the first N of each inspector, every inadequate, a random share of the rest
    (reproducible: seeded by the sample's seed and the case)."""
    rule = rule or ModerationRule.from_settings()
    if audit.moderation_reason:
        return audit.moderation_reason  # chosen earlier (e.g. by the lead)
    submitted = Assessment.objects.filter(
        kind=Kind.FIRST,
        status=AssessmentStatus.SUBMITTED,
        examiner_id=first.examiner_id,
        audit__inspection_id=audit.inspection_id,
    )
    if first.submitted_at is not None:  # those submitted before this one
        submitted = submitted.filter(
            Q(submitted_at__lt=first.submitted_at)
            | Q(submitted_at=first.submitted_at, pk__lt=first.pk)
        )
    earlier = submitted.count()
    if earlier < rule.first_per_inspector:
        return ModerationReason.FIRST_OF_INSPECTOR
    if rule.all_inadequate and first.overall_grade == CaseGrade.INADEQUATE:
        return ModerationReason.INADEQUATE
    draw = random.Random(f"{audit.case.sample.seed}/{audit.case_id}").random()  # noqa: S311
    if draw < rule.random_share:
        return ModerationReason.RANDOM
    return ""


def _choose_moderator(audit: CaseAudit):
    """The team's moderator or lead (not the examiner) with the fewest moderations."""
    members = TeamMember.objects.filter(
        inspection_id=audit.inspection_id, role__in=("moderator", "lead", "inspector")
    ).exclude(user_id=audit.examiner_id)
    preference = {"moderator": 0, "lead": 1, "inspector": 2}
    candidates = {}
    for m in members:
        rank = preference[m.role]
        candidates[m.user_id] = min(rank, candidates.get(m.user_id, rank))
    if not candidates:
        return None
    load = dict(
        CaseAudit.objects.filter(inspection_id=audit.inspection_id, moderator__in=candidates)
        .values_list("moderator")
        .annotate(n=Count("pk"))
    )
    chosen = min(candidates, key=lambda uid: (candidates[uid], load.get(uid, 0), uid))
    return get_user_model().objects.get(pk=chosen)


@transaction.atomic
def moderation_choose(*, audit: CaseAudit, user, moderator=None) -> CaseAudit:
    """The lead adds a case to moderation, or gives a moderation to someone else."""
    _require(access.is_inspection_lead(user, audit.inspection), "Only the lead chooses.")
    _require_audit_open(audit.inspection)
    _lock_unlocked(audit)
    if audit.assessments.filter(kind=Kind.MODERATION).exists():
        raise AuditRefused("The moderation has begun; it stays with its moderator.")
    if moderator is not None:
        if moderator.pk == audit.examiner_id or not access.can_examine(moderator, audit.inspection):
            raise AuditRefused("The moderator must be on the team and not the first examiner.")
        audit.moderator = moderator
    if not audit.moderation_reason:
        audit.moderation_reason = ModerationReason.LEAD
        audit.final_grade = ""
    audit.moderator = audit.moderator or _choose_moderator(audit)
    audit.save(update_fields=["moderator", "moderation_reason", "final_grade"])
    return audit


@transaction.atomic
def disagreement_resolve(*, audit: CaseAudit, user, grade: str, rationale: str) -> CaseAudit:
    """The lead settles a disagreement; the resolved grade is final."""
    _require(access.is_inspection_lead(user, audit.inspection), "Only the lead resolves.")
    _require_audit_open(audit.inspection)
    _lock_unlocked(audit)
    if audit.resolved_at is not None:  # final: a second resolution (another tab) is refused
        raise AuditRefused(
            f"This disagreement was resolved at {timezone.localtime(audit.resolved_at):%H:%M} "
            f"as {audit.get_final_grade_display().lower()}; the resolved grade is final."
        )
    grades = dict(
        audit.assessments.filter(status=AssessmentStatus.SUBMITTED).values_list(
            "kind", "overall_grade"
        )
    )
    if len(grades) < 2:
        raise AuditRefused("Both examinations must be submitted before a resolution.")
    if grades[Kind.FIRST] == grades[Kind.MODERATION]:
        raise AuditRefused("The two examinations agree; there is nothing to resolve.")
    if grade not in CaseGrade.values:
        raise AuditRefused("Choose the final grade.")
    if not rationale.strip():
        raise AuditRefused("Give the reasons for the final grade.")
    audit.final_grade = grade
    audit.resolution_rationale = rationale
    audit.resolved_by = user
    audit.resolved_at = timezone.now()
    audit.save(update_fields=["final_grade", "resolution_rationale", "resolved_by", "resolved_at"])
    return audit


# --- sign-off ---------------------------------------------------------------------------------


@transaction.atomic
def case_sign_off(*, audit: CaseAudit, user) -> CaseAudit:
    _require(access.is_inspection_lead(user, audit.inspection), "Only the lead signs off.")
    _require_audit_open(audit.inspection)
    _lock_unlocked(audit)
    if not audit.final_grade:
        raise AuditRefused(
            "The case has no final grade yet: its examination, moderation or resolution "
            "is not finished."
        )
    audit.locked_at = timezone.now()
    audit.locked_by = user
    audit.save(update_fields=["locked_at", "locked_by"])
    return audit


class BulkSignOffRefused(AuditRefused):
    """Some of the chosen cases could not be signed off; none were. ``refusals`` maps each
    refused case's number to the reason."""

    def __init__(self, refusals: dict[int, str]):
        super().__init__(f"{len(refusals)} of the chosen cases cannot be signed off.")
        self.refusals = refusals


def cases_sign_off(*, audits, user) -> list[CaseAudit]:
    """Sign off every one of ``audits`` or none (all-or-nothing): the lead ticked them as one
    decision, so a refusal of any (not ready, or signed off meanwhile by someone else) leaves
    all as they were and names each refused case. Each goes through ``case_sign_off`` (its
    rules and its row lock); the rows are locked in case order, so two leads signing off the
    same cases at once wait for each other instead of deadlocking, and the second is refused."""
    audits = sorted(audits, key=lambda a: a.case_id)
    _require(
        all(access.is_inspection_lead(user, a.inspection) for a in audits),
        "Only the lead signs off.",
    )
    refusals: dict[int, str] = {}
    with transaction.atomic():
        for audit in audits:
            try:
                case_sign_off(audit=audit, user=user)  # a savepoint: a refusal undoes only it
            except AuditClosed:
                raise
            except AuditRefused as refusal:
                refusals[audit.case_id] = str(refusal)
        if refusals:
            transaction.set_rollback(True)
    if refusals:
        raise BulkSignOffRefused(refusals)
    return audits


@transaction.atomic
def case_unlock(*, audit: CaseAudit, user, reason: str) -> CaseUnlock:
    _require(access.is_inspection_lead(user, audit.inspection), "Only the lead unlocks.")
    _require_audit_open(audit.inspection)
    if not _fresh(audit).locked:
        raise AuditRefused("The case is not locked.")
    if not reason.strip():
        raise AuditRefused("Give the reason for unlocking the case.")
    audit.locked_at = None
    audit.locked_by = None
    audit.save(update_fields=["locked_at", "locked_by"])
    return CaseUnlock.objects.create(audit=audit, unlocked_by=user, reason=reason.strip())


# --- unusable cases ---------------------------------------------------------------------------


@transaction.atomic
def case_mark_unusable(*, audit: CaseAudit, user, reason: str) -> CaseAudit | None:
    """Mark the case unusable; its reserve replacement goes to the same examiner.
    Returns the replacement's audit (None when the reserves of the category are spent)."""
    _require(access.can_manage_case_data(user, audit.inspection), "Not on this inspection's team.")
    _require_audit_open(audit.inspection)
    _lock_unlocked(audit)
    if audit.assessments.filter(status=AssessmentStatus.SUBMITTED).exists():
        raise AuditRefused("A case with a submitted examination cannot be marked unusable.")
    replacement = casefiles_services.sampled_case_mark_unusable(
        case=audit.case, user=user, reason=reason, in_audit=True
    )
    if replacement is None:
        return None
    return CaseAudit.objects.create(
        inspection=audit.inspection, case=replacement, examiner=audit.examiner
    )


# --- a child at risk --------------------------------------------------------------------------


@transaction.atomic
def escalation_raise(*, audit: CaseAudit, user, concern: str) -> Escalation:
    """Record that the case must go back to the force at once, and tell the lead now.

    Never refused for the inspection's stage: a child at risk is escalated at any stage, even
    after publication (the audit's other records are closed by then; escalations are not).
    The e-mail holds no case detail (mail leaves our control): only where to look."""
    inspection = audit.inspection
    _require(access.can_escalate(user, inspection), "Not on this inspection's team.")
    if not concern.strip():
        raise AuditRefused("Say why the child is at risk, so the lead can act on it.")
    escalation = Escalation.objects.create(
        inspection=inspection, case=audit.case, raised_by=user, concern=concern.strip()
    )
    leads = [
        m.user.email
        for m in TeamMember.objects.filter(inspection=inspection, role="lead").select_related(
            "user"
        )
    ]
    link = settings.CPINSPECT_BASE_URL + reverse("assessments-escalations", args=[inspection.pk])
    transaction.on_commit(
        lambda: send_mail(
            subject=f"Urgent: a case needs referral to the force ({inspection.subject_name})",
            message=(
                f"{user.full_name} has recorded that a child in a case examined in the "
                f"{inspection.subject_name} inspection is at risk and the case must be "
                f"referred back to the force at once.\n\nSign in to see it: {link}\n\n"
                "This e-mail holds no case details by design."
            ),
            from_email=None,
            recipient_list=leads,
            fail_silently=False,
        )
    )
    log.warning("inspection %s: escalation %s raised", inspection.pk, escalation.pk)
    return escalation


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, user, by_whom: str) -> Escalation:
    """Record the force's acknowledgement (who at the force, now)."""
    _require(access.can_escalate(user, escalation.inspection), "Not on this inspection's team.")
    # the stored row, locked: a copy read earlier must not overwrite an acknowledgement
    escalation.refresh_from_db(from_queryset=Escalation.objects.select_for_update())
    if escalation.status == EscalationStatus.ACKNOWLEDGED:
        raise AuditRefused(
            "This escalation is already acknowledged, by "
            f"{escalation.acknowledged_by_force} at "
            f"{timezone.localtime(escalation.acknowledged_at):%H:%M}."
        )
    if not by_whom.strip():
        raise AuditRefused("Say who at the force acknowledged it.")
    escalation.status = EscalationStatus.ACKNOWLEDGED
    escalation.acknowledged_at = timezone.now()
    escalation.acknowledged_by_force = by_whom.strip()[:200]
    escalation.recorded_by = user
    escalation.save(
        update_fields=["status", "acknowledged_at", "acknowledged_by_force", "recorded_by"]
    )
    return escalation


def require_team(user, inspection) -> None:
    if not access.can_see_case_data(user, inspection):
        raise PermissionDenied("Only the inspection's team works with its cases.")
