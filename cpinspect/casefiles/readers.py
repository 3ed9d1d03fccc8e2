"""Reading a force's file (CSV in any common encoding, XLSX, Parquet) into a table of strings.

Every problem with the file as a whole becomes an ``ExtractFileError`` whose message says what
is wrong and where, in plain words; it never carries a field's value, so no case reference can
leak through it. Each record keeps ``_line``: its line in the file (the header is the line
after ``skip_rows``; a line break inside a quoted field makes later numbers record numbers).

The file is read from a seekable binary stream (an upload decrypted as it is read, ADR 0022)
or from bytes, never copied whole: a CSV file block by block (each block ends at a record
boundary), a workbook through its zip directory, Parquet through its footer. Before any row
is read, the file's size, a workbook's unpacked size and declared row count, and the header
(``on_header``, which also names the columns to keep) are checked; rows are counted as they
are read (``conf.max_rows``), and ``deadline`` is asked between blocks.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import functools
import io
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

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
    table: pl.DataFrame  # the kept columns, all String, plus _line (Int64)
    format: str
    encoding: str
    delimiter: str = ""
    columns: list[str] = field(default_factory=list)  # the file's header, every column


CSV_BLOCK = 4 * 1024 * 1024  # bytes of CSV parsed at a time (see docs/performance.md)
RECORD_MAX = 64 * 1024 * 1024  # a record (a row) longer than this is a quote never closed
XLSX_CHECK_EVERY = 10_000  # rows of a sheet between two looks at the deadline

# ``on_header(columns)`` checks the header before any row is read (raising ExtractFileError)
# and returns the columns to keep (None: all of them)
HeaderCheck = Callable[[list[str]], "list[str] | None"]


def _no_deadline(where: str) -> None:
    return None


def sniff_format(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:4] == b"PAR1":
        return "parquet"
    return "csv"


def _is_blank(stream) -> bool:
    """Nothing but white space (or nothing at all), read a block at a time."""
    stream.seek(0)
    while block := stream.read(1024 * 1024):
        if not block.isspace():
            stream.seek(0)
            return False
    stream.seek(0)
    return True


def read_extract(data, profile, *, on_header: HeaderCheck | None = None, deadline=None) -> Loaded:
    """Read ``data`` (bytes, or a seekable binary stream) as ``profile`` says."""
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
    deadline = deadline or _no_deadline
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    if size > conf.max_file_bytes():
        raise ExtractFileError(
            f"The file is {size:,} bytes; the largest accepted is {conf.max_file_bytes():,}."
        )
    if _is_blank(stream):
        raise ExtractFileError("The file is empty.")
    found = sniff_format(stream.read(4))
    stream.seek(0)
    wanted = profile.format
    if wanted != "auto" and wanted != found:
        raise ExtractFileError(
            f"The profile {profile.name!r} expects a {wanted.upper()} file, "
            f"but this file looks like {found.upper()}."
        )
    on_header = on_header or (lambda columns: None)
    if found == "xlsx":
        loaded = _read_xlsx(stream, profile, on_header, deadline)
    elif found == "parquet":
        loaded = _read_parquet(stream, on_header)
    else:
        loaded = _read_csv(stream, profile, on_header, deadline)
    if loaded.table.height == 0:
        raise ExtractFileError("The file has a header but no rows.")
    return loaded


def _check_row_count(rows: int, where: str) -> None:
    limit = conf.max_rows()
    if rows > limit:
        raise ExtractFileError(
            f"The file has more than {limit:,} rows ({where}); the largest accepted is "
            f"{limit:,} rows (CPINSPECT_MAX_ROWS). Nothing was imported: ask the force for an "
            "extract of a shorter period, or split it."
        )


def _kept(table: pl.DataFrame, keep: list[str] | None) -> pl.DataFrame:
    if keep is None:
        return table
    return table.select("_line", *keep) if "_line" in table.columns else table.select(keep)


# --- CSV ----------------------------------------------------------------------------------


class _Retry8bit(Exception):
    """The file is not UTF-8 after all: read it again as an 8-bit encoding."""


def _encoding_of(stream, profile) -> tuple[str, str | None, int]:
    """(the encoding to report, the codec to decode with (None: UTF-8 as it is), where the
    text starts), from a byte order mark, the profile, or a look at the file's start."""
    head = stream.read(4096)
    stream.seek(0)
    for bom, name in BOMS:
        if head.startswith(bom):
            if name == "utf-8-sig":
                return name, None, len(bom)
            return name, name, 0  # the codec reads (and drops) its own mark
    if profile.encoding not in ("auto", "utf-8", "utf8"):
        return profile.encoding, profile.encoding, 0
    if b"\x00" in head:
        raise ExtractFileError(
            "The file holds binary data, not text: is it a CSV file (or the right format)?"
        )
    return "utf-8", None, 0


