"""Reads of the case-file audit, always scoped to the requesting user: the inspection's team
only (others get 404), and blind moderation enforced here as well as in the views."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from cpinspect.accounts import access
from cpinspect.assessments import agreement
from cpinspect.assessments.models import (
    Assessment,
    AssessmentStatus,
    CaseAudit,
    Escalation,
    EscalationStatus,
    Kind,
)
from cpinspect.casefiles.selectors import case_inspection_for  # noqa: F401 (re-exported)


def audits_for(user, inspection):
    if not access.can_see_case_data(user, inspection):
        return CaseAudit.objects.none()
    return CaseAudit.objects.filter(inspection=inspection).select_related(
        "case", "examiner", "moderator"
    )


def audit_for(user, inspection, case_id: int) -> CaseAudit:
    try:
        audit = audits_for(user, inspection).get(case_id=case_id)
    except CaseAudit.DoesNotExist as exc:
        raise Http404("No such case in this inspection's audit.") from exc
    audit.inspection = inspection  # the caller's, whose team is already loaded
    return audit


@dataclass(frozen=True)
class TeamChoice:
    """Someone on the team a case or a moderation could go to, with how much they hold."""

    user: object
    roles: str
    examining: int
    moderating: int

    @property
    def label(self) -> str:
        return (
            f"{self.user.full_name} ({self.roles}): examining {self.examining}, "
            f"moderating {self.moderating}"
        )


def team_choices(user, inspection) -> list[TeamChoice]:
    """The team members who may examine or moderate (the lead may give them work), least
    loaded first."""
    if not access.is_inspection_lead(user, inspection):
        return []
    members = {}
    for m in inspection.team.select_related("user").order_by("user__full_name"):
        if access.can_examine(m.user, inspection):
            members.setdefault(m.user_id, (m.user, []))[1].append(m.get_role_display().lower())
    audits = CaseAudit.objects.filter(inspection=inspection)
    examining = dict(audits.values_list("examiner").annotate(n=Count("pk")))
    moderating = dict(
        audits.exclude(moderator=None).values_list("moderator").annotate(n=Count("pk"))
    )
    choices = [
        TeamChoice(u, ", ".join(roles), examining.get(uid, 0), moderating.get(uid, 0))
        for uid, (u, roles) in members.items()
    ]
    return sorted(choices, key=lambda c: (c.examining + c.moderating, c.user.full_name))


def worklist_for(user, inspection):
    """The user's cases: those to examine and those to moderate."""
    return (
        audits_for(user, inspection)
        .filter(Q(examiner=user) | Q(moderator=user))
        .prefetch_related("assessments")
    )


def assessments_of(audit: CaseAudit) -> dict[str, Assessment]:
    return {a.kind: a for a in audit.assessments.all()}


def visible_assessments(user, audit: CaseAudit) -> dict[str, Assessment]:
    """The assessments of the case the user may see now (blind moderation applied)."""
    found = assessments_of(audit)
    first, moderation = found.get(Kind.FIRST), found.get(Kind.MODERATION)
    visible = {}
    if first and access.can_see_first_examination(
        user, audit, moderation_submitted=bool(moderation and moderation.submitted)
    ):
        visible[Kind.FIRST] = first
    if moderation and access.can_see_moderation(
        user, audit, first_submitted=bool(first and first.submitted)
    ):
        visible[Kind.MODERATION] = moderation
    return visible


@dataclass
class Progress:
    allocated: int
    unallocated: int
    drafts: int
    submitted: int
    for_moderation: int
    moderated: int
    disagreements: int
    final: int
    signed_off: int
    open_escalations: int


def progress_of(user, inspection) -> Progress:
    audits = audits_for(user, inspection)
    first = Assessment.objects.filter(audit__in=audits, kind=Kind.FIRST)
    moderations = Assessment.objects.filter(
        audit__in=audits, kind=Kind.MODERATION, status=AssessmentStatus.SUBMITTED
    )
    from cpinspect.casefiles.models import CaseStatus, SampledCase

    waiting = SampledCase.objects.filter(
        sample__inspection=inspection, status=CaseStatus.SAMPLED, audit__isnull=True
    )
    counts = audits.aggregate(
        allocated=Count("pk", filter=Q(case__status=CaseStatus.SAMPLED)),
        for_moderation=Count("pk", filter=~Q(moderation_reason="")),
        final=Count("pk", filter=~Q(final_grade="")),
        signed_off=Count("pk", filter=Q(locked_at__isnull=False)),
    )
    return Progress(
        unallocated=waiting.count() if access.can_see_case_data(user, inspection) else 0,
        drafts=first.filter(status=AssessmentStatus.DRAFT).count(),
        submitted=first.filter(status=AssessmentStatus.SUBMITTED).count(),
        moderated=moderations.count(),
        disagreements=len(disagreements(user, inspection)),
        open_escalations=escalations_for(user, inspection)
        .filter(status=EscalationStatus.OPEN)
        .count(),
        **counts,
    )


