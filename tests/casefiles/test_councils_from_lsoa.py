"""Councils from police.uk LSOA names: the district lookup, checked against the ONS files it
comes from, and in use (out-of-area rows are warnings, rows with no LSOA are "not given")."""

import csv
from pathlib import Path

import polars as pl
import pytest

from cpinspect.casefiles import lsoa, services
from cpinspect.casefiles.models import ExtractStatus
from cpinspect.registry.reference_data import read_reference_data
from tests.casefiles import police_uk
from tests.casefiles.conftest import TODAY, force_inspection, report_of

ONS = Path("/work/shared/data/ons_lookups")
needs_ons = pytest.mark.skipif(not ONS.exists(), reason="shared ONS lookups not present")


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_2023_district_name_gives_its_upper_tier_council():
    rows = _rows(lsoa.DATA_DIR / lsoa.COUNCILS_FILE)
    names = [f"{r['LTLA23NM'].split(', ')[0]} 001A" for r in rows]
    got = lsoa.councils_of(pl.Series(names)).to_list()
    assert got == [r["UTLA23CD"] for r in rows]


@needs_ons
def test_the_successor_table_agrees_with_the_ons_files():
    """Each abolished district: in the 2017 or 2019 ONS district file under that code and
    name, absent from the 2023 one; its successor is a 2023 district; and the successor's
    council lies in the same police force area as the old district."""
    old = {}
    for name, code_col, name_col, force_col in [
        ("LAD17_CSP17_PFA17_lookup_EW_Jan2017_v2.csv", "LAD17CD", "LAD17NM", "PFA17CD"),
        ("LAD19_CSP19_PFA19_lookup_EW_Dec2019.csv", "LAD19CD", "LAD19NM", "PFA19CD"),
    ]:
        for row in _rows(ONS / name):
            old[row[name_col]] = (row[code_col], row[force_col])
    current = {r["LTLA23CD"]: r for r in _rows(lsoa.DATA_DIR / lsoa.COUNCILS_FILE)}
    current_names = {r["LTLA23NM"] for r in current.values()}
    council_force = {c.code: c.force_code for c in read_reference_data().councils.values()}
    successors = _rows(lsoa.DATA_DIR / lsoa.SUCCESSORS_FILE)
    assert len(successors) == 43
    for row in successors:
        code, force = old[row["district_name"]]
        assert code == row["district_code"], row
        assert row["district_name"] not in current_names, row
        successor = current[row["successor_code"]]
        assert successor["LTLA23NM"] == row["successor_name"], row
        assert council_force[successor["UTLA23CD"]] == force, row
    # and no district of 2017 or 2019 is left without a council
    missing = [n for n in old if lsoa.councils_of(pl.Series([f"{n} 001A"]))[0] is None]
    assert missing == []


@pytest.mark.parametrize(
    "name,council",
    [
        ("Basildon 012A", "E10000012"),  # a district of Essex
        ("Bristol 023B", "E06000023"),  # "Bristol, City of"
        ("Kingston upon Hull 001A", "E06000010"),
        ("Herefordshire 004C", "E06000019"),
        ("Taunton Deane 003B", "E06000066"),  # abolished 2019, in Somerset
        ("Aylesbury Vale 010D", "E06000060"),  # abolished 2020, in Buckinghamshire
        ("Shepway 014E", "E10000016"),  # renamed Folkestone and Hythe, in Kent
        ("Rhondda Cynon Taf 010C", "W06000016"),
        ("  City of London 001A ", "E09000001"),
        ("Basildon", None),  # not an LSOA name
        ("Basildon 12A", None),
        ("Atlantis 001A", None),
        (None, None),
    ],
)
def test_lsoa_names(name, council):
    assert lsoa.councils_of(pl.Series([name], dtype=pl.String)).to_list() == [council]


@pytest.mark.django_db
def test_out_of_area_rows_are_warnings_counted_as_an_independent_count_says(
    programme, people, reference
):
    from cpinspect.registry.reference_data import load

    load()
    from cpinspect.registry.models import Force

    avon = force_inspection(programme, people, Force.objects.get(name="Avon and Somerset"))
    outside = ["Basildon", "Croydon", "Harrow", "Cardiff", "Aylesbury Vale"]
    made = police_uk.street_file(
        force="Avon and Somerset Constabulary", rows=400, seed=71, outside=outside
    )
    made.rows[50]["LSOA name"] = "Atlantis 001A"
    extract = services.extract_import(
        inspection=avon,
        user=people["lead"],
        data=made.csv(),
        profile_name="police-uk-street",
        via="cli",
        today=TODAY,
    )
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    # counted here from the file: rows in scope, by the district their LSOA name starts with
    in_scope = [r for r in made.rows if r["Crime type"] != "Anti-social behaviour"]
    districts = [r["LSOA name"].rsplit(" ", 1)[0] for r in in_scope]
    own = set(police_uk.FORCE_DISTRICTS["Avon and Somerset Constabulary"])
    assert extract.problem_counts["council_outside_force"] == sum(d in outside for d in districts)
    assert extract.problem_counts["unknown_lsoa"] == 1
    assert extract.rows_warned == sum(bool(d) and d not in own for d in districts)
    assert extract.summary.by_council["not given"] == districts.count("") + 1
    warned = {r["found"] for r in report_of(extract) if r["problem"] == "council_outside_force"}
    assert {w.rsplit(" ", 1)[0] for w in warned} == set(outside)
    kinds = {k["problem"]: k for k in extract.problem_kinds}
    assert kinds["council_outside_force"]["column"] == "LSOA name"
    assert kinds["council_outside_force"]["severity"] == "warning"
