"""One sample in use per inspection: a redraw is an explicit, recorded decision, from the web,
the API and the command line alike; the database itself allows no second sample in use."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from cpinspect.assessments.models import CaseAudit
from cpinspect.casefiles import sampling, services
from cpinspect.casefiles.models import CaseStatus, ExtractStatus, Sample, SampledCase
from tests.casefiles.conftest import TODAY, synthetic_csv
from tests.forms import hidden_fields

pytestmark = pytest.mark.django_db


def imported(inspection, people, seed):
    return services.extract_import(
        inspection=inspection,
        user=people["lead"],
        data=synthetic_csv(rows=300, seed=seed),
        profile_name="canonical",
        via="cli",
        today=TODAY,
    )


@pytest.fixture
def drawn(inspection, people):
    first = imported(inspection, people, 91)
    sample = services.sample_draw(
        extract=first, user=people["lead"], design=sampling.Design(), seed=1
    )
    return first, sample


def test_the_database_refuses_a_second_sample_in_use(drawn, people):
    """Even past the services (another client of the database): one sample in use."""
    first, sample = drawn
    second = imported(first.inspection, people, 92)
    copy = {
        f.name: getattr(sample, f.name)
        for f in Sample._meta.concrete_fields
        if f.name not in ("id", "extract", "drawn_at", "redraw_of")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Sample.objects.create(**copy, extract=second)
    sample.withdrawn_at = sample.drawn_at
    sample.save()
    Sample.objects.create(**{**copy, "withdrawn_at": None}, extract=second)  # now it may


def test_a_second_draw_needs_a_reason(drawn, people):
    first, _ = drawn
    second = imported(first.inspection, people, 93)
    with pytest.raises(services.SampleRefused, match="give the reason for the redraw"):
        services.sample_draw(extract=second, user=people["lead"], design=sampling.Design())
    with pytest.raises(services.SampleRefused, match="give the reason"):
        services.sample_draw(
            extract=second, user=people["lead"], design=sampling.Design(), redraw_reason="  "
        )
    assert Sample.objects.count() == 1


def test_a_redraw_withdraws_the_sample_and_records_why(drawn, people):
    first, old = drawn
    second = imported(first.inspection, people, 94)
    new = services.sample_draw(
        extract=second,
        user=people["analyst"],
        design=sampling.Design(),
        seed=2,
        redraw_reason="The force sent a corrected extract.",
    )
    old.refresh_from_db()
    first.refresh_from_db()
    assert old.withdrawn_at is not None
    assert (new.redraw_of, new.redraw_reason) == (old, "The force sent a corrected extract.")
    assert (first.status, first.superseded_by) == (ExtractStatus.SUPERSEDED, second)
    withdrawn = SampledCase.objects.filter(sample=old)
    assert withdrawn.count() == old.total_size + sum(old.reserves.values())
    assert set(withdrawn.values_list("status", flat=True)) == {CaseStatus.WITHDRAWN}
    assert {bytes(b) for b in withdrawn.values_list("raw_ref_encrypted", flat=True)} == {b""}
    from django.apps import apps

    history = apps.get_model("casefiles", "SampleEvent").objects.filter(pgh_obj=old)
    assert history.filter(withdrawn_at__isnull=False).count() == 1
    # the withdrawn sample's cases are no longer offered to the case-file audit
    assert not SampledCase.objects.filter(sample=old, status=CaseStatus.SAMPLED).exists()


def test_a_redraw_is_refused_once_the_audit_has_begun(drawn, people):
    first, old = drawn
    case = old.cases.filter(status=CaseStatus.SAMPLED).first()
    CaseAudit.objects.create(inspection=first.inspection, case=case, examiner=people["inspector"])
    second = imported(first.inspection, people, 95)
    with pytest.raises(services.SampleRefused, match="audit has begun"):
        services.sample_draw(
            extract=second, user=people["lead"], design=sampling.Design(), redraw_reason="why"
        )
    old.refresh_from_db()
    assert old.withdrawn_at is None


def test_the_command_line_draws_again_only_with_redraw(drawn, people, capsys):
    first, old = drawn
    inspection = first.inspection
    with pytest.raises(CommandError, match="import the file again"):
        call_command("draw_sample", inspection=inspection.pk, user=people["lead"].email)
    second = imported(inspection, people, 96)
    with pytest.raises(
        CommandError, match=f"drawn from import {second.pk}, run again with --redraw"
    ):
        call_command("draw_sample", inspection=inspection.pk, user=people["lead"].email)
    assert Sample.objects.count() == 1
    call_command(
        "draw_sample",
        inspection=inspection.pk,
        user=people["lead"].email,
        redraw="The force corrected the categories.",
        seed=3,
        json=True,
    )
    result = json.loads(capsys.readouterr().out)
    new = Sample.objects.get(pk=result["sample"])
    assert new.extract == second and new.redraw_of == old
    assert new.redraw_reason == "The force corrected the categories."


def test_the_web_redraw_form_needs_a_reason_and_shows_what_it_replaces(client, drawn, people):
    first, old = drawn
    inspection = first.inspection
    client.force_login(people["lead"])
    page = client.get(reverse("casefiles-extract", args=[inspection.pk])).content.decode()
    assert "Draw the sample again" not in page  # no newer import: nothing to redraw from
    second = imported(inspection, people, 97)
    page = client.get(reverse("casefiles-extract", args=[inspection.pk])).content.decode()
    assert f"Import {second.pk}" in page and "Draw the sample again" in page
    url = reverse("casefiles-sample-draw", args=[inspection.pk])
    hidden = hidden_fields(page, action=url)  # the form's one-time token, as a browser sends it
    response = client.post(url, {**hidden, "method": "proportional", "minimum": 5})
    assert response.status_code == 400
    text = response.content.decode()
    assert '<a href="#id_reason">Say why the sample is drawn again</a>' in text
    assert Sample.objects.count() == 1
    response = client.post(
        url,
        {
            **hidden,
            "method": "proportional",
            "minimum": 5,
            "seed": 4,
            "reason": "Corrected extract",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("casefiles-sample", args=[inspection.pk])).content.decode()
    assert "Reason recorded: Corrected extract" in page
    assert "Samples withdrawn by a redraw" in page
    # the same form, posted again from the page as it was: nothing newer to draw from now
    response = client.post(
        url, {**hidden, "method": "proportional", "minimum": 5, "reason": "Corrected extract"}
    )
    assert response.status_code == 400
    assert "Import the file again first" in response.content.decode()
    assert Sample.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_the_api_draws_again_only_with_a_reason(client, drawn, people):
    first, old = drawn
    inspection = first.inspection
    client.force_login(people["analyst"])
    url = f"/api/inspections/{inspection.pk}/sample/"
    response = client.post(url, {"seed": 5}, content_type="application/json")
    assert response.status_code == 409 and "no newer import" in response.json()["detail"]
    second = imported(inspection, people, 98)
    response = client.post(url, {"seed": 5}, content_type="application/json")
    assert response.status_code == 409 and "reason" in response.json()["detail"]
    response = client.post(
        url, {"seed": 5, "redraw_reason": "Corrected"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Sample.objects.get(pk=response.json()["id"]).extract == second
