"""The national picture as a PDF report: public, with the published counts and every force
in its text (extracted with pypdf, independently of the template)."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cpinspect.registry.models import Force

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