def _utf8_blocks(stream, start: int, codec: str | None, fallback: bool, deadline):
    """The file's text as UTF-8, a block at a time (``_Retry8bit`` when ``fallback``: an
    8-bit encoding guessed, cp1252, that does not fit)."""
    stream.seek(start)
    decoder = codecs.getincrementaldecoder(codec)("strict") if codec else None
    lines = 0
    while True:
        raw = stream.read(CSV_BLOCK)
        deadline(f"reading the file, line {lines + 1:,}")
        if decoder is None:
            if not raw:
                return
            yield raw
            continue
        try:
            text = decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            if fallback:
                raise _Retry8bit() from None
            if codec in ("utf-16", "utf-32"):
                raise ExtractFileError(
                    f"The file starts with a {codec.upper()} byte order mark but is not valid "
                    f"{codec.upper()} text."
                ) from None
            line = lines + raw[: max(exc.start, 0)].count(b"\n") + 1
            raise ExtractFileError(f"Line {line}: the file is not valid {codec} text.") from None
        lines += raw.count(b"\n")
        if text:
            yield text.encode("utf-8")
        if not raw:
            return


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


def _line_end(buf: bytes, start: int) -> int:
    """Just after the first newline at or after ``start`` outside quotes (-1: none)."""
    at = start
    while True:
        at = buf.find(b"\n", at)
        if at < 0:
            return -1
        if buf.count(b'"', start, at) % 2 == 0:
            return at + 1
        at += 1


def _last_boundary(buf: bytes, start: int) -> int:
    """Just after the last newline of ``buf`` outside quotes, counting quotes from ``start``
    (a record boundary); 0 when there is none."""
    quotes = buf.count(b'"', start)
    at = len(buf)
    while True:
        newline = buf.rfind(b"\n", start, at)
        if newline < 0:
            return 0
        quotes -= buf.count(b'"', newline, at)
        if quotes % 2 == 0:
            return newline + 1
        at = newline


def _records(blocks, skip_rows: int):
    """Pieces of UTF-8 text, each ending at a record boundary: (skipped lines and the header,
    then the first rows), then rows. A record longer than RECORD_MAX is refused."""
    carry = b""
    start = None  # where quotes start to count: after the lines skipped
    lines = 0
    for block in blocks:
        buf = carry + block if carry else block
        if start is None:
            start = 0
            for _ in range(skip_rows):
                newline = buf.find(b"\n", start)
                if newline < 0:
                    break
                start = newline + 1
        cut = _last_boundary(buf, start)
        if cut == 0:
            carry = buf
            if len(carry) > RECORD_MAX:
                raise ExtractFileError(
                    f"Line {lines + 1}: a quote is opened but not closed within "
                    f"{RECORD_MAX:,} bytes (or a row is far longer than any field may be)."
                )
            continue
        piece, carry = buf[:cut], buf[cut:]
        lines += piece.count(b"\n")
        start = 0
        yield piece
    if carry:
        yield carry


def _csv_kwargs(profile, skip: int) -> dict:
    return dict(
        infer_schema=False,
        separator=profile.delimiter,
        skip_lines=skip,
        truncate_ragged_lines=False,
        raise_if_empty=True,
        null_values=profile.null_values or None,
    )


def _read_csv(stream, profile, on_header, deadline) -> Loaded:
    reported, codec, start = _encoding_of(stream, profile)
    read = functools.partial(_read_csv_as, stream, profile, on_header, deadline)
    try:
        return read(reported, codec, start)
    except _Retry8bit:  # not UTF-8: as the 8-bit encodings of Windows, else Latin-1
        try:
            return read("cp1252", "cp1252", 0, fallback=True)
        except _Retry8bit:
            return read("latin-1", "latin-1", 0)


