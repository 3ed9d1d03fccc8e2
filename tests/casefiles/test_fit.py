"""The file checked against the profile and the inspection before anything is kept: its
columns (with the built-in profile that fits, by score), its required columns filled, its
force, its delimiter, and the inspection's stage."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cpinspect.casefiles import fit, profiles, readers, services
from cpinspect.casefiles.models import Extract, ExtractStatus
from cpinspect.editing import submissions
from cpinspect.programmes.models import Status
from cpinspect.registry.models import Force
from cpinspect.registry.reference_data import load
from tests.casefiles import police_uk
from tests.casefiles.conftest import (
    TODAY,
    force_inspection,
    report_of,
    stop_and_search_profile,
    synthetic_csv,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent(programme, people, reference):
    return force_inspection(programme, people, reference["kent"])


def run(inspection, people, data, profile, **kwargs):
    kwargs.setdefault("today", TODAY)
    return services.extract_import(
        inspection=inspection,
        user=people["lead"],
        data=data,
        profile_name=profile,
        via="cli",
        **kwargs,
    )


# --- the profile against the file -------------------------------------------------------


def test_scores_of_the_built_in_profiles():
    """The share of the file's columns each profile knows (0 without its required ones),
    against counts made here from the published column lists."""
    street, outcomes = police_uk.STREET_COLUMNS, police_uk.OUTCOMES_COLUMNS
    score = {
        (name, kind): fit.score(profiles.get_profile(name), columns)
        for name in profiles.builtin_names()
        for kind, columns in (("street", street), ("outcomes", outcomes))
    }
    assert score[("police-uk-street", "street")] == 1.0  # all 12 columns named
    assert score[("police-uk-outcomes", "outcomes")] == 1.0  # all 10
    assert score[("police-uk-street", "outcomes")] == 0.0  # no Crime type
    assert score[("police-uk-outcomes", "street")] == 0.0  # no Outcome type
    assert score[("canonical", "street")] == 0.0
    older = police_uk.OLDER_STREET_COLUMNS
    assert fit.score(profiles.get_profile("police-uk-street"), older) == 1.0


@pytest.mark.parametrize(
    "made,profile,suggested",
    [
        (police_uk.street_file(rows=80, seed=51), "police-uk-outcomes", "police-uk-street"),
        (police_uk.outcomes_file(crimes=60, seed=52), "police-uk-street", "police-uk-outcomes"),
        (police_uk.street_file(rows=80, seed=53), "canonical", "police-uk-street"),
    ],
    ids=["street as outcomes", "outcomes as street", "street as canonical"],
)
def test_the_wrong_profile_is_refused_with_the_one_that_fits(
    kent, people, made, profile, suggested
):
    extract = run(kent, people, made.csv(), profile)
    assert extract.status == ExtractStatus.FAILED
    assert f"The profile '{suggested}' fits this file" in extract.error
    assert extract.rows_read == 0 and not extract.problems.exists()


def test_a_stop_and_search_file_fits_no_built_in_profile(kent, people):
    made = police_uk.stop_and_search_file(rows=40)
    extract = run(kent, people, made.csv(), "police-uk-street")
    assert extract.status == ExtractStatus.FAILED
    assert "no column 'Crime ID' (for the case reference)" in extract.error
    assert "None of the built-in profiles fits it" in extract.error


def test_a_file_most_of_whose_columns_the_profile_does_not_know_is_refused(inspection, people):
    extras = ["team", "unit", "officer", "notes"]
    header = ["case_ref", "recorded_on", "category", *extras]
    rows = [f"ESX-{i},2026-01-05,cse,{','.join('x' * 4)}" for i in range(5)]
    extract = run(
        inspection, people, ("\n".join([",".join(header), *rows]) + "\n").encode(), "canonical"
    )
    assert extract.status == ExtractStatus.FAILED
    assert "Most of the file's columns (4 of 7" in extract.error
    assert "'team', 'unit', 'officer', 'notes'" in extract.error


def test_a_required_column_left_empty_is_refused(kent, people):
    made = police_uk.outcomes_file(crimes=50, seed=54, repeat_share=0.2)
    for row in made.rows:
        row["Outcome type"] = ""
    extract = run(kent, people, made.csv(), "police-uk-outcomes")
    assert extract.status == ExtractStatus.FAILED
    rows = len(made.rows)
    assert rows > 50  # crimes listed more than once: each row needs its outcome
    assert (
        f"The column 'Outcome type' (the outcome) is empty on {rows} of the {rows} rows"
        in extract.error
    )


def test_an_older_street_file_with_fewer_columns_fits(kent, people):
    made = police_uk.street_file(rows=200, seed=55, columns=police_uk.OLDER_STREET_COLUMNS)
    extract = run(kent, people, made.csv(), "police-uk-street")
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    asb = sum(1 for r in made.rows if r["Crime type"] == "Anti-social behaviour")
    no_lsoa = sum(
        1 for r in made.rows if r["Crime type"] != "Anti-social behaviour" and not r["LSOA name"]
    )
    assert (extract.rows_accepted, extract.rows_out_of_scope) == (200 - asb, asb)
    assert extract.summary.by_council.get("not given") == no_lsoa
    assert extract.columns_dropped == ["Longitude", "Latitude", "Location", "LSOA code"]


def test_a_police_uk_reference_must_look_like_one(kent, people):
    """With Crime ID and LSOA name swapped, the 'references' are LSOA names: every row is
    rejected for it, without showing them, and the import is refused."""
    made = police_uk.street_file(rows=100, seed=56, asb_share=0, no_lsoa_share=0)
    header = list(made.columns)
    i, j = header.index("Crime ID"), header.index("LSOA name")
    header[i], header[j] = header[j], header[i]
    extract = run(kent, people, made.csv(header=header), "police-uk-street")
    assert extract.status == ExtractStatus.REFUSED
    assert extract.problem_counts["invalid_reference"] == 100
    assert {r["found"] for r in report_of(extract) if r["problem"] == "invalid_reference"} == {
        "(not shown: it could be a case reference)"
    }


def test_a_column_of_few_values_is_not_a_reference_column(kent, people):
    made = police_uk.street_file(rows=120, seed=57)
    header = list(made.columns)
    i, j = header.index("Crime ID"), header.index("Month")
    header[i], header[j] = header[j], header[i]
    extract = run(kent, people, made.csv(header=header), "police-uk-street")
    assert extract.status == ExtractStatus.FAILED
    assert "holds only 1 different values" in extract.error
    assert "does not look like a column of case references" in extract.error


def test_a_stop_and_search_file_imports_with_a_profile_of_its_own(kent, people, tmp_path):
    """A force's own profile: no reference (derived from the row), adults out of scope."""
    profile = stop_and_search_profile(tmp_path)
    made = police_uk.stop_and_search_file(rows=80, seed=58)
    adults = sum(1 for r in made.rows if r["Age range"] not in ("under 10", "10-17"))
    extract = run(kent, people, made.csv(), str(profile), accept_rejections=True)
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert extract.rows_out_of_scope == adults
    assert extract.out_of_scope[0]["reason"] == "an adult searched"
    assert extract.rows_accepted + extract.rows_rejected == 80 - adults
    assert extract.columns_kept == ["Age range"]


