"""Plain words for the validation report (pages, CLI and API share them)."""

PROBLEM_LABELS = {
    "missing_reference": "No case reference",
    "duplicate_reference": "Duplicate case reference",
    "missing_date": "No date recorded",
    "invalid_date": "Not a real date",
    "impossible_date": "Impossible date",
    "unknown_category": "Unknown category",
    "age_out_of_range": "Age out of range",
    "council_outside_force": "Council outside the force's area (warning)",
}


def report_rows(problems):
    return [{**p, "label": PROBLEM_LABELS.get(p["problem"], p["problem"])} for p in problems]