def _read_csv_as(
    stream, profile, on_header, deadline, encoding, codec, start, fallback=False
) -> Loaded:
    """One read of the whole file in ``codec``; ``_Retry8bit`` when an 8-bit one is needed."""
    may_retry = encoding == "utf-8" and profile.encoding == "auto"
    blocks = _utf8_blocks(stream, start, codec, fallback, deadline)
    pieces = _records(blocks, profile.skip_rows)
    first = next(pieces, None)
    if first is None:
        raise ExtractFileError("The file is empty.")
    profile = dataclasses.replace(profile, delimiter=detect_delimiter(first, profile))
    skip = profile.skip_rows
    header_start = 0
    for _ in range(skip):
        header_start = first.find(b"\n", header_start) + 1
    header_end = _line_end(first, header_start)
    header = first[header_start:header_end] if header_end > 0 else first[header_start:]
    tables, names, keep = [], None, None
    rows = 0  # records so far, blank ones included (as the line numbers count them)
    kept_rows = 0
    lines_before = 0  # lines of the file before the piece
    piece, index = first, 0
    while piece is not None:
        # a later piece is parsed under the header again, so it is read exactly as the first
        data = piece if index == 0 else header + piece
        piece_skip = skip if index == 0 else 0
        base = skip if index == 0 else lines_before - header.count(b"\n")
        table = _parse_piece(data, profile, piece_skip, base, may_retry)
        if index == 0:
            names = table.columns
            if len(set(names)) != len(names) or any(c.endswith("_duplicated_0") for c in names):
                raise ExtractFileError("The header names a column twice.")
            keep = on_header(list(names))
        lines_before += piece.count(b"\n")
        if table.height:
            if table.get_column(table.columns[-1]).null_count():  # a short row: padded
                _check_short_rows(data, profile, len(names), piece_skip, base)
            table = table.with_row_index("_line", offset=skip + 2 + rows).with_columns(
                pl.col("_line").cast(pl.Int64)
            )
            rows += table.height
            data_columns = [c for c in table.columns if c != "_line"]
            blank = pl.all_horizontal(pl.col(data_columns).is_null())
            if table.select(blank.any()).item():  # blank lines
                table = table.filter(~blank)
            _check_field_sizes(table)
            table = _kept(table, keep)
            kept_rows += table.height
            _check_row_count(kept_rows, f"counted up to line {lines_before:,}")
            tables.append(table)
        deadline(f"reading the file, line {lines_before:,}")
        piece = next(pieces, None)
        index += 1
    if tables:
        table = pl.concat(tables, how="vertical")
    else:
        empty = {"_line": pl.Int64, **{n: pl.String for n in (keep or names)}}
        table = pl.DataFrame(schema=empty)
    return Loaded(
        table=table,
        format="csv",
        encoding=encoding,
        delimiter=profile.delimiter,
        columns=list(names),
    )


def _parse_piece(data: bytes, profile, skip: int, base: int, may_retry: bool):
    try:
        return pl.read_csv(data, **_csv_kwargs(profile, skip))
    except pl.exceptions.NoDataError:
        raise ExtractFileError("The file is empty.") from None
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() and may_retry:
            raise _Retry8bit() from None
        raise _diagnose(data, profile, exc, skip=skip, base=base) from None


def _check_short_rows(data: bytes, profile, columns: int, skip: int, base: int) -> None:
    """Polars pads a row with too few fields; find such rows (cheaply) and refuse the file.
    ``data`` starts ``base`` lines into the file, after ``skip`` lines it does not parse."""
    sep = profile.delimiter
    try:
        lines = pl.read_csv(
            data,
            has_header=False,
            separator="\x1f",
            quote_char=None,
            new_columns=["l"],
            infer_schema=False,
            skip_lines=skip,
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
        error = _diagnose(data, profile, None, skip=skip, base=base)
        if error is not None:
            raise error
        return  # line breaks inside quoted fields: the record is complete
    first = counts.row(0, named=True)
    found = first["l"].count(sep) + 1
    line = first["i"] + base + 1
    raise ExtractFileError(
        f"Line {line} has {found} fields but the header has {columns}: the rows are ragged "
        f"({counts.height} such line(s))."
    )


def _diagnose(data: bytes, profile, exc, *, skip: int, base: int) -> ExtractFileError | None:
    """Find where a CSV file breaks, with the standard library's reader (slow path only).
    ``data`` starts ``base`` lines into the file (its header first), after ``skip`` lines."""
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True)[skip:]
    old = csv.field_size_limit()
    csv.field_size_limit(conf.max_field_bytes())
    try:
        reader = csv.reader(lines, delimiter=profile.delimiter, strict=True)
        width = None
        start = 1
        try:
            while True:
                start = reader.line_num + 1 + base
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


def _inspect_workbook(stream) -> None:
    """Refuse a workbook that unpacks to more than ``conf.max_unpacked_bytes`` (a zip bomb),
    from its zip directory alone: nothing is decompressed. (A part's real size cannot pass
    its declared one: the zip reader stops there.)"""
    import zipfile

    try:
        parts = zipfile.ZipFile(stream).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ExtractFileError("The file is not a valid XLSX workbook.") from None
    finally:
        stream.seek(0)
    unpacked = sum(part.file_size for part in parts)
    limit = conf.max_unpacked_bytes()
    if unpacked > limit:
        largest = max(parts, key=lambda part: part.file_size)
        raise ExtractFileError(
            f"The workbook unpacks to {unpacked:,} bytes (its largest part, "
            f"{largest.filename!r}, to {largest.file_size:,}); the largest accepted is "
            f"{limit:,} bytes (CPINSPECT_MAX_UNPACKED_BYTES). Nothing was read: save the "
            "sheet as CSV, or ask the force for a smaller extract."
        )


DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([^"]+)"')
_LOADING = threading.Lock()


def _dimension_from_head(sheet) -> None:
    """openpyxl's own look for a sheet's <dimension> parses the whole sheet when it has none
    (minutes for a sheet of millions of rows, for each sheet of the workbook, when it is
    opened): look in the sheet's first 64 KB instead, before <sheetData>."""
    from openpyxl.utils.cell import range_boundaries

    source = sheet._get_source()
    try:
        head = source.read(65536).split(b"sheetData", 1)[0]
    finally:
        source.close()
    found = DIMENSION.search(head)
    if found:
        try:
            bounds = range_boundaries(found.group(1).decode("ascii"))
        except (TypeError, ValueError, UnicodeDecodeError):
            return
        sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row = bounds


def _load_workbook(stream):
    from unittest import mock

    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    # the patch is for this call only; the lock keeps two threads from overlapping it
    with _LOADING, mock.patch.object(ReadOnlyWorksheet, "_get_size", _dimension_from_head):
        return load_workbook(stream, read_only=True, data_only=True)


def _read_xlsx(stream, profile, on_header, deadline) -> Loaded:
    import zipfile

    from openpyxl.utils.exceptions import InvalidFileException

    _inspect_workbook(stream)
    try:
        book = _load_workbook(stream)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ExtractFileError("The file is not a valid XLSX workbook.") from None
    try:
        if profile.sheet:
            if profile.sheet not in book.sheetnames:
                raise ExtractFileError(f"The workbook has no sheet named {profile.sheet!r}.")
            sheet = book[profile.sheet]
        else:
            sheet = book.worksheets[0]
        declared = sheet.max_row  # from the sheet's <dimension ref>; None when it has none
        if declared is not None:
            _check_row_count(
                declared - profile.skip_rows - 1,
                f"the sheet {sheet.title!r} declares {declared:,} rows in its dimension",
            )
        sheet.reset_dimensions()  # read every row there is, whatever the dimension says
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
        keep = on_header(list(names))
        kept = names if keep is None else keep
        positions = [names.index(n) for n in kept]
        columns = {n: [] for n in kept}
        lines = []
        line = profile.skip_rows + 1
        limit = conf.max_rows()
        for row in rows:
            line += 1
            if line % XLSX_CHECK_EVERY == 0:
                deadline(f"reading the sheet, row {line:,}")
            values = [_cell(v) for v in row]
            if all(v is None for v in values):
                continue
            if len(values) > len(names) and any(v is not None for v in values[len(names) :]):
                raise ExtractFileError(
                    f"Row {line} has values beyond the last named column: the rows are ragged."
                )
            values = (values + [None] * len(names))[: len(names)]
            limit_field = conf.max_field_bytes()
            for at, value in enumerate(values):
                if value is not None and len(value) > limit_field // 4:
                    size = len(value.encode("utf-8"))
                    if size > limit_field:
                        raise ExtractFileError(
                            f"Line {line}, column {names[at]!r}: a field of {size:,} bytes is "
                            f"longer than the limit of {limit_field:,} bytes."
                        )
            for name, at in zip(kept, positions, strict=True):
                columns[name].append(values[at])
            lines.append(line)
            if len(lines) > limit:
                _check_row_count(len(lines), f"counted up to row {line:,}")
    finally:
        book.close()
    table = pl.DataFrame(
        {
            "_line": pl.Series(lines, dtype=pl.Int64),
            **{n: pl.Series(v, dtype=pl.String) for n, v in columns.items()},
        }
    )
    return Loaded(table=table, format="xlsx", encoding="xlsx", columns=names)


def _read_parquet(stream, on_header) -> Loaded:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(stream)
        names = list(meta.schema_arrow.names)
        rows = meta.metadata.num_rows
    except Exception:  # any failure of the reader means "not a usable Parquet file"
        raise ExtractFileError("The file is not a valid Parquet file.") from None
    finally:
        stream.seek(0)
    _check_row_count(rows, f"its footer says {rows:,}")
    keep = on_header(names)
    try:
        table = pl.read_parquet(stream, columns=keep)
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
    _check_field_sizes(table)
    return Loaded(table=table, format="parquet", encoding="parquet", columns=names)


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
