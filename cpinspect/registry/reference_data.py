"""Reference data from public files: inspectorates, forces, councils and published PEEL grades.

Two steps, so that a bad file can never leave a half-finished load behind:

* ``read_reference_data`` reads and checks every file into plain dataclasses and writes nothing;
* ``load`` then writes them in one transaction, saving only rows that changed, so that a second
  load changes nothing and records no audit events.

Every problem raises ``ReferenceDataError``, whose message names the file, the line (the header
is line 1), the field, the value and what was expected. The files and their sources are listed
in ``data/ATTRIBUTION.md``.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import pghistory
from django.db import models, transaction
from pghistory.models import Event

from cpinspect.registry.models import (
    SCALE_GRADES,
    Council,
    Country,
    Force,
    GradeScale,
    InspectionGrade,
    Inspectorate,
    NationalGradeTotal,
    PublishedGrade,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

INSPECTORATES_FILE = "inspectorates.csv"
FORCES_FILE = "PFA19_names_codes_UK_Dec2019.csv"
DISTRICT_FORCES_FILE = "LAD19_CSP19_PFA19_lookup_EW_Dec2019.csv"
COUNCILS_FILE = "LTLA23_UTLA23_lookup_EW_Apr23.csv"
REORGANISATIONS_FILE = "council_reorganisations_2019_2023.csv"
PEEL_2016_FILE = "peel_2016_overall_effectiveness_by_force.csv"
PEEL_VULNERABILITY_FILE = "peel_vulnerability_2015_2017_PARTIAL.csv"
NATIONAL_TOTALS_FILE = "peel_2015_vulnerability_national_totals.csv"

FORCE_CODE = re.compile(r"(E23|W15)\d{6}")
# Scotland, Northern Ireland and two placeholders share the force file but are not forces of
# England and Wales.
NOT_A_FORCE_CODE = re.compile(r"[SNLM]\d{8}")
DISTRICT_CODE = re.compile(r"(E0[6-9]|W06)\d{6}")
COUNCIL_CODE = re.compile(r"(E0[689]|E10|W06)\d{6}")
INSPECTORATE_CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
PEEL_ASSESSMENT = re.compile(
    r"(?P<assessment>PEEL (?P<year>\d{4}) [a-z]+) \(published (?P<published_on>\d{4}-\d{2}-\d{2})\)"
)
WEB_ADDRESS = re.compile(r"https?://\S+")
YEAR = re.compile(r"\d{4}")
WHOLE_NUMBER = re.compile(r"\d+")

COUNTRY_OF_PREFIX = {"E": Country.ENGLAND, "W": Country.WALES}
YES_NO = {"yes": True, "no": False}
STATED_AS = ("grade label", "paraphrase")

VULNERABILITY_QUESTION = (
    "How effective is the force at protecting from harm those who are vulnerable, "
    "and supporting victims?"
)
# PEEL 2015 published its vulnerability grades on their own, ahead of the rest of
# effectiveness; from 2016 the question is part of the effectiveness assessment.
VULNERABILITY_PUBLICATIONS = {
    2015: ("PEEL 2015 effectiveness (vulnerability)", date(2015, 12, 15)),
    2016: ("PEEL 2016 effectiveness", date(2017, 3, 2)),
    2017: ("PEEL 2017 effectiveness", date(2018, 3, 22)),
}
PEEL_2016_SOURCE = (
    "HMIC, PEEL: police effectiveness 2016, published 2 March 2017 "
    "(grades transcribed from press reports of the publication)"
)

KINDS = ("inspectorates", "forces", "councils", "published grades", "national grade totals")


class ReferenceDataError(Exception):
    """A source file is missing or wrong; the message says where, what and what was expected."""

    def __init__(self, kind: str, file_name: str, problem: str, *, line=None, field=None):
        where = file_name if line is None else f"{file_name} line {line}"
        if field is not None:
            where += f", field {field}"
        super().__init__(f"{kind}: {where}: {problem}")
        self.kind, self.file_name, self.line, self.field = kind, file_name, line, field


# --- reading CSV files ----------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    """One line of a source file, with what is needed to say exactly where a problem is."""

    kind: str
    file_name: str
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def error(self, column: str, problem: str) -> ReferenceDataError:
        return ReferenceDataError(self.kind, self.file_name, problem, line=self.line, field=column)

    def invalid(self, column: str, problem: str) -> ReferenceDataError:
        return self.error(column, f'"{self[column]}" {problem}')


def read_rows(source_dir: Path, kind: str, file_name: str, columns: list[str]) -> list[SourceRow]:
    """Every row of a CSV file with a header, after checking the file and its columns exist."""
    path = source_dir / file_name
    if not path.is_file():
        raise ReferenceDataError(
            kind, file_name, f"the file is missing (expected it in {source_dir})"
        )
    try:
        # utf-8-sig drops the byte order mark some ONS files start with.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _rows_of(csv.DictReader(handle), kind, file_name, columns)
    except UnicodeDecodeError as error:
        problem = f"the file is not UTF-8 text (byte {error.start}; expected UTF-8 CSV)"
        raise ReferenceDataError(kind, file_name, problem) from None
    except csv.Error as error:
        problem = f"the file is not readable CSV ({error}; expected comma-separated values)"
        raise ReferenceDataError(kind, file_name, problem) from None


def _rows_of(reader: csv.DictReader, kind: str, file_name: str, columns: list[str]):
    header = reader.fieldnames
    if not header:
        expected = f"expected a header line with columns {', '.join(columns)}"
        raise ReferenceDataError(kind, file_name, f"the file is empty ({expected})")
    for column in columns:
        if column not in header:
            problem = f"the column is missing (expected columns {', '.join(columns)})"
            raise ReferenceDataError(kind, file_name, problem, line=1, field=column)
    rows = []
    for values in reader:
        if None in values:  # DictReader files surplus fields under None
            problem = (
                f"the line has {len(header) + len(values[None])} fields "
                f"(expected {len(header)}, as in the header)"
            )
            raise ReferenceDataError(kind, file_name, problem, line=reader.line_num)
        # A short line leaves its last fields as None: treat them as empty.
        cleaned = {name: (value or "").strip() for name, value in values.items()}
        rows.append(SourceRow(kind, file_name, reader.line_num, cleaned))
    if not rows:
        problem = "the file has a header but no rows (expected at least one row)"
        raise ReferenceDataError(kind, file_name, problem)
    return rows


# --- checking single values -----------------------------------------------------------------


def text(row: SourceRow, column: str, model: type[models.Model], model_field: str) -> str:
    """A required text value that fits the model field it will be stored in."""
    value = row[column]
    if not value:
        raise row.invalid(column, "is empty (expected a value)")
    return fits(row, column, model, model_field)


def fits(row: SourceRow, column: str, model: type[models.Model], model_field: str) -> str:
    limit = model._meta.get_field(model_field).max_length
    if limit and len(row[column]) > limit:
        raise row.invalid(
            column, f"is {len(row[column])} characters long (expected at most {limit})"
        )
    return row[column]


def matching(row: SourceRow, column: str, pattern: re.Pattern, problem: str) -> re.Match:
    match = pattern.fullmatch(row[column])
    if match is None:
        raise row.invalid(column, problem)
    return match


def iso_date(row: SourceRow, column: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise row.invalid(column, "is not a date (expected YYYY-MM-DD)") from None


def optional_date(row: SourceRow, column: str) -> date | None:
    return iso_date(row, column, row[column]) if row[column] else None


def known_force(row: SourceRow, column: str, forces: dict[str, ForceRecord]) -> str:
    code = row[column]
    if code not in forces:
        raise row.invalid(
            column, f"is not a known force code (expected one of the forces in {FORCES_FILE})"
        )
    return code


def same_force_name(row: SourceRow, column: str, force: ForceRecord) -> None:
    """Names must agree with the force file, which catches a code typed against the wrong force."""
    if row[column] != force.name:
        raise row.invalid(column, f'does not match force {force.code} (expected "{force.name}")')


def scale_for_year(year: int) -> str:
    # Four grades up to PEEL 2018/19; the five-point scale (with adequate) from 2021/22.
    return GradeScale.FOUR_POINT.value if year <= 2019 else GradeScale.FIVE_POINT.value


def grade_of(row: SourceRow, column: str, scale: str) -> str:
    """The grade a published label names, such as "Requires improvement"."""
    allowed = SCALE_GRADES[scale]
    wanted = " ".join(row[column].split()).casefold()
    for grade in allowed:
        if InspectionGrade(grade).label.casefold() == wanted:
            return InspectionGrade(grade).value
    labels = [InspectionGrade(grade).label for grade in allowed]
    expected = ", ".join(labels[:-1]) + " or " + labels[-1]
    raise row.invalid(
        column, f"is not a grade of the {scale_label(scale)} scale (expected {expected})"
    )


def scale_label(scale: str) -> str:
    return "four-point" if scale == GradeScale.FOUR_POINT else "five-point"


def refuse_duplicate(row: SourceRow, column: str, key: Hashable, seen: dict, what: str) -> None:
    if key in seen:
        raise row.invalid(
            column, f"is a duplicate {what} (first on line {seen[key]}; expected each once)"
        )
    seen[key] = row.line


def country_of(code: str) -> str:
    return COUNTRY_OF_PREFIX[code[0]].value


# --- what the files say ---------------------------------------------------------------------


@dataclass(frozen=True)
class InspectorateRecord:
    code: str
    name: str
    short_name: str
    is_lead: bool
    left_joint_programme_on: date | None


@dataclass(frozen=True)
class ForceRecord:
    code: str
    name: str
    country: str


@dataclass(frozen=True)
class CouncilRecord:
    code: str
    name: str
    name_welsh: str
    country: str
    force_code: str


@dataclass(frozen=True)
class PublishedGradeRecord:
    force_code: str
    assessment: str
    year: int
    question: str
    scale: str
    grade: str
    published_on: date | None
    stated_as: str
    source: str


@dataclass(frozen=True)
class NationalTotalRecord:
    assessment: str
    year: int
    question: str
    scale: str
    grade: str
    forces: int
    source: str


@dataclass(frozen=True)
class Reorganisation:
    force_code: str
    row: SourceRow


@dataclass(frozen=True)
class ReferenceData:
    inspectorates: dict[str, InspectorateRecord]
    forces: dict[str, ForceRecord]
    councils: dict[str, CouncilRecord]
    published_grades: list[PublishedGradeRecord]
    national_totals: list[NationalTotalRecord]


def read_reference_data(source_dir: Path | None = None) -> ReferenceData:
    """Read and check every file; nothing is written."""
    source_dir = Path(source_dir) if source_dir is not None else DATA_DIR
    if not source_dir.is_dir():
        raise ReferenceDataError("reference data", str(source_dir), "the folder is missing")
    forces = read_forces(source_dir)
    district_forces = read_district_forces(source_dir, forces)
    reorganisations = read_reorganisations(source_dir, forces)
    graded = read_peel_2016(source_dir, forces) + read_peel_vulnerability(source_dir, forces)
    refuse_duplicate_grades(graded)
    published_grades = [record for _row, record in graded]
    return ReferenceData(
        inspectorates=read_inspectorates(source_dir),
        forces=forces,
        councils=read_councils(source_dir, district_forces, reorganisations),
        published_grades=published_grades,
        national_totals=read_national_totals(source_dir, published_grades, len(forces)),
    )


def read_inspectorates(source_dir: Path) -> dict[str, InspectorateRecord]:
    columns = ["code", "name", "short_name", "is_lead", "left_joint_programme_on"]
    rows = read_rows(source_dir, "inspectorates", INSPECTORATES_FILE, columns)
    records: dict[str, InspectorateRecord] = {}
    seen: dict[str, int] = {}
    lead = None
    for row in rows:
        code = matching(
            row,
            "code",
            INSPECTORATE_CODE,
            "is not an inspectorate code (expected lower-case letters, digits and hyphens)",
        ).group()
        fits(row, "code", Inspectorate, "code")
        refuse_duplicate(row, "code", code, seen, "inspectorate code")
        if row["is_lead"] not in YES_NO:
            raise row.invalid("is_lead", "is not yes or no (expected yes or no)")
        is_lead = YES_NO[row["is_lead"]]
        if is_lead and lead is not None:
            raise row.invalid("is_lead", f"marks a second lead (expected one only; {lead} is lead)")
        lead = code if is_lead else lead
        records[code] = InspectorateRecord(
            code=code,
            name=text(row, "name", Inspectorate, "name"),
            short_name=text(row, "short_name", Inspectorate, "short_name"),
            is_lead=is_lead,
            left_joint_programme_on=optional_date(row, "left_joint_programme_on"),
        )
    if lead is None:
        problem = (
            "no inspectorate is marked as lead (expected is_lead yes for the police inspectorate)"
        )
        raise ReferenceDataError("inspectorates", INSPECTORATES_FILE, problem)
    return records


def read_forces(source_dir: Path) -> dict[str, ForceRecord]:
    rows = read_rows(source_dir, "forces", FORCES_FILE, ["PFA19CD", "PFA19NM"])
    forces: dict[str, ForceRecord] = {}
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for row in rows:
        code = row["PFA19CD"]
        if NOT_A_FORCE_CODE.fullmatch(code):
            continue
        matching(
            row,
            "PFA19CD",
            FORCE_CODE,
            "is not a police force area code (expected E23 or W15 followed by six digits; "
            "S, N, L and M codes are skipped)",
        )
        refuse_duplicate(row, "PFA19CD", code, seen_codes, "force code")
        name = text(row, "PFA19NM", Force, "name")
        refuse_duplicate(row, "PFA19NM", name, seen_names, "force name")
        forces[code] = ForceRecord(code=code, name=name, country=country_of(code))
    return forces


def read_district_forces(source_dir: Path, forces) -> dict[str, dict[str, int]]:
    """District code -> {force code: first line}; a district may be on several lines."""
    rows = read_rows(source_dir, "councils", DISTRICT_FORCES_FILE, ["LAD19CD", "PFA19CD"])
    district_forces: dict[str, dict[str, int]] = {}
    for row in rows:
        district = matching(
            row,
            "LAD19CD",
            DISTRICT_CODE,
            "is not a district code (expected E06, E07, E08, E09 or W06 followed by six digits)",
        ).group()
        force_code = known_force(row, "PFA19CD", forces)
        district_forces.setdefault(district, {}).setdefault(force_code, row.line)
    return district_forces


def read_reorganisations(source_dir: Path, forces) -> dict[str, Reorganisation]:
    """The force of each council created since the December 2019 district lookup."""
    columns = ["council_code", "council_name", "force_code", "force_name"]
    rows = read_rows(source_dir, "councils", REORGANISATIONS_FILE, columns)
    reorganisations: dict[str, Reorganisation] = {}
    seen: dict[str, int] = {}
    for row in rows:
        code = matching(row, "council_code", COUNCIL_CODE, COUNCIL_CODE_PROBLEM).group()
        refuse_duplicate(row, "council_code", code, seen, "council code")
        force_code = known_force(row, "force_code", forces)
        same_force_name(row, "force_name", forces[force_code])
        reorganisations[code] = Reorganisation(force_code=force_code, row=row)
    return reorganisations


COUNCIL_CODE_PROBLEM = (
    "is not a known council code (expected E06, E08, E09, E10 or W06 followed by six digits)"
)


@dataclass
class CouncilSource:
    """What the upper-tier lookup says about one council, line by line."""

    first_row: SourceRow
    districts: list[tuple[str, SourceRow]] = field(default_factory=list)


def read_councils(source_dir: Path, district_forces, reorganisations) -> dict[str, CouncilRecord]:
    columns = ["LTLA23CD", "UTLA23CD", "UTLA23NM", "UTLA23NMW"]
    rows = read_rows(source_dir, "councils", COUNCILS_FILE, columns)
    sources: dict[str, CouncilSource] = {}
    council_of_district: dict[str, tuple[str, int]] = {}
    for row in rows:
        code = matching(row, "UTLA23CD", COUNCIL_CODE, COUNCIL_CODE_PROBLEM).group()
        district = matching(
            row,
            "LTLA23CD",
            DISTRICT_CODE,
            "is not a district code (expected E06, E07, E08, E09 or W06 followed by six digits)",
        ).group()
        text(row, "UTLA23NM", Council, "name")
        fits(row, "UTLA23NMW", Council, "name_welsh")
        source = sources.setdefault(code, CouncilSource(first_row=row))
        refuse_conflicting_names(row, source.first_row)
        refuse_district_in_two_councils(row, district, code, council_of_district)
        source.districts.append((district, row))
    check_reorganised_councils_exist(reorganisations, sources)
    return {
        code: CouncilRecord(
            code=code,
            name=source.first_row["UTLA23NM"],
            name_welsh=source.first_row["UTLA23NMW"],
            country=country_of(code),
            force_code=force_of_council(code, source, district_forces, reorganisations),
        )
        for code, source in sources.items()
    }


def refuse_conflicting_names(row: SourceRow, first: SourceRow) -> None:
    for column in ("UTLA23NM", "UTLA23NMW"):
        if row[column] != first[column]:
            raise row.invalid(
                column,
                f"differs from the name of council {row['UTLA23CD']} on line {first.line} "
                f'("{first[column]}"; expected one name per council code)',
            )


def refuse_district_in_two_councils(row, district: str, council: str, council_of_district):
    earlier = council_of_district.setdefault(district, (council, row.line))
    if earlier[0] != council:
        raise row.invalid(
            "LTLA23CD",
            f"is also in council {earlier[0]} on line {earlier[1]} "
            "(expected each district in one council)",
        )


def check_reorganised_councils_exist(reorganisations, sources: dict[str, CouncilSource]) -> None:
    for code, reorganisation in reorganisations.items():
        row = reorganisation.row
        if code not in sources:
            raise row.invalid("council_code", f"is not a council in {COUNCILS_FILE} (expected one)")
        name = sources[code].first_row["UTLA23NM"]
        if row["council_name"] != name:
            raise row.invalid(
                "council_name",
                f'does not match council {code} in {COUNCILS_FILE} (expected "{name}")',
            )


def force_of_council(code: str, source: CouncilSource, district_forces, reorganisations) -> str:
    """The one force whose area holds all the council's districts."""
    found: dict[str, tuple[str, int]] = {}  # force code -> (district, line in the district file)
    for district, row in source.districts:
        for force_code, line in district_forces.get(district, {}).items():
            if found and force_code not in found:
                raise_council_in_two_forces(code, row, force_code, line, found)
            found.setdefault(force_code, (district, line))
    reorganisation = reorganisations.get(code)
    if reorganisation is not None:
        if found and reorganisation.force_code not in found:
            raise reorganisation.row.invalid(
                "force_code",
                f"differs from force {next(iter(found))} of the council's districts in "
                f"{DISTRICT_FORCES_FILE} (expected the same force)",
            )
        return reorganisation.force_code
    if not found:
        districts = ", ".join(district for district, _row in source.districts)
        raise source.first_row.invalid(
            "UTLA23CD",
            f"has no force: none of its districts ({districts}) is in {DISTRICT_FORCES_FILE} "
            f"and it has no row in {REORGANISATIONS_FILE} (expected one force per council)",
        )
    return next(iter(found))


