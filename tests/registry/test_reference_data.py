"""The reference-data loader against the real files and the real PostgreSQL database.

Error cases corrupt one file in a copy of the source folder and check that the message points
at the file, line and value, and that the data already loaded is left exactly as it was.
"""

import csv
import hashlib
import io
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pghistory.models import Context, Events

from cpinspect.programmes.models import InspectionType
from cpinspect.programmes.services import inspection_create
from cpinspect.registry import reference_data as rd
from cpinspect.registry.models import (
    Council,
    Force,
    Inspectorate,
    NationalGradeTotal,
    PublishedGrade,
)
from cpinspect.registry.reference_data import ReferenceDataError, load
from tests.fixtures import programme_manager

pytestmark = pytest.mark.django_db

GRADE_OF_LABEL = {
    "Outstanding": "outstanding",
    "Good": "good",
    "Requires improvement": "requires_improvement",
    "Inadequate": "inadequate",
}
VULNERABILITY_2015 = "PEEL 2015 effectiveness (vulnerability)"


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def source(tmp_path) -> Path:
    """A private copy of the shipped source folder, safe to corrupt."""
    folder = tmp_path / "data"
    shutil.copytree(rd.DATA_DIR, folder)
    return folder


@pytest.fixture
def loaded(source):
    """The database after a full load of the shipped files."""
    load(source)
    return source


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def edit_csv(path: Path, change) -> None:
    """Rewrite a CSV file with ``change(header, rows)`` applied to its rows in place."""
    header, rows = read_csv(path)
    change(header, rows)
    write_csv(path, header, rows)


def line_of(rows: list[list[str]], index: int) -> int:
    return index + 2  # the header is line 1


def find(header, rows, column: str, value: str) -> int:
    position = header.index(column)
    return next(i for i, row in enumerate(rows) if row[position] == value)


def database_snapshot() -> tuple:
    """Row counts, a checksum of everything loaded, and the number of audit events."""
    content = [
        list(Inspectorate.objects.values_list("code", "name", "is_lead").order_by("code")),
        list(Force.objects.values_list("code", "name", "country").order_by("code")),
        list(
            Council.objects.values_list("code", "name", "name_welsh", "force__code").order_by(
                "code"
            )
        ),
        list(
            PublishedGrade.objects.values_list(
                "force__code", "assessment", "question", "grade", "stated_as", "source"
            ).order_by("force__code", "assessment", "question")
        ),
        list(
            NationalGradeTotal.objects.values_list("assessment", "grade", "forces").order_by(
                "assessment", "grade"
            )
        ),
    ]
    checksum = hashlib.sha256(repr(content).encode()).hexdigest()
    return tuple(len(part) for part in content), checksum, Events.objects.count()


# --- a full load ----------------------------------------------------------------------------


def test_full_load_reports_what_it_created(source):
    report = load(source)

    assert report.lines() == [
        "inspectorates: 4 created, 0 updated, 0 unchanged, 0 removed",
        "forces: 43 created, 0 updated, 0 unchanged, 0 removed",
        "councils: 175 created, 0 updated, 0 unchanged, 0 removed",
        "published grades: 101 created, 0 updated, 0 unchanged, 0 removed",
        "national grade totals: 4 created, 0 updated, 0 unchanged, 0 removed",
    ]
    # Every change of the load is recorded under one audit context that says where it came from.
    context = Context.objects.get(metadata__source="reference data")
    assert Events.objects.filter(pgh_context_id=context.id).count() == 4 + 43 + 175 + 101 + 4


def test_the_43_forces_of_england_and_wales(loaded):
    assert Force.objects.count() == 43
    assert Counter(Force.objects.values_list("country", flat=True)) == {
        "england": 39,
        "wales": 4,
    }
    assert Force.objects.get(code="E23000034").name == "City of London"
    assert not Force.objects.exclude(code__regex=r"^(E23|W15)\d{6}$").exists()


def test_175_councils_each_in_one_force(loaded):
    councils = Council.objects.select_related("force")
    assert councils.count() == 175
    english = councils.filter(country="england")
    assert english.count() == 153
    assert {c.code[:3] for c in english} == {"E06", "E08", "E09", "E10"}
    welsh = councils.filter(country="wales")
    assert welsh.count() == 22
    assert {c.code[:3] for c in welsh} == {"W06"}
    assert all(c.force.country == c.country for c in councils)


def test_london_boroughs_are_met_and_the_city_has_its_own_force(loaded):
    met = Council.objects.filter(force__code="E23000001")
    assert met.count() == 32
    assert set(met.values_list("code", flat=True)) == {f"E090000{n:02}" for n in range(2, 34)}
    city = Council.objects.get(code="E09000001")
    assert (city.name, city.force.code) == ("City of London", "E23000034")


