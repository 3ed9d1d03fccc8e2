"""Import profiles: YAML files (no code) that map a force's file onto the canonical schema.

A profile may say:

    name: my-force                 # required
    description: free text
    format: auto                   # auto | csv | xlsx | parquet
    encoding: auto                 # auto (UTF-8 with or without BOM, UTF-16 with BOM, else
                                   # cp1252) or any Python codec name
    delimiter: auto                # auto (the header line's , ; tab or |) or one character
    skip_rows: 0                   # lines (CSV) or rows (XLSX) before the header
    sheet: null                    # XLSX sheet name (default: the first)
    columns:                       # canonical field: the file's column
      case_ref: Crime ID
    date_formats: ["%Y-%m-%d"]     # tried in order (strftime codes); ISO is always tried last
    category_map: {}               # the file's value -> canonical category (label or slug);
                                   # with a map, the file's own value is kept as an attribute
    category_default: null         # category when the file has none
    missing_reference: reject      # reject | derive
    missing_reference_reason: ""   # shown in the report for rows rejected for no reference
    reference_pattern: null        # a regular expression every reference matches, e.g.
                                   # police.uk's "^[0-9a-f]{64}$"; others are rejected
    reference_words: ""            # the same in words, for the report
    derive_reference_from: []      # columns hashed (SHA-256) into a reference when derive
    keep: []                       # extra columns kept as attributes (attr_<name>); every
                                   # other column is dropped, and the import lists it
    drop: []                       # columns known to be discarded (they do not count as
                                   # unknown when the file is checked against the profile)
    null_values: []                # values read as empty, e.g. ["N/A", "-"]
    required_columns: []           # columns the file must have, filled on most in-scope
                                   # rows (default: those of case_ref, recorded_on, category)
    force_columns: []              # columns naming the force; each value must name the
                                   # inspection's force ("Kent Police" names Kent)
    council_from_lsoa: null        # a column of LSOA names ("Basildon 012A"): the council
                                   # of each row is its district's upper-tier council
    out_of_scope:                  # rows that are not cases, counted apart (not rejected)
      - column: Crime type
        equals: [Anti-social behaviour]   # or: empty: true
        reason: anti-social behaviour, which is not recorded crime
    repeats: reject                # reject: a reference used again is a duplicate;
                                   # keep_latest: only the row of a reference with the latest
                                   # date (then the last such line) is kept, the others are
                                   # out of scope (repeats_reason says why)
    repeats_reason: ""

Errors name the file, the line and the problem.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cpinspect.casefiles.schema import CATEGORY_LOOKUP, FIELDS

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
KEYS = {
    "name": str,
    "description": str,
    "format": str,
    "encoding": str,
    "delimiter": str,
    "skip_rows": int,
    "sheet": (str, type(None)),
    "columns": dict,
    "date_formats": list,
    "category_map": dict,
    "category_default": (str, type(None)),
    "missing_reference": str,
    "missing_reference_reason": str,
    "reference_pattern": (str, type(None)),
    "reference_words": str,
    "derive_reference_from": list,
    "keep": list,
    "drop": list,
    "null_values": list,
    "required_columns": list,
    "force_columns": list,
    "council_from_lsoa": (str, type(None)),
    "out_of_scope": list,
    "repeats": str,
    "repeats_reason": str,
}
FORMATS = {"auto", "csv", "xlsx", "parquet"}
REPEATS = {"reject", "keep_latest"}
OUT_OF_SCOPE_KEYS = {"column", "equals", "empty", "reason"}


class ProfileError(Exception):
    """A profile that cannot be used; the message names the file, line and problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Profile:
    name: str
    description: str = ""
    format: str = "auto"
    encoding: str = "auto"
    delimiter: str = "auto"
    skip_rows: int = 0
    sheet: str | None = None
    columns: dict = field(default_factory=dict)
    date_formats: list = field(default_factory=lambda: ["%Y-%m-%d"])
    category_map: dict = field(default_factory=dict)
    category_default: str | None = None
    missing_reference: str = "reject"
    missing_reference_reason: str = ""
    reference_pattern: str | None = None
    reference_words: str = ""
    derive_reference_from: list = field(default_factory=list)
    keep: list = field(default_factory=list)
    drop: list = field(default_factory=list)
    null_values: list = field(default_factory=list)
    required_columns: list = field(default_factory=list)
    force_columns: list = field(default_factory=list)
    council_from_lsoa: str | None = None
    out_of_scope: list = field(default_factory=list)
    repeats: str = "reject"
    repeats_reason: str = ""
    source: str = ""

    def source_column(self, canonical: str) -> str:
        return self.columns.get(canonical, canonical)

    def required_source_columns(self) -> list[str]:
        """The columns a file must have and fill for this profile to fit it."""
        if self.required_columns:
            return list(self.required_columns)
        needed = [self.source_column("recorded_on")]
        if self.missing_reference != "derive":
            needed.append(self.source_column("case_ref"))
        if not self.category_default:
            needed.append(self.source_column("category"))
        return needed

    def known_columns(self) -> set[str]:
        """Every column the profile names: mapped, kept, dropped or used for a check."""
        known = {self.source_column(f) for f in FIELDS}
        known.update(self.keep, self.drop, self.force_columns, self.derive_reference_from)
        known.update(self.required_columns, (r["column"] for r in self.out_of_scope))
        if self.council_from_lsoa:
            known.add(self.council_from_lsoa)
        return known

    def normalised_category_map(self) -> dict:
        """File value (lower-cased, trimmed) -> category slug."""
        mapping = {k.strip().lower(): v for k, v in CATEGORY_LOOKUP.items()}
        for key, value in self.category_map.items():
            mapping[str(key).strip().lower()] = CATEGORY_LOOKUP[str(value).strip().lower()]
        return mapping