def raise_council_in_two_forces(code, row, force_code, line, found):
    other_force, (other_district, other_line) = next(iter(found.items()))
    raise row.invalid(
        "LTLA23CD",
        f"is in force {force_code} ({DISTRICT_FORCES_FILE} line {line}) but district "
        f"{other_district} of the same council {code} is in force {other_force} (line "
        f"{other_line}; expected all the districts of a council in one force)",
    )


def read_peel_2016(source_dir: Path, forces) -> list[tuple[SourceRow, PublishedGradeRecord]]:
    columns = ["pfa19cd", "pfa19nm", "assessment", "judgement", "grade"]
    rows = read_rows(source_dir, "published grades", PEEL_2016_FILE, columns)
    graded = []
    for row in rows:
        force_code = known_force(row, "pfa19cd", forces)
        same_force_name(row, "pfa19nm", forces[force_code])
        assessment = matching(
            row,
            "assessment",
            PEEL_ASSESSMENT,
            "is not a PEEL assessment "
            '(expected e.g. "PEEL 2016 effectiveness (published 2017-03-02)")',
        )
        year = int(assessment["year"])
        scale = scale_for_year(year)
        record = PublishedGradeRecord(
            force_code=force_code,
            assessment=assessment["assessment"],
            year=year,
            question=text(row, "judgement", PublishedGrade, "question"),
            scale=scale,
            grade=grade_of(row, "grade", scale),
            published_on=iso_date(row, "assessment", assessment["published_on"]),
            stated_as="grade label",
            source=PEEL_2016_SOURCE,
        )
        graded.append((row, record))
    return graded


