"""What the report must have before each move (ADR 0021): a draft built before it goes to the
force; the report under the force's check, with every comment answered, before publication;
the report published before follow-up or closing."""

from __future__ import annotations

from django.urls import reverse

from cpinspect.programmes.readiness import (
    CLOSE,
    PUBLISH,
    SEND_FOR_CHECK,
    START_FOLLOW_UP,
    Outstanding,
    before,
    reason_check,
)
from cpinspect.reports import guard
from cpinspect.reports.models import Report, ReportComment, ReportKind, ReportStatus


def _report(inspection, status) -> Report | None:
    return (
        Report.objects.filter(kind=ReportKind.FORCE, inspection=inspection, status=status)
        .only("pk")
        .first()
    )


@before(SEND_FOR_CHECK)
def draft_built(inspection):
    if _report(inspection, ReportStatus.DRAFT) is not None:
        return None
    return Outstanding(
        "draft_report",
        "No draft report built",
        "No draft report has been built, so the force would have nothing to check.",
        1,
        reverse("inspection-detail", args=[inspection.pk]),
    )


@before(PUBLISH)
def report_checked(inspection):
    if _report(inspection, ReportStatus.FACTUAL_ACCURACY) is not None:
        return None
    return Outstanding(
        "report_under_check",
        "No report checked by the force",
        "No report is with the force for its factual accuracy check, so none would be published.",
        1,
        reverse("inspection-detail", args=[inspection.pk]),
    )


@before(PUBLISH)
def comments_answered(inspection):
    report = _report(inspection, ReportStatus.FACTUAL_ACCURACY)
    if report is None:
        return None
    comments = ReportComment.objects.filter(report=report)
    waiting = comments.filter(response="").count()
    if not waiting:
        return None
    return Outstanding(
        "comments",
        "Factual accuracy comments from the force not yet answered",
        f"{waiting} of {comments.count()} factual accuracy comments from the force "
        f"{'has' if waiting == 1 else 'have'} no response.",
        waiting,
        reverse("report-detail", args=[report.pk]) + "#comments",
    )


@before(START_FOLLOW_UP, CLOSE)
def report_published(inspection):
    if _report(inspection, ReportStatus.PUBLISHED) is not None:
        return None
    return Outstanding(
        "report_not_published",
        "No report published",
        "The inspection is published but no report of it is.",
        1,
        reverse("inspection-detail", args=[inspection.pk]),
    )


@reason_check
def reason_publishable(inspection, reason: str):
    """The reason for a move made with work outstanding is published in the methodology
    annex: like every text of a report, it must name no case."""
    found = guard.findings([reason], [inspection])
    if not found:
        return None
    return (
        "The reason is published in the report's methodology annex and would publish "
        + " and ".join(found)
        + ": write it without any case detail."
    )
