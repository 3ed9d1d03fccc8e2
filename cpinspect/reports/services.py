"""Writes of reports: build, send for the factual accuracy check, comment, publish, correct;
and the thematic report. One transaction each, keyword-only arguments, the rule first.

A force report moves with its inspection's lifecycle (``programmes.lifecycle``): sending the
draft for the check is the inspection's move to factual accuracy, publishing it is the move to
published. ``signals.py`` keeps the two together whichever way the move is made (these
services, or the inspection page's status buttons).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cpinspect.accounts import access
from cpinspect.editing.versions import when_text
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Inspection, Status
from cpinspect.reports import content, disclosure_set, guard, integrity, rendering
from cpinspect.reports.models import (
    FINAL_STATUSES,
    Report,
    ReportComment,
    ReportInspection,
    ReportKind,
    ReportStatus,
)

# A draft can be built while the case files are being moderated and while reporting.
BUILDABLE = [Status.MODERATION, Status.REPORTING]


class ReportRefused(Exception):
    """A change the rules do not allow; the message says why, for the person asking."""


def _refuse_if_rebuilt(report: Report, seen_sha256: str | None, doing: str) -> None:
    """A report is not edited field by field: its snapshot is built. ``seen_sha256`` is the
    snapshot's hash on the page the person acted from (``None``: no page); a build since then
    means they would send or publish what they have not read (ADR 0020)."""
    if seen_sha256 is None or seen_sha256 == report.data_sha256:
        return
    if not seen_sha256:
        raise ReportRefused(f"This page is out of date: {doing}. Open the report again first.")
    raise ReportRefused(
        f"{report.built_by.full_name} built this report again {when_text(report.built_at)}, "
        f"after you opened the page: {doing}. Read it again first."
    )


def _stamp(report: Report, status: str, when) -> rendering.Stamp:
    return rendering.Stamp(
        status=status,
        status_label=ReportStatus(status).label,
        version=report.version,
        title=report.title,
        date_text=content.day_text(timezone.localdate(when)),
        correction_note=report.correction_note,
        corrects_version=report.corrects.version if report.corrects_id else None,
    )


def _inspections_of(report: Report) -> list:
    if report.kind == ReportKind.FORCE:
        return [report.inspection]
    return list(report.inspections.all())


def _render(report: Report, status: str, when, inspections=None) -> None:
    """Render the snapshot to HTML and PDF, check the text names no case, set the hashes.
    ``inspections``: those of a report not stored yet (a new thematic version)."""
    guard.check(
        [report.title, report.correction_note, *guard.texts_of(report.data)],
        _inspections_of(report) if inspections is None else inspections,
    )
    html = rendering.render_html(report.data, _stamp(report, status, when))
    report.html = html
    report.pdf = rendering.render_pdf(html)
    report.content_sha256 = rendering.sha256(html.encode("utf-8"))
    report.pdf_sha256 = rendering.sha256(report.pdf)
    report.data_sha256 = rendering.sha256(rendering.canonical_json(report.data))


def _with_stages(report: Report) -> None:
    """A force report's record of the moves made with work outstanding, brought up to now
    (the move being made included): the snapshot the force checks, and the one published,
    name every such move (ADR 0021). Nothing else of the snapshot changes."""
    if report.kind != ReportKind.FORCE:
        return
    methodology = {**report.data.get("methodology", {})}
    methodology["stages"] = content.stages_block(report.inspection)
    report.data = {**report.data, "methodology": methodology}


def _save(report: Report) -> Report:
    report.full_clean(exclude=["pdf"])
    report.save()
    return report


def _locked_inspection(inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("programme").get(pk=inspection.pk)


def current_published(inspection) -> Report | None:
    return Report.objects.filter(
        kind=ReportKind.FORCE, inspection=inspection, status=ReportStatus.PUBLISHED
    ).first()


def _previous_published(inspection) -> Report | None:
    """The published report of the force's previous inspection with graded cases, if any."""
    from cpinspect.reports import results

    previous = results.previous_inspection(inspection)
    found = current_published(previous) if previous is not None else None
    # its figures are quoted in the new report: never from a copy that was tampered with
    return integrity.checked(found) if found is not None else None


def _snapshot(inspection) -> dict:
    try:
        return content.force_report_data(inspection, _previous_published(inspection))
    except disclosure_set.PublicationRefused as refused:
        raise ReportRefused(str(refused)) from None


