"""Map a loaded file onto the canonical schema and check every row, losing nothing.

Every row ends up in exactly one of three places: accepted (into the frame), rejected (with
its problems), or out of scope (the profile says why: anti-social behaviour in a street
file, an earlier outcome of a crime in an outcomes file). Out-of-scope rows are counted by
reason; they are not rejections and do not count towards the refusal limit.

Each problem is reported with its line, field, what was found and what was expected. No
value that could be a reference is ever echoed, kept in the frame outside the pseudonym, or
written anywhere (``redaction.ReferenceGuard``: by its shape, and against the file's
reference column).

Problem classes (``problem``):
  missing_reference   no reference (and the profile does not derive one)
  invalid_reference   not of the form the profile's reference_pattern gives (not shown)
  duplicate_reference the reference was already used on an earlier line
  missing_date        no date recorded
  invalid_date        not a date in the profile's formats, or no such day (30 February)
  impossible_date     a real day, but in the future or before 1900
  unknown_category    not one of the seven categories (after the profile's map)
  age_out_of_range    not a whole number from 0 to 17
  council_outside_force  (warning) a council not in the force's area
  unknown_lsoa        (warning) an LSOA name whose district is not known
  invalid_council_code   (warning) not an ONS council code; not kept
  value_withheld      (warning) a value that could be a case reference; not kept
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

import polars as pl

from cpinspect.casefiles import fit, lsoa
from cpinspect.casefiles.redaction import WITHHELD, ReferenceGuard
from cpinspect.casefiles.schema import AGE_MAX, AGE_MIN, CATEGORY_LABELS

REJECT, WARNING = "reject", "warning"
PROBLEMS = {
    "missing_reference": REJECT,
    "invalid_reference": REJECT,
    "duplicate_reference": REJECT,
    "missing_date": REJECT,
    "invalid_date": REJECT,
    "impossible_date": REJECT,
    "unknown_category": REJECT,
    "age_out_of_range": REJECT,
    "council_outside_force": WARNING,
    "unknown_lsoa": WARNING,
    "invalid_council_code": WARNING,
    "value_withheld": WARNING,
}
EARLIEST = dt.date(1900, 1, 1)
FOUND_MAX = 60
COUNCIL_CODE = r"^[EW]\d{8}$"
PROBLEM_SCHEMA = {"line": pl.Int64, "field": pl.String, "problem": pl.String, "found": pl.String}


@dataclass
class Checked:
    accepted: pl.DataFrame  # _ref (raw, still secret), recorded_on, category, ... attr_*
    problems: pl.DataFrame  # line, field, problem, found; sorted by line then field
    kinds: list[dict] = field(default_factory=list)  # per problem and field: counts, words
    rows_read: int = 0
    rows_rejected: int = 0
    rows_warned: int = 0
    rows_out_of_scope: int = 0
    out_of_scope: list[dict] = field(default_factory=list)  # reason, rows, first_line
    out_of_scope_lines: pl.DataFrame | None = None  # _line, reason (for the tests)
    columns_kept: list[str] = field(default_factory=list)
    columns_dropped: list[str] = field(default_factory=list)
    guard: ReferenceGuard = field(default_factory=ReferenceGuard)  # of the file's references

    def problem_dicts(self) -> list[dict]:
        return self.problems.to_dicts()


def _attr_name(column: str) -> str:
    return "attr_" + (re.sub(r"[^0-9a-z]+", "_", column.lower()).strip("_") or "column")


def _parse_dates(column: pl.Expr, formats: list[str]) -> pl.Expr:
    attempts = []
    for fmt in dict.fromkeys([*formats, "%Y-%m-%d"]):
        value = column
        if "%d" not in fmt and "%j" not in fmt:
            value, fmt = column + "-01", fmt + "-%d"
        attempts.append(value.str.strptime(pl.Date, fmt, strict=False))
    return pl.coalesce(attempts)


FORMAT_WORDS = {
    "%Y": "YYYY",
    "%y": "YY",
    "%m": "MM",
    "%d": "DD",
    "%b": "Jan",
    "%B": "January",
    "%H": "hh",
    "%M": "mm",
    "%S": "ss",
    "%z": "+hh:mm",
    "%j": "DDD",
}


def format_words(fmt: str) -> str:
    """'%d/%m/%Y' -> 'DD/MM/YYYY': a date format as people write it."""
    return re.sub(r"%[A-Za-z]", lambda m: FORMAT_WORDS.get(m.group(), m.group()), fmt)


def _out_of_scope_index(profile, present: set[str]) -> pl.Expr:
    """The index of the first out-of-scope rule a row meets (None: in scope)."""
    expr = pl.lit(None, dtype=pl.Int32)
    for index, rule in reversed(list(enumerate(profile.out_of_scope))):
        if rule["column"] not in present:
            continue
        value = pl.col(rule["column"]).str.strip_chars()
        if rule.get("empty"):
            met = value.is_null() | (value == "")
        else:
            wanted = [" ".join(v.split()).lower() for v in rule["equals"]]
            met = value.str.to_lowercase().is_in(wanted).fill_null(False)
        expr = pl.when(met).then(pl.lit(index, dtype=pl.Int32)).otherwise(expr)
    return expr


def check(
    table: pl.DataFrame,
    profile,
    *,
    council_codes: set[str],
    today: dt.date,
    columns: list[str] | None = None,
) -> Checked:
    """Normalise ``table`` with ``profile`` and validate every row. ``columns``: the file's
    header, when the reader kept only some of its columns in ``table``."""
    present = set(c for c in table.columns if c != "_line")
    header = fit.header_fit(columns or [c for c in table.columns if c != "_line"], profile)
    cat_col = profile.source_column("category")
    reasons = [rule["reason"] for rule in profile.out_of_scope]
    repeats_index = len(reasons)
    reasons.append(profile.repeats_reason or "the reference is listed again")

    def opt(name):
        col = profile.source_column(name)
        if col in present:
            return pl.col(col).str.strip_chars().replace("", None)
        return pl.lit(None, dtype=pl.String)

    oos = _out_of_scope_index(profile, present)
    in_scope = table.select(pl.col("_line"), oos.is_null().alias("_in")).get_column("_in")
    rows_in_scope = int(in_scope.sum())
    if rows_in_scope == 0:
        raise fit.FileMismatch(
            f"Every one of the file's {table.height:,} rows is out of scope "
            f"({'; '.join(reasons[:-1]) or 'by the profile'}): there is nothing to import."
        )
    category = _category(table, profile, cat_col, present)
    if profile.council_from_lsoa and profile.council_from_lsoa in present:
        lsoa_text = pl.col(profile.council_from_lsoa).str.strip_chars().replace("", None)
        council_text = lsoa_text
    else:
        lsoa_text = pl.lit(None, dtype=pl.String)
        council_text = opt("council_code").str.to_uppercase()
    attrs = []
    for column in header.kept:
        name = _attr_name(column)
        while name in {a for _, a in attrs}:
            name += "_2"
        attrs.append((column, name))
    age_text = opt("child_age")
    frame = table.select(
        pl.col("_line"),
        opt("case_ref").alias("_ref"),
        opt("recorded_on").alias("_date_text"),
        (pl.col(cat_col).str.strip_chars() if cat_col in present else pl.lit(None))
        .cast(pl.String)
        .alias("_cat_text"),
        category.alias("category"),
        age_text.alias("_age_text"),
        age_text.cast(pl.Int64, strict=False).alias("child_age"),
        council_text.alias("_council_text"),
        lsoa_text.alias("_lsoa_text"),
        opt("outcome").alias("outcome"),
        oos.alias("_oos"),
        *[pl.col(c).alias(a) for c, a in attrs],
        *[
            pl.col(c).alias(f"_derive_{i}")
            for i, c in enumerate(profile.derive_reference_from)
            if c in present
        ],
    )
    _check_filled(table, frame, profile, rows_in_scope)
    if profile.missing_reference == "derive":
        frame = _derive_references(frame)
    frame = frame.with_columns(
        _parse_dates(pl.col("_date_text"), profile.date_formats).alias("recorded_on")
    )
    in_scope_refs = frame.filter(pl.col("_oos").is_null()).get_column("_ref").drop_nulls()
    distinct_refs = in_scope_refs.hash().n_unique()  # as many as the references, but for
    if profile.missing_reference != "derive":  # a rare collision of two hashes
        fit.check_references(in_scope_refs.len(), distinct_refs, profile)
    if profile.repeats == "keep_latest":
        frame = _collapse_repeats(frame, repeats_index)
    all_in_scope = frame.get_column("_oos").null_count() == frame.height
    frame = frame.with_columns(
        pl.col("_ref").alias("_ref_in")
        if all_in_scope  # the same column, not a copy
        else pl.when(pl.col("_oos").is_null()).then(pl.col("_ref")).alias("_ref_in")
    )
    repeats = profile.repeats == "keep_latest"
    frame = frame.with_columns(
        _duplicates(
            frame.get_column("_ref_in"),
            all_distinct=not repeats and distinct_refs == in_scope_refs.len(),
        ).alias("_dup")
    )
    frame = _first_lines(frame)
    frame = _councils(frame, profile)
    guard = ReferenceGuard(frame.get_column("_ref"))
    kept_text = ["outcome", *[a for _, a in attrs]]
    withheld = {name: guard.unsafe(frame.get_column(name)) for name in kept_text}
    withheld = {name: flags for name, flags in withheld.items() if flags.any()}
    frame = frame.with_columns(
        *[
            pl.Series(f"_w_{name}", withheld[name])
            if name in withheld
            else pl.lit(False).alias(f"_w_{name}")
            for name in kept_text
        ],
        *[
            pl.when(pl.Series(flags)).then(None).otherwise(pl.col(name)).alias(name)
            for name, flags in withheld.items()
        ],
    )
    checks = _checks(profile, council_codes, today, kept_text, attrs)
    flags = frame.with_columns(
        *[
            (pl.col("_oos").is_null() & cond.fill_null(False)).alias(f"_p_{i}")
            for i, (_, _, cond, _, _, _) in enumerate(checks)
        ]
    )
    rejected = pl.any_horizontal(
        [pl.col(f"_p_{i}") for i, c in enumerate(checks) if PROBLEMS[c[0]] == REJECT]
    )
    warned = pl.any_horizontal(
        [pl.col(f"_p_{i}") for i, c in enumerate(checks) if PROBLEMS[c[0]] == WARNING]
    )
    flags = flags.with_columns(rejected.alias("_rejected"), warned.alias("_warned"))
    parts, kinds = [], []
    for i, (name, field_name, _, found, expected, column) in enumerate(checks):
        hits = flags.filter(pl.col(f"_p_{i}"))
        if hits.height == 0:
            continue
        found_text = hits.select(
            pl.col("_line"), found.cast(pl.String).str.slice(0, FOUND_MAX).alias("_found")
        ).get_column("_found")
        parts.append(
            pl.DataFrame(
                {
                    "line": hits.get_column("_line"),
                    "field": pl.Series([field_name] * hits.height, dtype=pl.String),
                    "problem": pl.Series([name] * hits.height, dtype=pl.String),
                    "found": guard.shown(found_text).fill_null("(empty)"),
                }
            )
        )
        kinds.append(
            {
                "problem": name,
                "field": field_name,
                "column": fit.SHAPE_ONLY.text(column) if column else "",
                "severity": PROBLEMS[name],
                "expected": expected,
                "rows": hits.height,
                "first_line": int(hits.get_column("_line").min()),
            }
        )
    problems = (
        pl.concat(parts).sort(["line", "field"], maintain_order=True)
        if parts
        else pl.DataFrame(schema=PROBLEM_SCHEMA)
    )
    out = flags.filter(pl.col("_oos").is_not_null()).select("_line", "_oos")
    out_of_scope = [
        {"reason": reasons[index], "rows": rows, "first_line": first}
        for index, rows, first in out.group_by("_oos")
        .agg(pl.len(), pl.col("_line").min())
        .sort("_oos")
        .iter_rows()
    ]
    keep = [c for c in frame.columns if not c.startswith("_") or c in ("_ref", "_line")]
    accepted = flags.filter(pl.col("_oos").is_null() & ~pl.col("_rejected")).select(keep)
    return Checked(
        accepted=accepted,
        problems=problems,
        kinds=kinds,
        rows_read=table.height,
        rows_rejected=int(flags.get_column("_rejected").sum()),
        rows_warned=int(flags.filter(~pl.col("_rejected")).get_column("_warned").sum()),
        rows_out_of_scope=out.height,
        out_of_scope=out_of_scope,
        out_of_scope_lines=out.with_columns(
            pl.col("_oos").replace_strict(dict(enumerate(reasons)), return_dtype=pl.String)
        ).rename({"_oos": "reason"}),
        columns_kept=[fit.SHAPE_ONLY.text(c) for c in header.kept],
        columns_dropped=[fit.SHAPE_ONLY.text(c) for c in header.dropped],
        guard=guard,
    )


def _category(table, profile, cat_col, present) -> pl.Expr:
    cat_map = profile.normalised_category_map()
    if cat_col not in present:
        return pl.lit(cat_map[profile.category_default.strip().lower()])
    raw = pl.col(cat_col).str.strip_chars()
    # normalise each distinct value once (a file has a handful), then map every row
    distinct = table.get_column(cat_col).unique().drop_nulls().to_list()
    lookup = {v: cat_map.get(" ".join(v.split()).lower()) for v in distinct}
    category = pl.col(cat_col).replace_strict(lookup, default=None, return_dtype=pl.String)
    if profile.category_default:
        default = cat_map[profile.category_default.strip().lower()]
        category = pl.when(raw.is_null() | (raw == "")).then(pl.lit(default)).otherwise(category)
    return category


def _check_filled(table, frame, profile, rows_in_scope) -> None:
    """Each required column filled on most rows in scope, counted on the columns already
    trimmed for the frame where the column is one of the canonical fields."""
    trimmed = {
        profile.source_column(f): name
        for f, name in [
            ("case_ref", "_ref"),
            ("recorded_on", "_date_text"),
            ("category", "_cat_text"),
            ("child_age", "_age_text"),
            ("outcome", "outcome"),
        ]
    }
    required = [c for c in profile.required_source_columns() if c in table.columns]
    mine = [c for c in required if c in trimmed]
    filled = [
        (pl.col("_oos").is_null() & pl.col(trimmed[c]).is_not_null() & (pl.col(trimmed[c]) != ""))
        .sum()
        .alias(c)
        for c in mine
    ]
    counts = frame.select(filled).row(0, named=True) if mine else {}
    others = [c for c in required if c not in trimmed]
    if others:
        counts.update(
            fit.filled(table, others, _out_of_scope_index(profile, set(table.columns)).is_null())
        )
    fit.check_filled(counts, rows_in_scope, profile)


def _councils(frame: pl.DataFrame, profile) -> pl.DataFrame:
    """council_code from the LSOA name or the council column; _council_bad for a value that
    is not a council code, _lsoa_unknown for an LSOA name whose district is unknown."""
    if profile.council_from_lsoa:
        codes = lsoa.councils_of(frame.get_column("_lsoa_text"))
        return frame.with_columns(
            codes.alias("council_code"),
            pl.lit(False).alias("_council_bad"),
            (pl.col("_lsoa_text").is_not_null() & codes.is_null()).alias("_lsoa_unknown"),
        )
    texts = frame.get_column("_council_text")
    distinct = texts.drop_nulls().unique()  # a file names a few dozen councils at most
    codes = distinct.filter(distinct.str.contains(COUNCIL_CODE))
    valid = pl.col("_council_text").is_in(codes.implode())
    return frame.with_columns(
        pl.when(valid).then(pl.col("_council_text")).alias("council_code"),
        (pl.col("_council_text").is_not_null() & ~valid).alias("_council_bad"),
        pl.lit(False).alias("_lsoa_unknown"),
    )


def _checks(profile, council_codes, today, kept_text, attrs):
    """(problem, field, condition, found, expected, the file's column) for every check."""
    expected_cats = "one of: " + "; ".join(CATEGORY_LABELS.values())
    formats = " or ".join(format_words(f) for f in profile.date_formats)
    col = profile.source_column
    lsoa_column = profile.council_from_lsoa
    council_column = lsoa_column or col("council_code")
    attr_columns = {a: c for c, a in attrs}
    pattern = profile.reference_pattern
    checks = [
        (
            "missing_reference",
            "case_ref",
            pl.col("_ref").is_null(),
            pl.lit("(empty)"),
            profile.missing_reference_reason or "a case reference",
            col("case_ref"),
        ),
        (
            "invalid_reference",
            "case_ref",
            pl.col("_ref").is_not_null() & ~pl.col("_ref").str.contains(pattern)
            if pattern
            else pl.lit(False),
            pl.lit(WITHHELD),
            profile.reference_words or f"a reference matching {pattern}",
            col("case_ref"),
        ),
        (
            "duplicate_reference",
            "case_ref",
            pl.col("_dup"),
            pl.format("the same reference as line {}", pl.col("_first_line")),
            "a reference used once",
            col("case_ref"),
        ),
        (
            "missing_date",
            "recorded_on",
            pl.col("_date_text").is_null(),
            pl.lit("(empty)"),
            f"a date ({formats})",
            col("recorded_on"),
        ),
        (
            "invalid_date",
            "recorded_on",
            pl.col("_date_text").is_not_null() & pl.col("recorded_on").is_null(),
            pl.col("_date_text"),
            f"a real date in the form {formats}",
            col("recorded_on"),
        ),
        (
            "impossible_date",
            "recorded_on",
            pl.col("recorded_on").is_not_null()
            & ((pl.col("recorded_on") > today) | (pl.col("recorded_on") < EARLIEST)),
            pl.col("recorded_on").dt.strftime("%Y-%m-%d"),
            f"a date from {EARLIEST.isoformat()} to {today.isoformat()}",
            col("recorded_on"),
        ),
        (
            "unknown_category",
            "category",
            pl.col("category").is_null(),
            pl.col("_cat_text").fill_null("(empty)"),
            expected_cats,
            col("category"),
        ),
        (
            "age_out_of_range",
            "child_age",
            pl.col("_age_text").is_not_null()
            & (
                pl.col("child_age").is_null()
                | (pl.col("child_age") < AGE_MIN)
                | (pl.col("child_age") > AGE_MAX)
            ),
            pl.col("_age_text"),
            f"a whole number from {AGE_MIN} to {AGE_MAX}, or empty",
            col("child_age"),
        ),
        (
            "council_outside_force",
            "council_code",
            pl.col("council_code").is_not_null()
            & ~pl.col("council_code").is_in(sorted(council_codes)),
            pl.col("_council_text"),
            "an LSOA in a council of the force's area"
            if lsoa_column
            else "a council in the force's area",
            council_column,
        ),
        (
            "unknown_lsoa",
            "council_code",
            pl.col("_lsoa_unknown"),
            pl.col("_lsoa_text"),
            "an LSOA name: a district of England or Wales, a space, 3 digits and a letter",
            council_column,
        ),
        (
            "invalid_council_code",
            "council_code",
            pl.col("_council_bad"),
            pl.col("_council_text"),
            "an ONS council code, such as E10000012 (the value is not kept)",
            council_column,
        ),
    ]
    for name in kept_text:
        checks.append(
            (
                "value_withheld",
                name,
                pl.col(f"_w_{name}"),
                pl.lit(WITHHELD),
                "no case reference outside the reference column (the value is not kept)",
                attr_columns.get(name, col("outcome")),
            )
        )
    return checks


def _collapse_repeats(frame: pl.DataFrame, index: int) -> pl.DataFrame:
    """Of the in-scope rows sharing a reference, keep the latest (date, then line); mark the
    others out of scope with reason ``index``."""
    candidate = pl.col("_oos").is_null() & pl.col("_ref").is_not_null()
    order = pl.col("recorded_on").cast(pl.Int64).fill_null(-(10**6)) * 10**10 + pl.col("_line")
    latest = order == order.max().over("_ref")
    return frame.with_columns(
        pl.when(candidate & ~latest)
        .then(pl.lit(index, dtype=pl.Int32))
        .otherwise("_oos")
        .alias("_oos")
    )


def _duplicates(refs: pl.Series, all_distinct: bool | None = None) -> pl.Expr:
    """True for a reference already used on an earlier line (never for a missing one).

    Finding repeats among a million strings takes about 0.12 s; among their 64-bit hashes,
    0.02 s. Equal references have equal hashes, so when the hashes of the references are all
    different, so are the references and no row is a duplicate. Otherwise (a duplicate, or
    a rare collision of hashes) the references themselves are compared. ``all_distinct``:
    what the caller already knows of the hashes (``check`` counts them once for two uses).
    """
    name = refs.name
    if all_distinct is None:
        given = refs.drop_nulls()
        all_distinct = given.hash().n_unique() == given.len()
    if all_distinct:
        return pl.lit(False)
    return pl.col(name).is_not_null() & ~pl.col(name).is_first_distinct()


def _first_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """Add _first_line (the line where a duplicated reference was first used) to duplicates."""
    dups = frame.filter(pl.col("_dup"))
    if dups.height == 0:
        return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("_first_line"))
    repeated = dups.get_column("_ref_in").unique()
    firsts = (
        frame.filter(~pl.col("_dup") & pl.col("_ref_in").is_not_null())
        .join(repeated.to_frame(), on="_ref_in", how="semi")
        .select("_ref_in", pl.col("_line").alias("_first_line"))
    )
    return frame.join(firsts, on="_ref_in", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("_dup")).then(pl.col("_first_line")).alias("_first_line")
    )


def _derive_references(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows with no reference get one: SHA-256 of the profile's chosen columns."""
    sources = [c for c in frame.columns if c.startswith("_derive_")]
    missing = frame.filter(pl.col("_ref").is_null())
    if missing.height == 0 or not sources:
        return frame
    joined = (
        missing.select(pl.concat_str([pl.col(c).fill_null("") for c in sources], separator="\x1f"))
        .to_series()
        .to_list()
    )
    derived = ["D-" + hashlib.sha256(v.encode()).hexdigest()[:24] for v in joined]
    fill = pl.DataFrame({"_line": missing["_line"], "_derived": derived})
    return (
        frame.join(fill, on="_line", how="left")
        .with_columns(pl.coalesce("_ref", "_derived").alias("_ref"))
        .drop("_derived")
    )


def summarise_problems(kinds: list[dict]) -> dict:
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind["problem"]] = counts.get(kind["problem"], 0) + kind["rows"]
    return counts
