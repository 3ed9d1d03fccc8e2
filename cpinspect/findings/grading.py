"""The suggested grade: a documented rule from a topic's evidence (docs/findings.md).

Pure: plain strings and numbers, no database. The lead inspector decides the grade; this only
suggests one, with the reasons, so the decision can be compared with the evidence.

The evidence for a topic is the number of examined cases at each case grade (good, requires
improvement, inadequate) and the number of causes of concern recorded in the topic.

The rule, applied in this order:

1. Fewer than ``MIN_CASES`` graded cases and no cause of concern: no suggestion (too little
   evidence to suggest anything).
2. At least a quarter of the cases inadequate: *inadequate*.
3. Otherwise the best grade of the scale whose two conditions both hold (the share of good
   cases at least ``min_good`` and the share of inadequate cases below ``max_inadequate``):

   ============== ============================ ============================
   grade          four-point (to 2018/19)      five-point (from 2021/22)
   ============== ============================ ============================
   outstanding    good >= 90%, no inadequate   good >= 90%, no inadequate
   good           good >= 60%, inadequate <10% good >= 75%, inadequate < 5%
   adequate       (not on the scale)           good >= 50%, inadequate <10%
   req. improv.   otherwise                    otherwise
   ============== ============================ ============================

4. A cause of concern in the topic caps the suggestion at *requires improvement* (it is a
   serious shortcoming: never good). With a cause of concern and too few cases (rule 1), the
   suggestion is *requires improvement* on the cause alone.

Shares are exact fractions, so a threshold is never missed by rounding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

FOUR_POINT = "four_point"
FIVE_POINT = "five_point"

OUTSTANDING = "outstanding"
GOOD = "good"
ADEQUATE = "adequate"
REQUIRES_IMPROVEMENT = "requires_improvement"
INADEQUATE = "inadequate"

SCALES = {
    FOUR_POINT: (OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE),
    FIVE_POINT: (OUTSTANDING, GOOD, ADEQUATE, REQUIRES_IMPROVEMENT, INADEQUATE),
}
# How each examined case is graded (DOMAIN.md: good / requires improvement / inadequate).
CASE_GRADES = (GOOD, REQUIRES_IMPROVEMENT, INADEQUATE)

MIN_CASES = 10
INADEQUATE_SHARE = Fraction(1, 4)


@dataclass(frozen=True)
class Band:
    grade: str
    min_good: Fraction
    max_inadequate: Fraction | None  # the share of inadequate cases must be below this
    no_inadequate: bool = False


BANDS = {
    FOUR_POINT: (
        Band(OUTSTANDING, Fraction(9, 10), None, no_inadequate=True),
        Band(GOOD, Fraction(6, 10), Fraction(1, 10)),
    ),
    FIVE_POINT: (
        Band(OUTSTANDING, Fraction(9, 10), None, no_inadequate=True),
        Band(GOOD, Fraction(3, 4), Fraction(1, 20)),
        Band(ADEQUATE, Fraction(1, 2), Fraction(1, 10)),
    ),
}

LABELS = {
    OUTSTANDING: "Outstanding",
    GOOD: "Good",
    ADEQUATE: "Adequate",
    REQUIRES_IMPROVEMENT: "Requires improvement",
    INADEQUATE: "Inadequate",
}


@dataclass(frozen=True)
class Evidence:
    """A topic's evidence: examined cases by their grade, and causes of concern in the topic."""

    cases_by_grade: Mapping[str, int] = field(default_factory=dict)
    causes_of_concern: int = 0

    def __post_init__(self):
        counts = dict(self.cases_by_grade)
        unknown = sorted(set(counts) - set(CASE_GRADES))
        if unknown:
            raise ValueError(
                f"Unknown case grade {', '.join(unknown)} (expected {', '.join(CASE_GRADES)})."
            )
        for grade, n in counts.items():
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"The count of {grade} cases must be a whole number, 0 or more.")
        c = self.causes_of_concern
        if isinstance(c, bool) or not isinstance(c, int) or c < 0:
            raise ValueError("The number of causes of concern must be a whole number, 0 or more.")
        object.__setattr__(self, "cases_by_grade", {g: counts.get(g, 0) for g in CASE_GRADES})

    @property
    def cases(self) -> int:
        return sum(self.cases_by_grade.values())

    def share(self, grade: str) -> Fraction:
        return Fraction(self.cases_by_grade[grade], self.cases) if self.cases else Fraction(0)

    def as_dict(self) -> dict:
        return {
            "cases_by_grade": dict(self.cases_by_grade),
            "causes_of_concern": self.causes_of_concern,
        }


@dataclass(frozen=True)
class Suggestion:
    grade: str | None  # None: too little evidence to suggest a grade
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return LABELS[self.grade] if self.grade else "No suggestion"


def _percent(share: Fraction) -> str:
    return f"{float(share) * 100:.0f}%"


def suggested_grade(scale: str, evidence: Evidence) -> Suggestion:
    """The grade the evidence suggests on ``scale``, with the reasons (see the module doc)."""
    if scale not in SCALES:
        raise ValueError(f"Unknown grade scale {scale!r} (expected {' or '.join(SCALES)}).")
    n, causes = evidence.cases, evidence.causes_of_concern
    cause_text = (
        f"{causes} cause{'s' if causes != 1 else ''} of concern in this topic: "
        "at best requires improvement"
    )
    if n < MIN_CASES:
        few = f"{n} graded case{'s' if n != 1 else ''} (a suggestion needs {MIN_CASES})"
        if causes:
            return Suggestion(REQUIRES_IMPROVEMENT, (few, cause_text))
        return Suggestion(None, (few,))
    good, inadequate = evidence.share(GOOD), evidence.share(INADEQUATE)
    seen = (
        f"{evidence.cases_by_grade[GOOD]} of {n} cases good ({_percent(good)}), "
        f"{evidence.cases_by_grade[INADEQUATE]} inadequate ({_percent(inadequate)})"
    )
    if inadequate >= INADEQUATE_SHARE:
        return Suggestion(INADEQUATE, (seen, "at least a quarter of the cases inadequate"))
    grade = REQUIRES_IMPROVEMENT
    for band in BANDS[scale]:
        if good < band.min_good:
            continue
        if band.no_inadequate and evidence.cases_by_grade[INADEQUATE]:
            continue
        if band.max_inadequate is not None and inadequate >= band.max_inadequate:
            continue
        grade = band.grade
        break
    reasons = [seen]
    if causes and SCALES[scale].index(grade) < SCALES[scale].index(REQUIRES_IMPROVEMENT):
        grade = REQUIRES_IMPROVEMENT
        reasons.append(cause_text)
    elif causes:
        reasons.append(f"{causes} cause{'s' if causes != 1 else ''} of concern in this topic")
    return Suggestion(grade, tuple(reasons))
