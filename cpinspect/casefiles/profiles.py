"""Import profiles: YAML files (no code) that map a force's file onto the canonical schema.

A profile may say:

    name: my-force                 # required
    description: free text
    format: auto                   # auto | csv | xlsx | parquet
    encoding: auto                 # auto (UTF-8 with or without BOM, UTF-16 with BOM, else
                                   # cp1252) or any Python codec name
    delimiter: ","
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
    derive_reference_from: []      # columns hashed (SHA-256) into a reference when derive
    drop: []                       # columns discarded (all others are kept as attributes)
    null_values: []                # values read as empty, e.g. ["N/A", "-"]

Errors name the file, the line and the problem.
"""

from __future__ import annotations

import codecs
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
    "derive_reference_from": list,
    "drop": list,
    "null_values": list,
}
FORMATS = {"auto", "csv", "xlsx", "parquet"}


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
    delimiter: str = ","
    skip_rows: int = 0
    sheet: str | None = None
    columns: dict = field(default_factory=dict)
    date_formats: list = field(default_factory=lambda: ["%Y-%m-%d"])
    category_map: dict = field(default_factory=dict)
    category_default: str | None = None
    missing_reference: str = "reject"
    missing_reference_reason: str = ""
    derive_reference_from: list = field(default_factory=list)
    drop: list = field(default_factory=list)
    null_values: list = field(default_factory=list)
    source: str = ""

    def source_column(self, canonical: str) -> str:
        return self.columns.get(canonical, canonical)

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
    if isinstance(data.get("delimiter"), str) and len(data["delimiter"]) != 1:
        problems.append(f"{source}:{lines['delimiter']}: delimiter must be one character")
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
    for key in ("drop", "derive_reference_from", "null_values"):
        if isinstance(data.get(key), list) and not all(isinstance(v, str) for v in data[key]):
            problems.append(f"{source}:{lines[key]}: {key} is a list of column names or values")
    return data, problems


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
