"""Disclosure control for published tables of counts of individuals (docs/disclosure-control.md).

``protect(table)`` and ``protect_counts(counts)`` return what may be published: each cell and
each total is either its count or a marker. The steps:

1. **Primary suppression.** Counts from 1 to ``policy.threshold`` (5) become ``[c]``, totals
   included. Zero is shown as 0.
2. **Secondary suppression.** Every published total is a linear constraint: a row's cells add
   up to the row total, a column's to the column total, the column totals and the row totals
   each to the grand total. A suppressed total keeps its constraint with one more unknown, so
   the table and its margins are one set of *lines* (members plus total), and a line with
   exactly one suppressed entry gives that entry away. Until no line has exactly one, the
   smallest non-zero published entry of such a line is suppressed too (a cell before a total
   of the same size).
3. **Audit.** Two suppressions per line is necessary but not sufficient: combinations of
   lines, and the fact that counts are never negative, can still pin a value. So every
   suppressed value is attacked with linear programming, as a reader could: minimise and
   maximise it over all tables that agree with everything published, where a ``[c]`` is at
   least 1 (the policy never suppresses a zero, and every reader knows it). Every suppressed
   value must be able to take at least two values and to be more than ``policy.threshold``,
   so the reader cannot tell its value nor that it is small. A value that fails gets one more
   suppression in one of its lines, then steps 2 and 3 run again, to a fixed point.

For these tables (each cell in one row and one column) the constraint matrix is totally
unimodular, so the limits of the linear programme are whole numbers: the same ranges an
attacker restricted to whole numbers would find.

Not available cells (``None``, shown ``[x]``) and not applicable cells (``[z]``) count for
nothing in the totals; a total with no available cell takes their marker.

Protection here is for one table at a time. Tables that share cells (a thematic report and
its force reports, two versions of a report) are protected together by ``stats.linked``.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from scipy.optimize import linprog

CONFIDENTIAL = "[c]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
LOW_RELIABILITY = "[u]"
MARKERS = {
    CONFIDENTIAL: "confidential: withheld to protect the people counted",
    NOT_AVAILABLE: "not available",
    NOT_APPLICABLE: "not applicable",
    LOW_RELIABILITY: "low reliability",
}

# A published value: a count or one of the markers above.
Published = int | str
# A position in a protected table, for the report code and the tests (never published):
# ("cell", row, column), ("row_total", row), ("column_total", column), ("grand_total",);
# in a list of counts: ("cell", index), ("total",).
Position = tuple

# 32 hex characters: the form of a case pseudonym (casefiles.pseudonymise).
_PSEUDONYM = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{32}(?![0-9a-fA-F])")


@dataclass(frozen=True)
class Policy:
    """The disclosure control policy; the defaults are the documented policy."""

    threshold: int = 5  # counts 1..threshold are confidential; 0 turns suppression off
    min_rate_base: int = 10  # a rate on fewer cases than this is marked [u]
    rate_decimals: int = 1

    def __post_init__(self):
        for name in ("threshold", "min_rate_base", "rate_decimals"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"Policy.{name} must be a whole number, 0 or more (got {value!r})."
                )


def _label_ok(label, what: str) -> str:
    label = str(label)
    if _PSEUDONYM.search(label):
        raise ValueError(
            f"A {what} label looks like a case pseudonym; published tables never name cases."
        )
    return label


def _cell_ok(value, where: str):
    if value is None or value in (NOT_AVAILABLE, NOT_APPLICABLE):
        return NOT_AVAILABLE if value is None else value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"The {where} must be a whole number, None (not available) or '[z]' "
            f"(not applicable), not {value!r}."
        )
    if value < 0:
        raise ValueError(f"The {where} is a count and cannot be negative (got {value}).")
    return int(value)


def _total_of(values) -> Published:
    known = [v for v in values if isinstance(v, int)]
    if known:
        return sum(known)
    return NOT_AVAILABLE if NOT_AVAILABLE in values or not values else NOT_APPLICABLE


@dataclass(frozen=True)
class Table:
    """Counts by row and column; None is not available, '[z]' not applicable.

    Row totals, column totals and the grand total are the sums of the available cells and are
    published with the table.
    """

    cells: Sequence[Sequence[int | str | None]]
    row_labels: Sequence[str] = ()
    column_labels: Sequence[str] = ()

    def __post_init__(self):
        rows = [list(row) for row in self.cells]
        if not rows or not rows[0]:
            raise ValueError("A table needs at least one row and one column.")
        width = len(rows[0])
        for i, row in enumerate(rows):
            if len(row) != width:
                raise ValueError(f"Every row needs {width} cells; row {i + 1} has {len(row)}.")
        cells = tuple(
            tuple(_cell_ok(v, f"cell in row {i + 1}, column {j + 1}") for j, v in enumerate(row))
            for i, row in enumerate(rows)
        )
        object.__setattr__(self, "cells", cells)
        for name, size, what in (
            ("row_labels", len(rows), "row"),
            ("column_labels", width, "column"),
        ):
            labels = tuple(getattr(self, name))
            if not labels:
                labels = tuple(str(k + 1) for k in range(size))
            if len(labels) != size:
                raise ValueError(f"There are {size} {what}s but {len(labels)} {what} labels.")
            object.__setattr__(self, name, tuple(_label_ok(x, what) for x in labels))

    @property
    def row_totals(self) -> tuple[Published, ...]:
        return tuple(_total_of(row) for row in self.cells)

    @property
    def column_totals(self) -> tuple[Published, ...]:
        return tuple(_total_of(column) for column in zip(*self.cells, strict=True))

    @property
    def grand_total(self) -> Published:
        return _total_of([v for row in self.cells for v in row])


@dataclass(frozen=True)
class ProtectedTable:
    """What may be published. ``primary`` and ``secondary`` say why a value is [c]; they are
    for checking and must not be published (they would say which values are small)."""

    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[Published, ...], ...]
    row_totals: tuple[Published, ...]
    column_totals: tuple[Published, ...]
    grand_total: Published
    primary: frozenset[Position] = field(repr=False)
    secondary: frozenset[Position] = field(repr=False)
    # rows whose every cell is [c], zeros included (stats.linked: a withheld breakdown)
    withheld_rows: frozenset[int] = field(default=frozenset(), repr=False)

    def as_text_rows(
        self, *, csv: bool = False, total_label: str = "Total", corner: str = ""
    ) -> list[list[str]]:
        """Header, one line per row ending with its total, then the totals line."""
        text = [[corner, *self.column_labels, total_label]]
        for label, row, total in zip(self.row_labels, self.cells, self.row_totals, strict=True):
            text.append([label, *(published_value(v, csv=csv) for v in (*row, total))])
        totals = (*self.column_totals, self.grand_total)
        text.append([total_label, *(published_value(v, csv=csv) for v in totals)])
        return text


@dataclass(frozen=True)
class ProtectedCounts:
    """A protected list of counts with its total."""

    labels: tuple[str, ...]
    cells: tuple[Published, ...]
    total: Published
    primary: frozenset[Position] = field(repr=False)
    secondary: frozenset[Position] = field(repr=False)


# The engine works on a flat list of entries (cells and totals) and the lines that tie them.


def _lines_of(values: list[Published], lines: list[tuple[list[int], int]]):
    """Only the entries that are counts take part: markers carry no constraint."""
    usable = []
    for members, total in lines:
        if not isinstance(values[total], int):
            continue
        usable.append(([m for m in members if isinstance(values[m], int)], total))
    return usable


def _line_rule(values, lines, is_total, suppressed: set[int]) -> None:
    """Suppress until no line has exactly one suppressed entry (in place)."""
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            entries = [*members, total]
            hidden = [e for e in entries if e in suppressed]
            if len(hidden) != 1:
                continue
            candidates = [e for e in entries if e not in suppressed and values[e] > 0]
            # A hidden value is never 0, so its line always has another non-zero entry.
            choice = min(candidates, key=lambda e: (values[e], is_total[e], e))
            suppressed.add(choice)
            changed = True


def _ranges_fail(values, lines, suppressed: set[int], threshold: int):
    """The suppressed entries whose attacker's range is too narrow (see the module docstring)."""
    unknowns = sorted(suppressed)
    if not unknowns:
        return []
    column = {e: k for k, e in enumerate(unknowns)}
    rows, rhs = [], []
    for members, total in lines:
        entries = [(m, 1.0) for m in members] + [(total, -1.0)]
        coefficients = np.zeros(len(unknowns))
        known = 0.0
        for entry, sign in entries:
            if entry in column:
                coefficients[column[entry]] = sign
            else:
                known += sign * values[entry]
        if coefficients.any():
            rows.append(coefficients)
            rhs.append(-known)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None

    def extreme(k: int, sense: float) -> float:
        objective = np.zeros(len(unknowns))
        objective[k] = sense
        # a [c] is never 0 (zeros are shown), and every reader knows it (issue 13, item 1)
        result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
        if result.status == 3:  # unbounded: only a maximum can be
            return np.inf
        if result.status != 0:
            raise RuntimeError(f"The disclosure audit could not solve its check: {result.message}")
        # The limits are whole numbers (see the module docstring): round off solver noise.
        return float(round(sense * result.fun))

    failing = []
    for entry in unknowns:
        k = column[entry]
        high = extreme(k, -1.0)
        # not small: it can be more than the threshold; not exact: it can take two values
        safe = high > threshold and (high > values[entry] or extreme(k, 1.0) < values[entry])
        if not safe:
            failing.append(entry)
    return failing