def test_councils_reorganised_since_2019_have_their_forces(loaded):
    expected = {
        "E06000058": "Dorset",
        "E06000059": "Dorset",
        "E06000060": "Thames Valley",
        "E06000061": "Northamptonshire",
        "E06000062": "Northamptonshire",
        "E06000063": "Cumbria",
        "E06000064": "Cumbria",
        "E06000065": "North Yorkshire",
        "E06000066": "Avon and Somerset",
    }
    found = dict(Council.objects.filter(code__in=expected).values_list("code", "force__name"))
    assert found == expected


def test_peel_2016_overall_effectiveness_for_all_forces(loaded):
    header, rows = read_csv(loaded / rd.PEEL_2016_FILE)
    counted_in_file = Counter(GRADE_OF_LABEL[row[header.index("grade")]] for row in rows)
    assert counted_in_file == {
        "outstanding": 1,
        "good": 28,
        "requires_improvement": 13,
        "inadequate": 1,
    }

    grades = PublishedGrade.objects.filter(
        assessment="PEEL 2016 effectiveness", question="overall effectiveness"
    )
    assert grades.count() == 43
    assert Counter(grades.values_list("grade", flat=True)) == counted_in_file
    assert set(grades.values_list("scale", flat=True)) == {"four_point"}
    assert set(grades.values_list("published_on", flat=True)) == {date(2017, 3, 2)}
    assert grades.get(force__code="E23000008").grade == "outstanding"


def test_every_partial_vulnerability_row_is_loaded_as_stated(loaded):
    header, rows = read_csv(loaded / rd.PEEL_VULNERABILITY_FILE)
    grades = PublishedGrade.objects.filter(question=rd.VULNERABILITY_QUESTION)
    assert grades.count() == len(rows) == 58
    column = {name: header.index(name) for name in header}
    for row in rows:
        grade = grades.get(year=int(row[column["year"]]), force__code=row[column["pfa19cd"]])
        assert grade.grade == GRADE_OF_LABEL[row[column["grade"]]]
        assert grade.stated_as == row[column["stated_as"]]
        assert grade.source == row[column["source_url"]]
        assert grade.scale == "four_point"

    inadequate_2015 = grades.filter(assessment=VULNERABILITY_2015, grade="inadequate")
    assert set(inadequate_2015.values_list("force__name", flat=True)) == {
        "Bedfordshire",
        "Essex",
        "Staffordshire",
        "Surrey",
    }


def test_2015_vulnerability_national_totals(loaded):
    totals = NationalGradeTotal.objects.filter(
        assessment=VULNERABILITY_2015, question=rd.VULNERABILITY_QUESTION
    )
    assert dict(totals.values_list("grade", "forces")) == {
        "outstanding": 0,
        "good": 12,
        "requires_improvement": 27,
        "inadequate": 4,
    }
    assert {t.year for t in totals} == {2015}


def test_inspectorates_with_the_police_inspectorate_as_lead(loaded):
    assert Inspectorate.objects.get(is_lead=True).code == "hmicfrs"
    partners = Inspectorate.objects.filter(is_lead=False)
    assert set(partners.values_list("code", flat=True)) == {"ofsted", "cqc", "hmi-probation"}
    probation = Inspectorate.objects.get(code="hmi-probation")
    assert probation.left_joint_programme_on == date(2022, 4, 1)


# --- loading again --------------------------------------------------------------------------


def test_second_load_changes_nothing_and_records_no_events(loaded):
    before = database_snapshot()

    report = load(loaded)

    assert not report.changed
    assert all(c.created == c.updated == c.removed == 0 for c in report.counts.values())
    assert report.counts["councils"].unchanged == 175
    assert database_snapshot() == before


def test_a_changed_row_is_updated_alone(loaded):
    def regrade_cumbria_2015(header, rows):
        rows[0][header.index("grade")] = "Good"

    edit_csv(loaded / rd.PEEL_VULNERABILITY_FILE, regrade_cumbria_2015)
    events_before = Events.objects.count()

    report = load(loaded)

    grades = report.counts["published grades"]
    assert (grades.created, grades.updated, grades.unchanged, grades.removed) == (0, 1, 100, 0)
    assert Events.objects.count() == events_before + 1
    assert (
        PublishedGrade.objects.get(force__code="E23000002", assessment=VULNERABILITY_2015).grade
        == "good"
    )


def test_a_row_gone_from_the_source_is_removed(loaded):
    edit_csv(loaded / rd.PEEL_VULNERABILITY_FILE, lambda header, rows: rows.pop(0))

    report = load(loaded)

    assert report.counts["published grades"].removed == 1
    assert PublishedGrade.objects.count() == 100
    assert not PublishedGrade.objects.filter(
        force__code="E23000002", assessment=VULNERABILITY_2015
    ).exists()