def read_peel_vulnerability(source_dir, forces) -> list[tuple[SourceRow, PublishedGradeRecord]]:
    columns = ["year", "force", "pfa19cd", "grade", "stated_as", "source_url"]
    rows = read_rows(source_dir, "published grades", PEEL_VULNERABILITY_FILE, columns)
    graded = []
    for row in rows:
        year = vulnerability_year(row)
        force_code = known_force(row, "pfa19cd", forces)
        same_force_name(row, "force", forces[force_code])
        if row["stated_as"] not in STATED_AS:
            raise row.invalid(
                "stated_as", f"is not how a grade was stated (expected {' or '.join(STATED_AS)})"
            )
        matching(
            row, "source_url", WEB_ADDRESS, "is not a web address (expected http:// or https://)"
        )
        assessment, published_on = VULNERABILITY_PUBLICATIONS[year]
        scale = scale_for_year(year)
        record = PublishedGradeRecord(
            force_code=force_code,
            assessment=assessment,
            year=year,
            question=VULNERABILITY_QUESTION,
            scale=scale,
            grade=grade_of(row, "grade", scale),
            published_on=published_on,
            stated_as=row["stated_as"],
            source=fits(row, "source_url", PublishedGrade, "source"),
        )
        graded.append((row, record))
    return graded


