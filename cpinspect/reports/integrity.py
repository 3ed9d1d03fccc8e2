"""A report is checked every time it is served (ADR 0018): its HTML, PDF and snapshot against
the SHA-256 stored with them, and the stored row against what the append-only change history
last recorded for it. A report that fails is never shown: ``ReportTampered`` is raised, an
ERROR line names the report's id (never its content), and ``middleware`` answers 503.

The second check catches a change made behind the triggers' back: the history is written by
the same transaction as every change, and the application's role can neither skip it nor
rewrite it, so a row that differs from its last history entry was changed some other way (by
an operator, a restore or a direct edit of the data files).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.apps import apps

from cpinspect.reports import rendering
from cpinspect.reports.models import Report

log = logging.getLogger(__name__)

# The parts of a report that carry their own hash: (field, hash field, bytes of the value).
_HASHED = [
    ("html", "content_sha256", lambda r: r.html.encode("utf-8")),
    ("pdf", "pdf_sha256", lambda r: bytes(r.pdf)),
    ("data", "data_sha256", lambda r: rendering.canonical_json(r.data)),
]


class ReportTampered(Exception):
    """A report does not match what was recorded; it must not be served."""

    def __init__(self, report_id: int, failed: list[str]):
        self.report_id = report_id
        self.failed = failed
        super().__init__(f"Report {report_id} failed its integrity check: {', '.join(failed)}.")


def _event_model():
    return apps.get_model("reports", "ReportEvent")


def _recorded_fields() -> list[str]:
    """The report's columns the history keeps (all but the HTML, PDF and snapshot)."""
    return [
        f.attname for f in _event_model()._meta.concrete_fields if not f.name.startswith("pgh_")
    ]


def _latest_events(ids: Iterable[int]) -> dict[int, object]:
    events = (
        _event_model()
        .objects.filter(pgh_obj_id__in=list(ids))
        .order_by("pgh_obj_id", "-pgh_id")
        .distinct("pgh_obj_id")
    )
    return {event.pgh_obj_id: event for event in events}


def _differs_from_history(report: Report, event) -> list[str]:
    if event is None:
        return ["no change history"]
    loaded = report.get_deferred_fields()
    return [
        f"{name} differs from its history"
        for name in _recorded_fields()
        if name not in loaded and getattr(report, name) != getattr(event, name)
    ]


def _failed_hashes(report: Report) -> list[str]:
    loaded = report.get_deferred_fields()
    return [
        f"{field} does not match its SHA-256"
        for field, hash_field, value in _HASHED
        if field not in loaded and rendering.sha256(value(report)) != getattr(report, hash_field)
    ]


def check(reports: Iterable[Report]) -> None:
    """Raise ``ReportTampered`` for the first of ``reports`` that fails; each part not loaded
    (``defer``) is left out, so a list checks its rows against the history only."""
    reports = list(reports)
    history = _latest_events(r.pk for r in reports)
    for report in reports:
        failed = _failed_hashes(report) + _differs_from_history(report, history.get(report.pk))
        if failed:
            log.error(
                "Report %s is not served: it does not match what was recorded (%s).",
                report.pk,
                "; ".join(failed),
            )
            raise ReportTampered(report.pk, failed)


def checked(report: Report) -> Report:
    check([report])
    return report