def drop_rutland(header, rows):
    position = header.index("UTLA23CD")
    rows[:] = [row for row in rows if row[position] != "E06000017"]


def test_a_council_gone_from_the_source_is_removed_when_nothing_refers_to_it(loaded):
    edit_csv(loaded / rd.COUNCILS_FILE, drop_rutland)

    report = load(loaded)

    assert report.counts["councils"].removed == 1
    assert not Council.objects.filter(code="E06000017").exists()


def test_a_council_still_inspected_is_not_removed(loaded, programme):
    inspection_create(
        programme_manager(),
        programme=programme,
        kind=InspectionType.JOINT_TARGETED_AREA,
        council=Council.objects.get(code="E06000017"),
        fieldwork_starts_on=date(2026, 11, 9),
    )
    edit_csv(loaded / rd.COUNCILS_FILE, drop_rutland)
    before = database_snapshot()

    with pytest.raises(ReferenceDataError) as error:
        load(loaded)

    message = str(error.value)
    assert message.startswith(f"councils: {rd.COUNCILS_FILE}: E06000017")
    assert "is still referred to by 1 inspection (" in message
    assert database_snapshot() == before


# --- bad files ------------------------------------------------------------------------------
# Each corruption edits one file and returns (file name, line or None, parts of the message).


def malformed_council_code(source):
    def change(header, rows):
        rows[0][header.index("UTLA23CD")] = "X06000001"

    edit_csv(source / rd.COUNCILS_FILE, change)
    return (
        f'councils: {rd.COUNCILS_FILE} line 2, field UTLA23CD: "X06000001" is not a known '
        "council code (expected E06, E08, E09, E10 or W06 followed by six digits)",
    )


def malformed_force_code(source):
    def change(header, rows):
        rows[4][header.index("PFA19CD")] = "E2300005"

    edit_csv(source / rd.FORCES_FILE, change)
    return (f'{rd.FORCES_FILE} line 6, field PFA19CD: "E2300005" is not a police force area code',)


def council_with_no_force(source):
    edit_csv(source / rd.REORGANISATIONS_FILE, lambda header, rows: rows.pop(2))  # E06000060
    header, rows = read_csv(source / rd.COUNCILS_FILE)
    line = line_of(rows, find(header, rows, "UTLA23CD", "E06000060"))
    return (
        f'councils: {rd.COUNCILS_FILE} line {line}, field UTLA23CD: "E06000060" has no force',
        rd.REORGANISATIONS_FILE,
    )


def council_spanning_two_forces(source):
    # Move Kent's last district (in the council file's order) to Essex.
    header, rows = read_csv(source / rd.COUNCILS_FILE)
    kent = [i for i, row in enumerate(rows) if row[header.index("UTLA23CD")] == "E10000016"]
    district = rows[kent[-1]][header.index("LTLA23CD")]

    def change(lad_header, lad_rows):
        lad_rows[find(lad_header, lad_rows, "LAD19CD", district)][lad_header.index("PFA19CD")] = (
            "E23000028"
        )

    edit_csv(source / rd.DISTRICT_FORCES_FILE, change)
    return (
        f'{rd.COUNCILS_FILE} line {line_of(rows, kent[-1])}, field LTLA23CD: "{district}" '
        "is in force E23000028",
        "council E10000016 is in force E23000032",
    )


def duplicate_force_code(source):
    edit_csv(
        source / rd.FORCES_FILE,
        lambda header, rows: rows.append(["48", "E23000005", "Greater Manchester Police"]),
    )
    return (
        f'forces: {rd.FORCES_FILE} line 49, field PFA19CD: "E23000005" is a duplicate force '
        "code (first on line 6",
    )


def council_code_with_two_names(source):
    header, rows = read_csv(source / rd.COUNCILS_FILE)
    kent = [i for i, row in enumerate(rows) if row[header.index("UTLA23CD")] == "E10000016"]

    def change(header, rows):
        rows[kent[1]][header.index("UTLA23NM")] = "Kent County"

    edit_csv(source / rd.COUNCILS_FILE, change)
    return (
        f'{rd.COUNCILS_FILE} line {line_of(rows, kent[1])}, field UTLA23NM: "Kent County" '
        f"differs from the name of council E10000016 on line {line_of(rows, kent[0])}",
    )


def duplicate_grade(source):
    def change(header, rows):
        surrey = find(header, rows, "force", "Surrey")
        rows.append(list(rows[surrey]))
        rows[-1][header.index("grade")] = "Good"

    edit_csv(source / rd.PEEL_VULNERABILITY_FILE, change)
    return (
        f'{rd.PEEL_VULNERABILITY_FILE} line 60, field pfa19cd: "E23000031" already has a grade '
        f"for {VULNERABILITY_2015}",
        f"{rd.PEEL_VULNERABILITY_FILE} line 15",
    )