def vulnerability_year(row: SourceRow) -> int:
    year = int(row["year"]) if YEAR.fullmatch(row["year"]) else None
    if year not in VULNERABILITY_PUBLICATIONS:
        years = ", ".join(str(known) for known in VULNERABILITY_PUBLICATIONS)
        raise row.invalid("year", f"is not a PEEL year with a known publication (expected {years})")
    return year


def refuse_duplicate_grades(graded: list[tuple[SourceRow, PublishedGradeRecord]]) -> None:
    """One grade per force, assessment and question, across all the PEEL files."""
    first: dict[tuple, SourceRow] = {}
    for row, record in graded:
        key = (record.force_code, record.assessment, record.question)
        earlier = first.setdefault(key, row)
        if earlier is not row:
            raise row.invalid(
                "pfa19cd",
                f'already has a grade for {record.assessment}, "{record.question}" '
                f"({earlier.file_name} line {earlier.line}; expected one grade per force, "
                "assessment and question)",
            )


def read_national_totals(source_dir, published_grades, force_count) -> list[NationalTotalRecord]:
    columns = ["assessment", "year", "question", "scale", "grade", "forces", "source"]
    rows = read_rows(source_dir, "national grade totals", NATIONAL_TOTALS_FILE, columns)
    totals: list[NationalTotalRecord] = []
    seen: dict[tuple, int] = {}
    for row in rows:
        record = national_total(row)
        refuse_duplicate(
            row,
            "grade",
            (record.assessment, record.question, record.grade),
            seen,
            "grade for this assessment and question",
        )
        refuse_total_below_force_list(row, record, published_grades)
        totals.append(record)
    refuse_totals_not_adding_up(rows, totals, force_count)
    return totals


