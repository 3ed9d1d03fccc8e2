"""Is this file the right one, for this profile and this inspection? Checked before anything
is kept, as functions over the header and over rows (a batch or the whole file):

* ``header_fit``: the profile's required columns are all in the file, and most of the file's
  columns are known to the profile; otherwise the file is refused, with the built-in profile
  that fits it best (each built-in one is scored against the header);
* ``filled`` and ``check_filled``: no required column is empty on more than half of the rows
  in scope (counted batch by batch);
* ``force_mismatch``: every value of the profile's force columns ("Reported by", "Falls
  within") names the inspection's force.

Every message names the column and line and never echoes a value that could be a reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from cpinspect.casefiles.readers import ExtractFileError
from cpinspect.casefiles.redaction import SHAPE_ONLY

FIELD_WORDS = {
    "case_ref": "the case reference",
    "recorded_on": "the date recorded",
    "category": "the category",
    "child_age": "the child's age",
    "council_code": "the council",
    "outcome": "the outcome",
}
FORCE_WORDS = {"police", "constabulary", "service", "force", "the"}


class FileMismatch(ExtractFileError):
    """The file does not fit the profile or the inspection; nothing is kept."""


@dataclass
class HeaderFit:
    kept: list[str]  # extra columns kept as attributes
    dropped: list[str]  # columns neither mapped nor kept, in the file's order
    unknown: list[str]  # of those, the ones the profile does not name at all


def shown_name(name: str) -> str:
    """A column's name as a message may show it (a header line may hold references)."""
    return repr(SHAPE_ONLY.text(name))


def _shown_columns(columns) -> str:
    return ", ".join(shown_name(c) for c in columns)


def _purpose(profile, column: str) -> str:
    for field_name, words in FIELD_WORDS.items():
        if profile.source_column(field_name) == column:
            return words
    return "a column the profile needs"


def header_fit(columns: list[str], profile) -> HeaderFit:
    """Check the header against ``profile``; return what is kept and dropped."""
    present = set(columns)
    missing = [c for c in profile.required_source_columns() if c not in present]
    if missing:
        wanted = ", ".join(f"{shown_name(c)} (for {_purpose(profile, c)})" for c in missing)
        raise FileMismatch(
            f"The file has no column {wanted}; its columns are: {_shown_columns(columns)}. "
            f"Is {profile.name!r} the right profile?{suggestion(columns, profile)}"
        )
    known = profile.known_columns()
    unknown = [c for c in columns if c not in known]
    if len(unknown) * 2 > len(columns):
        raise FileMismatch(
            f"Most of the file's columns ({len(unknown)} of {len(columns)}: "
            f"{_shown_columns(unknown)}) are unknown to the profile {profile.name!r}."
            f"{suggestion(columns, profile)}"
        )
    mapped = {profile.source_column(f) for f in FIELD_WORDS}
    kept = [c for c in columns if c in set(profile.keep)]
    used = mapped | set(kept) | set(profile.force_columns) | set(profile.derive_reference_from)
    if profile.council_from_lsoa:
        used.add(profile.council_from_lsoa)
    dropped = [c for c in columns if c not in used]
    return HeaderFit(kept=kept, dropped=dropped, unknown=unknown)


def score(profile, columns: list[str]) -> float:
    """0 when a required column is missing; else the share of the file's columns the
    profile knows."""
    present = set(columns)
    if not columns or any(c not in present for c in profile.required_source_columns()):
        return 0.0
    known = profile.known_columns()
    return sum(1 for c in columns if c in known) / len(columns)


def suggestion(columns: list[str], current) -> str:
    from cpinspect.casefiles.profiles import builtin_names, get_profile

    scores = {
        name: score(get_profile(name), columns) for name in builtin_names() if name != current.name
    }
    best = max(scores, key=scores.get, default=None)
    if best is not None and scores[best] > 0.5 and scores[best] > score(current, columns):
        return f" The profile {best!r} fits this file: import it with that profile."
    return (
        " None of the built-in profiles fits it: a profile of the force's own (YAML, "
        "checked by cpinspect check_profile) can name its columns."
    )


def filled(batch: pl.DataFrame, columns: list[str], in_scope: pl.Expr) -> dict[str, int]:
    """How many rows in scope have a value in each of ``columns`` (add batch to batch)."""
    present = [c for c in columns if c in batch.columns]
    if not present:
        return {}
    rows = batch.with_columns(in_scope.alias("_in_scope")).filter(pl.col("_in_scope"))
    counts = rows.select(
        (pl.col(c).str.strip_chars().replace("", None).is_not_null().sum()) for c in present
    )
    return dict(zip(present, counts.row(0), strict=True))


def check_filled(counts: dict[str, int], rows_in_scope: int, profile) -> None:
    for column, count in counts.items():
        empty = rows_in_scope - count
        if rows_in_scope and empty * 2 > rows_in_scope:
            raise FileMismatch(
                f"The column {shown_name(column)} ({_purpose(profile, column)}) is empty on "
                f"{empty:,} of the {rows_in_scope:,} rows in scope, but the profile "
                f"{profile.name!r} needs it filled. Is {profile.name!r} the right profile?"
            )


def check_references(rows: int, distinct: int, profile) -> None:
    """A reference column holds (nearly) one value per case: a column with at most one
    value for every ten rows is not one (a month, a crime type, swapped into its place).
    ``rows``: the references given in scope; ``distinct``: how many differ."""
    if rows >= 50 and distinct * 10 < rows:
        column = profile.source_column("case_ref")
        raise FileMismatch(
            f"The column {shown_name(column)} (for the case reference) holds only "
            f"{distinct:,} different values in {rows:,} rows: it does not look "
            "like a column of case references. Are the file's columns in the right order, "
            f"and is {profile.name!r} the right profile?"
        )


def force_key(name: str) -> str:
    """'Avon and Somerset Constabulary', 'Devon & Cornwall Police' -> the force's own name."""
    words = re.sub(r"[^0-9a-z]+", " ", name.casefold().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in FORCE_WORDS)


def force_mismatch(batch: pl.DataFrame, profile, force_name: str, forces: list[str]) -> None:
    """Refuse a file whose force columns name a force other than ``force_name``."""
    wanted = force_key(force_name)
    by_key = {force_key(name): name for name in forces}
    for column in profile.force_columns:
        if column not in batch.columns:
            continue
        values = (
            batch.select(pl.col("_line"), pl.col(column).str.strip_chars().alias("v"))
            .filter(pl.col("v").is_not_null() & (pl.col("v") != ""))
            .group_by("v")
            .agg(pl.col("_line").min().alias("line"), pl.len().alias("rows"))
            .sort("line")
        )
        for value, line, rows in values.iter_rows():
            key = force_key(value)
            if key == wanted:
                continue
            other = by_key.get(key)
            named = f"the force {other}" if other else repr(SHAPE_ONLY.text(value))
            raise FileMismatch(
                f"Line {line}, column {shown_name(column)}: the file names {named} "
                f"({rows:,} row{'s' if rows != 1 else ''}), but this inspection is of "
                f"{force_name}. Is it the right file?"
            )