def _suppress(values: list[Published], lines, is_total: list[bool], policy: Policy):
    lines = _lines_of(values, lines)
    primary = {e for e, v in enumerate(values) if isinstance(v, int) and 1 <= v <= policy.threshold}
    suppressed = set(primary)
    while True:
        _line_rule(values, lines, is_total, suppressed)
        failing = _ranges_fail(values, lines, suppressed, policy.threshold)
        if not failing:
            return primary, suppressed - primary
        added = set()
        for entry in failing:
            near = [
                e
                for members, total in lines
                if entry in (*members, total)
                for e in (*members, total)
            ]
            pool = [e for e in near if e not in suppressed and values[e] > 0]
            if not pool:  # its lines are used up: widen to the whole table
                pool = [
                    e
                    for e, v in enumerate(values)
                    if isinstance(v, int) and v > 0 and e not in suppressed
                ]
            if not pool:
                raise RuntimeError("The disclosure audit ran out of values to suppress.")
            added.add(min(pool, key=lambda e: (values[e], is_total[e], e)))
        suppressed |= added


def protect(table: Table, policy: Policy | None = None) -> ProtectedTable:
    """Apply the policy to a table and its row, column and grand totals."""
    policy = policy or Policy()
    if not isinstance(table, Table):
        raise ValueError("protect() takes a disclosure.Table; use protect_counts() for a list.")
    n_rows, n_cols = len(table.cells), len(table.cells[0])
    values: list[Published] = [v for row in table.cells for v in row]
    cell = [[i * n_cols + j for j in range(n_cols)] for i in range(n_rows)]
    row_total = [len(values) + i for i in range(n_rows)]
    values += list(table.row_totals)
    column_total = [len(values) + j for j in range(n_cols)]
    values += list(table.column_totals)
    grand = len(values)
    values.append(table.grand_total)
    is_total = [e >= n_rows * n_cols for e in range(len(values))]

    lines = [(cell[i], row_total[i]) for i in range(n_rows)]
    lines += [([cell[i][j] for i in range(n_rows)], column_total[j]) for j in range(n_cols)]
    lines += [(column_total, grand), (row_total, grand)]
    primary, secondary = _suppress(values, lines, is_total, policy)

    position: dict[int, Position] = {}
    for i in range(n_rows):
        position[row_total[i]] = ("row_total", i)
        for j in range(n_cols):
            position[cell[i][j]] = ("cell", i, j)
    for j in range(n_cols):
        position[column_total[j]] = ("column_total", j)
    position[grand] = ("grand_total",)

    def shown(e: int) -> Published:
        return CONFIDENTIAL if e in primary or e in secondary else values[e]

    return ProtectedTable(
        row_labels=tuple(table.row_labels),
        column_labels=tuple(table.column_labels),
        cells=tuple(tuple(shown(e) for e in row) for row in cell),
        row_totals=tuple(shown(e) for e in row_total),
        column_totals=tuple(shown(e) for e in column_total),
        grand_total=shown(grand),
        primary=frozenset(position[e] for e in primary),
        secondary=frozenset(position[e] for e in secondary),
    )


