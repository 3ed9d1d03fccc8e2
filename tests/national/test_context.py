"""Children's social care context: council figures summed into force areas, with the DfE
suppression markers kept. Expected values are worked out here from the CSV rows themselves."""

import csv
import shutil
from pathlib import Path

import pytest

from cpinspect.national import context, dfe, selectors
from cpinspect.national.dfe import Figure
from cpinspect.registry.models import Council, Force
from cpinspect.registry.reference_data import ReferenceDataError

pytestmark = pytest.mark.django_db

DURHAM, DEVON_AND_CORNWALL, CITY_OF_LONDON = "E23000008", "E23000035", "E23000034"
COUNTY_DURHAM, DARLINGTON, ISLES_OF_SCILLY = "E06000047", "E06000005", "E06000053"
FILES = [
    dfe.CHILDREN_IN_NEED_FILE,
    dfe.SECTION_47_FILE,
    dfe.CPP_FILE,
    dfe.POPULATION_FILE,
    dfe.OFSTED_FILE,
]


def raw_rows(file_name, code, *, population=False):
    """The 2025 council rows of a shipped file for one council, read with the csv module."""
    with (dfe.HOME_OF_FILE[file_name] / file_name).open(encoding="utf-8-sig", newline="") as f:
        return [
            row
            for row in csv.DictReader(f)
            if row["time_period"] == "2025"
            and row["geographic_level"] == "Local authority"
            and row["new_la_code"] == code
            and (not population or row["population_type"] == dfe.POPULATION_TYPE)
        ]


def test_durham_from_its_two_councils_by_hand(national):
    # The 2025 rows, as they are in the files:
    #   b1  County Durham At31_episodes 4415, Darlington 1002
    #   c4  County Durham Section47 2161, Darlington 403
    #   d5  County Durham CPP_At31 489, Darlington 92
    #   cla County Durham population_estimate 100432, Darlington 22771
    durham = selectors.force_contexts()[DURHAM]
    assert [c.code for c in durham.councils] == [COUNTY_DURHAM, DARLINGTON]
    population = 100432 + 22771
    assert durham.population == Figure(population)
    expected = {
        "children_in_need": 4415 + 1002,
        "section_47_enquiries": 2161 + 403,
        "child_protection_plans": 489 + 92,
    }
    for key, count in expected.items():
        rate = durham.rates[key]
        assert rate.count == Figure(count)
        assert rate.rate == pytest.approx(10000 * count / population, rel=1e-12)
    # Sum of counts over sum of populations, not the mean of the two councils' rates.
    assert str(durham.rates["children_in_need"]) == "439.7"
    mean_of_rates = (10000 * 4415 / 100432 + 10000 * 1002 / 22771) / 2
    assert round(mean_of_rates, 1) != 439.7
    assert str(durham.rates["section_47_enquiries"]) == "208.1"
    assert str(durham.rates["child_protection_plans"]) == "47.2"
    # Ofsted's help and protection: Good for both councils.
    assert durham.ofsted.counts["Good"] == 2 and durham.ofsted.not_judged == 0
    assert durham.marked_councils == []


def test_the_hand_figures_are_the_rows_of_the_files(national):
    """The literal numbers above are those of the shipped files (not of some other release)."""
    columns = {
        dfe.CHILDREN_IN_NEED_FILE: "At31_episodes",
        dfe.SECTION_47_FILE: "Section47",
        dfe.CPP_FILE: "CPP_At31",
    }
    found = {
        (file_name, code): raw_rows(file_name, code)[0][column]
        for file_name, column in columns.items()
        for code in (COUNTY_DURHAM, DARLINGTON)
    }
    assert sorted(found.values(), key=int) == sorted(
        ["4415", "1002", "2161", "403", "489", "92"], key=int
    )
    populations = [
        raw_rows(dfe.POPULATION_FILE, code, population=True)[0]["population_estimate"]
        for code in (COUNTY_DURHAM, DARLINGTON)
    ]
    assert populations == ["100432", "22771"]


def test_a_suppressed_council_makes_the_force_total_a_marker(national):
    devon = selectors.force_contexts()[DEVON_AND_CORNWALL]
    # The Isles of Scilly's children on plans are "c" in the DfE file.
    assert raw_rows(dfe.CPP_FILE, ISLES_OF_SCILLY)[0]["CPP_At31"] == "c"
    plans = devon.rates["child_protection_plans"]
    assert plans.count == Figure(None, "[c]")
    assert plans.rate is None and str(plans) == "[c]"
    assert [c.code for c in devon.marked_councils] == [ISLES_OF_SCILLY]
    assert devon.marked_councils[0].marked == [("Child protection plans", "[c]")]
    # The other figures of the same five councils are clean, and are their sums.
    codes = [c.code for c in devon.councils]
    assert len(codes) == 5
    in_need = sum(int(raw_rows(dfe.CHILDREN_IN_NEED_FILE, c)[0]["At31_episodes"]) for c in codes)
    population = sum(
        int(raw_rows(dfe.POPULATION_FILE, c, population=True)[0]["population_estimate"])
        for c in codes
    )
    assert devon.rates["children_in_need"].count == Figure(in_need)
    assert devon.rates["children_in_need"].rate == pytest.approx(10000 * in_need / population)