def _thematic_snapshot(inspections, title: str) -> dict:
    try:
        return content.thematic_report_data(inspections, title)
    except disclosure_set.PublicationRefused as refused:
        raise ValidationError({"inspections": str(refused)}) from None


# --- force reports --------------------------------------------------------------------------


@transaction.atomic
def report_build(*, inspection, user) -> Report:
    """Build (or rebuild) the inspection's draft report from the data as it is now."""
    access.require(
        access.can_build_report(user, inspection),
        "Only the inspection's lead inspector or analyst builds its report.",
    )
    locked = _locked_inspection(inspection)
    if locked.status not in BUILDABLE:
        raise ReportRefused(
            "A draft report is built while the case files are moderated or during reporting "
            f"(the inspection is now: {locked.get_status_display().lower()})."
        )
    report = Report.objects.filter(
        kind=ReportKind.FORCE, inspection=locked, status__in=[ReportStatus.DRAFT]
    ).first()
    if report is None:
        if Report.objects.filter(inspection=locked, status=ReportStatus.FACTUAL_ACCURACY).exists():
            raise ReportRefused("The draft is with the force for its factual accuracy check.")
        if Report.objects.filter(inspection=locked, status__in=FINAL_STATUSES).exists():
            raise ReportRefused(
                "The report is published: correct it instead, which makes a new version."
            )
        report = Report(kind=ReportKind.FORCE, inspection=locked, version=1)
    now = timezone.now()
    report.title = content.force_report_title(locked)
    report.data = _snapshot(locked)
    report.built_at, report.built_by = now, user
    _render(report, ReportStatus.DRAFT, now)
    return _save(report)


def _open_report(inspection, status) -> Report | None:
    return (
        Report.objects.select_for_update()
        .filter(kind=ReportKind.FORCE, inspection=inspection, status=status)
        .first()
    )


@transaction.atomic
def report_send_for_factual_accuracy(
    *,
    report: Report,
    user,
    note: str = "",
    reason: str = "",
    outstanding_seen=None,
    seen_sha256: str | None = None,
) -> Report:
    """The draft goes to the force's liaison officer: the inspection moves to factual
    accuracy (the lead's move), and ``signals.py`` moves the draft with it. With work
    outstanding the move needs a ``reason`` (``programme_services.ReasonRequired`` otherwise,
    raised as it is, for the caller to show the list)."""
    access.require(
        report.kind == ReportKind.FORCE
        and access.can_send_report_for_check(user, report.inspection),
        "Only the inspection's lead inspector sends the draft to the force.",
    )
    locked = _locked_inspection(report.inspection)
    stored = Report.objects.select_for_update().get(pk=report.pk)
    if stored.status != ReportStatus.DRAFT:
        raise ReportRefused("Only a draft is sent for the factual accuracy check.")
    _refuse_if_rebuilt(stored, seen_sha256, "nothing was sent")
    if locked.status == Status.MODERATION:
        raise ReportRefused("Start reporting first: the case files are still being moderated.")
    try:
        programme_services.inspection_transition(
            user,
            inspection=locked,
            target=Status.FACTUAL_ACCURACY,
            note=note,
            reason=reason,
            outstanding_seen=outstanding_seen,
        )
    except programme_services.ReasonRequired:
        raise
    except programme_services.TransitionRefused as refused:
        raise ReportRefused(str(refused)) from None
    report.refresh_from_db()
    return report


def on_factual_accuracy(inspection, when) -> None:
    """The inspection moved to factual accuracy: its draft goes with it (re-rendered with
    the check's stamp). Called from ``signals.py``."""
    report = _open_report(inspection, ReportStatus.DRAFT)
    if report is None:
        return
    report.status = ReportStatus.FACTUAL_ACCURACY
    report.sent_for_check_at = when
    _with_stages(report)
    _render(report, ReportStatus.FACTUAL_ACCURACY, report.built_at)
    _save(report)


def on_return_to_reporting(inspection) -> None:
    """Back to reporting: the draft under check becomes a draft again (its comments stay)."""
    report = _open_report(inspection, ReportStatus.FACTUAL_ACCURACY)
    if report is None:
        return
    report.status = ReportStatus.DRAFT
    _render(report, ReportStatus.DRAFT, report.built_at)
    _save(report)


