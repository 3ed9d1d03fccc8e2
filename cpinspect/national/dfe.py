"""Council-level children's social care figures from the Department for Education, and Ofsted's
judgements of councils' help and protection, read with their suppression markers kept.

The DfE files put a letter in place of a number where the figure is withheld: ``c``
(confidential: a small count, or a cell that would reveal one), ``x`` (not available), ``z``
(not applicable), ``u`` (low reliability), ``low`` and ``k`` (a figure that rounds to zero).
A marker is kept as a marker, in the square-bracket form of government statistics (``[c]``),
and never read as zero or dropped: the aggregation in ``context.py`` depends on it.

Files are read with ``registry.reference_data.read_rows``, so a bad file raises
``ReferenceDataError`` naming the file, line, field and value. Three of the files are the ones
planning already ships in ``scheduling/data/``; they are read from there, not copied twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cpinspect.registry.reference_data import ReferenceDataError, SourceRow, read_rows
from cpinspect.scheduling import priorities as scheduling_data

NATIONAL_DATA_DIR = Path(__file__).resolve().parent / "data"
KIND = "children's social care data"

CHILDREN_IN_NEED_FILE = "b1_children_in_need_2013_to_2025.csv"
SECTION_47_FILE = "c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv"
CPP_FILE = scheduling_data.CPP_FILE
POPULATION_FILE = scheduling_data.POPULATION_FILE
OFSTED_FILE = scheduling_data.OFSTED_FILE

# Where each file lives when no other folder is given.
HOME_OF_FILE = {
    CHILDREN_IN_NEED_FILE: NATIONAL_DATA_DIR,
    SECTION_47_FILE: NATIONAL_DATA_DIR,
    CPP_FILE: scheduling_data.DATA_DIR,
    POPULATION_FILE: scheduling_data.DATA_DIR,
    OFSTED_FILE: scheduling_data.DATA_DIR,
}

# The marker letters DfE uses, as government statistics write them; the order is precedence
# when several councils of one force carry different markers (confidentiality first).
MARKERS = {
    "c": "[c]",
    "x": "[x]",
    "u": "[u]",
    "low": "[low]",
    "k": "[k]",
    "z": "[z]",
}
MARKER_MEANINGS = {
    "[c]": "confidential: suppressed by the Department for Education to protect children "
    "(a count of 1 to 5, or a figure from which one could be worked out)",
    "[x]": "not available: the source has no figure for this council or year (for a grade: "
    "no grade for this force in the published sources held here)",
    "[u]": "low reliability: the source withholds the figure as unreliable",
    "[low]": "a positive figure that rounds to zero",
    "[k]": "a positive figure that rounds to zero",
    "[z]": "not applicable: the Department for Education's figures and Ofsted's judgements "
    "cover English councils only, so they do not apply to the Welsh forces",
}
PRECEDENCE = {marker: rank for rank, marker in enumerate(MARKERS.values())}
NUMBER = re.compile(r"\d+")
YEAR = re.compile(r"\d{4}")
COUNCIL_LEVEL = "Local authority"
NATIONAL_LEVEL = "National"
ENGLAND = "E92000001"
# The child population sits on every row of the looked-after file, once per kind of count;
# one kind is enough.
POPULATION_TYPE = "Children looked after on 31 March each year"


@dataclass(frozen=True)
class Figure:
    """A published count, or the marker that stands in its place."""

    value: int | None
    marker: str | None = None

    def __post_init__(self):
        if (self.value is None) == (self.marker is None):
            raise ValueError("a figure is either a number or a marker")

    def __str__(self):
        return self.marker if self.marker else f"{self.value:,}"


@dataclass(frozen=True)
class Statistic:
    """One council-level count: which file and column hold it, and what it means."""

    key: str
    label: str
    file_name: str
    column: str
    meaning: str


STATISTICS = (
    Statistic(
        "children_in_need",
        "Children in need",
        CHILDREN_IN_NEED_FILE,
        "At31_episodes",
        "children in need at 31 March (episodes of need open on that day; a child has at "
        "most one open episode)",
    ),
    Statistic(
        "section_47_enquiries",
        "Section 47 enquiries",
        SECTION_47_FILE,
        "Section47",
        "section 47 enquiries (Children Act 1989) that started in the year to 31 March",
    ),
    Statistic(
        "child_protection_plans",
        "Child protection plans",
        CPP_FILE,
        "CPP_At31",
        "children on child protection plans at 31 March",
    ),
)
POPULATION = Statistic(
    "child_population",
    "Children aged under 18",
    POPULATION_FILE,
    "population_estimate",
    "estimated population aged under 18, the base of every rate per 10,000 children",
)

# Ofsted's words for its four judgements, best first.
OFSTED_JUDGEMENTS = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
OFSTED_SHORT = {"Requires improvement to be good": "Requires improvement"}
OFSTED_HELP_AND_PROTECTION = "The experiences and progress of children who need help and protection"


@dataclass(frozen=True)
class OfstedJudgement:
    council_code: str
    judgement: str  # one of OFSTED_JUDGEMENTS
    inspected_on: str  # as Ofsted writes it, DD/MM/YYYY


@dataclass(frozen=True)
class SocialCareData:
    """The figures of one year: per statistic, council code -> figure; England's too."""

    year: int
    councils: dict[str, dict[str, Figure]]  # statistic key -> council code -> figure
    england: dict[str, Figure]  # statistic key -> England's figure (rounded to 10 by DfE)
    ofsted: dict[str, OfstedJudgement]
    ofsted_as_at: str = "31 March 2025"


