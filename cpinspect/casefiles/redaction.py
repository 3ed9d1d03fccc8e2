"""Keep raw references in the reference column: nothing else written may hold one.

A value outside the reference column is withheld (never stored, logged or shown) when

* by its shape it could be a reference: one of its words has 6 or more characters with a
  digit among them, and is neither a date or time (2019-01, 12/01/2026, 2016-11-01T00:10:00)
  nor an ONS area code (E06000034, E01000914); or
* it is, or holds, a value of the file's reference column: the whole value, one of its words,
  or (for the short texts shown in reports) any run of 8 characters that starts a reference.

The first rule catches a reference wherever a file puts it (columns swapped, a header line
missing); the second catches references of any shape (words, dates) that the file's own
reference column holds. Tests: ``tests/casefiles/test_references_stay_put.py``.
"""

from __future__ import annotations

import polars as pl

WITHHELD = "(not shown: it could be a case reference)"
PREFIX = 8  # a run this long that starts a reference counts as the reference
SHORT_TEXT = 60  # texts up to this long (problem reports, names) are checked run by run

# characters that separate words; a reference may contain / - . but not these
_WORD = r"[^\s,;()\[\]{}\"'<>|]+"
_DATE = (
    r"^(?:\d{4}(?:[-/.]\d{1,2}){0,2}|\d{1,2}[-/.]\d{1,2}(?:[-/.](?:\d{4}|\d{2}))?)"
    r"(?:[T ]?\d{1,2}(?::\d{2}){1,2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_TIME = r"^\d{1,2}(?::\d{2}){1,2}$"
_ONS_CODE = r"^[EWSNK]\d{8}$"


def _word_looks_like_reference(word: pl.Expr) -> pl.Expr:
    return (
        (word.str.len_chars() >= 6)
        & word.str.contains(r"\d")
        & ~word.str.contains(_DATE)
        & ~word.str.contains(_TIME)
        & ~word.str.contains(_ONS_CODE)
    )


class ReferenceGuard:
    """Built from the file's reference column; says which other values must be withheld.

    Only distinct values are looked at, and each lookup scans the references once against
    the few candidates a check has (words, runs of 8 characters): a million references cost
    a few milliseconds a check, with no set of them built."""

    def __init__(self, references: pl.Series | None = None):
        refs = references if references is not None else pl.Series([], dtype=pl.String)
        self.references = refs.cast(pl.String).drop_nulls().rename("ref")
        self._prefixes = None

    @property
    def prefixes(self) -> pl.Series:
        if self._prefixes is None:  # a reference shorter than PREFIX never equals a run
            self._prefixes = self.references.str.slice(0, PREFIX)
        return self._prefixes

    def _known(self, candidates: pl.Series, among: pl.Series) -> set[str]:
        """The candidates that are values of ``among`` (one scan of ``among``)."""
        candidates = candidates.drop_nulls().unique()
        if candidates.len() == 0 or among.len() == 0:
            return set()
        return set(among.filter(among.is_in(candidates.implode())).unique().to_list())

    def unsafe(self, values: pl.Series, *, words=_WORD, runs_within=SHORT_TEXT) -> pl.Series:
        """True for each value that must be withheld (None stays False). Works on the
        distinct values, so a column of a million rows with a few dozen values is cheap."""
        values = values.cast(pl.String)
        distinct = values.drop_nulls().unique()
        if distinct.len() == 0:
            return pl.Series(values.name, [False] * values.len(), dtype=pl.Boolean)
        flagged = self._unsafe_distinct(distinct, words, runs_within)
        bad = [v for v, unsafe in zip(distinct.to_list(), flagged, strict=True) if unsafe]
        if not bad:  # the usual case: nothing to withhold, no pass over the values
            return (
                pl.Series(values.name, [False], dtype=pl.Boolean).extend_constant(
                    False, values.len() - 1
                )
                if values.len()
                else pl.Series(values.name, [], dtype=pl.Boolean)
            )
        return values.is_in(pl.Series(bad, dtype=pl.String).implode()).fill_null(False)

    def _unsafe_distinct(self, distinct: pl.Series, words: str, runs_within: int) -> list[bool]:
        table = distinct.rename("v").to_frame().with_row_index("i")
        split = (
            table.select("i", pl.col("v").str.extract_all(words).alias("w"))
            .explode("w")
            .drop_nulls("w")
            .with_columns(pl.col("w").str.strip_chars("."))
            .filter(pl.col("w") != "")
            .with_columns(pl.col("w").str.slice(0, PREFIX).alias("p"))
        )
        known_words = self._known(split.get_column("w"), self.references)
        known_starts = self._known(split.get_column("p"), self.prefixes)
        hit = _word_looks_like_reference(pl.col("w")) | pl.col("w").is_in(list(known_words))
        hit = hit | pl.col("p").is_in(list(known_starts))
        flagged = set(split.filter(hit).get_column("i").to_list())
        stripped = table.select(pl.col("v").str.strip_chars()).to_series()
        known_values = self._known(stripped, self.references)
        short = table.filter(pl.col("v").str.len_chars().is_between(PREFIX, runs_within))
        if short.height and self.references.len():
            # every run of PREFIX characters of the short texts, against the references' starts
            runs = (
                short.select(
                    "i",
                    pl.concat_list(
                        [
                            pl.col("v").str.slice(start, PREFIX)
                            for start in range(runs_within - PREFIX + 1)
                        ]
                    ).alias("r"),
                )
                .explode("r")
                .filter(pl.col("r").str.len_chars() == PREFIX)
            )
            known_runs = self._known(runs.get_column("r"), self.prefixes)
            if known_runs:
                flagged |= set(runs.filter(pl.col("r").is_in(list(known_runs)))["i"].to_list())
        values = table.get_column("v").str.strip_chars().to_list()
        return [i in flagged or values[i] in known_values for i in range(table.height)]

    def withheld(self, values: pl.Series) -> pl.Series:
        """``values`` with every unsafe value replaced by None."""
        unsafe = self.unsafe(values)
        return (
            pl.DataFrame({"v": values.cast(pl.String), "u": unsafe})
            .select(pl.when(~pl.col("u")).then(pl.col("v")))
            .to_series()
            .rename(values.name)
        )

    def shown(self, values: pl.Series) -> pl.Series:
        """``values`` for a report: unsafe ones replaced by ``WITHHELD``."""
        unsafe = self.unsafe(values)
        return (
            pl.DataFrame({"v": values.cast(pl.String), "u": unsafe})
            .select(pl.when(pl.col("u")).then(pl.lit(WITHHELD)).otherwise(pl.col("v")))
            .to_series()
            .rename(values.name)
        )

    def text(self, value: str | None) -> str | None:
        """One short text (a column's name, a force's name) as it may be shown."""
        if value is None:
            return None
        return self.shown(pl.Series("v", [value], dtype=pl.String))[0]

    def is_unsafe(self, value: str) -> bool:
        return bool(self.unsafe(pl.Series("v", [value], dtype=pl.String))[0])

    def file_name(self, name: str) -> str:
        """A file's name as it may be kept: its words are split at every punctuation mark
        (2019-01-kent-street.csv is fine), and it must hold no run of a reference."""
        unsafe = self.unsafe(
            pl.Series("v", [name], dtype=pl.String), words=r"[A-Za-z0-9]+", runs_within=255
        )[0]
        return "(file name not kept: it could hold a case reference)" if unsafe else name


SHAPE_ONLY = ReferenceGuard()  # before the reference column is known: the shape rule alone