def protect_counts(
    counts: Sequence[int | str | None], policy: Policy | None = None, labels: Sequence[str] = ()
) -> ProtectedCounts:
    """Apply the policy to a list of counts and their published total."""
    policy = policy or Policy()
    values: list[Published] = [_cell_ok(v, f"count {k + 1}") for k, v in enumerate(counts)]
    if not values:
        raise ValueError("There are no counts to protect.")
    labels = tuple(labels) or tuple(str(k + 1) for k in range(len(values)))
    if len(labels) != len(values):
        raise ValueError(f"There are {len(values)} counts but {len(labels)} labels.")
    labels = tuple(_label_ok(x, "count") for x in labels)
    n = len(values)
    values.append(_total_of(values))
    primary, secondary = _suppress(values, [(list(range(n)), n)], [False] * n + [True], policy)

    def where(e: int) -> Position:
        return ("total",) if e == n else ("cell", e)

    def shown(e: int) -> Published:
        return CONFIDENTIAL if e in primary or e in secondary else values[e]

    return ProtectedCounts(
        labels=labels,
        cells=tuple(shown(e) for e in range(n)),
        total=shown(n),
        primary=frozenset(where(e) for e in primary),
        secondary=frozenset(where(e) for e in secondary),
    )


@dataclass(frozen=True)
class Rate:
    """A published rate: its rounded value, or a marker instead, or both with [u]."""

    value: Decimal | None
    marker: str | None


