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


def test_a_new_publication_changes_the_pdf_served(national, client, renders):
    """A grade published for a force that had none in a partly graded assessment."""
    partial = next(a for a in selectors.published_assessments() if not a.complete)
    url = reverse("national-report-pdf")
    listed = PublishedGrade.objects.filter(assessment=partial.assessment, question=partial.question)
    example = listed.filter(grade="good").first()
    before_good = listed.filter(grade="good").count()
    before = client.get(url, {"assessment": partial.key})
    assert f"Good {before_good}" in _text(before)
    ungraded = Force.objects.exclude(pk__in=listed.values("force")).order_by("name").first()
    PublishedGrade.objects.create(
        force=ungraded,
        assessment=example.assessment,
        year=example.year,
        question=example.question,
        scale=example.scale,
        grade="good",
        published_on=example.published_on,
        source=example.source,
    )
    after = client.get(url, {"assessment": partial.key})
    assert after.content != before.content
    assert f"Good {before_good + 1}" in _text(after)
    assert len(renders) == 2
