"""The PDF is tagged PDF/UA-1 with a language, a title, headings, tables with headers and a
figure with alternative text; the open data holds exactly the published values; a thematic
report publishes only published material and its set of inspections never changes after."""

import csv
import io
import json
from io import BytesIO

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from cpinspect.programmes.models import Inspection, Status
from cpinspect.reports import opendata, rendering, services
from tests.reports.conftest import publish

pytestmark = pytest.mark.django_db


def _structure(reader):
    """Every structure element type (/H1, /Table, /TH, /Figure ...) with its attributes."""
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict) or hasattr(node, "keys"):
            if "/S" in node:
                found.append((str(node["/S"]), node))
            kids = node.get("/K")
            if kids is not None:
                kids = kids.get_object()
                for kid in kids if isinstance(kids, list) else [kids]:
                    if hasattr(kid, "get_object"):
                        walk(kid)
        elif isinstance(node, list):
            for kid in node:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def test_the_pdf_is_tagged_with_language_title_headings_tables_and_alt_text(
    quick_inspection, people
):
    report = services.report_build(inspection=quick_inspection, user=people["lead"])
    reader = PdfReader(BytesIO(report.pdf))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert str(root["/MarkInfo"]["/Marked"]).lower() == "true"
    assert str(root["/ViewerPreferences"]["/DisplayDocTitle"]).lower() == "true"
    assert reader.metadata.title == report.title
    assert "pdfuaid" in reader.xmp_metadata.rdf_root.toxml()  # the PDF/UA identification
    kinds = [kind for kind, _ in _structure(reader)]
    for tag in ("/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/Figure", "/Caption", "/L"):
        assert tag in kinds, tag
    figures = [node for kind, node in _structure(reader) if kind == "/Figure"]
    assert any("Percentage of cases at each grade" in str(f.get("/Alt", "")) for f in figures)
    cells = [node for kind, node in _structure(reader) if kind == "/TD"]
    assert all("/Headers" in c["/A"] for c in cells)  # every data cell names its headers
    # the same template makes the web page: the article is in the page
    article = rendering.article_of(report.html)
    assert article.strip().startswith('<article class="app-report"')
    assert '<th scope="row"' in article and '<th scope="col"' in article
    assert '<title id="grades-chart-title">' in article and "<desc" in article


def test_open_data_holds_exactly_the_published_values(quick_inspection, quick_kent, people, client):
    essex = publish(quick_inspection, people)
    draft_kent = services.report_build(inspection=quick_kent, user=people["other_lead"])
    body = client.get(reverse("open-data-results-csv")).content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == [c.name for c in opendata.COLUMNS]
    assert {r["report_id"] for r in rows} == {str(essex.pk)}  # the draft is not open data
    published, withheld = {}, {}
    for row in [*essex.data["results"]["rows"], essex.data["results"]["overall"]]:
        withheld[row["theme"]] = "yes" if row.get("breakdown_withheld") else "no"
        for cell in row["cells"]:
            published[(row["theme"], cell["grade"])] = (cell, row["base"])
    assert len(rows) == len(published)
    for r in rows:
        cell, base = published[(r["theme"], r["grade"])]
        # a reader of the file alone knows where a [c] may be 0 (a withheld breakdown)
        assert r["breakdown_withheld"] == withheld[r["theme"]]
        assert r["cases"] == str(cell["count"])
        assert r["cases_graded"] == str(base)
        if cell["percent"] is None:
            assert r["percentage"] == r["interval_low"] == cell["percent_text"]
        else:
            assert r["percentage"].split(" ")[0] == f"{cell['percent']:.1f}"
            assert f"{r['interval_low']}% to {r['interval_high']}%" == cell["interval_text"]
        assert r["force_code"] == "E23000028" and r["report_pdf_sha256"] == essex.pdf_sha256
    data = json.loads(client.get(reverse("open-data-results-json")).content)
    assert [r["id"] for r in data["reports"]] == [essex.pk]
    paths = set()

    def walk(value, path):
        if isinstance(value, dict):
            if path == "markers" or path.endswith(".force") and value:
                paths.add(path)
                return
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else key)
        elif isinstance(value, list) and value and isinstance(value[0], dict | list):
            for item in value:
                walk(item, f"{path}[]")
        else:
            paths.add(path)

    walk(data, "")
    assert paths == {p for p, _ in opendata.JSON_FIELDS}
    page = client.get(reverse("open-data")).content.decode()
    for name in ("open-data-results-csv", "national-data-csv", "national-data-json"):
        assert reverse(name) in page
    assert draft_kent.status == "draft"


def test_a_thematic_report_publishes_only_published_material(quick_inspection, quick_kent, people):
    thematic = services.thematic_build(
        user=people["analyst"], inspections=[quick_inspection, quick_kent], title="Two forces"
    )
    with pytest.raises(services.ReportRefused, match="Essex, Kent"):
        services.report_publish(report=thematic, user=people["programme_manager"])
    publish(quick_inspection, people)
    Inspection.objects.filter(pk=quick_kent.pk).update(status=Status.PUBLISHED)
    # built before Essex's report was public, the draft was protected against nothing: with
    # that report it gives withheld counts away, so it is refused at publication (ADR 0023)
    with pytest.raises(services.ReportRefused, match="Build the report again"):
        services.report_publish(report=thematic, user=people["programme_manager"])
    thematic = services.thematic_build(
        user=people["analyst"], inspections=[quick_inspection, quick_kent], title="Two forces"
    )
    thematic = services.report_publish(report=thematic, user=people["programme_manager"])
    assert thematic.status == "published"
    # its set of inspections is fixed: the database refuses a change
    with (
        pytest.raises((IntegrityError, InternalError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM reports_reportinspection WHERE report_id = %s", [thematic.pk])
    corrected = services.report_correct(
        report=thematic, user=people["programme_manager"], note="Rebuilt."
    )
    assert corrected.version == 2
    assert {i.pk for i in corrected.inspections.all()} == {quick_inspection.pk, quick_kent.pk}
