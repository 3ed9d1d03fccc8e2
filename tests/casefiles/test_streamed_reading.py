"""Reading a file without holding it (ADR 0022): a CSV file read block by block gives exactly
what one read of the whole file gives (rows, line numbers, errors); workbooks are refused
for their unpacked size, declared rows or header before their rows are read; every format
has a row limit; an import has a time limit, and stops cleanly at it."""

import dataclasses
import io
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest

from cpinspect.casefiles import deadline, profiles, readers
from cpinspect.casefiles.models import Extract, ExtractStatus, FrameSummary
from cpinspect.casefiles.readers import ExtractFileError
from tests.casefiles.conftest import synthetic_csv

CANONICAL = profiles.get_profile("canonical")
HEADER = "case_ref,recorded_on,category,child_age,council_code,outcome\n"
ROW = "SYN/2026/{:07d},2026-03-0{},Child sexual abuse,{},E06000034,charged\n"


def _rows(count: int, start: int = 0) -> str:
    return "".join(ROW.format(i, 1 + i % 9, i % 18) for i in range(start, start + count))


QUOTED = (
    HEADER
    + _rows(40)
    + 'SYN/2026/9000001,2026-03-01,Child sexual abuse,4,E06000034,"two\nlines, ""quoted"""\n'
    + "\n"  # a blank line
    + _rows(40, 100)
    + 'SYN/2026/9000002,2026-03-01,Child sexual abuse,5,E06000034,"a\n\n\nlong one"\n'
    + _rows(40, 200)
)
SHORT_LATE = HEADER + _rows(120) + "SYN/2026/8000001,2026-03-01,Neglect\n" + _rows(5, 300)
LONG_LATE = HEADER + _rows(120) + "SYN/2026/8000001,2026-03-01,Neglect,4,E06000034,x,y\n"
BLOCKS = [7, 64, 1000]


def _read(data: bytes, profile=CANONICAL, block=None, monkeypatch=None):
    if block is not None:
        monkeypatch.setattr(readers, "CSV_BLOCK", block)
    return readers.read_extract(data, profile)


def _outcome(data, profile=CANONICAL, block=None, monkeypatch=None):
    try:
        loaded = _read(data, profile, block, monkeypatch)
    except ExtractFileError as error:
        return "error", str(error)
    return "table", loaded.table, loaded.encoding, loaded.delimiter, loaded.columns


@pytest.mark.parametrize(
    "name,data",
    [
        ("plain", synthetic_csv(500).decode()),
        ("quoted line breaks and a blank line", QUOTED),
        ("a short row in a late block", SHORT_LATE),
        ("a long row in a late block", LONG_LATE),
        ("semicolons", (HEADER + _rows(50)).replace(",", ";")),
    ],
)
@pytest.mark.parametrize("block", BLOCKS)
def test_blocks_read_as_the_whole_file(monkeypatch, name, data, block):
    whole = _outcome(data.encode(), block=10**9, monkeypatch=monkeypatch)
    part = _outcome(data.encode(), block=block, monkeypatch=monkeypatch)
    assert part[0] == whole[0]
    if whole[0] == "error":
        assert part == whole
    else:
        assert part[1].equals(whole[1]) and part[2:] == whole[2:]


def _same(monkeypatch, data: bytes, block: int, profile=CANONICAL):
    whole = _read(data, profile, 10**9, monkeypatch)
    part = _read(data, profile, block, monkeypatch)
    assert part.table.equals(whole.table)
    assert (part.encoding, part.delimiter, part.columns) == (
        whole.encoding,
        whole.delimiter,
        whole.columns,
    )
    return part


@pytest.mark.parametrize("block", BLOCKS)
def test_line_numbers_count_records_across_blocks(monkeypatch, block):
    loaded = _same(monkeypatch, QUOTED.encode(), block)
    lines = loaded.table["_line"].to_list()
    assert lines[:41] == list(range(2, 43)) and lines[41] == 44  # the blank line is skipped
    assert loaded.table.height == 122
    assert loaded.table.filter(pl.col("case_ref") == "SYN/2026/9000001")["outcome"][0] == (
        'two\nlines, "quoted"'
    )


@pytest.mark.parametrize("block", BLOCKS)
def test_a_short_row_late_in_the_file_is_named_by_its_line(monkeypatch, block):
    with pytest.raises(ExtractFileError, match=r"^Line 122 has 3 fields but the header has 6"):
        _read(SHORT_LATE.encode(), block=block, monkeypatch=monkeypatch)


@pytest.mark.parametrize("block", BLOCKS)
def test_a_long_row_late_in_the_file_is_named_by_its_line(monkeypatch, block):
    with pytest.raises(ExtractFileError, match=r"^Line 122 has 7 fields but the header has 6"):
        _read(LONG_LATE.encode(), block=block, monkeypatch=monkeypatch)


@pytest.mark.parametrize("block", BLOCKS)
def test_an_8_bit_byte_in_a_late_block_makes_the_whole_file_cp1252(monkeypatch, block):
    text = HEADER + _rows(100) + "SYN/2026/7000001,2026-03-01,Neglect,4,E06000034,café €\n"
    loaded = _same(monkeypatch, text.encode("cp1252"), block)
    assert loaded.encoding == "cp1252"
    assert loaded.table["outcome"][-1] == "café €"


