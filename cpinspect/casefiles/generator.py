"""Synthetic extracts in the canonical schema: realistic shape, no real personal data.

References look like ``SYN/2025/0012345`` (never a real force's format); the category mix,
ages and outcomes are plausible guesses, not published figures. ``bad_rows`` appends rows with
one deliberate problem each, cycling through the validation classes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from cpinspect.casefiles.schema import CATEGORIES

CATEGORY_MIX = [0.30, 0.25, 0.15, 0.08, 0.07, 0.08, 0.07]
OUTCOMES = [
    "referred to children's social care",
    "strategy discussion held",
    "no further action",
    "charged",
    "under investigation",
    None,
]
BAD_KINDS = [
    "duplicate_reference",
    "invalid_date",
    "unknown_category",
    "age_out_of_range",
    "missing_reference",
    "impossible_date",
    "council_outside_force",
]


def generate(
    *,
    rows: int,
    seed: int,
    councils: list[str],
    until: dt.date = dt.date(2026, 9, 30),
    months: int = 12,
    bad_rows: int = 0,
    outside_council: str = "W06000001",
) -> pl.DataFrame:
    """A canonical extract of ``rows`` good rows plus ``bad_rows`` bad ones (all strings)."""
    rng = np.random.default_rng(seed)
    councils = councils or ["E99999999"]
    start = until - dt.timedelta(days=round(months * 30.44))
    span = (until - start).days + 1
    days = rng.integers(0, span, rows)
    dates = pl.Series("d", days, dtype=pl.Int32).cast(pl.Int32) + (start - dt.date(1970, 1, 1)).days
    seq = rng.permutation(np.arange(1, rows * 3 + 1))[:rows]
    labels = [label for _, label in CATEGORIES]
    cat_idx = rng.choice(len(labels), size=rows, p=CATEGORY_MIX)
    ages = rng.integers(0, 18, rows)
    age_missing = rng.random(rows) < 0.08
    council_idx = rng.integers(0, len(councils), rows)
    council_missing = rng.random(rows) < 0.03
    outcome_idx = rng.integers(0, len(OUTCOMES), rows)
    frame = pl.DataFrame(
        {
            "seq": seq,
            "days": dates,
            "cat": cat_idx,
            "age": ages,
            "age_missing": age_missing,
            "council": council_idx,
            "council_missing": council_missing,
            "outcome": outcome_idx,
        }
    ).select(
        pl.format(
            "SYN/{}/{}",
            pl.col("days").cast(pl.Date).dt.year(),
            pl.col("seq").cast(pl.String).str.zfill(7),
        ).alias("case_ref"),
        pl.col("days").cast(pl.Date).dt.strftime("%Y-%m-%d").alias("recorded_on"),
        pl.col("cat")
        .replace_strict(dict(enumerate(labels)), return_dtype=pl.String)
        .alias("category"),
        pl.when(pl.col("age_missing"))
        .then(None)
        .otherwise(pl.col("age").cast(pl.String))
        .alias("child_age"),
        pl.when(pl.col("council_missing"))
        .then(None)
        .otherwise(
            pl.col("council").replace_strict(dict(enumerate(councils)), return_dtype=pl.String)
        )
        .alias("council_code"),
        pl.col("outcome")
        .replace_strict(dict(enumerate(OUTCOMES)), return_dtype=pl.String)
        .alias("outcome"),
    )
    if bad_rows:
        frame = pl.concat([frame, _bad(frame, bad_rows, rng, outside_council)])
    return frame


def _bad(good: pl.DataFrame, count: int, rng, outside_council: str) -> pl.DataFrame:
    rows = []
    for i in range(count):
        kind = BAD_KINDS[i % len(BAD_KINDS)]
        base = dict(good.row(int(rng.integers(0, good.height)), named=True))
        base["case_ref"] = f"SYN/BAD/{i:07d}"
        if kind == "duplicate_reference":
            base["case_ref"] = good["case_ref"][int(rng.integers(0, good.height))]
        elif kind == "invalid_date":
            base["recorded_on"] = "2025-02-30"
        elif kind == "impossible_date":
            base["recorded_on"] = "2099-01-01"
        elif kind == "unknown_category":
            base["category"] = "burglary"
        elif kind == "age_out_of_range":
            base["child_age"] = "19"
        elif kind == "missing_reference":
            base["case_ref"] = None
        elif kind == "council_outside_force":
            base["council_code"] = outside_council
        rows.append(base)
    return pl.DataFrame(rows, schema=good.schema)


def write(frame: pl.DataFrame, path, fmt: str = "csv") -> None:
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "parquet":
        frame.write_parquet(path)
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("extract")
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            sheet.append(list(row))
        book.save(path)
    else:
        raise ValueError(f"Unknown format {fmt!r}")
