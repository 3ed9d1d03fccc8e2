"""From a snapshot to HTML (one template per kind, the same for the web page and the PDF) and
from the HTML to an accessible PDF (WeasyPrint, PDF/UA-1), with their SHA-256.

The HTML is a whole document with its print stylesheet inside, so the stored HTML is exactly
what WeasyPrint rendered. The web page shows the part between the two ``report`` markers
inside the site's own page, where GOV.UK Frontend styles the same class names.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass

from django.template.loader import render_to_string

from cpinspect.reports import charts

PDF_VARIANT = "pdf/ua-1"
# WeasyPrint logs each layout step at INFO: a dozen lines a report, none of them news.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
START, END = "<!-- report:start -->", "<!-- report:end -->"
TEMPLATES = {"force": "reports/force_report.html", "thematic": "reports/thematic_report.html"}


@dataclass(frozen=True)
class Stamp:
    """What the rendering says about the version: not part of the snapshot."""

    status: str  # draft, factual_accuracy, published
    status_label: str
    version: int
    title: str
    date_text: str  # built (draft) or published
    correction_note: str = ""
    corrects_version: int | None = None


def canonical_json(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _chart(data: dict) -> str:
    block = data["results"]
    if not block["rows"]:
        return ""
    return charts.grades_chart(
        block,
        chart_id="grades-chart",
        title="Percentage of cases at each grade, by theme",
        description=(
            "Horizontal bar chart. For each theme examined, and for all themes together, one "
            "bar each for the percentage of cases graded good, requires improvement and "
            "inadequate, with a line showing the 95% interval. A percentage withheld to "
            "protect the people counted is written as [c] and not drawn. The table that "
            "follows gives the same figures."
        ),
    )


def render_html(data: dict, stamp: Stamp) -> str:
    return render_to_string(
        TEMPLATES[data["kind"]],
        {
            "data": data,
            "stamp": stamp,
            "chart_svg": _chart(data),
            "draft": stamp.status != "published",
        },
    )


def article_of(html: str) -> str:
    """The report itself, without the document around it, for the web page."""
    start, end = html.find(START), html.find(END)
    if start < 0 or end < start:
        return ""
    return html[start + len(START) : end]


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def visible_text(html: str) -> str:
    """The text of an HTML document (tags dropped, entities decoded, spaces collapsed)."""
    from html import unescape

    without_style = re.sub(r"<style\b.*?</style>", " ", html, flags=re.S | re.I)
    return _SPACE.sub(" ", unescape(_TAG.sub(" ", without_style))).strip()
