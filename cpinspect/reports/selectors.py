"""Reads of reports. A published or superseded version is public; anything else is read
through ``accounts/access.py`` and is a 404 for anyone who may not see it. Every read that
serves a report's content or listing checks it first (``integrity``: ``ReportTampered``)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404

from cpinspect.accounts import access
from cpinspect.accounts.models import Role
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


# --- the home page's tasks (web/home.py) ---------------------------------------------------


def open_force_reports(user, inspection_ids) -> dict[int, Report]:
    """{inspection id: its draft or report under check}, of those the user may see, each with
    ``unanswered``: the force's comments still without the inspectorate's answer."""
    reports = (
        Report.objects.filter(
            kind=ReportKind.FORCE,
            inspection_id__in=list(inspection_ids),
            status__in=[ReportStatus.DRAFT, ReportStatus.FACTUAL_ACCURACY],
            pk__in=Report.objects.filter(access.report_filter(user)),
        )
        .annotate(unanswered=Count("comments", filter=Q(comments__response="")))
        .defer(*LIST_FIELDS)
    )
    return {r.inspection_id: r for r in reports}


def reports_for_force_to_check(user):
    """The drafts under the factual accuracy check that the user may comment on (the subject
    force's liaison officer: access.can_comment_on_report)."""
    rule = access.force_check_inspection_filter(user)
    if rule is None:
        return Report.objects.none()
    return (
        Report.objects.filter(
            kind=ReportKind.FORCE,
            status=ReportStatus.FACTUAL_ACCURACY,
            inspection__in=Inspection.objects.filter(rule),
        )
        .select_related("inspection__force", "inspection__council")
        .annotate(comments_sent=Count("comments", filter=Q(comments__author=user)))
        .defer(*LIST_FIELDS)
        .order_by("sent_for_check_at", "pk")
    )


def thematic_drafts_built_by(user):
    """The user's own thematic drafts, not yet published."""
    return thematic_drafts(user).filter(built_by=user)


def thematic_drafts_to_publish(user):
    """Thematic drafts waiting for the one who may publish them (a programme manager)."""
    # as access.can_publish_report for a thematic report
    if not access.has_role(user, Role.PROGRAMME_MANAGER):
        return Report.objects.none()
    return thematic_drafts(user).select_related("built_by")
