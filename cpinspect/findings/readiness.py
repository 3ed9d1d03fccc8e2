"""What the findings must have before the report goes to the force and is published, and
before the inspection closes (ADR 0021): every graded topic judged and every cause of concern
with its recommendations; after publication every follow-up decided, and, to close, every
recommendation tracked to an end and the force's action plan received."""

from __future__ import annotations

from django.urls import reverse

from cpinspect.findings import selectors
from cpinspect.findings.models import (
    OPEN_STATUSES,
    ActionPlan,
    ActionPlanStatus,
    CauseOfConcern,
    FollowUpProposal,
    Judgement,
    ProposalStatus,
    Recommendation,
    Topic,
)
from cpinspect.programmes.readiness import (
    CLOSE,
    PUBLISH,
    SEND_FOR_CHECK,
    START_FOLLOW_UP,
    Outstanding,
    before,
)


def _page(inspection) -> str:
    return reverse("findings-inspection", args=[inspection.pk])


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


@before(SEND_FOR_CHECK, PUBLISH)
def judgements_decided(inspection):
    if not selectors.is_graded(inspection):
        return None
    decided = set(Judgement.objects.filter(inspection=inspection).values_list("topic", flat=True))
    missing = [str(label) for topic, label in Topic.choices if topic not in decided]
    if not missing:
        return None
    return Outstanding(
        "judgements",
        "Graded topics with no judgement",
        f"{len(missing)} of {len(Topic.choices)} topics have no judgement: "
        f"{', '.join(missing).lower()}.",
        len(missing),
        _page(inspection),
    )


@before(SEND_FOR_CHECK, PUBLISH)
def causes_have_recommendations(inspection):
    bare = CauseOfConcern.objects.filter(
        inspection=inspection, recommendations__isnull=True
    ).count()
    if not bare:
        return None
    return Outstanding(
        "causes_without_recommendations",
        "Causes of concern with no recommendation",
        f"{bare} cause{'s' if bare > 1 else ''} of concern {'have' if bare > 1 else 'has'} no "
        "recommendation.",
        bare,
        _page(inspection),
    )


@before(START_FOLLOW_UP, CLOSE)
def follow_ups_decided(inspection):
    waiting = FollowUpProposal.objects.filter(
        inspection=inspection, status=ProposalStatus.PROPOSED
    ).count()
    if not waiting:
        return None
    return Outstanding(
        "follow_ups",
        "Proposed follow-ups not yet decided",
        f"{waiting} proposed follow-up{'s' if waiting > 1 else ''} {_are(waiting)} not decided "
        "(accepted or declined).",
        waiting,
        _page(inspection),
    )


@before(CLOSE)
def recommendations_tracked(inspection):
    rows = Recommendation.objects.filter(inspection=inspection)
    still_open = rows.filter(status__in=OPEN_STATUSES).count()
    if not still_open:
        return None
    return Outstanding(
        "recommendations_open",
        "Recommendations still open",
        f"{still_open} of {rows.count()} recommendations {_are(still_open)} still open or in "
        "progress.",
        still_open,
        _page(inspection),
    )


@before(CLOSE)
def action_plan_received(inspection):
    if not ActionPlan.objects.filter(
        inspection=inspection, status=ActionPlanStatus.AWAITED
    ).exists():
        return None
    return Outstanding(
        "action_plan",
        "The force's action plan not yet received",
        "The force's action plan has not been received.",
        1,
        reverse("findings-action-plan", args=[inspection.pk]),
    )
