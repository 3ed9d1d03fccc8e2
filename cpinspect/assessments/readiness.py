"""What the case-file audit must have finished before the inspection moves on (ADR 0021):
every sampled case allocated and examined before moderation starts; every moderation made,
every disagreement resolved and every case signed off before reporting starts, after which
the audit is read only. An escalation of a child at risk not yet acknowledged by the force is
outstanding at every move from fieldwork on (it can always be raised and acknowledged).

Counts only, read without a user (``programmes.readiness``); the links go to the audit's own
pages, which are the team's."""

from __future__ import annotations

from django.urls import reverse

from cpinspect.assessments.models import (
    Assessment,
    AssessmentStatus,
    CaseAudit,
    Escalation,
    EscalationStatus,
    Kind,
)
from cpinspect.casefiles.models import CaseStatus, SampledCase
from cpinspect.programmes.readiness import (
    FROM_FIELDWORK_ON,
    START_MODERATION,
    START_REPORTING,
    Outstanding,
    before,
)


def _sampled(inspection):
    return SampledCase.objects.filter(sample__inspection=inspection, status=CaseStatus.SAMPLED)


def _audits(inspection):
    return CaseAudit.objects.filter(inspection=inspection, case__status=CaseStatus.SAMPLED)


def _cases(n: int) -> str:
    return "1 case" if n == 1 else f"{n} cases"


@before(START_MODERATION, START_REPORTING)
def cases_allocated(inspection):
    sampled = _sampled(inspection)
    waiting = sampled.filter(audit__isnull=True).count()
    if not waiting:
        return None
    return Outstanding(
        "cases_unallocated",
        "Sampled cases with no examiner",
        f"{waiting} of {sampled.count()} sampled cases have no examiner yet.",
        waiting,
        reverse("assessments-home", args=[inspection.pk]),
    )


@before(START_MODERATION, START_REPORTING)
def first_examinations(inspection):
    total = _sampled(inspection).count()
    examined = (
        Assessment.objects.filter(
            audit__in=_audits(inspection), kind=Kind.FIRST, status=AssessmentStatus.SUBMITTED
        )
        .values("audit")
        .distinct()
        .count()
    )
    missing = total - examined
    if missing <= 0:
        return None
    return Outstanding(
        "first_examinations",
        "Sampled cases not yet examined",
        f"{missing} of {total} sampled cases have no submitted examination.",
        missing,
        reverse("assessments-home", args=[inspection.pk]),
    )


@before(START_MODERATION, START_REPORTING)
def unusable_cases_replaced(inspection):
    short = SampledCase.objects.filter(
        sample__inspection=inspection, status=CaseStatus.UNUSABLE, replaced_by__isnull=True
    ).count()
    if not short:
        return None
    return Outstanding(
        "unusable_not_replaced",
        "Unusable cases with no reserve to replace them",
        f"{_cases(short)} marked unusable had no reserve left to replace them: the sample is "
        "smaller than drawn.",
        short,
        reverse("casefiles-sample", args=[inspection.pk]),
    )


@before(START_REPORTING)
def moderations(inspection):
    picked = _audits(inspection).exclude(moderation_reason="")
    done = (
        Assessment.objects.filter(
            audit__in=picked, kind=Kind.MODERATION, status=AssessmentStatus.SUBMITTED
        )
        .values("audit")
        .distinct()
        .count()
    )
    missing = picked.count() - done
    if missing <= 0:
        return None
    return Outstanding(
        "moderations",
        "Cases picked for moderation not yet moderated",
        f"{missing} of {picked.count()} cases picked for moderation have no submitted moderation.",
        missing,
        reverse("assessments-home", args=[inspection.pk]),
    )


@before(START_REPORTING)
def disagreements_resolved(inspection):
    grades: dict[int, dict[str, str]] = {}
    for audit_id, kind, grade in Assessment.objects.filter(
        audit__in=_audits(inspection).filter(resolved_at__isnull=True),
        status=AssessmentStatus.SUBMITTED,
    ).values_list("audit_id", "kind", "overall_grade"):
        grades.setdefault(audit_id, {})[kind] = grade
    open_ = sum(
        1
        for g in grades.values()
        if Kind.FIRST in g and Kind.MODERATION in g and g[Kind.FIRST] != g[Kind.MODERATION]
    )
    if not open_:
        return None
    return Outstanding(
        "disagreements",
        "Disagreements between examiner and moderator not yet resolved",
        f"{open_} disagreement{'s' if open_ > 1 else ''} between examiner and moderator "
        f"{'are' if open_ > 1 else 'is'} not resolved.",
        open_,
        reverse("assessments-moderation", args=[inspection.pk]),
    )


@before(START_REPORTING)
def cases_signed_off(inspection):
    sampled = _sampled(inspection)
    total = sampled.count()
    waiting = total - sampled.filter(audit__locked_at__isnull=False).count()
    if not total or not waiting:
        return None
    return Outstanding(
        "sign_offs",
        "Cases not signed off",
        f"{waiting} of {total} sampled cases are not signed off.",
        waiting,
        reverse("assessments-home", args=[inspection.pk]),
    )


@before(*FROM_FIELDWORK_ON)
def escalations_acknowledged(inspection):
    waiting = Escalation.objects.filter(inspection=inspection, status=EscalationStatus.OPEN).count()
    if not waiting:
        return None
    return Outstanding(
        "escalations",
        "Escalations of a child at risk not yet acknowledged by the force",
        f"{waiting} escalation{'s' if waiting > 1 else ''} of a child at risk "
        f"{'are' if waiting > 1 else 'is'} waiting for the force's acknowledgement.",
        waiting,
        reverse("assessments-escalations", args=[inspection.pk]),
    )
