"""A reference reaches only the reference column: whatever a file holds, wherever it holds it,
no raw reference (nor its first 12 characters) is echoed in a report, kept in the frame
outside the pseudonym, written to the database (its history included), a log or an error.

The files are police.uk-shaped (``police_uk.py``); after every hostile variant the whole
database is dumped (COPY of every table) and searched.
"""

import random

import polars as pl
import pytest

from cpinspect.casefiles import services
from cpinspect.casefiles.models import Extract, ExtractStatus
from cpinspect.casefiles.redaction import WITHHELD, ReferenceGuard
from tests.casefiles import police_uk
from tests.casefiles.conftest import TODAY, force_inspection, report_of
from tests.casefiles.dump import leaks_in_database, leaks_in_files, leaks_in_text, needles

pytestmark = pytest.mark.django_db
CRIME_ID = police_uk.crime_id(1, 1)


@pytest.mark.parametrize(
    "value,withheld",
    [
        ("2019-01", False),
        ("2025-02-30", False),
        ("12/01/2026", False),
        ("05.01.2026", False),
        ("31 Jan 2026", False),
        ("2016-11-01T00:10:00+00:00", False),
        ("10:30:00", False),
        ("E10000016", False),  # an ONS council code
        ("Basildon 012A", False),  # an LSOA name
        ("Violence and sexual offences", False),
        ("twelve", False),
        ("18", False),
        ("Investigation complete; no suspect identified", False),
        (CRIME_ID, True),
        (CRIME_ID[:60], True),  # what a 60-character echo held
        (CRIME_ID[:12], True),
        ("ESX-0001", True),
        ("42/12345/19", True),
        ("12/3456/19", True),  # digits and slashes, but no date
        ("CR/2019/001234", True),
        ("see ESX-0001 too", True),
        ("Q1-2019", True),
    ],
)
def test_the_shape_rule(value, withheld):
    guard = ReferenceGuard()
    assert guard.is_unsafe(value) is withheld
    assert guard.text(value) == (WITHHELD if withheld else value)


def test_values_of_the_reference_column_are_withheld_whatever_their_shape():
    # references that look like words or dates: only the file's own column tells
    guard = ReferenceGuard(pl.Series(["Zebrafinch", "Kestrelmoor", "2019-03", "AB12"]))
    shown = guard.shown(
        pl.Series(
            [
                "Zebrafinch",  # a reference
                "the Kestrelmoor case",  # one of its words is one
                "2019-03",  # a date, but a reference of this file
                "AB12",  # short, and a reference
                "Kestrelm",  # the first 8 characters of one
                "xKestrelmoorx",  # a run of 8 that starts one
                "Zebra",  # not a reference
                None,
            ]
        )
    ).to_list()
    assert shown == [WITHHELD] * 6 + ["Zebra", None]


def test_file_names():
    guard = ReferenceGuard(pl.Series(["ESX-0001", CRIME_ID]))
    assert guard.file_name("2019-01-kent-street.csv") == "2019-01-kent-street.csv"
    assert guard.file_name("Kent cases (final).xlsx") == "Kent cases (final).xlsx"
    assert "not kept" in guard.file_name("ESX-0001.csv")
    assert "not kept" in guard.file_name(f"crime {CRIME_ID[:20]}.csv")


# --- hostile files -----------------------------------------------------------------------


def swapped(header, a, b):
    header = list(header)
    i, j = header.index(a), header.index(b)
    header[i], header[j] = header[j], header[i]
    return header


