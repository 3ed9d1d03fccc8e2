"""The real police.uk street file (City of London, January 2019) with its built-in profile."""

from pathlib import Path

import polars as pl
import pytest

from cpinspect.casefiles import profiles, readers, validation
from cpinspect.casefiles.models import ExtractStatus
from cpinspect.registry.models import Council, Force
from tests.casefiles.conftest import report_of  # noqa: E402
from tests.fixtures import programme_manager

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
        programme_manager(),
        programme=programme,
        kind=InspectionType.CHILD_PROTECTION,
        force=city,
        fieldwork_starts_on=date(2026, 11, 2),
    )
    services.team_member_add(
        programme_manager(), inspection=inspection, person=people["lead"], role=TeamRole.LEAD
    )
    return inspection


# London boroughs of the file's LSOA names, by their ONS codes (written out here, apart
# from the ONS lookup the import uses)
BOROUGHS = {
    "City of London": "E09000001",
    "Tower Hamlets": "E09000030",
    "Islington": "E09000019",
    "Camden": "E09000007",
    "Hackney": "E09000012",
    "Westminster": "E09000033",
    "Redbridge": "E09000026",
}


def _expected_frame_councils() -> dict:
    """Councils of the rows the import should accept, computed from the file with the
    standard library: not anti-social behaviour, each Crime ID's first row."""
    import csv
    from collections import Counter

    with STREET.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    seen, councils = set(), Counter()
    for row in rows:
        if row["Crime type"] == "Anti-social behaviour" or row["Crime ID"] in seen:
            continue
        seen.add(row["Crime ID"])
        name = row["LSOA name"]
        councils[BOROUGHS[name.rsplit(" ", 1)[0]] if name else "not given"] += 1
    return dict(councils)


@pytest.mark.skipif(not STREET.exists(), reason="shared police.uk file not present")
def test_street_file_imports_with_exact_counts(city_inspection, people):
    from cpinspect.casefiles import services

    extract = services.extract_import(
        inspection=city_inspection,
        user=people["lead"],
        data=STREET.read_bytes(),
        profile_name="police-uk-street",
        via="cli",
        file_name=STREET.name,
    )
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert extract.file_name == "2019-01-city-of-london-street.csv"
    assert extract.rows_read == 617
    # 93 anti-social behaviour rows (blank Crime ID) are out of scope, not rejected; the
    # 4 repeated Crime IDs are the only rejections
    assert extract.rows_out_of_scope == 93
    assert extract.rows_rejected == 4
    assert extract.rows_accepted == 520
    assert extract.rows_accepted + extract.rows_rejected + extract.rows_out_of_scope == 617
    assert [(o["rows"], o["first_line"]) for o in extract.out_of_scope] == [(93, 2)]
    assert "anti-social behaviour" in extract.out_of_scope[0]["reason"]
    assert {p["line"] for p in report_of(extract) if p["problem"] == "duplicate_reference"} == {
        172,
        410,
        487,
        618,
    }
    councils = _expected_frame_councils()
    assert sum(councils.values()) == 520
    outside = sum(n for code, n in councils.items() if code not in ("E09000001", "not given"))
    assert outside == 28
    assert extract.problem_counts == {"duplicate_reference": 4, "council_outside_force": outside}
    assert extract.rows_warned == outside
    summary = extract.summary
    assert summary.total == 520
    assert summary.by_council == councils
    assert summary.by_month == {"2019-01": 520}
    assert summary.by_category == {"vulnerability_and_risk": 520}
    frame = pl.read_parquet(extract.frame_path)
    assert frame["attr_crime_type"].value_counts().height == 13  # kept: 13 recorded crime types
    assert [c for c in frame.columns if c.startswith("attr_")] == ["attr_crime_type"]
    assert extract.columns_kept == ["Crime type"]
    assert extract.columns_dropped == [
        "Longitude",
        "Latitude",
        "Location",
        "LSOA code",
        "Context",
    ]


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
    # every row without a Crime ID is anti-social behaviour: out of scope, not rejected
    assert checked.out_of_scope_lines["_line"].to_list() == asb
    assert "missing_reference" not in checked.problems["problem"].to_list()


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
    # a crime listed twice is one case: its latest row (the last) is kept, the other is an
    # earlier outcome, out of scope and not a rejection
    assert (extract.rows_accepted, extract.rows_rejected, extract.rows_out_of_scope) == (2, 0, 1)
    assert extract.problem_counts == {}
    frame = pl.read_parquet(extract.frame_path)
    assert sorted(frame["outcome"].to_list()) == ["Court result unavailable", "Local resolution"]


STOP_AND_SEARCH = Path(
    "/work/shared/data/police_uk/2016-11-city-of-london-stop-and-search.EXCERPT_first20rows.csv"
)


@pytest.mark.skipif(not STOP_AND_SEARCH.exists(), reason="shared police.uk file not present")
def test_the_real_stop_and_search_excerpt(city_inspection, people, tmp_path):
    """No built-in profile fits it (it has no Crime ID); a force's own profile takes it, with
    adults out of scope, as counted here from the file."""
    import csv

    from cpinspect.casefiles import services
    from tests.casefiles.conftest import stop_and_search_profile

    data = STOP_AND_SEARCH.read_bytes()
    street = services.extract_import(
        inspection=city_inspection,
        user=people["lead"],
        data=data,
        profile_name="police-uk-street",
        via="cli",
    )
    assert street.status == ExtractStatus.FAILED
    assert "None of the built-in profiles fits it" in street.error
    with STOP_AND_SEARCH.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    adults = sum(1 for r in rows if r["Age range"] in ("18-24", "25-34", "over 34"))
    extract = services.extract_import(
        inspection=city_inspection,
        user=people["lead"],
        data=data,
        profile_name=stop_and_search_profile(tmp_path),
        via="cli",
        accept_rejections=True,
    )
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert extract.rows_read == len(rows) == 20
    assert extract.rows_out_of_scope == adults
    assert extract.rows_accepted + extract.rows_rejected == 20 - adults
    assert extract.summary.by_month == {"2016-11": extract.rows_accepted}