def rate(
    numerator: Published, denominator: Published, *, policy: Policy | None = None, per: int = 100
) -> Rate:
    """A rate (a percentage by default) from two *published* values of a protected table.

    A rate takes the marker of a count it comes from ([c] first, so a rate never shows a
    suppressed count); a base of 0 gives [z]; a base under ``policy.min_rate_base`` gives
    the rounded value with [u]. A numerator the policy would have suppressed is refused: it
    shows that the caller passed raw counts instead of the protected table's values (a small
    base is allowed: bases are design figures, published as they are).
    """
    policy = policy or Policy()
    for name, value in (("numerator", numerator), ("denominator", denominator)):
        if isinstance(value, str):
            if value not in MARKERS:
                raise ValueError(f"The {name} {value!r} is neither a count nor a marker.")
        elif isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"The {name} must be a published count or marker, not {value!r}.")
        elif 1 <= value <= policy.threshold and name == "numerator":
            # a base (cases graded) is a design figure and is published (ADR 0023)
            raise ValueError(
                f"The {name} {value} would be suppressed: pass the protected table's values."
            )
    for marker in (CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE, LOW_RELIABILITY):
        if marker in (numerator, denominator):
            return Rate(None, marker)
    if denominator == 0:
        return Rate(None, NOT_APPLICABLE)
    exact = Decimal(int(numerator) * per) / Decimal(int(denominator))
    value = exact.quantize(Decimal(1).scaleb(-policy.rate_decimals), rounding=ROUND_HALF_UP)
    return Rate(value, LOW_RELIABILITY if denominator < policy.min_rate_base else None)


def published_value(value: Published | Rate, *, csv: bool = False) -> str:
    """Text for a page (thousands separators) or a CSV file (plain digits).

    Markers are shown as they are; a rate with low reliability reads '28.6 [u]' in both.
    """
    if isinstance(value, Rate):
        if value.value is None:
            return value.marker
        number = f"{value.value}" if csv else f"{value.value:,}"
        return f"{number} {value.marker}" if value.marker else number
    if isinstance(value, str):
        if value not in MARKERS:
            raise ValueError(f"{value!r} is not a marker ({', '.join(MARKERS)}).")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"Only protected counts, markers and rates are published, not {value!r}.")
    return str(int(value)) if csv else f"{int(value):,}"