def street_variants():
    made = police_uk.street_file(force="Kent Police", rows=150, seed=31, outside=["Croydon"])
    columns = made.columns
    yield "as published", made, made.csv()
    for other in columns[1:]:
        yield f"Crime ID <-> {other}", made, made.csv(header=swapped(columns, "Crime ID", other))
    rng = random.Random(5)
    for n in range(8):
        header = list(columns)
        rng.shuffle(header)
        yield f"header shuffled {n}", made, made.csv(header=header)
    lines = made.csv().decode().splitlines(keepends=True)
    yield "no header line", made, "".join(lines[1:]).encode()
    yield (
        "byte order mark, swapped",
        made,
        b"\xef\xbb\xbf" + made.csv(header=swapped(columns, "Crime ID", "Month")),
    )
    yield (
        "Windows-1252, swapped",
        made,
        made.csv(header=swapped(columns, "Crime ID", "Crime type"), encoding="cp1252"),
    )
    yield (
        "semicolons, swapped",
        made,
        made.csv(header=swapped(columns, "Crime ID", "LSOA name"), delimiter=";"),
    )
    yield "ragged", made, "".join([*lines[:5], lines[5].rstrip("\n") + ",extra\n", *lines[6:]])
    yield "unterminated quote", made, "".join([*lines[:7], '"' + lines[7], *lines[8:]])
    yield "header only", made, lines[0].encode()
    yield "empty", made, b""
    yield (
        "a header name is a Crime ID",
        made,
        made.csv(header=[*columns[:-1], made.crime_ids[3] or CRIME_ID]),
    )


def _as_bytes(data):
    return data if isinstance(data, bytes) else data.encode()


def hostile_rows():
    """Crime IDs where no reference belongs: in the outcome, the LSOA name, the force."""
    made = police_uk.street_file(
        force="Kent Police", rows=100, seed=32, asb_share=0, no_lsoa_share=0
    )
    ids = [r["Crime ID"] for r in made.rows]
    for i, row in enumerate(made.rows[:30]):
        other = ids[(i + 1) % len(ids)]
        if i % 3 == 0:
            row["Last outcome category"] = f"Linked to {other}"
        elif i % 3 == 1:
            row["LSOA name"] = other
        else:
            row["Location"] = f"On or near {other}"
    yield "Crime IDs in other columns", made, made.csv()
    forced = police_uk.street_file(force="Kent Police", rows=60, seed=33, asb_share=0)
    forced.rows[4]["Reported by"] = forced.rows[9]["Crime ID"]
    yield "a Crime ID as the force", forced, forced.csv()


def outcomes_variants():
    made = police_uk.outcomes_file(force="Kent Police", crimes=80, seed=34)
    for other in made.columns[1:]:
        yield (
            f"outcomes: Crime ID <-> {other}",
            made,
            made.csv(header=swapped(made.columns, "Crime ID", other)),
        )


VARIANTS = [
    *[("police-uk-street", *v) for v in street_variants()],
    *[("police-uk-street", *v) for v in hostile_rows()],
    *[("police-uk-outcomes", *v) for v in outcomes_variants()],
]


@pytest.fixture
def kent(programme, people, reference):
    return force_inspection(programme, people, reference["kent"])


def test_no_hostile_variant_leaves_a_reference_anywhere(kent, people, caplog, casefiles_env):
    """Every variant imported both ways (command line: refused; web: held for confirmation);
    the whole database dumped and searched after each."""
    caplog.set_level("DEBUG")
    outcomes = {}
    for number, (profile, name, made, data) in enumerate(VARIANTS):
        for hold in (False, True):
            extract = services.extract_import(
                inspection=kent,
                user=people["lead"],
                data=_as_bytes(data),
                profile_name=profile,
                via="cli",
                hold_for_confirmation=hold,
                file_name=f"variant-{number}.csv",
            )
            outcomes[(name, hold)] = extract.status
            leaks = leaks_in_database(made.references)
            assert leaks == [], (name, hold, extract.status, leaks[:3])
            assert leaks_in_text(extract.error, made.references) == [], name
            assert leaks_in_text(str(report_of(extract)), made.references) == [], name
        assert leaks_in_text(caplog.text, made.references) == [], name
    # the variants were read, not all refused at the door: the search had things to search
    assert outcomes[("as published", False)] == ExtractStatus.IMPORTED
    assert outcomes[("Crime IDs in other columns", False)] == ExtractStatus.IMPORTED
    assert Extract.objects.filter(status=ExtractStatus.FAILED).count() >= 10
    assert Extract.objects.exclude(problem_kinds=[]).count() >= 6
    all_refs = set().union(*(v[2].references for v in VARIANTS))
    assert leaks_in_files(casefiles_env, all_refs) == []
    for frame_file in casefiles_env.rglob("*.parquet"):
        frame = pl.read_parquet(frame_file)
        for column, dtype in frame.schema.items():
            if dtype == pl.String and column != "pseudonym":
                values = "\n".join(v for v in frame[column].to_list() if v)
                assert leaks_in_text(values, all_refs) == [], (frame_file.name, column)