def figure(row: SourceRow, column: str) -> Figure:
    """The number in a cell, or its marker; anything else is an error naming the line."""
    text = row[column].strip()
    letter = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    if letter.lower() in MARKERS:
        return Figure(None, MARKERS[letter.lower()])
    if NUMBER.fullmatch(text.replace(",", "")):
        return Figure(int(text.replace(",", "")))
    if text == "":
        raise row.invalid(column, "is empty (expected a count or a marker such as c or x)")
    known = ", ".join(MARKERS)
    raise row.invalid(column, f"is not a count or a known marker (expected digits or {known})")


def _path_of(file_name: str, source_dir: Path | None) -> Path:
    return Path(source_dir) if source_dir is not None else HOME_OF_FILE[file_name]


def _year_of(row: SourceRow) -> int:
    if not YEAR.fullmatch(row["time_period"]):
        raise row.invalid("time_period", "is not a year (expected four digits, such as 2025)")
    return int(row["time_period"])


def _rows(statistic: Statistic, source_dir: Path | None) -> list[SourceRow]:
    columns = ["time_period", "geographic_level", "new_la_code", "la_name", statistic.column]
    if statistic is POPULATION:
        columns.append("population_type")
    rows = read_rows(_path_of(statistic.file_name, source_dir), KIND, statistic.file_name, columns)
    if statistic is POPULATION:
        rows = [row for row in rows if row["population_type"] == POPULATION_TYPE]
        if not rows:
            raise ReferenceDataError(
                KIND,
                statistic.file_name,
                f'no row has population_type "{POPULATION_TYPE}" (expected one per council '
                "and year)",
            )
    return rows


def _latest_council_year(rows: list[SourceRow]) -> int:
    return max(_year_of(row) for row in rows if row["geographic_level"] == COUNCIL_LEVEL)


def _figures_of_year(statistic: Statistic, rows: list[SourceRow], year: int):
    councils: dict[str, Figure] = {}
    first_line: dict[str, int] = {}
    england = None
    for row in rows:
        if _year_of(row) != year:
            continue
        level = row["geographic_level"]
        if level == NATIONAL_LEVEL:
            england = figure(row, statistic.column)
        elif level == COUNCIL_LEVEL:
            code = row["new_la_code"]
            if code in first_line:
                raise row.invalid(
                    "new_la_code",
                    f"is a second row for this council in {year} (first on line "
                    f"{first_line[code]}; expected one row per council and year)",
                )
            first_line[code] = row.line
            councils[code] = figure(row, statistic.column)
    if england is None:
        raise ReferenceDataError(
            KIND,
            statistic.file_name,
            f"there is no National row for {year} (expected England's figure for every year)",
        )
    return councils, england


def read_ofsted(source_dir: Path | None = None) -> dict[str, OfstedJudgement]:
    code_column, date_column = "Local authority area code", "Inspection date"
    columns = [code_column, "Local authority name", date_column, OFSTED_HELP_AND_PROTECTION]
    rows = read_rows(_path_of(OFSTED_FILE, source_dir), KIND, OFSTED_FILE, columns)
    judgements: dict[str, OfstedJudgement] = {}
    for row in rows:
        judgement = row[OFSTED_HELP_AND_PROTECTION]
        if judgement not in OFSTED_JUDGEMENTS:
            expected = ", ".join(OFSTED_JUDGEMENTS)
            raise row.invalid(
                OFSTED_HELP_AND_PROTECTION, f"is not an Ofsted judgement (expected {expected})"
            )
        code = row[code_column]
        if code in judgements:
            raise row.invalid(code_column, "is a second row for this council (expected one)")
        judgements[code] = OfstedJudgement(code, judgement, row[date_column])
    return judgements


def read_social_care_data(source_dir: Path | None = None) -> SocialCareData:
    """The latest year that every DfE file has council figures for, with England's figures.

    With ``source_dir``, every file is read from there (tests use a corrupted copy).
    """
    statistics = (*STATISTICS, POPULATION)
    rows = {statistic.key: _rows(statistic, source_dir) for statistic in statistics}
    # One year for every figure, so that counts and populations match.
    year = min(_latest_council_year(rows[statistic.key]) for statistic in statistics)
    councils, england = {}, {}
    for statistic in statistics:
        councils[statistic.key], england[statistic.key] = _figures_of_year(
            statistic, rows[statistic.key], year
        )
    return SocialCareData(year, councils, england, read_ofsted(source_dir))


@cache
def shipped_social_care_data() -> SocialCareData:
    """The shipped files, read once per process (they change only with a release)."""
    return read_social_care_data()
