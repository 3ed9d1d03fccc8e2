"""National counts by grade, from the grades loaded into the database, against the published
figures and against a count made straight from the source file."""

import csv
from collections import Counter

import pytest

from cpinspect.national import selectors
from cpinspect.registry.reference_data import DATA_DIR, PEEL_2016_FILE

pytestmark = pytest.mark.django_db

PEEL_2016 = "peel-2016-effectiveness--overall-effectiveness"
PEEL_2015_VULNERABILITY = "peel-2015-effectiveness-vulnerability--vulnerability"


def counts_of(key):
    assessment = next(a for a in selectors.published_assessments() if a.key == key)
    return assessment, {c.grade_key: c for c in selectors.grade_counts(assessment)}


def test_peel_2016_overall_effectiveness_counts_are_the_published_ones(national):
    assessment, counts = counts_of(PEEL_2016)
    assert assessment.complete
    assert (assessment.graded_forces, assessment.total_forces) == (43, 43)
    listed = {grade: count.forces for grade, count in counts.items()}
    # Published 2 March 2017: 1 outstanding, 28 good, 13 requires improvement, 1 inadequate.
    assert listed == {"outstanding": 1, "good": 28, "requires_improvement": 13, "inadequate": 1}


def test_peel_2016_counts_match_a_count_of_the_source_file(national):
    with (DATA_DIR / PEEL_2016_FILE).open(encoding="utf-8-sig", newline="") as handle:
        from_file = Counter(row["grade"] for row in csv.DictReader(handle))
    _assessment, counts = counts_of(PEEL_2016)
    assert {c.label: c.forces for c in counts.values()} == dict(from_file)


def test_peel_2015_vulnerability_shows_the_published_national_totals(national):
    assessment, counts = counts_of(PEEL_2015_VULNERABILITY)
    totals = {grade: count.published_total for grade, count in counts.items()}
    # Published 15 December 2015: 0 outstanding, 12 good, 27 requires improvement, 4 inadequate.
    assert totals == {
        "outstanding": 0,
        "good": 12,
        "requires_improvement": 27,
        "inadequate": 4,
        "not_available": None,
    }
    assert not assessment.complete
    assert assessment.graded_forces == 19
    # The per-force list is partial, but all four inadequate forces are in it.
    assert counts["inadequate"].forces == 4
    assert counts["not_available"].forces == 43 - 19
    assert sum(c.forces for c in counts.values()) == 43


def test_the_assessments_on_offer_are_the_published_ones_and_the_default_is_complete(national):
    assessments = selectors.published_assessments()
    assert [(a.key, a.graded_forces) for a in assessments] == [
        ("peel-2017-effectiveness--vulnerability", 23),
        ("peel-2016-effectiveness--overall-effectiveness", 43),
        ("peel-2016-effectiveness--vulnerability", 16),
        ("peel-2015-effectiveness-vulnerability--vulnerability", 19),
    ]
    assert selectors.default_assessment(assessments).key == PEEL_2016
    assert "partial: 19 of 43 forces listed" in assessments[-1].label


def test_the_picture_names_the_one_outstanding_and_the_one_inadequate_force(national):
    picture = selectors.national_picture(PEEL_2016)
    by_grade = {}
    for row in picture.rows:
        by_grade.setdefault(row.grade_key, []).append(row.name)
    assert by_grade["outstanding"] == ["Durham"]
    assert by_grade["inadequate"] == ["Bedfordshire"]
    assert len(picture.rows) == 43
    assert picture.counts_agree


def test_an_unknown_assessment_is_refused(national):
    with pytest.raises(selectors.UnknownAssessment):
        selectors.national_picture("peel-1999-nothing--nothing")
