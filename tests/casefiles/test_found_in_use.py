"""What trying police.uk files of several forces found (issue 12), one test per problem.

Each of these tests failed on the code before its fix (checked by running this file with the
fix stashed). The files are police.uk-shaped, made by ``tests/casefiles/police_uk.py``.
"""

import io
import json
import time
from datetime import date

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cpinspect.casefiles import sampling, services
from cpinspect.casefiles.models import Extract, ExtractStatus, Sample
from cpinspect.programmes.models import Status
from cpinspect.registry.models import Force
from cpinspect.registry.reference_data import load
from tests.casefiles import police_uk
from tests.casefiles.conftest import force_inspection
from tests.casefiles.dump import leaks_in_database
from tests.forms import opened

pytestmark = pytest.mark.django_db
TODAY = date(2026, 10, 1)


@pytest.fixture
def registry(reference):
    """Every force and council of England and Wales, from the project's ONS files."""
    load()
    return {force.name: force for force in Force.objects.all()}


@pytest.fixture
def kent(programme, people, registry):
    return force_inspection(programme, people, registry["Kent"])


def run(inspection, user, data, profile, **kwargs):
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("via", "cli")
    return services.extract_import(
        inspection=inspection, user=user, data=data, profile_name=profile, **kwargs
    )


# 1. Raw references leak when a file's columns are swapped -----------------------------------


@pytest.mark.parametrize("other", ["Crime type", "Month"])
def test_swapped_columns_leave_no_reference_in_the_database(kent, people, other):
    made = police_uk.street_file(force="Kent Police", rows=120, seed=11)
    header = list(made.columns)
    i, j = header.index("Crime ID"), header.index(other)
    header[i], header[j] = header[j], header[i]
    for hold in (False, True):  # the command line (refused) and the web (held)
        run(
            kent,
            people["lead"],
            made.csv(header=header),
            "police-uk-street",
            hold_for_confirmation=hold,
        )
    assert Extract.objects.count() == 2
    assert leaks_in_database(made.references) == []


# 2. The wrong file, force or moment is taken without a word ---------------------------------


def test_a_street_file_with_the_outcomes_profile_is_refused_with_the_right_profile(kent, people):
    made = police_uk.street_file(force="Kent Police", rows=200, seed=12)
    extract = run(kent, people["lead"], made.csv(), "police-uk-outcomes")
    assert extract.status == ExtractStatus.FAILED
    assert "Outcome type" in extract.error
    assert "police-uk-street" in extract.error  # the profile that fits, by its score
    assert extract.rows_accepted == 0 and extract.frame_path == ""


def test_another_forces_file_is_refused(kent, people):
    made = police_uk.street_file(force="West Yorkshire Police", rows=150, seed=13)
    extract = run(kent, people["lead"], made.csv(), "police-uk-street")
    assert extract.status == ExtractStatus.FAILED
    assert "West Yorkshire" in extract.error and "Kent" in extract.error
    assert extract.frame_path == ""


def test_a_published_inspection_takes_no_import(programme, people, registry):
    published = force_inspection(programme, people, registry["Kent"], Status.PUBLISHED)
    made = police_uk.street_file(force="Kent Police", rows=50, seed=14)
    with pytest.raises(services.ImportRefused, match="published"):
        run(published, people["lead"], made.csv(), "police-uk-street")
    assert not Extract.objects.filter(inspection=published, status="imported").exists()


# 3. Out-of-area councils are never found in police.uk files ---------------------------------


def test_councils_come_from_lsoa_names_and_other_councils_are_warned(programme, people, registry):
    avon = force_inspection(programme, people, registry["Avon and Somerset"])
    outside = ["Basildon", "Croydon", "Harrow", "Cardiff"]
    made = police_uk.street_file(
        force="Avon and Somerset Constabulary", rows=300, seed=15, outside=outside
    )
    extract = run(avon, people["lead"], made.csv(), "police-uk-street")
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert extract.problem_counts.get("council_outside_force") == len(outside)
    councils = set(extract.summary.by_council)
    assert "E06000023" in councils  # Bristol, from "Bristol 012A"
    assert "E06000066" in councils  # Somerset, from Mendip and Taunton Deane (old districts)
    assert {"E10000012", "E09000008", "E09000015", "W06000015"} <= councils  # the outsiders


# 4. Out-of-scope rows count as rejections ---------------------------------------------------


def test_anti_social_behaviour_does_not_count_towards_the_refusal_limit(kent, people):
    made = police_uk.street_file(force="Kent Police", rows=500, seed=16, asb_share=0.25)
    asb = sum(1 for r in made.rows if r["Crime type"] == "Anti-social behaviour")
    assert asb / len(made.rows) > 0.2
    extract = run(kent, people["lead"], made.csv(), "police-uk-street")
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert extract.rows_rejected == 0
    assert extract.rows_accepted == len(made.rows) - asb


def test_an_outcomes_file_listing_crimes_several_times_is_not_refused(kent, people):
    made = police_uk.outcomes_file(force="Kent Police", crimes=200, seed=17, repeat_share=0.55)
    extract = run(kent, people["lead"], made.csv(), "police-uk-outcomes")
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert extract.rows_accepted == 200 and extract.rows_rejected == 0