def test_the_city_of_london_keeps_its_clean_figure_and_its_markers(national):
    city = selectors.force_contexts()[CITY_OF_LONDON]
    # b1 At31_episodes 69; c4 Section47 c; d5 CPP_At31 c; population 847.
    assert city.rates["children_in_need"].count == Figure(69)
    assert str(city.rates["children_in_need"]) == f"{10000 * 69 / 847:.1f}" == "814.6"
    assert str(city.rates["section_47_enquiries"]) == "[c]"
    assert str(city.rates["child_protection_plans"]) == "[c]"


def test_welsh_forces_are_not_applicable(national):
    gwent = selectors.force_contexts()["W15000002"]
    assert {str(rate) for rate in gwent.rates.values()} == {"[z]"}
    assert gwent.population.marker == "[z]"
    assert not gwent.ofsted.applicable and str(gwent.ofsted) == "[z]"
    assert gwent.marked_councils == []  # [z] is not a withheld figure


def test_every_council_is_added_up_once_and_england_agrees(national):
    contexts = selectors.force_contexts()
    codes = [c.code for ctx in contexts.values() for c in ctx.councils]
    assert len(codes) == len(set(codes)) == Council.objects.count() == 175
    data = dfe.shipped_social_care_data()
    english = [c for ctx in contexts.values() for c in ctx.councils if c.country == "england"]
    assert len(english) == 153
    # No English council is missing from the DfE files (none is [x]).
    assert not any(f.marker == "[x]" for c in english for f in c.figures.values())
    # DfE's England figure is the councils' sum rounded to the nearest 10.
    total = sum(c.figures["children_in_need"].value for c in english)
    assert abs(total - data.england["children_in_need"].value) <= 5
    assert data.year == 2025


def test_markers_win_over_numbers_and_confidential_over_missing():
    assert context.sum_figures([Figure(5), Figure(7)]) == Figure(12)
    assert context.sum_figures([Figure(5), Figure(None, "[x]")]) == Figure(None, "[x]")
    assert context.sum_figures([Figure(None, "[x]"), Figure(5), Figure(None, "[c]")]) == Figure(
        None, "[c]"
    )
    assert context.sum_figures([]) == Figure(None, "[x]")
    assert context.rate_of(Figure(5), Figure(None, "[x]")).marker == "[x]"
    assert context.rate_of(Figure(None, "[c]"), Figure(None, "[x]")).marker == "[c]"


# --- a copy of the files, changed ---------------------------------------------------------


@pytest.fixture
def source(tmp_path) -> Path:
    for file_name in FILES:
        shutil.copy(dfe.HOME_OF_FILE[file_name] / file_name, tmp_path / file_name)
    return tmp_path


def edit(path: Path, change) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    rows = [r for r in (change(row) for row in rows) if r is not None]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def is_2025(row, code):
    return (
        row["time_period"] == "2025"
        and row["geographic_level"] == "Local authority"
        and row["new_la_code"] == code
    )


def durham_with(source):
    data = dfe.read_social_care_data(source)
    force = Force.objects.get(code=DURHAM)
    return context.force_context(DURHAM, force.councils.order_by("name"), data)


def test_a_council_suppressed_in_a_copy_turns_the_force_into_c(national, source):
    def suppress(row):
        if is_2025(row, DARLINGTON):
            row["At31_episodes"] = "c"
        return row

    edit(source / dfe.CHILDREN_IN_NEED_FILE, suppress)
    durham = durham_with(source)
    assert str(durham.rates["children_in_need"]) == "[c]"
    assert durham.rates["children_in_need"].count == Figure(None, "[c]")
    assert str(durham.rates["section_47_enquiries"]) == "208.1"  # untouched
    assert [c.code for c in durham.marked_councils] == [DARLINGTON]


def test_a_council_missing_from_a_copy_turns_the_force_into_x(national, source):
    edit(source / dfe.SECTION_47_FILE, lambda row: None if is_2025(row, COUNTY_DURHAM) else row)
    durham = durham_with(source)
    assert str(durham.rates["section_47_enquiries"]) == "[x]"
    assert str(durham.rates["children_in_need"]) == "439.7"


def test_a_missing_population_turns_every_rate_into_x(national, source):
    def drop(row):
        if is_2025(row, DARLINGTON):
            row["population_estimate"] = "x"
        return row

    edit(source / dfe.POPULATION_FILE, drop)
    durham = durham_with(source)
    assert {str(rate) for rate in durham.rates.values()} == {"[x]"}
    # The count itself is still a clean sum.
    assert durham.rates["children_in_need"].count == Figure(5417)


def test_a_value_that_is_neither_number_nor_marker_is_an_error_with_its_line(source):
    def spoil(row):
        if is_2025(row, DARLINGTON):
            row["CPP_At31"] = "about 90"
        return row

    edit(source / dfe.CPP_FILE, spoil)
    lines = (source / dfe.CPP_FILE).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "about 90" in text)
    with pytest.raises(ReferenceDataError) as caught:
        dfe.read_social_care_data(source)
    message = str(caught.value)
    assert dfe.CPP_FILE in message and "field CPP_At31" in message
    assert '"about 90" is not a count or a known marker' in message
    assert caught.value.line == line  # the header is line 1


def test_an_unknown_ofsted_judgement_is_an_error(source):
    def spoil(row):
        if row["Local authority area code"] == DARLINGTON:
            row[dfe.OFSTED_HELP_AND_PROTECTION] = "Adequate"
        return row

    edit(source / dfe.OFSTED_FILE, spoil)
    with pytest.raises(ReferenceDataError, match='"Adequate" is not an Ofsted judgement'):
        dfe.read_social_care_data(source)