def check_text(text: str, source: str) -> tuple[dict, list[str]]:
    """Parse and check a profile's text; return (data, problems)."""
    problems: list[str] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return {}, [f"{source}:{line}: not valid YAML: {reason}"]
    if not isinstance(data, dict) or root is None:
        return {}, [f"{source}:1: a profile is a mapping of settings (name, columns, ...)"]
    lines = {}
    value_lines = {}
    for key_node, value_node in root.value:
        lines[key_node.value] = key_node.start_mark.line + 1
        value_lines[key_node.value] = value_node
    for key, value in data.items():
        line = lines.get(key, 1)
        if key not in KEYS:
            problems.append(f"{source}:{line}: unknown setting {key!r}")
            continue
        if not isinstance(value, KEYS[key]) or (KEYS[key] is int and isinstance(value, bool)):
            problems.append(f"{source}:{line}: {key!r} has the wrong type ({type(value).__name__})")
    if "name" not in data:
        problems.append(f"{source}:1: 'name' is required")

    def sub_line(key, sub):
        node = value_lines.get(key)
        if node is not None and hasattr(node, "value") and isinstance(node.value, list):
            for item in node.value:
                if isinstance(item, tuple) and str(item[0].value) == str(sub):
                    return item[0].start_mark.line + 1
        return lines.get(key, 1)

    if isinstance(data.get("format"), str) and data["format"] not in FORMATS:
        problems.append(
            f"{source}:{lines['format']}: format must be one of {', '.join(sorted(FORMATS))}"
        )
    if isinstance(data.get("encoding"), str) and data["encoding"] != "auto":
        try:
            codecs.lookup(data["encoding"])
        except LookupError:
            problems.append(f"{source}:{lines['encoding']}: unknown encoding {data['encoding']!r}")
    delimiter = data.get("delimiter")
    if isinstance(delimiter, str) and delimiter != "auto" and len(delimiter) != 1:
        problems.append(f"{source}:{lines['delimiter']}: delimiter must be auto or one character")
    if isinstance(data.get("skip_rows"), int) and data["skip_rows"] < 0:
        problems.append(f"{source}:{lines['skip_rows']}: skip_rows cannot be negative")
    if isinstance(data.get("columns"), dict):
        for canonical, column in data["columns"].items():
            if canonical not in FIELDS:
                problems.append(
                    f"{source}:{sub_line('columns', canonical)}: {canonical!r} is not a field of "
                    f"the canonical schema ({', '.join(FIELDS)})"
                )
            elif not isinstance(column, str) or not column:
                problems.append(
                    f"{source}:{sub_line('columns', canonical)}: the column for {canonical!r} "
                    "must be a non-empty name"
                )
    if isinstance(data.get("date_formats"), list):
        if not data["date_formats"]:
            problems.append(f"{source}:{lines['date_formats']}: give at least one date format")
        for fmt in data["date_formats"]:
            if not isinstance(fmt, str) or "%" not in fmt:
                problems.append(
                    f"{source}:{lines['date_formats']}: {fmt!r} is not a strftime format "
                    "(e.g. %d/%m/%Y)"
                )
    if isinstance(data.get("category_map"), dict):
        for key, value in data["category_map"].items():
            if str(value).strip().lower() not in CATEGORY_LOOKUP:
                problems.append(
                    f"{source}:{sub_line('category_map', key)}: {value!r} is not a category "
                    "(see docs: vulnerability and risk, domestic abuse where children live, ...)"
                )
    default = data.get("category_default")
    if isinstance(default, str) and default.strip().lower() not in CATEGORY_LOOKUP:
        problems.append(f"{source}:{lines['category_default']}: {default!r} is not a category")
    mode = data.get("missing_reference", "reject")
    if mode not in {"reject", "derive"}:
        problems.append(
            f"{source}:{lines.get('missing_reference', 1)}: missing_reference is reject or derive"
        )
    if mode == "derive" and not data.get("derive_reference_from"):
        problems.append(
            f"{source}:{lines.get('missing_reference', 1)}: derive needs derive_reference_from"
        )
    for key in (
        "keep",
        "drop",
        "derive_reference_from",
        "null_values",
        "required_columns",
        "force_columns",
    ):
        if isinstance(data.get(key), list) and not all(isinstance(v, str) for v in data[key]):
            problems.append(f"{source}:{lines[key]}: {key} is a list of column names or values")
    if isinstance(data.get("reference_pattern"), str):
        try:
            re.compile(data["reference_pattern"])
        except re.error as exc:
            problems.append(
                f"{source}:{lines['reference_pattern']}: reference_pattern is not a regular "
                f"expression ({exc})"
            )
    if isinstance(data.get("repeats"), str) and data["repeats"] not in REPEATS:
        problems.append(f"{source}:{lines['repeats']}: repeats is reject or keep_latest")
    if data.get("council_from_lsoa") and "council_code" in (data.get("columns") or {}):
        problems.append(
            f"{source}:{lines['council_from_lsoa']}: give the council by council_code or by "
            "council_from_lsoa, not both"
        )
    if isinstance(data.get("out_of_scope"), list):
        problems += _out_of_scope_problems(data["out_of_scope"], value_lines, source, lines)
    return data, problems