# 5. Raw references outlive their use ---------------------------------------------------------


def test_a_superseded_import_loses_its_vault(
    kent, people, casefiles_env, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # as each import commits
        first = run(kent, people["lead"], police_uk.street_file(seed=18).csv(), "police-uk-street")
    with django_capture_on_commit_callbacks(execute=True):
        second = run(kent, people["lead"], police_uk.street_file(seed=19).csv(), "police-uk-street")
    vaults = sorted(p.name for p in casefiles_env.rglob("*.vault"))
    assert vaults == [f"extract-{second.pk}.vault"]
    first.refresh_from_db()
    assert first.vault_destroyed_at is not None


# 6. Everything is kept by default ------------------------------------------------------------


def test_the_canonical_profile_keeps_no_extra_column(inspection, people):
    data = (
        b"case_ref,recorded_on,category,street,latitude,longitude\n"
        b"ESX-1,2026-01-05,online abuse,On or near Hill Road,51.5,0.1\n"
        b"ESX-2,2026-01-06,cse,On or near Mill Lane,51.6,0.2\n"
    )
    extract = run(inspection, people["lead"], data, "canonical")
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    frame = pl.read_parquet(extract.frame_path)
    assert not [c for c in frame.columns if c.startswith("attr_")]


# 7. Re-importing after a sample --------------------------------------------------------------


def test_reimporting_after_a_sample_keeps_one_sample(client, kent, people):
    lead = people["lead"]
    first = run(kent, lead, police_uk.street_file(seed=20, rows=300).csv(), "police-uk-street")
    services.sample_draw(extract=first, user=lead, design=sampling.Design(), seed=1)
    second = run(kent, lead, police_uk.street_file(seed=21, rows=300).csv(), "police-uk-street")
    assert second.status == ExtractStatus.IMPORTED
    client.force_login(lead)
    page = client.get(reverse("casefiles-extract", args=[kent.pk])).content.decode()
    frame = page[page.index("Sampling frame") :]
    assert f"Import {first.pk}" in frame[:600]  # the frame is still the sampled import's
    with pytest.raises(CommandError, match="already has a sample"):
        call_command("draw_sample", inspection=kent.pk, user=lead.email, seed=2)
    assert Sample.objects.filter(inspection=kent).count() == 1


# 8. Large validation reports -----------------------------------------------------------------


def bad_canonical(rows: int) -> bytes:
    lines = ["case_ref,recorded_on,category"]
    lines += [f"ESX-{i:06d},2026-01-05,not a category" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_the_api_pages_the_report_instead_of_dumping_it(client, inspection, people):
    extract = run(
        inspection, people["lead"], bad_canonical(4000), "canonical", accept_rejections=True
    )
    assert extract.rows_rejected == 4000
    client.force_login(people["lead"])
    response = client.get(f"/api/inspections/{inspection.pk}/extracts/{extract.pk}/")
    assert response.status_code == 200
    assert len(response.content) < 20_000


def test_the_command_summarises_the_report(inspection, people, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(bad_canonical(4000))
    out = io.StringIO()
    call_command(
        "import_extract",
        str(path),
        inspection=inspection.pk,
        user=people["lead"].email,
        accept_rejections=True,
        json=True,
        stdout=out,
    )
    assert len(out.getvalue()) < 20_000
    assert json.loads(out.getvalue())["rows_rejected"] == 4000


def test_seconds_is_the_whole_import(inspection, people, monkeypatch):
    real_save = Extract.save

    def slow_save(self, *args, **kwargs):  # the final write of the import's outcome
        if self.status == ExtractStatus.IMPORTED:
            time.sleep(0.4)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Extract, "save", slow_save)
    started = time.perf_counter()
    extract = run(inspection, people["lead"], bad_canonical(3), "canonical", accept_rejections=True)
    took = time.perf_counter() - started
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.IMPORTED
    assert extract.seconds >= 0.4 and extract.seconds <= took


# 9. Messages ---------------------------------------------------------------------------------


def test_a_failed_web_import_names_its_file(
    client, inspection, people, run_worker, django_capture_on_commit_callbacks
):
    client.force_login(people["lead"])
    upload = reverse("casefiles-upload", args=[inspection.pk])
    hidden = opened(client, reverse("casefiles-extract", args=[inspection.pk]), action=upload)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            upload,
            {
                **hidden,
                "profile": "canonical",
                "file": SimpleUploadedFile("essex-cases.csv", b"a,b\n"),
            },
        )
    run_worker()
    page = client.get(response.url).content.decode()
    assert "essex-cases.csv" in page
    assert "(?, ?)" not in page


def test_a_semicolon_file_is_read(inspection, people):
    data = "case_ref;recorded_on;category\nESX-1;2026-01-05;cse\nESX-2;2026-01-06;cse\n"
    extract = run(inspection, people["lead"], data.encode(), "canonical")
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert extract.rows_accepted == 2


def test_the_page_says_the_import_is_queued(client, inspection, people):
    client.force_login(people["lead"])
    page = client.get(reverse("casefiles-extract", args=[inspection.pk])).content.decode()
    assert "runs while you wait" not in page
    assert "queued" in page
