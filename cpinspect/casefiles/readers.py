"""Reading a force's file (CSV in any common encoding, XLSX, Parquet) into a table of strings.

Every problem with the file as a whole becomes an ``ExtractFileError`` whose message says what
is wrong and where, in plain words; it never carries a field's value, so no case reference can
leak through it. Each record keeps ``_line``: its line in the file (the header is the line
after ``skip_rows``; a line break inside a quoted field makes later numbers record numbers).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import re
from dataclasses import dataclass

import polars as pl

from cpinspect.casefiles import conf

BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


class ExtractFileError(Exception):
    """The file cannot be imported at all; the message is safe to show and to log."""


@dataclass
class Loaded:
    table: pl.DataFrame  # all columns String, plus _line (Int64)
    format: str
    encoding: str
    delimiter: str = ""


def sniff_format(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:4] == b"PAR1":
        return "parquet"
    return "csv"


def read_extract(data: bytes, profile) -> Loaded:
    if len(data) > conf.max_file_bytes():
        raise ExtractFileError(
            f"The file is {len(data):,} bytes; the largest accepted is {conf.max_file_bytes():,}."
        )
    if not data or data.isspace():  # as `not data.strip()`, without copying the file
        raise ExtractFileError("The file is empty.")
    found = sniff_format(data)
    wanted = profile.format
    if wanted != "auto" and wanted != found:
        raise ExtractFileError(
            f"The profile {profile.name!r} expects a {wanted.upper()} file, "
            f"but this file looks like {found.upper()}."
        )
    if found == "xlsx":
        loaded = _read_xlsx(data, profile)
    elif found == "parquet":
        loaded = _read_parquet(data)
    else:
        loaded = _read_csv(data, profile)
    _check_field_sizes(loaded.table)
    if loaded.table.height == 0:
        raise ExtractFileError("The file has a header but no rows.")
    return loaded


# --- CSV ----------------------------------------------------------------------------------


def _to_utf8(data: bytes, profile) -> tuple[bytes, str]:
    for bom, name in BOMS:
        if data.startswith(bom):
            if name == "utf-8-sig":
                return data[len(bom) :], name
            try:
                return data.decode(name).encode("utf-8"), name
            except UnicodeDecodeError:
                raise ExtractFileError(
                    f"The file starts with a {name.upper()} byte order mark but is not valid "
                    f"{name.upper()} text."
                ) from None
    if profile.encoding not in ("auto", "utf-8", "utf8"):
        try:
            return data.decode(profile.encoding).encode("utf-8"), profile.encoding
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ExtractFileError(
                f"Line {line}: the file is not valid {profile.encoding} text."
            ) from None
    if b"\x00" in data[:4096]:
        raise ExtractFileError(
            "The file holds binary data, not text: is it a CSV file (or the right format)?"
        )
    return data, "utf-8"


def _transcode_8bit(data: bytes) -> tuple[bytes, str]:
    try:
        return data.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8"), "latin-1"


DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def detect_delimiter(data: bytes, profile) -> str:
    """The delimiter of the header line (the line after ``skip_rows``), UTF-8 text.

    With ``delimiter: auto``, the one of , ; tab | found most often outside quotes (a comma
    when none is). A delimiter the profile names is used, unless the header line has none of
    it but does have another: then the file is refused, naming both."""
    start = 0
    for _ in range(profile.skip_rows):
        start = data.find(b"\n", start) + 1
        if start == 0:
            return "," if profile.delimiter == "auto" else profile.delimiter
    end = data.find(b"\n", start)
    header = data[start : end if end >= 0 else len(data)][:65536].decode("utf-8", "replace")
    header = re.sub(r'"[^"]*"', "", header)  # delimiters inside quoted names do not count
    counts = {d: header.count(d) for d in DELIMITERS}
    found = max(counts, key=lambda d: (counts[d], d == ","))
    named = profile.delimiter
    if named == "auto":
        return found if counts[found] else ","
    if counts.get(named, header.count(named)) == 0 and counts[found] > 0:
        raise ExtractFileError(
            f"The header line has no {DELIMITERS.get(named, repr(named))} between its fields "
            f"but has {counts[found]} {DELIMITERS[found]}: the file seems to be separated by "
            f"{DELIMITERS[found]}, but the profile {profile.name!r} expects "
            f"{DELIMITERS.get(named, repr(named))}."
        )
    return named


def _read_csv(data: bytes, profile) -> Loaded:
    data, encoding = _to_utf8(data, profile)
    profile = dataclasses.replace(profile, delimiter=detect_delimiter(data, profile))
    skip = profile.skip_rows
    kwargs = dict(
        infer_schema=False,
        separator=profile.delimiter,
        skip_lines=skip,
        truncate_ragged_lines=False,
        raise_if_empty=True,
        null_values=profile.null_values or None,
    )
    try:
        table = pl.read_csv(data, **kwargs)
    except pl.exceptions.NoDataError:
        raise ExtractFileError("The file is empty.") from None
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() and encoding == "utf-8" and profile.encoding == "auto":
            data, encoding = _transcode_8bit(data)
            try:
                table = pl.read_csv(data, **kwargs)
            except pl.exceptions.ComputeError as exc2:
                raise _diagnose(data, profile, exc2) from None
        else:
            raise _diagnose(data, profile, exc) from None
    if len(set(table.columns)) != len(table.columns) or any(
        c.endswith("_duplicated_0") for c in table.columns
    ):
        raise ExtractFileError("The header names a column twice.")
    last = table.columns[-1]
    if table.get_column(last).null_count():  # a short row leaves its last field empty
        _check_short_rows(data, profile, len(table.columns))
    table = table.with_row_index("_line", offset=skip + 2).with_columns(
        pl.col("_line").cast(pl.Int64)
    )
    data_columns = [c for c in table.columns if c != "_line"]
    blank = pl.all_horizontal(pl.col(data_columns).is_null())
    if table.select(blank.any()).item():  # blank lines
        table = table.filter(~blank)
    return Loaded(table=table, format="csv", encoding=encoding, delimiter=profile.delimiter)


def _check_short_rows(data: bytes, profile, columns: int) -> None:
    """Polars pads a row with too few fields; find such rows (cheaply) and refuse the file."""
    sep = profile.delimiter
    try:
        lines = pl.read_csv(
            data,
            has_header=False,
            separator="\x1f",
            quote_char=None,
            new_columns=["l"],
            infer_schema=False,
            skip_lines=profile.skip_rows,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError:
        return
    counts = lines.with_row_index("i").filter(
        pl.col("l").is_not_null()
        & (pl.col("l").str.strip_chars() != "")
        & (pl.col("l").str.count_matches(sep, literal=True) < columns - 1)
    )
    if counts.height == 0:
        return
    if counts.filter(pl.col("l").str.contains('"', literal=True)).height:
        error = _diagnose(data, profile, None)
        if error is not None:
            raise error
        return  # line breaks inside quoted fields: the record is complete
    first = counts.row(0, named=True)
    found = first["l"].count(sep) + 1
    line = first["i"] + profile.skip_rows + 1
    raise ExtractFileError(
        f"Line {line} has {found} fields but the header has {columns}: the rows are ragged "
        f"({counts.height} such line(s))."
    )


def _diagnose(data: bytes, profile, exc) -> ExtractFileError | None:
    """Find where a CSV file breaks, with the standard library's reader (slow path only)."""
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True)[profile.skip_rows :]
    old = csv.field_size_limit()
    csv.field_size_limit(conf.max_field_bytes())
    try:
        reader = csv.reader(lines, delimiter=profile.delimiter, strict=True)
        width = None
        start = 1
        try:
            while True:
                start = reader.line_num + 1 + profile.skip_rows
                row = next(reader, None)
                if row is None:
                    break
                if width is None:
                    width = len(row)
                elif row and len(row) != width:
                    return ExtractFileError(
                        f"Line {start} has {len(row)} fields but the header has {width}: "
                        "the rows are ragged."
                    )
        except csv.Error as err:
            if "field larger than field limit" in str(err):
                return ExtractFileError(
                    f"Line {start}: a field is longer than {conf.max_field_bytes():,} bytes "
                    "(or a quote is never closed)."
                )
            if "unexpected end of data" in str(err):
                return ExtractFileError(
                    f"Line {start}: a quote is opened but never closed (the file ends inside it)."
                )
            return ExtractFileError(f"Line {start}: broken quoting ({err}).")
    finally:
        csv.field_size_limit(old)
    if exc is None:
        return None
    # the reader's own message can quote the file's content, so it is never passed on
    return ExtractFileError(
        "The file could not be read as CSV: check its quoting, delimiter and format."
    )


