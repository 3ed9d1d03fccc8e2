"""Reads of findings. Each read of an inspection's findings takes the user and asks
``accounts/access.py``; an inspection the user may not see raises 404."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, IntegerField, Value, When
from django.http import Http404
from django.utils import timezone

from cpinspect.accounts import access
from cpinspect.findings.grading import Evidence, Suggestion, suggested_grade
from cpinspect.findings.models import (
    GRADED_KINDS,
    OPEN_STATUSES,
    ActionPlan,
    AreaForImprovement,
    CauseOfConcern,
    FollowUpProposal,
    ForceUpdate,
    ForceUpdateKind,
    Judgement,
    Recommendation,
    Topic,
)
from cpinspect.programmes.models import Status, StatusChange, in_force_area
from cpinspect.programmes.selectors import inspection_for
from cpinspect.registry.models import SCALE_GRADES, InspectionGrade
from cpinspect.registry.reference_data import scale_for_year


def scale_of(inspection) -> str:
    """The grade scale of the inspection's programme: four grades to 2018/19, five from
    2021/22 (the registry's rule, keyed on the year the programme starts)."""
    return scale_for_year(inspection.programme.starts_on.year)


def grades_of(scale: str) -> list[tuple[str, str]]:
    return [(g, InspectionGrade(g).label) for g in SCALE_GRADES[scale]]


def is_graded(inspection) -> bool:
    return inspection.kind in GRADED_KINDS


def is_published(inspection) -> bool:
    return inspection.status in access.PUBLIC_STATUSES


def published_on(inspection) -> date | None:
    """The day the report was published (its move to published), if it has been."""
    change = (
        StatusChange.objects.filter(inspection=inspection, to_status=Status.PUBLISHED)
        .order_by("changed_at", "pk")
        .first()
    )
    return timezone.localdate(change.changed_at) if change else None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def findings_inspection_for(user, pk):
    """The inspection, if ``user`` may see its findings; 404 otherwise."""
    inspection = inspection_for(user, pk)
    if not access.can_see_findings(user, inspection):
        raise Http404("No such inspection.")
    return inspection


# --- evidence and the suggested grade ------------------------------------------------------


def case_grades_by_topic(inspection) -> dict[str, dict[str, int]]:
    """The case-file audit's grades counted by topic, as {topic: {"good": n,
    "requires_improvement": n, "inadequate": n}}: each signed-off case's section grade for the
    topic (reports.results.topic_grades)."""
    from cpinspect.reports.results import topic_grades

    return topic_grades(inspection)


def topic_evidence(inspection) -> dict[str, Evidence]:
    """Each topic's evidence: case grades (from the hook above) and causes of concern."""
    grades = case_grades_by_topic(inspection)
    causes = dict(
        CauseOfConcern.objects.filter(inspection=inspection)
        .exclude(topic="")
        .values_list("topic")
        .annotate(n=Count("pk"))
    )
    return {
        topic: Evidence(
            cases_by_grade=grades.get(topic, {}), causes_of_concern=causes.get(topic, 0)
        )
        for topic in Topic.values
    }


@dataclass
class JudgementRow:
    topic: str
    label: str
    judgement: Judgement | None
    evidence: Evidence | None = None  # None for those who may not see the working
    suggestion: Suggestion | None = None


def judgement_rows(user, inspection) -> list[JudgementRow]:
    """One row per topic, with the suggestion and evidence for those who see the working."""
    if not access.can_see_findings(user, inspection) or not is_graded(inspection):
        return []
    recorded = {
        j.topic: j
        for j in Judgement.objects.filter(inspection=inspection).select_related("decided_by")
    }
    working = access.can_see_findings_working(user, inspection)
    evidence = topic_evidence(inspection) if working else {}
    scale = scale_of(inspection)
    rows = []
    for topic, label in Topic.choices:
        row = JudgementRow(topic, label, recorded.get(topic))
        if working:
            row.evidence = evidence[topic]
            row.suggestion = suggested_grade(scale, row.evidence)
        rows.append(row)
    return rows


def judgement_context(user, inspection, topic) -> JudgementRow:
    """The row for one topic (the judgement page); 404 for an unknown topic."""
    if topic not in Topic.values:
        raise Http404("No such topic.")
    for row in judgement_rows(user, inspection):
        if row.topic == topic:
            return row
    raise Http404("This inspection has no graded judgements.")


# --- an inspection's findings --------------------------------------------------------------


@dataclass
class ProposalRow:
    proposal: FollowUpProposal
    window: tuple[date, date] | None  # dates once the report is published


@dataclass
class InspectionFindings:
    inspection: object
    today: date
    working: bool  # may see the working side (rationale, suggestions, follow-ups)
    published_on: date | None
    judgements: list[JudgementRow] = field(default_factory=list)
    causes: list[CauseOfConcern] = field(default_factory=list)
    other_recommendations: list[Recommendation] = field(default_factory=list)
    areas: list[AreaForImprovement] = field(default_factory=list)
    proposals: list[ProposalRow] = field(default_factory=list)
    action_plan: ActionPlan | None = None

    @property
    def action_plan_overdue(self) -> bool:
        return bool(self.action_plan and self.action_plan.is_overdue(self.today))


def findings_for(user, inspection, *, today: date | None = None) -> InspectionFindings:
    access.require(access.can_see_findings(user, inspection))
    today = today or timezone.localdate()
    working = access.can_see_findings_working(user, inspection)
    published = published_on(inspection)
    found = InspectionFindings(
        inspection=inspection, today=today, working=working, published_on=published
    )
    found.judgements = judgement_rows(user, inspection)
    found.causes = list(
        CauseOfConcern.objects.filter(inspection=inspection).prefetch_related("recommendations")
    )
    found.other_recommendations = list(
        Recommendation.objects.filter(inspection=inspection, cause_of_concern__isnull=True)
    )
    for rec in [
        *(r for c in found.causes for r in c.recommendations.all()),
        *found.other_recommendations,
    ]:
        rec.overdue = rec.is_overdue(today, published is not None)
    found.areas = list(AreaForImprovement.objects.filter(inspection=inspection))
    if working:
        found.proposals = [
            ProposalRow(p, proposal_window(p, published))
            for p in FollowUpProposal.objects.filter(inspection=inspection).select_related(
                "follow_up", "decided_by"
            )
        ]
    found.action_plan = ActionPlan.objects.filter(inspection=inspection).first()
    return found


def proposal_window(proposal, published: date | None) -> tuple[date, date] | None:
    if published is None:
        return None
    return (
        add_months(published, proposal.window_from_months),
        add_months(published, proposal.window_to_months),
    )


def cause_for(user, inspection, cause_id) -> CauseOfConcern:
    access.require(access.can_see_findings(user, inspection))
    try:
        return CauseOfConcern.objects.get(pk=cause_id, inspection=inspection)
    except (CauseOfConcern.DoesNotExist, ValueError, TypeError):
        raise Http404("No such cause of concern.") from None


def recommendation_for(user, inspection, recommendation_id) -> Recommendation:
    access.require(access.can_see_findings(user, inspection))
    try:
        return Recommendation.objects.select_related("cause_of_concern").get(
            pk=recommendation_id, inspection=inspection
        )
    except (Recommendation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such recommendation.") from None


def area_for(user, inspection, area_id) -> AreaForImprovement:
    access.require(access.can_see_findings(user, inspection))
    try:
        return AreaForImprovement.objects.get(pk=area_id, inspection=inspection)
    except (AreaForImprovement.DoesNotExist, ValueError, TypeError):
        raise Http404("No such area for improvement.") from None


def proposal_for(user, inspection, proposal_id) -> FollowUpProposal:
    """A follow-up proposal: the working side, so never for a force liaison officer (404)."""
    if not access.can_see_findings_working(user, inspection):
        raise Http404("No such follow-up proposal.")
    try:
        return FollowUpProposal.objects.select_related("follow_up").get(
            pk=proposal_id, inspection=inspection
        )
    except (FollowUpProposal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such follow-up proposal.") from None


def action_plan_for(user, inspection) -> ActionPlan | None:
    access.require(access.can_see_findings(user, inspection))
    return ActionPlan.objects.filter(inspection=inspection).first()


def force_updates_for(user, inspection, recommendation=None):
    """What the force sent: its action plans (no ``recommendation``) or progress on one."""
    access.require(access.can_see_findings(user, inspection))
    updates = ForceUpdate.objects.filter(inspection=inspection).select_related("submitted_by")
    if recommendation is None:
        return updates.filter(kind=ForceUpdateKind.ACTION_PLAN)
    return updates.filter(recommendation=recommendation)


# --- the national board of recommendations -------------------------------------------------


def recommendations_board(
    user, *, force=None, status: str | None = None, today: date | None = None
):
    """Recommendations of published reports the user may see, overdue first, then by due
    date. Without ``status``, the open ones (open or in progress)."""
    rule = access.recommendation_filter(user)
    if rule is None:
        return Recommendation.objects.none()
    today = today or timezone.localdate()
    rows = Recommendation.objects.filter(rule).filter(inspection__status__in=access.PUBLIC_STATUSES)
    rows = rows.filter(status=status) if status else rows.filter(status__in=OPEN_STATUSES)
    if force is not None:
        rows = rows.filter(in_force_area(force, through="inspection__"))
    return (
        rows.annotate(
            overdue=Case(
                When(due_on__lt=today, status__in=OPEN_STATUSES, then=Value(True)),
                default=Value(False),
            ),
            overdue_rank=Case(
                When(due_on__lt=today, status__in=OPEN_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .select_related(
            "inspection__programme",
            "inspection__force",
            "inspection__council__force",
            "cause_of_concern",
        )
        .distinct()
        .order_by("overdue_rank", "due_on", "inspection__force__name", "pk")
    )


# --- counts for the programme's priorities (cpinspect.scheduling.priorities) ---------------


def open_causes_of_concern_count(force) -> int:
    """Causes of concern in the force's published reports with a recommendation still open."""
    return (
        CauseOfConcern.objects.filter(
            in_force_area(force, through="inspection__"),
            inspection__status__in=access.PUBLIC_STATUSES,
            recommendations__status__in=OPEN_STATUSES,
        )
        .distinct()
        .count()
    )


def overdue_recommendations_count(force, as_of: date) -> int:
    """Open recommendations of the force's published reports due before ``as_of``."""
    return Recommendation.objects.filter(
        in_force_area(force, through="inspection__"),
        inspection__status__in=access.PUBLIC_STATUSES,
        status__in=OPEN_STATUSES,
        due_on__lt=as_of,
    ).count()


# --- the home page's tasks (web/home.py) ---------------------------------------------------


def judgements_decided(user, inspection_ids) -> dict[int, int]:
    """{inspection id: topics with a graded judgement}, for the inspections the user leads
    (who alone decides them: access.can_decide_judgements)."""
    from cpinspect.programmes.models import Inspection

    rule = access.led_inspection_filter(user)
    if rule is None:
        return {}
    return dict(
        Judgement.objects.filter(
            inspection_id__in=list(inspection_ids),
            inspection__in=Inspection.objects.filter(rule),
        )
        .values_list("inspection")
        .annotate(n=Count("pk"))
        .order_by()
    )


def action_plans_awaited(user):
    """The action plans the user's force still owes (a liaison officer's own force only)."""
    from cpinspect.findings.models import ActionPlanStatus
    from cpinspect.programmes.models import Inspection

    rule = access.force_updates_inspection_filter(user)
    if rule is None:
        return ActionPlan.objects.none()
    return (
        ActionPlan.objects.filter(
            inspection__in=Inspection.objects.filter(rule), status=ActionPlanStatus.AWAITED
        )
        .select_related("inspection__force", "inspection__council")
        .order_by("due_on", "pk")
    )


def recommendations_for_force_progress(user):
    """The open recommendations on which the user's force reports progress (their own force's
    published ones only: access.can_send_force_updates)."""
    from cpinspect.programmes.models import Inspection

    rule = access.force_updates_inspection_filter(user)
    if rule is None:
        return Recommendation.objects.none()
    return (
        Recommendation.objects.filter(
            inspection__in=Inspection.objects.filter(rule), status__in=OPEN_STATUSES
        )
        .select_related("inspection__force", "inspection__council")
        .order_by("due_on", "pk")
    )


def follow_ups_to_decide(user):
    """Follow-up proposals waiting for a programme manager's decision (can_decide_follow_up),
    each with ``published_at``: when its inspection's report was published, if it was."""
    from django.db.models import Min, Q

    from cpinspect.findings.models import ProposalStatus

    if not access.can_plan_programmes(user):
        return FollowUpProposal.objects.none()
    return (
        FollowUpProposal.objects.filter(status=ProposalStatus.PROPOSED)
        .select_related("inspection__force", "inspection__council")
        .annotate(
            published_at=Min(
                "inspection__status_changes__changed_at",
                filter=Q(inspection__status_changes__to_status=Status.PUBLISHED),
            )
        )
        .order_by("inspection__fieldwork_starts_on", "pk")
    )
