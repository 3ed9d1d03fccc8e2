"""The canonical extract schema every import profile maps a force's file onto."""

# (slug stored in frames and the database, label used in files and on pages)
CATEGORIES = [
    ("vulnerability_and_risk", "vulnerability and risk"),
    ("domestic_abuse", "domestic abuse where children live"),
    ("missing_children", "missing and absent children"),
    ("online_abuse", "online abuse"),
    ("cse", "child sexual exploitation"),
    ("custody", "children in custody"),
    ("rso_management", "registered sex offender management"),
]
CATEGORY_LABELS = dict(CATEGORIES)
CATEGORY_SLUGS = [slug for slug, _ in CATEGORIES]
# Either the label or the slug names a category in a file (case and spacing do not matter).
CATEGORY_LOOKUP = {**{label: slug for slug, label in CATEGORIES}, **{s: s for s in CATEGORY_SLUGS}}

FIELDS = ["case_ref", "recorded_on", "category", "child_age", "council_code", "outcome"]
REQUIRED = {"case_ref", "recorded_on", "category"}
AGE_MIN, AGE_MAX = 0, 17
AGE_BANDS = [(0, 4, "0-4"), (5, 9, "5-9"), (10, 13, "10-13"), (14, 17, "14-17")]

# Columns of the frame file (the pseudonymised extract); attributes follow as attr_<name>.
FRAME_COLUMNS = [
    "row",
    "pseudonym",
    "recorded_on",
    "category",
    "child_age",
    "council_code",
    "outcome",
]


def category_label(slug: str) -> str:
    return CATEGORY_LABELS.get(slug, slug)
