"""Reads of reports. A published or superseded version is public; anything else is read
through ``accounts/access.py`` and is a 404 for anyone who may not see it. Every read that
serves a report's content or listing checks it first (``integrity``: ``ReportTampered``)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404

from cpinspect.accounts import access
from cpinspect.programmes.models import Inspection
from cpinspect.reports import integrity
from cpinspect.reports.models import FINAL_STATUSES, Report, ReportKind, ReportStatus

LIST_FIELDS = ["html", "pdf", "data"]


def report_for(user, pk) -> Report:
    """One version, if ``user`` may see it; 404 otherwise."""
    try:
        report = Report.objects.select_related(
            "inspection__programme",
            "inspection__force",
            "inspection__council__force",
            "corrects",
            "published_by",
        ).get(pk=pk)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise Http404("No such report.") from None
    if not access.can_see_report(user, report):
        raise Http404("No such report.")
    return integrity.checked(report)


def published_version(pk) -> Report:
    """One published or superseded version with its snapshot (public); 404 otherwise."""
    found = Report.objects.filter(pk=pk, status__in=FINAL_STATUSES).defer("html", "pdf").first()
    if found is None:
        raise Http404("No such published report.")
    return integrity.checked(found)


def versions_of(user, report) -> list[Report]:
    """Every version of the same report the user may see, newest first."""
    if report.kind == ReportKind.FORCE:
        rows = Report.objects.filter(kind=ReportKind.FORCE, inspection=report.inspection)
    else:
        chain, pks = report, set()
        while chain is not None:  # back through what it corrects
            pks.add(chain.pk)
            chain = chain.corrects
        chain = report
        while (nxt := Report.objects.filter(corrects=chain).first()) is not None:
            pks.add(nxt.pk)
            chain = nxt
        rows = Report.objects.filter(pk__in=pks)
    versions = list(
        rows.filter(access.report_filter(user))
        .distinct()
        .defer(*LIST_FIELDS)
        .order_by("-version", "-pk")
    )
    integrity.check(versions)
    return versions


def newer_version(report) -> Report | None:
    return Report.objects.filter(corrects=report).defer(*LIST_FIELDS).first()


def published_reports() -> list[Report]:
    """The current published versions, newest first: public."""
    reports = list(
        Report.objects.filter(status=ReportStatus.PUBLISHED)
        .select_related("inspection__programme", "inspection__force", "inspection__council")
        .defer(*LIST_FIELDS)
        .order_by("-published_at", "-pk")
    )
    integrity.check(reports)
    return reports


def published_reports_with_data() -> list[Report]:
    """The current published versions with their snapshots (the open data), each checked."""
    reports = list(
        Report.objects.filter(status=ReportStatus.PUBLISHED)
        .select_related("inspection__programme", "inspection__force", "inspection__council")
        .defer("html", "pdf")
        .order_by("kind", "-published_at", "-pk")
    )
    integrity.check(reports)
    return reports


def reports_of_inspection(user, inspection) -> list[Report]:
    return list(
        Report.objects.filter(kind=ReportKind.FORCE, inspection=inspection)
        .filter(access.report_filter(user))
        .distinct()
        .defer(*LIST_FIELDS)
        .order_by("-version", "-pk")
    )


def current_published_of(inspection) -> Report | None:
    return (
        Report.objects.filter(
            kind=ReportKind.FORCE, inspection=inspection, status=ReportStatus.PUBLISHED
        )
        .defer(*LIST_FIELDS)
        .first()
    )


def comments_for(user, report):
    if not access.can_see_report_comments(user, report):
        return []
    return list(report.comments.select_related("author"))


def thematic_drafts(user):
    if not access.can_build_thematic(user):
        return Report.objects.none()
    return (
        Report.objects.filter(kind=ReportKind.THEMATIC)
        .exclude(status__in=FINAL_STATUSES)
        .defer(*LIST_FIELDS)
        .order_by("-built_at")
    )


def thematic_candidates(user):
    """Inspections with signed-off graded cases, for the thematic builder (staff only)."""
    if not access.can_build_thematic(user):
        return Inspection.objects.none()
    return (
        Inspection.objects.annotate(
            graded=Count(
                "case_audits",
                filter=Q(case_audits__locked_at__isnull=False)
                & ~Q(case_audits__final_grade="")
                & Q(case_audits__case__status="sampled"),
            )
        )
        .filter(graded__gt=0)
        .select_related("programme", "force", "council__force")
        .order_by("-fieldwork_starts_on", "pk")
    )


def published_reports_by_inspection(inspection_ids) -> dict[int, Report]:
    """The current published force report of each inspection that has one (public): for the
    force pages, which link each published inspection to its report."""
    reports = (
        Report.objects.filter(
            kind=ReportKind.FORCE,
            inspection_id__in=list(inspection_ids),
            status=ReportStatus.PUBLISHED,
        )
        .defer(*LIST_FIELDS)
        .order_by("inspection_id", "-version")
    )
    found: dict[int, Report] = {}
    for report in reports:
        found.setdefault(report.inspection_id, report)
    return found