def national_total(row: SourceRow) -> NationalTotalRecord:
    year = int(matching(row, "year", YEAR, "is not a year (expected four digits)").group())
    if row["scale"] not in GradeScale.values:
        expected = " or ".join(GradeScale.values)
        raise row.invalid("scale", f"is not a grade scale (expected {expected})")
    forces = matching(row, "forces", WHOLE_NUMBER, "is not a count of forces (expected 0 or more)")
    return NationalTotalRecord(
        assessment=text(row, "assessment", NationalGradeTotal, "assessment"),
        year=year,
        question=text(row, "question", NationalGradeTotal, "question"),
        scale=row["scale"],
        grade=grade_of(row, "grade", row["scale"]),
        forces=int(forces.group()),
        source=text(row, "source", NationalGradeTotal, "source"),
    )


def refuse_total_below_force_list(row, record: NationalTotalRecord, published_grades) -> None:
    """A national total can never be smaller than the forces listed with that grade."""
    listed = sum(
        1
        for grade in published_grades
        if (grade.assessment, grade.question, grade.grade)
        == (record.assessment, record.question, record.grade)
    )
    if record.forces < listed:
        raise row.invalid(
            "forces",
            f"is fewer than the {listed} forces listed as "
            f"{InspectionGrade(record.grade).label.lower()} in the PEEL files "
            f"(expected at least {listed})",
        )