# --- XLSX and Parquet -----------------------------------------------------------------------


def _cell(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _read_xlsx(data: bytes, profile) -> Loaded:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ExtractFileError("The file is not a valid XLSX workbook.") from None
    try:
        if profile.sheet:
            if profile.sheet not in book.sheetnames:
                raise ExtractFileError(f"The workbook has no sheet named {profile.sheet!r}.")
            sheet = book[profile.sheet]
        else:
            sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        for _ in range(profile.skip_rows):
            next(rows, None)
        header = next(rows, None)
        if not header or all(v is None for v in header):
            raise ExtractFileError("The file is empty.")
        names = [
            str(v).strip() if v is not None else f"column_{i + 1}" for i, v in enumerate(header)
        ]
        if len(set(names)) != len(names):
            raise ExtractFileError("The header names a column twice.")
        columns = {n: [] for n in names}
        lines = []
        line = profile.skip_rows + 1
        for row in rows:
            line += 1
            values = [_cell(v) for v in row]
            if all(v is None for v in values):
                continue
            if len(values) > len(names) and any(v is not None for v in values[len(names) :]):
                raise ExtractFileError(
                    f"Row {line} has values beyond the last named column: the rows are ragged."
                )
            values = (values + [None] * len(names))[: len(names)]
            for name, value in zip(names, values, strict=True):
                columns[name].append(value)
            lines.append(line)
    finally:
        book.close()
    table = pl.DataFrame(
        {
            "_line": pl.Series(lines, dtype=pl.Int64),
            **{n: pl.Series(v, dtype=pl.String) for n, v in columns.items()},
        }
    )
    return Loaded(table=table, format="xlsx", encoding="xlsx")


def _read_parquet(data: bytes) -> Loaded:
    try:
        table = pl.read_parquet(io.BytesIO(data))
    except Exception:  # any failure of the reader means "not a usable Parquet file"
        raise ExtractFileError("The file is not a valid Parquet file.") from None
    casts = []
    for name, dtype in table.schema.items():
        if dtype == pl.Date:
            casts.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.date().dt.strftime("%Y-%m-%d"))
        else:
            casts.append(pl.col(name).cast(pl.String))
    table = table.select(casts).with_row_index("_line", offset=2)
    table = table.with_columns(pl.col("_line").cast(pl.Int64))
    return Loaded(table=table, format="parquet", encoding="parquet")


def _check_field_sizes(table: pl.DataFrame) -> None:
    limit = conf.max_field_bytes()
    columns = [c for c in table.columns if c != "_line"]
    if not columns or table.height == 0:
        return
    longest = table.select(pl.col(columns).str.len_bytes().max()).row(0)
    for name, size in zip(columns, longest, strict=True):
        if size is not None and size > limit:
            line = table.filter(pl.col(name).str.len_bytes() > limit)["_line"][0]
            raise ExtractFileError(
                f"Line {line}, column {name!r}: a field of {size:,} bytes is longer than the "
                f"limit of {limit:,} bytes."
            )
