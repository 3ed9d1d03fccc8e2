"""The pages and the API in use: upload, report, confirm, draw, sample, reveal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cpinspect.audittrail.models import AccessLogEntry
from cpinspect.casefiles.models import Extract, ExtractStatus, SampledCase
from tests.casefiles.conftest import synthetic_csv
from tests.casefiles.test_validation import HEADER, ROWS
from tests.forms import submit

pytestmark = pytest.mark.django_db


def test_upload_confirm_draw_and_reveal(
    client, inspection, people, run_worker, django_capture_on_commit_callbacks
):
    client.force_login(people["lead"])
    page = client.get(reverse("casefiles-extract", args=[inspection.pk]))
    assert b"Import an extract" in page.content
    bad = (HEADER + "\n".join(ROWS) + "\n").encode()
    home = reverse("casefiles-extract", args=[inspection.pk])
    upload = reverse("casefiles-upload", args=[inspection.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            client,
            upload,
            {"profile": "canonical", "file": SimpleUploadedFile("cases.csv", bad)},
            page=home,
            action=upload,
        )
    extract = Extract.objects.get()
    assert response.url == reverse("casefiles-extract-detail", args=[inspection.pk, extract.pk])
    # the upload is queued; its page is a status page that refreshes itself
    assert extract.status == ExtractStatus.QUEUED
    page = client.get(response.url).content.decode()
    assert "Waiting to start" in page and 'http-equiv="refresh"' in page
    assert "Checking every row" in page
    assert run_worker() == 1
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.NEEDS_CONFIRMATION
    page = client.get(response.url).content.decode()
    assert "Validation report" in page and "Duplicate case reference" in page
    assert "the same reference as line 2" in page
    assert "ESX-0001" not in page
    assert "Import the accepted rows" in page
    client.post(reverse("casefiles-extract-cancel", args=[inspection.pk, extract.pk]))
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.CANCELLED

    with django_capture_on_commit_callbacks(execute=True):
        submit(
            client,
            upload,
            {"profile": "canonical", "file": SimpleUploadedFile("cases.csv", synthetic_csv(300))},
            page=home,
            action=upload,
        )
    run_worker()
    page = client.get(reverse("casefiles-extract", args=[inspection.pk])).content.decode()
    assert "Sampling frame" in page and "Draw the sample" in page
    draw = reverse("casefiles-sample-draw", args=[inspection.pk])
    response = submit(
        client, draw, {"method": "proportional", "minimum": 5, "seed": 7}, page=home, action=draw
    )
    assert response.url == reverse("casefiles-sample", args=[inspection.pk])
    page = client.get(response.url).content.decode()
    assert "Cases in the sample (70)" in page and "Reserves" in page and "Margin" in page
    case = SampledCase.objects.filter(status="sampled").first()
    page = client.post(reverse("casefiles-case-reveal", args=[inspection.pk, case.pk]))
    assert b"SYN/" in page.content
    assert AccessLogEntry.objects.filter(action="reveal", object_id=str(case.pk)).count() == 1
    client.post(
        reverse("casefiles-case-unusable", args=[inspection.pk, case.pk]),
        {"reason": "No file held"},
    )
    case.refresh_from_db()
    assert case.status == "unusable" and case.replaced_by is not None


def test_api_upload_draw_and_reveal(
    client, inspection, people, run_worker, django_capture_on_commit_callbacks
):
    client.force_login(people["analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/inspections/{inspection.pk}/extracts/",
            {"profile": "canonical", "file": SimpleUploadedFile("x.csv", synthetic_csv(200))},
        )
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["status"] == "queued" and queued["summary"] is None
    assert run_worker() == 1
    body = client.get(queued["url"]).json()
    assert body["status"] == "imported"
    assert body["rows_accepted"] == 200 and body["summary"]["total"] == 200
    response = client.post(
        f"/api/inspections/{inspection.pk}/sample/",
        {"size": 30, "seed": 4, "method": "equal"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total_size"] == 30 and body["seed"] == 4
    assert len(body["precision"]) == 7
    case = body["cases"][0]
    assert "raw_ref_encrypted" not in case
    revealed = client.post(
        f"/api/inspections/{inspection.pk}/sample/cases/{case['id']}/reveal/"
    ).json()
    assert revealed["force_reference"].startswith("SYN/")
    assert AccessLogEntry.objects.filter(action="reveal", via="api").count() == 1


def test_inspection_page_tag_is_for_the_team_only(rf, inspection, people):
    from django.template import Context, Template

    from cpinspect.casefiles.demo import add_demo_extract

    add_demo_extract(inspection, people["lead"], rows=300)
    page = Template("{% load casefiles %}{% casefiles_stage inspection %}")
    for who, shown in [
        ("lead", True),
        ("analyst", True),
        ("other_lead", False),
        ("liaison", False),
    ]:
        request = rf.get("/")
        request.user = people[who]
        html = page.render(Context({"request": request, "inspection": inspection}))
        assert ("Case extract and sample" in html) is shown, who
        if shown:
            assert "Frame by category" in html and "Sample: 70 cases" in html