def refuse_totals_not_adding_up(rows, totals, force_count: int) -> None:
    sums: Counter = Counter()
    last_row: dict[tuple, SourceRow] = {}
    for row, record in zip(rows, totals, strict=True):
        key = (record.assessment, record.question)
        sums[key] += record.forces
        last_row[key] = row
    for key, total in sums.items():
        if total != force_count:
            raise last_row[key].error(
                "forces",
                f'the totals for {key[0]}, "{key[1]}" add up to {total} '
                f"(expected {force_count}, one grade per force)",
            )


# --- writing --------------------------------------------------------------------------------


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass
class LoadReport:
    counts: dict[str, KindCounts] = field(default_factory=lambda: {k: KindCounts() for k in KINDS})

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated or c.removed for c in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{kind}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged, "
            f"{c.removed} removed"
            for kind, c in self.counts.items()
        ]


# Where a vanished row used to be, for the message when it cannot be removed.
FILE_OF_KIND = {
    "inspectorates": INSPECTORATES_FILE,
    "forces": FORCES_FILE,
    "councils": COUNCILS_FILE,
    "published grades": f"{PEEL_2016_FILE} and {PEEL_VULNERABILITY_FILE}",
    "national grade totals": NATIONAL_TOTALS_FILE,
}


def load(source_dir: Path | None = None) -> LoadReport:
    """Read and check every file, then bring the database into line with them in one go."""
    data = read_reference_data(source_dir)  # every check happens before the first write
    with transaction.atomic(), pghistory.context(source="reference data"):
        return write_reference_data(data)