def test_the_search_finds_what_is_there(kent, people):
    """A control: the same search does find a value the import keeps on purpose."""
    made = police_uk.street_file(force="Kent Police", rows=40, seed=35)
    services.extract_import(
        inspection=kent,
        user=people["lead"],
        data=made.csv(),
        profile_name="police-uk-street",
        via="cli",
        file_name="kent-jan.csv",
    )
    assert leaks_in_database({"kent-jan.csv"}) != []
    assert needles({CRIME_ID}) == {CRIME_ID, CRIME_ID[:12]}


def test_references_in_other_columns_are_withheld_and_reported(kent, people):
    profile, name, made, data = next(v for v in VARIANTS if v[1] == "Crime IDs in other columns")
    extract = services.extract_import(
        inspection=kent, user=people["lead"], data=data, profile_name=profile, via="cli"
    )
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    counts = extract.problem_counts
    assert counts["value_withheld"] == 10  # the outcomes holding another row's Crime ID
    assert counts["unknown_lsoa"] == 10  # LSOA names that were Crime IDs
    frame = pl.read_parquet(extract.frame_path)
    assert frame["outcome"].null_count() == 10
    assert frame["council_code"].null_count() == 10
    rows = [r for r in report_of(extract) if r["problem"] in ("value_withheld", "unknown_lsoa")]
    assert {r["found"] for r in rows} == {WITHHELD}
    assert {r["column"] for r in rows} == {"Last outcome category", "LSOA name"}


def test_a_file_without_its_header_line_is_refused_without_echoing_it(inspection, people):
    refs = [f"ESX/{i:06d}/26" for i in range(20)]
    data = "".join(f"{ref},2026-01-05,cse\n" for ref in refs).encode()  # no header line
    extract = services.extract_import(
        inspection=inspection, user=people["lead"], data=data, profile_name="canonical"
    )
    assert extract.status == ExtractStatus.FAILED
    assert "The file has no column 'recorded_on'" in extract.error
    # the first row, read as the header: its reference is not shown, its date and category are
    assert f"'{WITHHELD}', '2026-01-05', 'cse'" in extract.error
    assert leaks_in_database(set(refs)) == []


def test_short_word_references_are_caught_by_the_reference_column(inspection, people):
    """References with no digit pass the shape rule; the file's own column catches them."""
    refs = ["Zebrafinch", "Kestrelmoor", "Wagtailfen", "Ploverdale"]
    lines = ["case_ref,recorded_on,category,outcome"]
    for i, ref in enumerate(refs):
        lines.append(f"{ref},2026-01-0{i + 1},{refs[(i + 1) % 4]},about {refs[(i + 2) % 4]}")
    extract = services.extract_import(
        inspection=inspection,
        user=people["lead"],
        data=("\n".join(lines) + "\n").encode(),
        profile_name="canonical",
        via="cli",
        accept_rejections=True,
        today=TODAY,
    )
    assert extract.problem_counts == {"unknown_category": 4, "value_withheld": 4}
    assert {r["found"] for r in report_of(extract)} == {WITHHELD}
    assert leaks_in_database(set(refs)) == []