@pytest.mark.parametrize("block", BLOCKS)
def test_utf16_with_its_mark_is_read_across_blocks(monkeypatch, block):
    text = HEADER + _rows(60) + "SYN/2026/7000001,2026-03-01,Neglect,4,E06000034,Łódź\n"
    loaded = _same(monkeypatch, text.encode("utf-16"), block)
    assert loaded.encoding == "utf-16" and loaded.table["outcome"][-1] == "Łódź"


@pytest.mark.parametrize("block", BLOCKS)
def test_lines_skipped_before_the_header_may_hold_quotes(monkeypatch, block):
    profile = dataclasses.replace(CANONICAL, skip_rows=2)
    text = 'Extract of "cases\nrun 2026-10-01\n' + HEADER + _rows(80)
    loaded = _same(monkeypatch, text.encode(), block, profile)
    assert loaded.table["_line"][0] == 4 and loaded.table.height == 80


def test_a_quote_never_closed_is_refused_without_holding_the_rest(monkeypatch):
    monkeypatch.setattr(readers, "CSV_BLOCK", 256)
    monkeypatch.setattr(readers, "RECORD_MAX", 4096)
    text = HEADER + _rows(10) + 'SYN/2026/1,2026-03-01,Neglect,4,E06000034,"open\n' + _rows(500)
    with pytest.raises(ExtractFileError, match=r"^Line 12: a quote is opened but not closed"):
        _read(text.encode())


def test_columns_the_profile_does_not_know_are_not_kept(monkeypatch):
    text = HEADER.replace("\n", ",notes\n") + _rows(30).replace("\n", ",free text here\n")
    loaded = readers.read_extract(text.encode(), CANONICAL, on_header=lambda columns: columns[:6])
    assert "notes" in loaded.columns and "notes" not in loaded.table.columns


def test_a_field_too_long_in_a_dropped_column_is_still_refused(monkeypatch):
    monkeypatch.setenv("CPINSPECT_MAX_FIELD_BYTES", "100")
    text = HEADER.replace("\n", ",notes\n") + _rows(3).replace("\n", "," + "n" * 101 + "\n")
    with pytest.raises(ExtractFileError, match=r"^Line 2, column 'notes': a field of 101 bytes"):
        readers.read_extract(text.encode(), CANONICAL, on_header=lambda columns: columns[:6])


def test_a_csv_over_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setenv("CPINSPECT_MAX_ROWS", "100")
    monkeypatch.setattr(readers, "CSV_BLOCK", 1000)
    with pytest.raises(ExtractFileError) as refusal:
        readers.read_extract((HEADER + _rows(250)).encode(), CANONICAL)
    assert str(refusal.value).startswith("The file has more than 100 rows (counted up to line ")
    assert "CPINSPECT_MAX_ROWS" in str(refusal.value)
    readers.read_extract((HEADER + _rows(100)).encode(), CANONICAL)  # at the limit: taken


def test_a_parquet_file_over_the_row_limit_is_refused_from_its_footer(monkeypatch):
    monkeypatch.setenv("CPINSPECT_MAX_ROWS", "100")
    table = pl.read_csv((HEADER + _rows(101)).encode(), infer_schema=False)
    out = io.BytesIO()
    table.write_parquet(out)
    with pytest.raises(ExtractFileError, match=r"more than 100 rows \(its footer says 101\)"):
        readers.read_extract(out.getvalue(), CANONICAL)


# --- workbooks ----------------------------------------------------------------------------

SHEET_OPEN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _cells(values) -> bytes:
    return (
        b"<row>"
        + b"".join(b'<c t="inlineStr"><is><t>' + v.encode() + b"</t></is></c>" for v in values)
        + b"</row>"
    )