def write_reference_data(data: ReferenceData) -> LoadReport:
    report = LoadReport()
    vanished: dict[str, list[models.Model]] = {}

    def sync_kind(kind, model, wanted, key_of):
        report.counts[kind], vanished[kind] = sync(model, wanted, key_of)

    sync_kind(
        "inspectorates",
        Inspectorate,
        by_key(data.inspectorates.values(), "code"),
        lambda obj: obj.code,
    )
    sync_kind("forces", Force, by_key(data.forces.values(), "code"), lambda obj: obj.code)
    force_ids = dict(Force.objects.values_list("code", "id"))
    councils = [with_force_id(record, force_ids) for record in data.councils.values()]
    sync_kind("councils", Council, by_key(councils, "code"), lambda obj: obj.code)
    grades = [with_force_id(record, force_ids) for record in data.published_grades]
    sync_kind(
        "published grades",
        PublishedGrade,
        by_key(grades, "force_id", "assessment", "question"),
        lambda obj: (obj.force_id, obj.assessment, obj.question),
    )
    sync_kind(
        "national grade totals",
        NationalGradeTotal,
        by_key(data.national_totals, "assessment", "question", "grade"),
        lambda obj: (obj.assessment, obj.question, obj.grade),
    )
    # Dependants go before what they depend on.
    for kind in reversed(KINDS):
        for obj in vanished[kind]:
            remove_unreferenced(kind, obj)
        report.counts[kind].removed = len(vanished[kind])
    return report