# --- the force ----------------------------------------------------------------------------

POLICE_UK_NAMES = {  # as police.uk's "Reported by" writes the forces
    "Metropolitan Police": "Metropolitan Police Service",
    "City of London": "City of London Police",
    "Avon and Somerset": "Avon and Somerset Constabulary",
    "Devon and Cornwall": "Devon & Cornwall Police",
    "Dyfed-Powys": "Dyfed-Powys Police",
    "Thames Valley": "Thames Valley Police",
    "West Yorkshire": "West Yorkshire Police",
    "Kent": "Kent Police",
    "North Wales": "North Wales Police",
    "Cumbria": "Cumbria Constabulary",
}


def test_police_uk_names_of_forces_name_the_registry_forces(reference):
    load()
    names = list(Force.objects.values_list("name", flat=True))
    assert len(names) == 43
    keys = {fit.force_key(name): name for name in names}
    assert len(keys) == 43  # no two forces share a key
    for registry_name, police_uk_name in POLICE_UK_NAMES.items():
        assert keys[fit.force_key(police_uk_name)] == registry_name


def test_another_forces_file_names_the_line_and_the_force(kent, people):
    load()
    made = police_uk.street_file(force="Kent Police", rows=60, seed=59)
    for row in made.rows[10:13]:
        row["Falls within"] = "West Yorkshire Police"
    extract = run(kent, people, made.csv(), "police-uk-street")
    assert extract.status == ExtractStatus.FAILED
    assert extract.error.startswith(
        "Line 12, column 'Falls within': the file names the force "
        "West Yorkshire (3 rows), but this inspection is of Kent."
    )


def test_a_force_that_is_not_one_is_named(kent, people):
    made = police_uk.street_file(force="Kent Police", rows=30, seed=60)
    for row in made.rows:
        row["Reported by"] = "British Transport Police"
    extract = run(kent, people, made.csv(), "police-uk-street")
    assert extract.status == ExtractStatus.FAILED
    assert "names 'British Transport Police' (30 rows)" in extract.error


def test_the_canonical_force_column_is_checked(inspection, people):
    data = "case_ref,recorded_on,category,force\nE1,2026-01-05,cse,Essex Police\nE2,2026-01-06,cse,Kent Police\n"  # noqa: E501
    extract = run(inspection, people, data.encode(), "canonical")
    assert extract.status == ExtractStatus.FAILED
    assert "Line 3, column 'force'" in extract.error and "inspection is of Essex" in extract.error


def test_a_joint_inspection_checks_its_councils_force(joint_inspection, people):
    data = b"case_ref,recorded_on,category,force\nE1,2026-01-05,cse,Essex Police\n"
    extract = run(joint_inspection, people, data, "canonical")
    assert extract.status == ExtractStatus.IMPORTED, extract.error