def unknown_grade_label(source):
    def change(header, rows):
        rows[7][header.index("grade")] = "Excellent"

    edit_csv(source / rd.PEEL_2016_FILE, change)
    return (
        f'published grades: {rd.PEEL_2016_FILE} line 9, field grade: "Excellent" is not a '
        "grade of the four-point scale (expected Outstanding, Good, Requires improvement or "
        "Inadequate)",
    )


def adequate_in_a_four_point_year(source):
    def change(header, rows):
        rows[0][header.index("grade")] = "Adequate"

    edit_csv(source / rd.PEEL_VULNERABILITY_FILE, change)
    return (f'{rd.PEEL_VULNERABILITY_FILE} line 2, field grade: "Adequate" is not a grade',)


def unknown_force_in_peel_file(source):
    def change(header, rows):
        rows[2][header.index("pfa19cd")] = "E23000099"

    edit_csv(source / rd.PEEL_VULNERABILITY_FILE, change)
    return (
        f'{rd.PEEL_VULNERABILITY_FILE} line 4, field pfa19cd: "E23000099" is not a known '
        "force code",
    )


def missing_column(source):
    header, rows = read_csv(source / rd.PEEL_2016_FILE)
    position = header.index("grade")
    write_csv(
        source / rd.PEEL_2016_FILE,
        [name for name in header if name != "grade"],
        [row[:position] + row[position + 1 :] for row in rows],
    )
    return (f"{rd.PEEL_2016_FILE} line 1, field grade: the column is missing",)


def empty_file(source):
    (source / rd.INSPECTORATES_FILE).write_text("", encoding="utf-8")
    return (f"inspectorates: {rd.INSPECTORATES_FILE}: the file is empty",)


def header_only(source):
    header, _rows = read_csv(source / rd.FORCES_FILE)
    write_csv(source / rd.FORCES_FILE, header, [])
    return (f"forces: {rd.FORCES_FILE}: the file has a header but no rows",)


def missing_file(source):
    (source / rd.DISTRICT_FORCES_FILE).unlink()
    return (f"councils: {rd.DISTRICT_FORCES_FILE}: the file is missing",)


def national_total_below_the_listed_forces(source):
    def change(header, rows):
        rows[3][header.index("forces")] = "3"

    edit_csv(source / rd.NATIONAL_TOTALS_FILE, change)
    return (
        f'{rd.NATIONAL_TOTALS_FILE} line 5, field forces: "3" is fewer than the 4 forces '
        "listed as inadequate",
    )


@pytest.mark.parametrize(
    "corrupt",
    [
        malformed_council_code,
        malformed_force_code,
        council_with_no_force,
        council_spanning_two_forces,
        duplicate_force_code,
        council_code_with_two_names,
        duplicate_grade,
        unknown_grade_label,
        adequate_in_a_four_point_year,
        unknown_force_in_peel_file,
        missing_column,
        empty_file,
        header_only,
        missing_file,
        national_total_below_the_listed_forces,
    ],
)
def test_a_bad_file_is_reported_and_changes_nothing(loaded, corrupt):
    before = database_snapshot()
    expected_parts = corrupt(loaded)

    with pytest.raises(ReferenceDataError) as error:
        load(loaded)

    for part in expected_parts:
        assert part in str(error.value)
    assert database_snapshot() == before


def test_reading_writes_nothing(source):
    data = rd.read_reference_data(source)

    assert len(data.councils) == 175
    assert not Force.objects.exists()


# --- the management command -----------------------------------------------------------------


def test_command_prints_one_line_per_kind(source):
    first, second = io.StringIO(), io.StringIO()

    call_command("load_reference_data", source=source, stdout=first)
    call_command("load_reference_data", source=source, stdout=second)

    assert "forces: 43 created, 0 updated, 0 unchanged, 0 removed" in first.getvalue()
    assert "councils: 175 created, 0 updated, 0 unchanged, 0 removed" in first.getvalue()
    assert "forces: 0 created, 0 updated, 43 unchanged, 0 removed" in second.getvalue()
    assert "Nothing changed" in second.getvalue()


def test_command_fails_on_a_missing_folder(tmp_path):
    with pytest.raises(CommandError, match="the folder is missing"):
        call_command("load_reference_data", source=tmp_path / "nowhere", stdout=io.StringIO())


def test_command_fails_with_the_message_on_a_bad_file(loaded):
    unknown_grade_label(loaded)
    before = database_snapshot()
    out = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command("load_reference_data", source=loaded, stdout=out)

    assert error.value.returncode != 0
    assert f'{rd.PEEL_2016_FILE} line 9, field grade: "Excellent"' in str(error.value)
    assert out.getvalue() == ""
    assert database_snapshot() == before
