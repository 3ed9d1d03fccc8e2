"""The national picture as a PDF report: public, with the published counts and every force
in its text (extracted with pypdf, independently of the template)."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cpinspect.national import selectors
from cpinspect.registry.models import Force, PublishedGrade

pytestmark = pytest.mark.django_db


def test_the_national_report_pdf_holds_the_counts_and_every_force(national, client):
    response = client.get(reverse("national-report-pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "PEEL 2016 effectiveness" in flat
    # PEEL 2016 overall effectiveness, as published: 1 / 28 / 13 / 1
    for label, forces in (
        ("Outstanding", 1),
        ("Good", 28),
        ("Requires improvement", 13),
        ("Inadequate", 1),
    ):
        assert f"{label} {forces}" in flat, label
    missing = [f.name for f in Force.objects.all() if " ".join(f.name.split()) not in flat]
    assert missing == [] and Force.objects.count() == 43
    assert reader.metadata.title.startswith("National picture")


def test_an_unknown_assessment_has_no_report(national, client):
    assert client.get(reverse("national-report-pdf"), {"assessment": "nope"}).status_code == 404


def _text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def renders(monkeypatch):
    """Counts WeasyPrint renders of the national PDF, and starts from an empty cache."""
    from django.core.cache import cache

    from cpinspect.reports import rendering

    cache.clear()
    calls = []
    real = rendering.render_pdf

    def counted(html):
        calls.append(1)
        return real(html)

    monkeypatch.setattr(rendering, "render_pdf", counted)
    return calls


def test_a_repeat_request_is_served_from_the_cache(national, client, renders):
    first = client.get(reverse("national-report-pdf"))
    second = client.get(reverse("national-report-pdf"))
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert len(renders) == 1


def test_a_corrected_grade_changes_the_pdf_served(national, client, renders):
    before = _text(client.get(reverse("national-report-pdf")))
    assert "Outstanding 1" in before and "Good 28" in before
    shown = selectors.default_assessment(selectors.published_assessments())
    good = PublishedGrade.objects.filter(
        assessment=shown.assessment, question=shown.question, grade="good"
    )
    corrected = good.order_by("force__name").first()
    corrected.grade = "outstanding"
    corrected.save()
    after = _text(client.get(reverse("national-report-pdf")))
    assert "Outstanding 2" in after and "Good 27" in after
    assert len(renders) == 2
