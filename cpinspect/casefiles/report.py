"""Plain words for the validation report (pages, CLI and API share them)."""

PROBLEM_LABELS = {
    "missing_reference": "No case reference",
    "invalid_reference": "Not a case reference of the expected form",
    "duplicate_reference": "Duplicate case reference",
    "missing_date": "No date recorded",
    "invalid_date": "Not a real date",
    "impossible_date": "Impossible date",
    "unknown_category": "Unknown category",
    "age_out_of_range": "Age out of range",
    "council_outside_force": "Council outside the force's area (warning)",
    "unknown_lsoa": "LSOA not recognised (warning)",
    "invalid_council_code": "Not a council code (warning)",
    "value_withheld": "Value withheld: it could be a case reference (warning)",
}
FIELD_LABELS = {
    "case_ref": "case reference",
    "recorded_on": "date recorded",
    "category": "category",
    "child_age": "child's age",
    "council_code": "council",
    "outcome": "outcome",
}
SEVERITY_LABELS = {"reject": "Row rejected", "warning": "Row kept, with a warning"}
DELIMITER_LABELS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def field_label(field: str) -> str:
    if field.startswith("attr_"):
        return "kept column"
    return FIELD_LABELS.get(field, field)


def column_words(kind: dict) -> str:
    """'Month (date recorded)': the file's column and what it is for."""
    purpose = field_label(kind["field"])
    column = kind.get("column") or ""
    return f"{column} ({purpose})" if column and column != kind["field"] else purpose


def kind_rows(extract) -> list[dict]:
    """The report's kinds of problem, in words, most frequent first."""
    kinds = sorted(extract.problem_kinds or [], key=lambda k: (-k["rows"], k["problem"]))
    return [
        {
            **k,
            "label": PROBLEM_LABELS.get(k["problem"], k["problem"]),
            "column_words": column_words(k),
            "severity_words": SEVERITY_LABELS.get(k["severity"], k["severity"]),
        }
        for k in kinds
    ]


def report_rows(extract, rows) -> list[dict]:
    """Rows of ``ExtractProblem`` (as dicts) with the words of their kind."""
    kinds = {(k["problem"], k["field"]): k for k in extract.problem_kinds or []}
    out = []
    for row in rows:
        kind = kinds.get((row["problem"], row["field"]), {"field": row["field"]})
        out.append(
            {
                **row,
                "label": PROBLEM_LABELS.get(row["problem"], row["problem"]),
                "column": kind.get("column", ""),
                "column_words": column_words({**kind, "field": row["field"]}),
                "severity": kind.get("severity", ""),
                "expected": kind.get("expected", ""),
            }
        )
    return out


def delimiter_words(extract) -> str:
    return DELIMITER_LABELS.get(extract.delimiter, extract.delimiter)


def file_words(extract) -> str:
    """'essex-cases.csv (CSV, UTF-8, fields separated by commas)'."""
    name = extract.file_name or "a file with no name given"
    details = []
    if extract.file_format:
        details.append(extract.file_format.upper())
    if extract.encoding and extract.encoding not in ("xlsx", "parquet"):
        details.append(extract.encoding.upper())
    if extract.delimiter:
        details.append(f"fields separated by {delimiter_words(extract)}")
    return f"{name} ({', '.join(details)})" if details else name
