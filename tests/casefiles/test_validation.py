"""Every validation class, reported with line, field, found and expected; nothing lost."""

import polars as pl
import pytest

from cpinspect.casefiles.models import ExtractStatus
from tests.casefiles.conftest import report_of  # noqa: E402

pytestmark = pytest.mark.django_db

HEADER = "case_ref,recorded_on,category,child_age,council_code,outcome,team\n"
ROWS = [
    "ESX-0001,2026-01-05,vulnerability and risk,7,E06000034,nfa,North",  # line 2: fine
    "ESX-0002,2026-01-06,Domestic abuse where children live,,E10000012,,South",  # 3: fine
    ",2026-01-07,online abuse,3,,,North",  # 4: missing reference
    "ESX-0001,2026-01-08,online abuse,3,,,North",  # 5: duplicate of line 2
    "ESX-0005,2025-02-30,online abuse,3,,,North",  # 6: no such day
    "ESX-0006,31 Jan 2026,online abuse,3,,,North",  # 7: not in a known format
    "ESX-0007,2099-01-01,online abuse,3,,,North",  # 8: in the future
    "ESX-0008,,online abuse,3,,,North",  # 9: no date
    "ESX-0009,2026-01-09,burglary,3,,,North",  # 10: unknown category
    "ESX-0010,2026-01-10,cse,18,,,North",  # 11: age out of range
    "ESX-0011,2026-01-11,custody,twelve,,,North",  # 12: age not a number
    "ESX-0012,2026-01-12,missing and absent children,15,E10000016,,North",  # 13: Kent: warning
    "ESX-0013,12/01/2026,rso_management,,e06000034,,North",  # 14: fine (second date format)
]
EXPECTED = {
    (4, "case_ref", "missing_reference"),
    (5, "case_ref", "duplicate_reference"),
    (6, "recorded_on", "invalid_date"),
    (7, "recorded_on", "invalid_date"),
    (8, "recorded_on", "impossible_date"),
    (9, "recorded_on", "missing_date"),
    (10, "category", "unknown_category"),
    (11, "child_age", "age_out_of_range"),
    (12, "child_age", "age_out_of_range"),
    (13, "council_code", "council_outside_force"),
}


def test_every_problem_class_is_reported(import_csv):
    extract = import_csv((HEADER + "\n".join(ROWS) + "\n").encode(), accept_rejections=True)
    assert extract.status == ExtractStatus.IMPORTED
    got = {(p["line"], p["field"], p["problem"]) for p in report_of(extract)}
    assert got == EXPECTED
    assert extract.rows_read == 13
    assert extract.rows_rejected == 9
    assert extract.rows_warned == 1
    assert extract.rows_accepted == 4  # lines 2, 3, 13 (warning) and 14
    assert extract.rows_accepted + extract.rows_rejected == extract.rows_read
    by_line = {p["line"]: p for p in report_of(extract)}
    assert by_line[5]["found"] == "the same reference as line 2"
    assert by_line[6]["found"] == "2025-02-30"
    assert by_line[10]["found"] == "burglary"
    assert by_line[11]["found"] == "18" and "0 to 17" in by_line[11]["expected"]
    assert by_line[13]["severity"] == "warning"
    # no raw reference anywhere in the report
    text = str(report_of(extract))
    for row in ROWS:
        ref = row.split(",")[0]
        if ref:
            assert ref not in text
    # the extra column is not named by the profile: dropped, and listed as dropped
    frame = pl.read_parquet(extract.frame_path)
    assert "attr_team" not in frame.columns
    assert extract.columns_dropped == ["team"] and extract.columns_kept == []
    assert sorted(frame["council_code"].drop_nulls().to_list()) == [
        "E06000034",
        "E06000034",
        "E10000012",
        "E10000016",
    ]


def test_too_many_rejections_stop_the_import(import_csv):
    extract = import_csv((HEADER + "\n".join(ROWS) + "\n").encode())
    assert extract.status == ExtractStatus.REFUSED
    assert extract.frame_path == ""
    assert len(report_of(extract)) == len(EXPECTED)  # the report is kept to act on


def test_web_style_import_waits_for_confirmation(import_csv, people):
    from cpinspect.casefiles import services

    extract = import_csv((HEADER + "\n".join(ROWS) + "\n").encode(), hold_for_confirmation=True)
    assert extract.status == ExtractStatus.NEEDS_CONFIRMATION
    services.extract_confirm(extract=extract, user=people["lead"])
    assert extract.status == ExtractStatus.IMPORTED


def test_share_is_configurable(import_csv, monkeypatch):
    monkeypatch.setenv("CPINSPECT_MAX_REJECT_SHARE", "0.9")
    extract = import_csv((HEADER + "\n".join(ROWS) + "\n").encode())
    assert extract.status == ExtractStatus.IMPORTED


def test_derived_references(import_csv, tmp_path):
    profile = tmp_path / "derive.yaml"
    profile.write_text(
        "name: derive\nmissing_reference: derive\nderive_reference_from: [recorded_on, team]\n"
    )
    data = HEADER + "\n".join(
        [
            ",2026-01-05,online abuse,3,,,North",
            ",2026-01-05,online abuse,3,,,South",
            ",2026-01-05,online abuse,3,,,South",  # same fields: same derived reference
        ]
    )
    extract = import_csv(data.encode(), profile=str(profile), accept_rejections=True)
    assert extract.rows_accepted == 2
    assert [p["problem"] for p in report_of(extract)] == ["duplicate_reference"]


def test_every_row_rejected_but_accepted_gives_an_empty_frame(import_csv, people):
    from cpinspect.casefiles import sampling, services
    from cpinspect.casefiles.models import Sample

    data = HEADER + ",2026-01-07,online abuse,3,,,North\nX1,2026-01-07,nonsense,3,,,North\n"
    extract = import_csv(data.encode(), accept_rejections=True)
    assert extract.status == ExtractStatus.IMPORTED
    assert (extract.rows_accepted, extract.rows_rejected) == (0, 2)
    assert extract.summary.total == 0
    # a sample of nothing is refused rather than stored (issue 15: it hid the draw form)
    with pytest.raises(services.SampleRefused, match="No case in the frame is left"):
        services.sample_draw(extract=extract, user=people["lead"], design=sampling.Design(), seed=1)
    assert not Sample.objects.filter(extract=extract).exists()


def test_duplicates_by_hash_then_exactly(monkeypatch):
    from cpinspect.casefiles import validation

    def dup(values):
        refs = pl.Series("_ref", values, dtype=pl.String)
        flags = refs.to_frame().with_columns(validation._duplicates(refs).alias("d"))
        return flags["d"].to_list()

    assert dup(["A", "B", None, "A", None, "C"]) == [False, False, False, True, False, False]
    assert dup(["A", None, "B", None]) == [False] * 4  # missing is not duplicate
    # every hash equal (as in a collision): the references themselves decide
    monkeypatch.setattr(pl.Series, "hash", lambda self, *a, **k: pl.Series([0] * self.len()))
    assert dup(["A", "B", "C"]) == [False] * 3
    assert dup(["A", "B", "A"]) == [False, False, True]