# --- the delimiter -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "delimiter,words", [(";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")]
)
def test_the_delimiter_is_detected(inspection, people, delimiter, words):
    rows = ["case_ref", "recorded_on", "category"], ["ESX-1", "2026-01-05", "cse"]
    data = "\n".join(delimiter.join(r) for r in rows) + "\n"
    extract = run(inspection, people, data.encode(), "canonical")
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert extract.delimiter == delimiter


def test_a_named_delimiter_the_file_does_not_use_is_named_with_the_one_it_does(tmp_path):
    path = tmp_path / "commas.yaml"
    path.write_text("name: commas\ndelimiter: ','\n")
    data = b"case_ref;recorded_on;category\nESX-1;2026-01-05;cse\n"
    with pytest.raises(readers.ExtractFileError) as refused:
        readers.read_extract(data, profiles.load_file(path))
    assert "seems to be separated by semicolons, but the profile 'commas' expects commas" in str(
        refused.value
    )


def test_delimiters_inside_quoted_names_do_not_count():
    profile = profiles.get_profile("canonical")
    data = b'case_ref;"recorded, on";category\n'
    assert readers.detect_delimiter(data, profile) == ";"
    assert readers.detect_delimiter(b"just one column\n", profile) == ","


# --- the inspection's stage ------------------------------------------------------------------

OPEN = {Status.PLANNED, Status.NOTIFIED, Status.FIELDWORK}


@pytest.mark.parametrize("status", list(Status))
def test_imports_and_draws_follow_the_stage(programme, people, reference, status):
    from cpinspect.casefiles import sampling

    inspection = force_inspection(programme, people, reference["essex"], Status.FIELDWORK)
    extract = run(inspection, people, synthetic_csv(rows=80, seed=61), "canonical")
    assert extract.status == ExtractStatus.IMPORTED
    inspection.status = status
    inspection.save()
    data = synthetic_csv(rows=80, seed=62)
    if status in OPEN:
        assert run(inspection, people, data, "canonical").status == ExtractStatus.IMPORTED
        latest = Extract.objects.filter(status=ExtractStatus.IMPORTED).latest("pk")
        services.sample_draw(extract=latest, user=people["lead"], design=sampling.Design())
        return
    label = Status(status).label.lower()
    with pytest.raises(services.ImportRefused, match=f"at the {label} stage"):
        run(inspection, people, data, "canonical")
    with pytest.raises(services.ImportRefused):
        services.extract_queue(
            inspection=inspection, user=people["lead"], data=data, profile_name="canonical"
        )
    with pytest.raises(services.SampleRefused, match=f"at the {label} stage"):
        services.sample_draw(extract=extract, user=people["lead"], design=sampling.Design())
    assert Extract.objects.filter(inspection=inspection).count() == 1
    assert not extract.inspection.samples.exists()


def test_a_closed_stage_shows_no_upload_form_and_refuses_a_stale_one(
    client, programme, people, reference
):
    inspection = force_inspection(programme, people, reference["essex"], Status.REPORTING)
    client.force_login(people["lead"])
    page = client.get(reverse("casefiles-extract", args=[inspection.pk])).content.decode()
    assert "at the reporting stage" in page and 'name="file"' not in page
    response = client.post(  # the form of a page opened before the stage moved on
        reverse("casefiles-upload", args=[inspection.pk]),
        {
            "submission": submissions.new_key(),  # that page's one-time token
            "profile": "canonical",
            "file": SimpleUploadedFile("late.csv", synthetic_csv(20)),
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text and 'href="#id_file"' in text
    assert "at the reporting stage" in text
    api = client.post(
        f"/api/inspections/{inspection.pk}/extracts/",
        {"profile": "canonical", "file": SimpleUploadedFile("late.csv", synthetic_csv(20))},
    )
    assert api.status_code == 409 and "reporting stage" in api.json()["detail"]
    assert not Extract.objects.filter(inspection=inspection).exists()


def test_a_queued_import_whose_inspection_moved_on_keeps_nothing(
    inspection, people, run_worker, django_capture_on_commit_callbacks, casefiles_env
):
    with django_capture_on_commit_callbacks(execute=True):
        extract = services.extract_queue(
            inspection=inspection,
            user=people["lead"],
            data=synthetic_csv(50),
            profile_name="canonical",
        )
    inspection.status = Status.MODERATION
    inspection.save()
    assert run_worker() == 1
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.FAILED
    assert "moderation stage" in extract.error
    assert not [p for p in casefiles_env.rglob("*") if p.is_file()]


def test_confirming_a_held_import_after_the_stage_moved_on_is_refused(inspection, people):
    from tests.casefiles.test_validation import HEADER, ROWS

    held = run(
        inspection,
        people,
        (HEADER + "\n".join(ROWS) + "\n").encode(),
        "canonical",
        hold_for_confirmation=True,
    )
    assert held.status == ExtractStatus.NEEDS_CONFIRMATION
    inspection.status = Status.MODERATION
    inspection.save()
    with pytest.raises(services.ImportRefused, match="moderation stage"):
        services.extract_confirm(extract=held, user=people["lead"])
    held.refresh_from_db()
    assert held.status == ExtractStatus.NEEDS_CONFIRMATION
