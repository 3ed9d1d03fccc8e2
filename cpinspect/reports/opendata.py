"""Open data: the results of every published report as CSV and JSON, with the data
dictionary that describes each column and field.

Built from the published versions' snapshots only, so every value is the one published (a
count or a marker after disclosure control) and nothing below theme level exists here: no
case, pseudonym or note. One row per report, theme (and all themes) and grade.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from cpinspect.reports import selectors
from cpinspect.stats import disclosure, statistics

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    values: str


COLUMNS = [
    Column("report_id", "Identifier of the report version (its page is /reports/<id>/)", "number"),
    Column("report_kind", "Force inspection report or thematic report", "force or thematic"),
    Column("report_title", "Title of the report", "text"),
    Column("report_version", "Version of the report (a correction makes a new one)", "number"),
    Column("published_on", "Day the version was published", "YYYY-MM-DD"),
    Column("report_pdf_sha256", "SHA-256 of the version's PDF", "64 hexadecimal characters"),
    Column(
        "force_code",
        "ONS police force area code (force reports; empty for a thematic report)",
        "E23 or W15 and six digits, or empty",
    ),
    Column("force_name", "Police force (force reports; empty for a thematic report)", "text"),
    Column(
        "inspections",
        "Inspections the figures come from (thematic reports: all of them)",
        "number",
    ),
    Column("theme", "Case-file theme, or overall for all themes together", "slug"),
    Column("theme_label", "Case-file theme as written in the report", "text"),
    Column("grade", "Final grade of the cases", "good, requires_improvement or inadequate"),
    Column("cases", "Cases of the theme with this final grade", "whole number or [c]"),
    Column(
        "cases_graded", "Cases of the theme with a final grade (the base)", "whole number or [c]"
    ),
    Column(
        "percentage",
        "cases as a percentage of cases_graded, one decimal place",
        "number, or a marker ([c], [z]); [u] follows a number on fewer than 10 cases",
    ),
    Column(
        "interval_low",
        "Lower limit of the 95% interval of the percentage (Wilson, finite population correction)",
        "number with one decimal place, or the percentage's marker",
    ),
    Column("interval_high", "Upper limit of the 95% interval", "as interval_low"),
    Column(
        "estimate",
        "How the percentage is worked out: proportion (cases divided by cases_graded) or "
        "stratified (all themes: each theme weighted by its number of cases in the force's "
        "list, with the finite population correction per theme; not cases divided by "
        "cases_graded)",
        "proportion or stratified",
    ),
    Column(
        "breakdown_withheld",
        "yes when every grade of the row is withheld because the theme has too few cases to "
        "protect (a [c] in such a row may be 0); no otherwise, where a [c] is from 1 to 5 or "
        "withheld to protect one that is",
        "yes or no",
    ),
]

JSON_FIELDS = [
    ("title", "What the file holds"),
    ("licence.name", "The licence"),
    ("licence.url", "Where the licence is"),
    ("generated_at", "When the file was made (ISO 8601)"),
    ("markers", "Each marker and its meaning (keys are the markers, such as [c])"),
    ("reports[].id", "Identifier of the report version"),
    ("reports[].kind", "force or thematic"),
    ("reports[].title", "Title of the report"),
    ("reports[].version", "Version number"),
    ("reports[].published_on", "Day the version was published (YYYY-MM-DD)"),
    ("reports[].url", "Path of the report's page on this site"),
    ("reports[].pdf_url", "Path of the report's PDF"),
    ("reports[].pdf_sha256", "SHA-256 of the PDF"),
    ("reports[].content_sha256", "SHA-256 of the report's HTML"),
    ("reports[].force", "For a force report: {code, name}; null for a thematic report"),
    ("reports[].inspections", "Number of inspections the figures come from"),
    ("reports[].themes[].theme", "Theme slug, or overall"),
    ("reports[].themes[].label", "Theme as written in the report"),
    ("reports[].themes[].cases_graded", "Cases with a final grade: a number, or a marker"),
    (
        "reports[].themes[].estimate",
        "proportion (cases / cases_graded) or stratified (overall: weighted by each theme's "
        "number of cases in the list)",
    ),
    (
        "reports[].themes[].breakdown_withheld",
        "true when every grade of the row is withheld for too few cases (a [c] may be 0)",
    ),
    ("reports[].themes[].grades[].grade", "Grade"),
    ("reports[].themes[].grades[].cases", "Cases with the grade: a number, or a marker"),
    ("reports[].themes[].grades[].percentage", "Percentage (number) or null when withheld"),
    (
        "reports[].themes[].grades[].percentage_marker",
        "[c], [z] or [u] (low reliability: the percentage is still given), or null",
    ),
    ("reports[].themes[].grades[].interval_low", "Lower 95% limit (percent) or null"),
    ("reports[].themes[].grades[].interval_high", "Upper 95% limit (percent) or null"),
]


def _rows_of(data: dict) -> list[dict]:
    block = data.get("results") or {}
    return [*block.get("rows", []), *([block["overall"]] if block.get("overall") else [])]


def _percent(value) -> float | None:
    """A limit in percent, rounded half up as the report prints it."""
    return None if value is None else float(statistics.format_percentage(value).rstrip("%"))


def _percentage_marker(cell: dict) -> str | None:
    if cell["percent"] is None:
        return cell["percent_text"]
    return disclosure.LOW_RELIABILITY if cell["low_reliability"] else None


def report_meta(report) -> dict:
    force = None
    if report.kind == "force":
        subject = report.data["subject"]
        force = {"code": subject["force_code"], "name": subject["force_name"]}
    inspections = 1 if report.kind == "force" else report.data["coverage"]["inspections"]
    return {
        "id": report.pk,
        "kind": report.kind,
        "title": report.title,
        "version": report.version,
        "published_on": timezone.localdate(report.published_at).isoformat(),
        "url": reverse("report-detail", args=[report.pk]),
        "pdf_url": reverse("report-pdf", args=[report.pk]),
        "pdf_sha256": report.pdf_sha256,
        "content_sha256": report.content_sha256,
        "force": force,
        "inspections": inspections,
    }


def report_json(report) -> dict:
    """One version's metadata and published results, as in the JSON file."""
    entry = report_meta(report)
    entry["themes"] = [
        {
            "theme": row["theme"],
            "label": row["label"],
            "cases_graded": row["base"],
            "estimate": row.get("estimate", "proportion"),
            "breakdown_withheld": bool(row.get("breakdown_withheld")),
            "grades": [
                {
                    "grade": cell["grade"],
                    "cases": cell["count"],
                    "percentage": cell["percent"],
                    "percentage_marker": _percentage_marker(cell),
                    "interval_low": _percent(cell["low"]),
                    "interval_high": _percent(cell["high"]),
                }
                for cell in row["cells"]
            ],
        }
        for row in _rows_of(report.data)
    ]
    return entry