def _workbook(header, rows: int, *, dimension: bool) -> bytes:
    """An XLSX file whose sheet has ``rows`` identical rows (it compresses to little, as a
    zip bomb does), written without building the rows in memory."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    book.create_sheet("extract").append(["x"])
    template = io.BytesIO()
    book.save(template)
    source = zipfile.ZipFile(io.BytesIO(template.getvalue()))
    row = _cells(["SYN/2026/0000001", "2026-03-01", "Neglect", "4", "E06000034", "charged"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for part in source.infolist():
            if part.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(part, source.read(part))
                continue
            with archive.open(part.filename, "w") as sheet:
                sheet.write(SHEET_OPEN)
                if dimension:
                    sheet.write(f'<dimension ref="A1:F{rows + 1}"/>'.encode())
                sheet.write(b"<sheetData>" + _cells(header))
                for done in range(0, rows, 100_000):
                    sheet.write(row * min(100_000, rows - done))
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


GOOD_HEADER = HEADER.strip().split(",")


def _refused_quickly(data: bytes, profile=CANONICAL, **kwargs) -> str:
    started = time.perf_counter()
    with pytest.raises(ExtractFileError) as refusal:
        readers.read_extract(data, profile, **kwargs)
    seconds = time.perf_counter() - started
    assert seconds < 10, seconds  # reading the rows took minutes (issue 11: 259 s)
    return str(refusal.value)


def test_a_small_workbook_declaring_two_million_rows_is_refused_before_they_are_read():
    data = _workbook(GOOD_HEADER, 2_000_000, dimension=True)
    assert len(data) < 5_000_000  # a few MB that unpack to 500 MB (issue 11: 1 MB, 276 MB)
    message = _refused_quickly(data)
    assert message.startswith("The file has more than 1,000,000 rows (the sheet 'extract' ")
    assert "declares 2,000,001 rows in its dimension" in message


def test_a_workbook_that_unpacks_past_the_limit_is_refused_from_its_zip_directory(monkeypatch):
    monkeypatch.setenv("CPINSPECT_MAX_UNPACKED_BYTES", str(20 * 1024**2))
    data = _workbook(GOOD_HEADER, 300_000, dimension=False)
    message = _refused_quickly(data)
    assert message.startswith("The workbook unpacks to ")
    assert "its largest part, 'xl/worksheets/sheet1.xml'" in message
    assert "the largest accepted is 20,971,520 bytes (CPINSPECT_MAX_UNPACKED_BYTES)" in message


def test_a_workbook_with_a_wrong_header_is_refused_before_its_rows_are_read():
    header = ["reference", *GOOD_HEADER[1:]]
    data = _workbook(header, 2_000_000, dimension=False)  # no dimension to give it away
    seen = []

    def on_header(columns):
        seen.append(columns)
        raise ExtractFileError(f"no column 'case_ref' in {len(columns)} columns")

    message = _refused_quickly(data, on_header=on_header)
    assert message == "no column 'case_ref' in 6 columns" and seen == [header]


def test_a_workbook_without_a_dimension_is_counted_as_it_is_read(monkeypatch):
    monkeypatch.setenv("CPINSPECT_MAX_ROWS", "1000")
    message = _refused_quickly(_workbook(GOOD_HEADER, 5000, dimension=False))
    assert message.startswith("The file has more than 1,000 rows (counted up to row 1,002)")
    loaded = readers.read_extract(_workbook(GOOD_HEADER, 1000, dimension=True), CANONICAL)
    assert loaded.table.height == 1000 and loaded.columns == GOOD_HEADER


# --- through the pipeline -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_pipeline_refuses_a_wrong_header_in_a_big_workbook_quickly(import_csv):
    data = _workbook(["reference", *GOOD_HEADER[1:]], 2_000_000, dimension=False)
    started = time.perf_counter()
    extract = import_csv(data)
    assert time.perf_counter() - started < 15
    assert extract.status == ExtractStatus.FAILED
    assert extract.error.startswith("The file has no column 'case_ref' (for the case reference)")


@pytest.mark.django_db
def test_an_import_over_its_time_limit_stops_with_a_message_and_keeps_nothing(
    inspection, people, casefiles_env, run_worker, django_capture_on_commit_callbacks, monkeypatch
):
    from cpinspect.casefiles import services

    class Clock:  # a second passes each time the deadline looks
        now = 0.0

        def monotonic(self):
            self.now += 1.0
            return self.now

    monkeypatch.setattr(deadline, "time", Clock())
    monkeypatch.setattr(readers, "CSV_BLOCK", 4096)
    monkeypatch.setenv("CPINSPECT_IMPORT_TIME_LIMIT", "8")
    with django_capture_on_commit_callbacks(execute=True):
        extract = services.extract_queue(
            inspection=inspection,
            user=people["lead"],
            data=synthetic_csv(3000),
            profile_name="canonical",
        )
    assert run_worker() == 1
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.FAILED and extract.stage == ""
    # the clock starts at 1; at its tenth look, 9 s later, the limit of 8 s is passed
    assert extract.error.startswith("The import was stopped after 9.0 seconds, while reading ")
    assert (
        "the file, line " in extract.error
        and "at most 8 seconds (CPINSPECT_IMPORT_TIME_LIMIT)" in (extract.error)
    )
    assert "Nothing was imported" in extract.error
    assert extract.frame_path == "" and extract.rows_read == 0
    assert not FrameSummary.objects.filter(extract=extract).exists()
    assert not extract.problems.exists()
    assert list(Path(casefiles_env).rglob("*.parquet")) == []
    assert list(Path(casefiles_env).rglob("*.vault")) == []
    assert list(Path(casefiles_env, "uploads").iterdir()) == []
    assert Extract.objects.filter(status=ExtractStatus.IMPORTED).count() == 0


@pytest.mark.django_db
def test_an_import_within_its_time_limit_is_not_stopped(import_csv, monkeypatch):
    monkeypatch.setenv("CPINSPECT_IMPORT_TIME_LIMIT", "600")
    extract = import_csv(synthetic_csv(200))
    assert extract.status == ExtractStatus.IMPORTED and extract.rows_accepted == 200
    monkeypatch.setenv("CPINSPECT_IMPORT_TIME_LIMIT", "0")
    extract = import_csv(synthetic_csv(200))
    assert extract.status == ExtractStatus.FAILED
    assert "while starting to read the file" in extract.error
