"""The suggested-grade rule on known inputs, on both scales (cpinspect/findings/grading.py)."""

import pytest

from cpinspect.findings.grading import (
    ADEQUATE,
    FIVE_POINT,
    FOUR_POINT,
    GOOD,
    INADEQUATE,
    OUTSTANDING,
    REQUIRES_IMPROVEMENT,
    SCALES,
    Evidence,
    suggested_grade,
)
from cpinspect.registry.models import SCALE_GRADES, GradeScale


def cases(good=0, ri=0, inadequate=0, causes=0):
    return Evidence(
        cases_by_grade={"good": good, "requires_improvement": ri, "inadequate": inadequate},
        causes_of_concern=causes,
    )


def test_the_scales_are_the_registry_scales():
    assert list(SCALES[FOUR_POINT]) == list(SCALE_GRADES[GradeScale.FOUR_POINT])
    assert list(SCALES[FIVE_POINT]) == list(SCALE_GRADES[GradeScale.FIVE_POINT])


@pytest.mark.parametrize(
    "evidence, four, five",
    [
        # 74 cases as published for one force: 23 good, 23 RI, 28 inadequate (38% inadequate)
        (cases(23, 23, 28), INADEQUATE, INADEQUATE),
        # exactly a quarter inadequate is inadequate; one case fewer is not
        (cases(50, 10, 20), INADEQUATE, INADEQUATE),
        (cases(51, 10, 19), REQUIRES_IMPROVEMENT, REQUIRES_IMPROVEMENT),
        # 90% good and no inadequate case: outstanding on both scales
        (cases(63, 7, 0), OUTSTANDING, OUTSTANDING),
        # 90% good but one inadequate case: good on both
        (cases(63, 6, 1), GOOD, GOOD),
        # 75% good, 4% inadequate: good on both
        (cases(75, 21, 4), GOOD, GOOD),
        # 70% good, 5% inadequate: good on four points, adequate on five (not below 5%)
        (cases(70, 25, 5), GOOD, ADEQUATE),
        # 60% good, 9% inadequate: good on four, adequate on five
        (cases(60, 31, 9), GOOD, ADEQUATE),
        # 60% good but 10% inadequate: requires improvement on four, adequate fails too
        (cases(60, 30, 10), REQUIRES_IMPROVEMENT, REQUIRES_IMPROVEMENT),
        # 55% good, few inadequate: requires improvement on four, adequate on five
        (cases(55, 42, 3), REQUIRES_IMPROVEMENT, ADEQUATE),
        # 50% good exactly is adequate; below is requires improvement
        (cases(50, 45, 5), REQUIRES_IMPROVEMENT, ADEQUATE),
        (cases(49, 46, 5), REQUIRES_IMPROVEMENT, REQUIRES_IMPROVEMENT),
    ],
)
def test_suggestion_on_both_scales(evidence, four, five):
    assert suggested_grade(FOUR_POINT, evidence).grade == four
    assert suggested_grade(FIVE_POINT, evidence).grade == five


def test_a_cause_of_concern_caps_the_suggestion_at_requires_improvement():
    strong = cases(63, 7, 0, causes=1)
    for scale in (FOUR_POINT, FIVE_POINT):
        suggestion = suggested_grade(scale, strong)
        assert suggestion.grade == REQUIRES_IMPROVEMENT
        assert "at best requires improvement" in suggestion.reasons[-1]
    # it never lifts an inadequate suggestion
    assert suggested_grade(FIVE_POINT, cases(20, 20, 20, causes=2)).grade == INADEQUATE


def test_too_few_cases_gives_no_suggestion_unless_a_cause_of_concern():
    none = suggested_grade(FIVE_POINT, Evidence())
    assert none.grade is None and none.label == "No suggestion"
    assert none.reasons == ("0 graded cases (a suggestion needs 10)",)
    assert suggested_grade(FOUR_POINT, cases(9, 0, 0)).grade is None
    assert suggested_grade(FOUR_POINT, cases(10, 0, 0)).grade == OUTSTANDING
    with_cause = suggested_grade(FIVE_POINT, cases(causes=1))
    assert with_cause.grade == REQUIRES_IMPROVEMENT
    assert with_cause.label == "Requires improvement"


def test_reasons_show_the_counts_and_the_base():
    suggestion = suggested_grade(FIVE_POINT, cases(23, 23, 28))
    assert suggestion.reasons == (
        "23 of 74 cases good (31%), 28 inadequate (38%)",
        "at least a quarter of the cases inadequate",
    )


def test_evidence_is_checked():
    with pytest.raises(ValueError, match="Unknown case grade adequate"):
        Evidence(cases_by_grade={"adequate": 3})
    with pytest.raises(ValueError, match="count of good cases"):
        Evidence(cases_by_grade={"good": -1})
    with pytest.raises(ValueError, match="causes of concern"):
        Evidence(causes_of_concern=1.5)
    with pytest.raises(ValueError, match="Unknown grade scale"):
        suggested_grade("three_point", Evidence())
    # missing grades count as 0
    evidence = Evidence(cases_by_grade={"good": 4}, causes_of_concern=1)
    assert evidence.cases_by_grade == {"good": 4, "requires_improvement": 0, "inadequate": 0}
