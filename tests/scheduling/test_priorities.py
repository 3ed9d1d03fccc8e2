"""The risk-based ranking: inputs from real reference files, reasons shown, suppression kept."""

import shutil
from datetime import date

import pytest

from cpinspect.registry.models import PublishedGrade
from cpinspect.scheduling import priorities
from cpinspect.scheduling.priorities import force_priorities, number, solver_priorities

pytestmark = pytest.mark.django_db

VULNERABILITY = (
    "How effective is the force at protecting from harm those who are vulnerable, "
    "and supporting victims?"
)


def grade(force, value, year=2015):
    return PublishedGrade.objects.create(
        force=force,
        assessment=f"PEEL {year} effectiveness",
        year=year,
        question=VULNERABILITY,
        scale="four_point",
        grade=value,
        source="test",
    )


def reasons(fp):
    return {r.input.split(" (")[0]: (r.value, r.points) for r in fp.reasons}


@pytest.mark.parametrize("text", ["c", "x", "z", "u", "[c]", "[x]", " C ", ""])
def test_suppressed_values_are_missing_never_zero(text):
    assert number(text) is None


def test_published_values_are_numbers():
    assert number("0") == 0.0
    assert number("1,150") == 1150.0


def test_ranking_with_reasons_from_real_data(reference, inspection):
    grade(reference["essex"], "inadequate")
    grade(reference["kent"], "good")
    ranked = force_priorities(
        as_of=date(2027, 10, 16), forces=[reference["essex"], reference["kent"]]
    )
    essex, kent = ranked
    assert (essex.code, essex.rank, kent.rank) == ("E23000028", 1, 2)
    r = reasons(essex)
    assert r["Latest PEEL grade"] == ("Inadequate (PEEL 2015 effectiveness)", 30)
    assert (
        r["Time since last child protection inspection"][1] == 4.0
    )  # fieldwork ended 16 October 2026: one year, 4 a year
    assert r["Open causes of concern"] == ("0 (findings not yet recorded in CP Inspect)", 0)
    # Ofsted as at 31 March 2025: Essex and Thurrock both outstanding.
    assert r["Ofsted judgements of the councils in the force area"] == (
        "2 outstanding (2 of 2 councils judged)",
        0,
    )
    # 2025: (699 + 121) / (329,197 + 46,271) children x 10,000 = 21.8; England 40.6.
    assert r["Child protection plan rate per 10,000 children"] == (
        "21.8 against England's 40.6",
        0,
    )
    assert essex.score == 34.0
    assert reasons(kent)["Time since last child protection inspection"] == ("none on record", 32)
    assert kent.score == 32.0
    assert solver_priorities(ranked) == {"E23000028": 100, "E23000032": 94}


def test_a_suppressed_council_is_left_out_of_the_rate_and_said_so(reference, tmp_path, settings):
    for name in (priorities.OFSTED_FILE, priorities.POPULATION_FILE):
        shutil.copy(priorities.DATA_DIR / name, tmp_path / name)
    lines = (priorities.DATA_DIR / priorities.CPP_FILE).read_text(encoding="utf-8").splitlines()
    changed = [
        line.replace(",121,", ",c,") if line.startswith("2025,") and "E06000034" in line else line
        for line in lines
    ]
    assert changed != lines
    (tmp_path / priorities.CPP_FILE).write_text("\n".join(changed) + "\n", encoding="utf-8")
    settings.CPINSPECT_SCHEDULING_DATA_DIR = str(tmp_path)
    (essex,) = force_priorities(as_of=date(2026, 4, 1), forces=[reference["essex"]])
    # Only Essex county counts now: 699 / 329,197 x 10,000 = 21.2, and the gap is stated.
    assert reasons(essex)["Child protection plan rate per 10,000 children"][0] == (
        "21.2 against England's 40.6; 1 council(s) suppressed or not available"
    )


def test_weights_are_configurable(reference, settings):
    settings.CPINSPECT_PRIORITY_WEIGHTS = {
        "per_year_since_inspection": 0,
        "peel_grade": {"good": 7},
    }
    grade(reference["kent"], "good")
    (kent,) = force_priorities(as_of=date(2026, 4, 1), forces=[reference["kent"]])
    assert kent.score == 7.0


def test_welsh_force_is_not_applicable_for_english_statistics(db):
    from cpinspect.registry.models import Force

    gwent = Force.objects.create(code="W15000002", name="Gwent", country="wales")
    (fp,) = force_priorities(as_of=date(2026, 4, 1), forces=[gwent])
    r = reasons(fp)
    assert r["Ofsted judgements of the councils in the force area"] == ("not applicable (Wales)", 0)
    assert r["Latest PEEL grade"] == ("not available", 0)


def test_the_priorities_page_names_no_file_or_setting(planning, client):
    # issue 15: a planner read "cpinspect/scheduling/priority_weights.yaml" on this page
    from django.urls import reverse

    client.force_login(planning["people"]["analyst"])
    page = client.get(reverse("plan-priorities", args=[planning["programme"].pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "The points each input earns are the service's settings" in text
    assert "priority_weights.yaml" not in text and "CPINSPECT_" not in text
