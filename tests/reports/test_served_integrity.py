"""A published report is checked every time it is served: tampered with by someone who can get
past the triggers (the owner role, disabling them), it is refused on every public route with a
503 that shows none of it, and an ERROR line names the report (issue #11, ADR 0018)."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from tests.reports.conftest import publish, quick_inspection  # noqa: F401
from tests.tampering import as_owner

pytestmark = pytest.mark.django_db

TAMPERED_TITLE = "Essex is outstanding in every way"


def public_routes(report) -> dict[str, str]:
    """Every public address that serves the report, its content or its listing."""
    return {
        "page": reverse("report-detail", args=[report.pk]),
        "pdf": reverse("report-pdf", args=[report.pk]),
        "inspection's report": reverse("inspection-report", args=[report.inspection_id]),
        "list": reverse("report-list"),
        "open data page": reverse("open-data"),
        "open data csv": reverse("open-data-results-csv"),
        "open data json": reverse("open-data-results-json"),
        "api list": "/api/reports/",
        "api report": f"/api/reports/{report.pk}/",
    }


# What each route serves of the report: the whole of it (checked in full), its snapshot's
# figures (the open data), or its listing (title, version, date: checked against the history).
WHOLE = {"page", "pdf", "inspection's report"}
FIGURES = {"open data csv", "open data json", "api list", "api report"}
LISTING = {"list", "open data page"}


def tamper(statement: str, params) -> None:
    """As the owner, with the report's triggers (its immutability and its history) off."""
    with as_owner() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending check may block ALTER
        cursor.execute("ALTER TABLE reports_report DISABLE TRIGGER USER")
        cursor.execute(statement, params)
        cursor.execute("ALTER TABLE reports_report ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# Each: the change, and the routes that serve what it changed.
TAMPERING = {
    # the HTML changed, its hash not: the stored hash refuses it
    "html": (
        "UPDATE reports_report SET html = replace(html, '</h1>', ' (tampered)</h1>') "
        "WHERE id = %(pk)s",
        WHOLE,
    ),
    "pdf": (
        "UPDATE reports_report SET pdf = pdf || convert_to('tampered', 'UTF8') WHERE id = %(pk)s",
        WHOLE,
    ),
    # the snapshot the open data is built from
    "data": (
        """UPDATE reports_report SET data = data || '{"tampered": true}' WHERE id = %(pk)s""",
        WHOLE | FIGURES,
    ),
    # the issue's attack, with the hash made to match: only the history knows what was
    # published, and every route that names the report refuses it
    "title, html and hash": (
        "UPDATE reports_report SET title = %(title)s, html = replace(html, title, %(title)s), "
        "content_sha256 = encode(sha256(convert_to(replace(html, title, %(title)s), 'UTF8')), "
        "'hex') WHERE id = %(pk)s",
        WHOLE | FIGURES | LISTING,
    ),
}


@pytest.fixture
def published(quick_inspection, people):  # noqa: F811
    return publish(quick_inspection, people)


def test_an_untouched_report_is_served_on_every_route(published, client):
    for name, url in public_routes(published).items():
        response = client.get(url, follow=True)
        assert response.status_code == 200, name


@pytest.mark.parametrize("tampering", TAMPERING)
def test_a_tampered_report_is_refused_where_it_is_served(tampering, published, client, caplog):
    statement, refusing = TAMPERING[tampering]
    tamper(statement, {"pk": published.pk, "title": TAMPERED_TITLE})
    routes = public_routes(published)
    assert set(routes) == WHOLE | FIGURES | LISTING
    for name, url in routes.items():
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="cpinspect.reports.integrity"):
            response = client.get(url, follow=True)
        body = response.content
        assert TAMPERED_TITLE.encode() not in body and b"tampered" not in body, (tampering, name)
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        if name not in refusing:  # it serves nothing that was changed
            assert response.status_code == 200 and errors == [], (tampering, name)
            continue
        assert response.status_code == 503, (tampering, name)
        assert b"does not match what was published" in body, name
        assert any(f"Report {published.pk} is not served" in e for e in errors), (name, errors)
        assert not any(TAMPERED_TITLE in e or published.title in e for e in errors)


def test_the_refusal_page_is_a_page_not_a_download(published, client):
    tamper(TAMPERING["pdf"][0], {"pk": published.pk})
    response = client.get(reverse("report-pdf", args=[published.pk]))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert b"%PDF" not in response.content
    tamper(TAMPERING["data"][0], {"pk": published.pk})
    api = client.get(f"/api/reports/{published.pk}/")
    assert api.status_code == 503 and set(api.json()) == {"detail"}
