"""The real police.uk street file (City of London, January 2019) with its built-in profile."""

from pathlib import Path

import polars as pl
import pytest

from cpinspect.casefiles import profiles, readers, validation
from cpinspect.casefiles.models import ExtractStatus
from cpinspect.registry.models import Council, Force

pytestmark = pytest.mark.django_db
STREET = Path("/work/shared/data/police_uk/2019-01-city-of-london-street.csv")


@pytest.fixture
def city_inspection(programme, people):
    from datetime import date

    from cpinspect.programmes import services
    from cpinspect.programmes.models import InspectionType, TeamRole

    city = Force.objects.create(code="E23000034", name="City of London", country="england")
    Council.objects.create(code="E09000001", name="City of London", country="england", force=city)
    inspection = services.inspection_create(
        programme=programme,
        kind=InspectionType.CHILD_PROTECTION,
        force=city,
        fieldwork_starts_on=date(2026, 11, 2),
    )
    services.team_member_add(inspection=inspection, user=people["lead"], role=TeamRole.LEAD)
    return inspection


@pytest.mark.skipif(not STREET.exists(), reason="shared police.uk file not present")
def test_street_file_imports_with_exact_counts(city_inspection, people):
    from cpinspect.casefiles import services

    extract = services.extract_import(
        inspection=city_inspection,
        user=people["lead"],
        data=STREET.read_bytes(),
        profile_name="police-uk-street",
        via="cli",
    )
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert extract.rows_read == 617
    assert extract.rows_rejected == 97
    assert extract.rows_accepted == 520
    # 93 anti-social behaviour rows (blank Crime ID) are out of scope; 4 Crime IDs repeat
    assert extract.problem_counts == {"missing_reference": 93, "duplicate_reference": 4}
    assert {p["line"] for p in extract.report if p["problem"] == "duplicate_reference"} == {
        172,
        410,
        487,
        618,
    }
    assert all(
        "out of scope" in p["expected"]
        for p in extract.report[:93]
        if p["problem"] == "missing_reference"
    )
    summary = extract.summary
    assert summary.total == 520
    assert summary.by_month == {"2019-01": 520}
    assert summary.by_category == {"vulnerability_and_risk": 520}
    frame = pl.read_parquet(extract.frame_path)
    assert frame["attr_crime_type"].value_counts().height == 13  # kept: 13 recorded crime types
    assert "attr_lsoa_code" in frame.columns
    assert not {"attr_location", "attr_longitude", "attr_latitude"} & set(frame.columns)


@pytest.mark.skipif(not STREET.exists(), reason="shared police.uk file not present")
def test_street_crime_types_match_the_file():
    import csv
    import datetime as dt

    profile = profiles.get_profile("police-uk-street")
    loaded = readers.read_extract(STREET.read_bytes(), profile)
    checked = validation.check(
        loaded.table, profile, council_codes=set(), today=dt.date(2026, 1, 1)
    )
    with STREET.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    asb = [i + 2 for i, r in enumerate(rows) if not r["Crime ID"]]
    assert len(asb) == 93
    assert all(rows[line - 2]["Crime type"] == "Anti-social behaviour" for line in asb)
    assert sorted(p["line"] for p in checked.problems if p["problem"] == "missing_reference") == asb


def test_outcomes_profile_reads_an_outcomes_file(city_inspection, people):
    from cpinspect.casefiles import services

    ids = ["a" * 64, "b" * 64]
    data = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Outcome type\n"
        f"{ids[0]},2019-01,City of London Police,City of London Police,,,No location,,,"
        "Offender fined\n"
        f"{ids[1]},2019-01,City of London Police,City of London Police,,,No location,,,"
        "Local resolution\n"
        f"{ids[0]},2019-01,City of London Police,City of London Police,,,No location,,,"
        "Court result unavailable\n"
    ).encode()
    extract = services.extract_import(
        inspection=city_inspection,
        user=people["lead"],
        data=data,
        profile_name="police-uk-outcomes",
        via="cli",
        accept_rejections=True,
    )
    assert (extract.rows_accepted, extract.rows_rejected) == (2, 1)
    assert extract.problem_counts == {"duplicate_reference": 1}
