"""The demo's published force report and its correction (``cpinspect.demo`` calls these)."""

from __future__ import annotations

from cpinspect.accounts.models import Role, User
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Status
from cpinspect.reports import services
from cpinspect.reports.models import Report

# The moves from each status to reporting, each made by the inspection's lead.
TO_REPORTING = {
    Status.FIELDWORK: [Status.MODERATION, Status.REPORTING],
    Status.MODERATION: [Status.REPORTING],
    Status.REPORTING: [],
}


def add_demo_report(
    inspection, user, *, publisher=None, comment: str | None = None, reason: str = ""
) -> Report:
    """Build, send for the factual accuracy check and publish the report of ``inspection``,
    whose cases are signed off. ``user`` is the inspection's lead inspector (builds and sends);
    ``publisher`` a programme manager (default: the first active one, demo accounts first).
    ``comment``: a factual accuracy comment from the force's liaison officer, if one exists,
    which the lead answers before publication. ``reason``: why the moves are made if the
    inspection's work is not finished (each move refuses work outstanding without one).
    Returns the published report. The inspection ends up published."""
    if inspection.status not in TO_REPORTING:
        raise ValueError(
            f"The inspection is {inspection.get_status_display().lower()}: a demo report is "
            "made from fieldwork, moderation or reporting."
        )
    for target in TO_REPORTING[inspection.status]:
        programme_services.inspection_transition(
            user,
            inspection=inspection,
            target=target,
            reason=reason,
        )
    report = services.report_build(inspection=inspection, user=user)
    report = services.report_send_for_factual_accuracy(report=report, user=user, reason=reason)
    if comment:
        liaison = (
            User.objects.filter(
                role=Role.FORCE_LIAISON, force=inspection.subject_force, is_active=True
            )
            .order_by("-is_demo", "pk")
            .first()
        )
        if liaison is not None:
            added = services.report_comment_add(
                report=report, user=liaison, section="case_files", text=comment
            )
            # the lead answers it before publication (an unanswered comment is outstanding)
            services.report_comment_respond(
                comment=added,
                user=user,
                text="[Demo data] Accepted: the report already gives the policy's date "
                "(March); no change is needed.",
            )
    publisher = publisher or (
        User.objects.filter(role=Role.PROGRAMME_MANAGER, is_active=True)
        .order_by("-is_demo", "pk")
        .first()
    )
    if publisher is None:
        raise ValueError("A programme manager publishes the report: there is none.")
    return services.report_publish(report=report, user=publisher, reason=reason)


CORRECTION_NOTE = (
    "[Demo data] The summary now gives the date of the force's missing persons policy "
    "(March). No figure changed: the case-file audit closed before publication."
)


def add_demo_correction(report: Report, publisher) -> Report:
    """Publish a correction of ``report`` (a new version, protected with the old one in
    mind: ADR 0023), so the demo shows a superseded version beside its correction."""
    return services.report_correct(report=report, user=publisher, note=CORRECTION_NOTE)


def add_demo_thematic(inspections, user, *, publisher, title: str) -> Report:
    """Build (as ``user``, inspectorate staff) and publish (as ``publisher``) a thematic report
    across ``inspections``, all published already, through the normal services; the
    publication's disclosure audit covers everything public (ADR 0023)."""
    report = services.thematic_build(user=user, inspections=inspections, title=title)
    return services.report_publish(report=report, user=publisher)