def by_key(records: Iterable, *key_fields: str) -> dict[Hashable, dict]:
    """Field values per natural key (a single field's value, or a tuple of several)."""
    wanted = {}
    for record in records:
        values = record if isinstance(record, dict) else asdict(record)
        key = tuple(values[name] for name in key_fields)
        wanted[key[0] if len(key) == 1 else key] = values
    return wanted


def with_force_id(record, force_ids: dict[str, int]) -> dict:
    values = asdict(record)
    values["force_id"] = force_ids[values.pop("force_code")]
    return values


def sync(model: type[models.Model], wanted: dict[Hashable, dict], key_of: Callable):
    """Create and update rows to match ``wanted``; return the counts and the rows not wanted."""
    existing = {key_of(obj): obj for obj in model.objects.all()}
    counts = KindCounts()
    new, changed, changed_fields = [], [], set()
    for key, values in wanted.items():
        obj = existing.get(key)
        if obj is None:
            new.append(model(**values))
            continue
        differences = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in differences:
            setattr(obj, name, values[name])
        if differences:
            changed.append(obj)
            changed_fields.update(differences)
        else:
            counts.unchanged += 1
    model.objects.bulk_create(new)
    if changed:
        model.objects.bulk_update(changed, sorted(changed_fields))
    counts.created, counts.updated = len(new), len(changed)
    return counts, [obj for key, obj in existing.items() if key not in wanted]


def remove_unreferenced(kind: str, obj: models.Model) -> None:
    references = live_references(obj)
    if references:
        raise ReferenceDataError(
            kind,
            FILE_OF_KIND[kind],
            f"{describe(obj)} is no longer in the source but is still referred to by "
            f"{' and '.join(references)} (expected it kept in the source, or those references "
            "moved elsewhere first)",
        )
    obj.delete()


def describe(obj: models.Model) -> str:
    code = getattr(obj, "code", None)
    return f'{code} "{obj}"' if code else f'"{obj}"'


def live_references(obj: models.Model) -> list[str]:
    """What still points at ``obj``, other than its own history."""
    found = []
    for relation in obj._meta.related_objects:
        related_model = relation.related_model
        if issubclass(related_model, Event):  # history keeps its own copy of the row
            continue
        count = related_model._base_manager.filter(**{relation.field.name: obj}).count()
        if count:
            meta = related_model._meta
            found.append(f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}")
    return found