def as_json() -> dict:
    reports = [report_json(r) for r in selectors.published_reports_with_data()]
    return {
        "title": "Published results of child protection inspections of police forces: cases "
        "by theme and final grade, after disclosure control",
        "licence": {"name": LICENCE, "url": LICENCE_URL},
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "markers": disclosure.MARKERS,
        "reports": reports,
    }


def _csv_percent(cell) -> str:
    if cell["percent"] is None:
        return cell["percent_text"]
    text = f"{cell['percent']:.1f}"
    return f"{text} {disclosure.LOW_RELIABILITY}" if cell["low_reliability"] else text


def _csv_limit(cell, which) -> str:
    value = _percent(cell[which])
    return cell["percent_text"] if value is None else f"{value:.1f}"


def as_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in COLUMNS])
    for report in selectors.published_reports_with_data():
        meta = report_meta(report)
        force = meta["force"] or {"code": "", "name": ""}
        for row in _rows_of(report.data):
            for cell in row["cells"]:
                writer.writerow(
                    [
                        meta["id"],
                        meta["kind"],
                        meta["title"],
                        meta["version"],
                        meta["published_on"],
                        meta["pdf_sha256"],
                        force["code"],
                        force["name"],
                        meta["inspections"],
                        row["theme"],
                        row["label"],
                        cell["grade"],
                        disclosure.published_value(cell["count"], csv=True),
                        disclosure.published_value(row["base"], csv=True),
                        _csv_percent(cell),
                        _csv_limit(cell, "low"),
                        _csv_limit(cell, "high"),
                        row.get("estimate", "proportion"),
                        "yes" if row.get("breakdown_withheld") else "no",
                    ]
                )
    return buffer.getvalue()