def _out_of_scope_problems(rules, value_lines, source, lines) -> list[str]:
    node = value_lines.get("out_of_scope")
    items = node.value if node is not None and isinstance(node.value, list) else []
    problems = []
    for index, rule in enumerate(rules):
        line = items[index].start_mark.line + 1 if index < len(items) else lines["out_of_scope"]
        where = f"{source}:{line}: out_of_scope rule {index + 1}"
        if not isinstance(rule, dict):
            problems.append(f"{where} is a mapping (column, equals or empty, reason)")
            continue
        unknown = set(rule) - OUT_OF_SCOPE_KEYS
        if unknown:
            problems.append(f"{where} has unknown setting(s) {', '.join(sorted(unknown))}")
        if not isinstance(rule.get("column"), str) or not rule["column"]:
            problems.append(f"{where} needs the column it looks at")
        if not isinstance(rule.get("reason"), str) or not rule["reason"].strip():
            problems.append(f"{where} needs a reason, shown with the rows it counts")
        equals, empty = rule.get("equals"), rule.get("empty")
        if (equals is None) == (empty is None):
            problems.append(f"{where} needs one of equals (a list of values) or empty: true")
        elif equals is not None and (
            not isinstance(equals, list) or not all(isinstance(v, str) for v in equals)
        ):
            problems.append(f"{where}: equals is a list of values")
        elif empty is not None and empty is not True:
            problems.append(f"{where}: empty can only be true")
    return problems


def load_file(path: Path | str) -> Profile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(
            [f"{path}:1: cannot read the profile ({exc.__class__.__name__})"]
        ) from None
    data, problems = check_text(text, str(path))
    if problems:
        raise ProfileError(problems)
    return Profile(**data, source=str(path))


def builtin_names() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def get_profile(name_or_path: str) -> Profile:
    """A built-in profile by name, or a profile file by path."""
    candidate = PROFILES_DIR / f"{name_or_path}.yaml"
    if "/" not in name_or_path and candidate.exists():
        return load_file(candidate)
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"} and path.exists():
        return load_file(path)
    raise ProfileError(
        [f"{name_or_path}: no such profile (built-in: {', '.join(builtin_names())})"]
    )
