"""File formats, encodings and malformed files: a clear error, never a traceback."""

import io

import polars as pl
import pytest

from cpinspect.casefiles import generator, profiles, readers
from cpinspect.casefiles.models import ExtractStatus
from cpinspect.casefiles.readers import ExtractFileError
from tests.casefiles.conftest import report_of  # noqa: E402

pytestmark = pytest.mark.django_db

TEXT = (
    "case_ref,recorded_on,category,child_age,council_code,outcome,note\n"
    "ESX-Ä1,2026-01-05,vulnerability and risk,7,E06000034,café visit,Zoë\n"
    "ESX-Ä2,2026-01-06,online abuse,,E10000012,,naïve\n"
)


@pytest.mark.parametrize(
    "encoded,encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("cp1252"), "cp1252"),
        (TEXT.encode("latin-1"), "cp1252"),  # these characters are the same in both
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM
        (TEXT.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "cp1252", "latin-1", "utf-16-bom", "crlf"],
)
def test_encodings(import_csv, encoded, encoding, tmp_path):
    keeps_note = tmp_path / "keeps-note.yaml"  # the canonical profile keeps no extra column
    keeps_note.write_text("name: keeps-note\nkeep: [note]\n")
    extract = import_csv(encoded, profile=str(keeps_note))
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert extract.encoding == encoding
    assert extract.rows_accepted == 2
    frame = pl.read_parquet(extract.frame_path)
    assert sorted(frame["attr_note"].to_list()) == ["Zoë", "naïve"]
    assert "café visit" in frame["outcome"].to_list()


def test_profile_encoding_is_used(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("name: mac\nencoding: mac_roman\n")
    profile = profiles.load_file(path)
    loaded = readers.read_extract(TEXT.encode("mac_roman"), profile)
    assert loaded.table["note"].to_list() == ["Zoë", "naïve"]


def _synthetic(rows=50):
    return generator.generate(rows=rows, seed=3, councils=["E06000034"])


def test_xlsx(import_csv, tmp_path):
    path = tmp_path / "extract.xlsx"
    generator.write(_synthetic(), path, "xlsx")
    extract = import_csv(path.read_bytes())
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert (extract.file_format, extract.rows_accepted) == ("xlsx", 50)


def test_xlsx_with_real_dates_and_numbers(import_csv, tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["case_ref", "recorded_on", "category", "child_age"])
    sheet.append(["X1", dt.datetime(2026, 3, 1), "cse", 12])
    sheet.append([1002, dt.date(2026, 3, 2), "cse", 12.0])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    extract = import_csv(path.read_bytes())
    assert extract.rows_accepted == 2, report_of(extract)
    assert extract.summary.by_month == {"2026-03": 2}


def test_parquet(import_csv):
    buffer = io.BytesIO()
    _synthetic().with_columns(pl.col("recorded_on").str.to_date()).write_parquet(buffer)
    extract = import_csv(buffer.getvalue())
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert (extract.file_format, extract.rows_accepted) == ("parquet", 50)


def test_skip_rows_and_delimiter(import_csv, tmp_path):
    path = tmp_path / "semi.yaml"
    path.write_text(
        "name: semi\ndelimiter: ';'\nskip_rows: 2\ndate_formats: ['%d.%m.%Y']\n"
        "columns:\n  case_ref: Ref\n  recorded_on: Date\n  category: Type\n"
        "category_map:\n  DA: domestic abuse where children live\n"
    )
    data = "Export of cases\nrun 2026-09-30\nRef;Date;Type\nA1;05.01.2026;DA\nA2;06.01.2026;XX\n"
    extract = import_csv(data.encode(), profile=str(path), accept_rejections=True)
    assert extract.rows_accepted == 1
    assert [(p["line"], p["problem"]) for p in report_of(extract)] == [(5, "unknown_category")]


MALFORMED = [
    ("empty", b"", "The file is empty."),
    ("blank", b"\n\n  \n", "The file is empty."),
    ("header only", b"case_ref,recorded_on,category\n", "header but no rows"),
    (
        "ragged short",
        b"case_ref,recorded_on,category\nA1,2026-01-01,cse\nA2,2026-01-01\nA3,2026-01-01,cse\n",
        "Line 3 has 2 fields but the header has 3",
    ),
    (
        "ragged long",
        b"case_ref,recorded_on,category\nA1,2026-01-01,cse\nA2,2026-01-01,cse,extra\n",
        "Line 3 has 4 fields but the header has 3",
    ),
    (
        "broken quote",
        b'case_ref,recorded_on,category\nA1,"2026-01-01,cse\nA2,2026-01-01,cse\n',
        "Line 2",
    ),
    ("binary", bytes(range(256)) * 40, "binary data"),
    ("zip but not xlsx", b"PK\x03\x04" + b"\x00" * 200, "not a valid XLSX"),
    ("bad parquet", b"PAR1" + b"\x01" * 200 + b"PAR1", "not a valid Parquet"),
    (
        "missing column",
        b"reference,date\nA1,2026-01-01\n",
        "The file has no column 'recorded_on'",
    ),
    (
        "duplicate header",
        b"case_ref,case_ref,recorded_on,category\nA1,A2,2026-01-01,cse\n",
        "names a column twice",
    ),
]


@pytest.mark.parametrize("name,data,message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_files_get_a_clear_error(import_csv, name, data, message):
    extract = import_csv(data)
    assert extract.status == ExtractStatus.FAILED
    assert message in extract.error, extract.error
    assert "Traceback" not in extract.error
    assert "A1" not in extract.error and "A2" not in extract.error
    assert extract.frame_path == ""
    assert not hasattr(extract, "summary") or extract.summary is None


def test_a_10mb_field_is_refused(import_csv):
    data = b"case_ref,recorded_on,category,note\nA1,2026-01-01,cse," + b"x" * 10_000_000 + b"\n"
    extract = import_csv(data)
    assert extract.status == ExtractStatus.FAILED
    assert "Line 2, column 'note': a field of 10,000,000 bytes" in extract.error


def test_wrong_format_for_the_profile(import_csv):
    buffer = io.BytesIO()
    _synthetic().write_parquet(buffer)
    extract = import_csv(buffer.getvalue(), profile="police-uk-street")
    assert extract.status == ExtractStatus.FAILED
    assert "expects a CSV file, but this file looks like PARQUET" in extract.error


def test_nothing_lands_when_a_file_fails(import_csv, casefiles_env):
    import_csv(b"case_ref,recorded_on,category\nA1,2026-01-01\n")
    assert not list(casefiles_env.rglob("*.parquet"))
    assert not list(casefiles_env.rglob("*.vault"))


def test_reader_errors_are_exceptions_of_one_kind():
    with pytest.raises(ExtractFileError):
        readers.read_extract(b"", profiles.get_profile("canonical"))


def test_an_unexpected_failure_lands_nothing_and_logs_no_content(
    import_csv, monkeypatch, caplog, casefiles_env
):
    from cpinspect.casefiles import validation

    def broken(table, *args, **kwargs):
        raise ValueError("could not handle " + table["case_ref"][0])

    monkeypatch.setattr(validation, "check", broken)
    extract = import_csv(b"case_ref,recorded_on,category\nESX-SECRET-1,2026-01-01,cse\n")
    assert extract.status == ExtractStatus.FAILED
    assert "unexpectedly" in extract.error
    assert "ValueError" in caplog.text
    assert "ESX-SECRET-1" not in caplog.text and "ESX-SECRET-1" not in extract.error
    assert not [p for p in casefiles_env.rglob("*") if p.is_file()]