def _pairs(audits):
    """(audit, first, moderation) for cases whose two examinations are both submitted."""
    rows = []
    for audit in audits.prefetch_related("assessments"):
        found = {a.kind: a for a in audit.assessments.all() if a.submitted}
        if Kind.FIRST in found and Kind.MODERATION in found:
            rows.append((audit, found[Kind.FIRST], found[Kind.MODERATION]))
    return rows


def disagreements(user, inspection) -> list:
    """Moderated cases whose grades differ, unresolved first."""
    rows = [
        r for r in _pairs(audits_for(user, inspection)) if r[1].overall_grade != r[2].overall_grade
    ]
    return sorted(rows, key=lambda r: (r[0].resolved_at is not None, r[0].case.stratum, r[0].pk))


def agreement_records(user, inspection) -> list[dict]:
    return [
        {
            "first_examiner": first.examiner.full_name,
            "moderator": moderation.examiner.full_name,
            "first_grade": first.overall_grade,
            "moderated_grade": moderation.overall_grade,
        }
        for _, first, moderation in _pairs(audits_for(user, inspection).select_related("case"))
        if first.examiner and moderation.examiner
    ]


@dataclass
class AgreementReport:
    overall: agreement.Agreement
    by_inspector: list
    by_pair: list


def agreement_report(user, inspection) -> AgreementReport:
    records = agreement_records(user, inspection)
    return AgreementReport(
        overall=agreement.agreement(agreement.grade_pairs(records)),
        by_inspector=agreement.agreement_by(records, "inspector"),
        by_pair=agreement.agreement_by(records, "pair"),
    )


def escalations_for(user, inspection):
    if not access.can_see_case_data(user, inspection):
        return Escalation.objects.none()
    return Escalation.objects.filter(inspection=inspection).select_related(
        "case", "raised_by", "recorded_by"
    )


def open_escalations_led_by(user):
    """Open escalations in the inspections the user leads: for their dashboard."""
    if not access.is_signed_in(user):
        return Escalation.objects.none()
    return (
        Escalation.objects.filter(
            status=EscalationStatus.OPEN, inspection__team__user=user, inspection__team__role="lead"
        )
        .select_related("inspection")
        .distinct()
    )


# --- the home page's tasks (web/home.py) ---------------------------------------------------
# Across inspections, but only those whose team the user is on (access.py's filters), and only
# while the audit is open: once an inspection moves on to reporting nothing here can be done.

AUDIT_OPEN = ["fieldwork", "moderation"]


def _open_audits(rule):
    from cpinspect.casefiles.models import CaseStatus
    from cpinspect.programmes.models import Inspection

    return (
        CaseAudit.objects.filter(
            inspection__in=Inspection.objects.filter(rule),
            inspection__status__in=AUDIT_OPEN,
            case__status=CaseStatus.SAMPLED,
        )
        .select_related("case", "inspection__force", "inspection__council")
        # only what a case's stage needs: no writing is decrypted for a list
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.only(
                    "pk", "audit_id", "kind", "status", "overall_grade"
                ),
            )
        )
        .order_by("inspection__fieldwork_ends_on", "case_id")
    )


def open_cases_of(user):
    """The cases the user is to examine or moderate and has not submitted, not signed off."""
    rule = access.case_data_inspection_filter(user)
    if rule is None:
        return CaseAudit.objects.none()
    return _open_audits(rule).filter(Q(examiner=user) | Q(moderator=user), locked_at=None)


def audits_led_by(user):
    """Every case of the open audits the user leads (their stages say what is waiting)."""
    rule = access.led_inspection_filter(user)
    if rule is None:
        return CaseAudit.objects.none()
    return _open_audits(rule)


def unallocated_led_by(user) -> dict:
    """{inspection id: cases of its sample not yet allocated}, for the audits the user leads."""
    from cpinspect.casefiles.models import CaseStatus, SampledCase
    from cpinspect.programmes.models import Inspection

    rule = access.led_inspection_filter(user)
    if rule is None:
        return {}
    return dict(
        SampledCase.objects.filter(
            sample__inspection__in=Inspection.objects.filter(rule),
            sample__inspection__status__in=AUDIT_OPEN,
            sample__withdrawn_at__isnull=True,
            status=CaseStatus.SAMPLED,
            audit__isnull=True,
        )
        .values_list("sample__inspection")
        .annotate(n=Count("pk"))
        .order_by()
    )