@transaction.atomic
def report_comment_add(*, report: Report, user, section: str, text: str) -> ReportComment:
    access.require(
        access.can_comment_on_report(user, report),
        "Only the force's liaison officer comments, during the factual accuracy check.",
    )
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.status != ReportStatus.FACTUAL_ACCURACY:
        raise ReportRefused("Comments are taken during the factual accuracy check only.")
    sections = {"summary", *content.SECTION_KEYS}
    if section not in sections:
        raise ValidationError({"section": "Choose the section the comment is about."})
    if not text.strip():
        raise ValidationError({"text": "Write the comment."})
    comment = ReportComment(report=locked, author=user, section=section, text=text.strip())
    comment.full_clean()
    comment.save()
    return comment


MAX_RESPONSE = 5000


@transaction.atomic
def report_comment_respond(*, comment: ReportComment, user, text: str) -> ReportComment:
    """The lead inspector answers a factual accuracy comment of the force (once: a second
    answer, from another tab or a stale page, is refused and names the first). Every comment
    is answered before publication, or the move to published records why not."""
    report = comment.report
    access.require(
        access.can_answer_report_comments(user, report),
        "Only the inspection's lead inspector answers the force's comments.",
    )
    locked = ReportComment.objects.select_for_update().select_related("report").get(pk=comment.pk)
    if locked.report.status not in (ReportStatus.DRAFT, ReportStatus.FACTUAL_ACCURACY):
        raise ReportRefused("The report is published: its comments can no longer be answered.")
    if locked.answered:
        raise ReportRefused(
            f"This comment was answered at {timezone.localtime(locked.responded_at):%H:%M} on "
            f"{timezone.localtime(locked.responded_at):%d %B %Y}; the answer stands."
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError({"response": "Write the response to the force."})
    if len(text) > MAX_RESPONSE:
        raise ValidationError({"response": f"Keep the response under {MAX_RESPONSE:,} characters."})
    locked.response, locked.responded_by, locked.responded_at = text, user, timezone.now()
    locked.full_clean()
    locked.save(update_fields=["response", "responded_by", "responded_at"])
    comment.refresh_from_db()
    return comment


def _publish_in_place(report: Report, user, when) -> Report:
    """Render the checked snapshot with the published stamp (and the record of the stages
    brought up to the publication), hash it, freeze it. Refused if, with what has been
    published since it was built, a withheld figure could be worked out (ADR 0023)."""
    try:
        disclosure_set.check_before_publishing(report)
    except disclosure_set.PublicationRefused as refused:
        raise ReportRefused(str(refused)) from None
    report.status = ReportStatus.PUBLISHED
    report.published_at, report.published_by = when, user
    _with_stages(report)
    _render(report, ReportStatus.PUBLISHED, when)
    return _save(report)


@transaction.atomic
def report_publish(
    *,
    report: Report,
    user,
    note: str = "",
    reason: str = "",
    outstanding_seen=None,
    seen_sha256: str | None = None,
) -> Report:
    """Publish: for a force report, the inspection's move to published (a programme manager's),
    which ``signals.py`` turns into the report's publication (the snapshot the force checked,
    not a new build); a thematic report is published directly."""
    access.require(
        access.can_publish_report(user, report),
        "Only a programme manager publishes a report.",
    )
    if report.kind == ReportKind.THEMATIC:
        return _thematic_publish(report, user, seen_sha256)
    locked = _locked_inspection(report.inspection)
    report = Report.objects.select_for_update().get(pk=report.pk)
    _refuse_if_rebuilt(report, seen_sha256, "nothing was published")
    if report.status != ReportStatus.FACTUAL_ACCURACY:
        raise ReportRefused(
            "A report is published after the force's factual accuracy check: send the draft "
            "for the check first."
        )
    if locked.status in access.PUBLIC_STATUSES:
        # The inspection was published without its report (from the inspection page, before
        # the report existed): publish the report now.
        return _publish_in_place(report, user, timezone.now())
    try:
        programme_services.inspection_transition(
            user,
            inspection=locked,
            target=Status.PUBLISHED,
            note=note,
            reason=reason,
            outstanding_seen=outstanding_seen,
        )
    except programme_services.ReasonRequired:
        raise
    except programme_services.TransitionRefused as refused:
        raise ReportRefused(str(refused)) from None
    report.refresh_from_db()
    return report


def on_published(inspection, user, when) -> None:
    """The inspection moved to published: its report under check is published with it."""
    report = _open_report(inspection, ReportStatus.FACTUAL_ACCURACY)
    if report is not None:
        _publish_in_place(report, user, when)


@transaction.atomic
def report_correct(*, report: Report, user, note: str) -> Report:
    """A new version from the data as it is now, published at once with ``note`` saying what
    changed; the corrected version is marked superseded and stays readable."""
    access.require(
        access.can_correct_report(user, report), "Only a programme manager corrects a report."
    )
    if not note.strip():
        raise ValidationError({"note": "Say what the correction changes."})
    old = Report.objects.select_for_update().get(pk=report.pk)
    if old.status == ReportStatus.SUPERSEDED and hasattr(old, "correction"):
        newer = old.correction
        raise ReportRefused(
            f"{newer.published_by.full_name} published version {newer.version} (a correction) "
            f"{when_text(newer.published_at)}, after you opened the page: nothing was published. "
            f"Correct version {newer.version} instead, if it still needs it."
        )
    if old.status != ReportStatus.PUBLISHED:
        raise ReportRefused("Only the current published version can be corrected.")
    now = timezone.now()
    new = Report(
        kind=old.kind,
        inspection=old.inspection,
        version=old.version + 1,
        title=old.title,
        corrects=old,
        correction_note=note.strip(),
        built_at=now,
        built_by=user,
    )
    if old.kind == ReportKind.FORCE:
        new.data = _snapshot(old.inspection)
        inspections = [old.inspection]
    else:
        inspections = list(old.inspections.all())
        try:
            new.data = content.thematic_report_data(inspections, old.title)
        except disclosure_set.PublicationRefused as refused:
            raise ReportRefused(str(refused)) from None
    old.status = ReportStatus.SUPERSEDED
    old.superseded_at = now
    old.save(update_fields=["status", "superseded_at"])
    new.published_at, new.published_by = now, user
    _render(new, ReportStatus.PUBLISHED, now, inspections)
    if old.kind == ReportKind.THEMATIC:
        # A published report's set of inspections is fixed (a trigger): fill it first.
        new.status = ReportStatus.DRAFT
        new.published_at = new.published_by = None
        _save(new)
        ReportInspection.objects.bulk_create(
            [ReportInspection(report=new, inspection=i) for i in inspections]
        )
        new.published_at, new.published_by = now, user
    new.status = ReportStatus.PUBLISHED
    _save(new)
    report.refresh_from_db()
    return new


# --- thematic reports -----------------------------------------------------------------------


@transaction.atomic
def thematic_build(*, user, inspections, title: str) -> Report:
    """A draft thematic report across ``inspections`` (those with graded, signed-off cases)."""
    access.require(
        access.can_build_thematic(user), "Only inspectorate staff build thematic reports."
    )
    inspections = list({i.pk: i for i in inspections}.values())
    if not inspections:
        raise ValidationError({"inspections": "Choose at least one inspection."})
    if not title.strip():
        raise ValidationError({"title": "Give the report a title."})
    now = timezone.now()
    report = Report(
        kind=ReportKind.THEMATIC,
        title=title.strip(),
        data=_thematic_snapshot(inspections, title.strip()),
        built_at=now,
        built_by=user,
    )
    _render(report, ReportStatus.DRAFT, now, inspections)
    _save(report)
    ReportInspection.objects.bulk_create(
        [ReportInspection(report=report, inspection=i) for i in inspections]
    )
    return report


def _thematic_publish(report: Report, user, seen_sha256=None) -> Report:
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _refuse_if_rebuilt(locked, seen_sha256, "nothing was published")
        if locked.status != ReportStatus.DRAFT:
            raise ReportRefused("Only a draft thematic report can be published.")
        unpublished = [
            i for i in locked.inspections.all() if i.status not in access.PUBLIC_STATUSES
        ]
        if unpublished:
            names = ", ".join(sorted(i.subject_name for i in unpublished))
            raise ReportRefused(
                "Only published material is public: these inspections' reports are not "
                f"published yet: {names}."
            )
        return _publish_in_place(locked, user, timezone.now())
