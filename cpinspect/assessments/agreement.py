"""Agreement between the first examiner's grade and the moderator's grade of the same case.

Three figures, each with the number of cases behind it: percentage agreement (exact), Cohen's
kappa with linear weights (computed here: one formula, checked in the tests against
statsmodels' ``cohens_kappa``) and Krippendorff's alpha at the ordinal level (the
``krippendorff`` package). Grades are ordinal: good < requires improvement < inadequate, so a
disagreement of two steps counts more than one of one step.

Kappa treats the two roles as distinct raters (rows: first examiner, columns: moderator);
alpha pools their grades, and corrects for small samples. Both are undefined when every grade
given was the same: there is then no variation to measure agreement against chance, and the
figure is ``None`` with a ``note`` saying why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import krippendorff
import numpy as np

from cpinspect.assessments.questionsets import GRADES

GRADE_ORDER = tuple(value for value, _ in GRADES)  # best first; the order is the scale
GRADE_LABELS = dict(GRADES)
_INDEX = {grade: i for i, grade in enumerate(GRADE_ORDER)}


@dataclass(frozen=True)
class Agreement:
    cases: int
    agreed: int  # cases where both gave the same grade
    percent: float | None  # 0-100; None with no cases
    kappa: float | None  # linear-weighted Cohen's kappa
    alpha: float | None  # Krippendorff's alpha, ordinal
    note: str = ""  # why a figure is None


def _index(grade: str) -> int:
    try:
        return _INDEX[grade]
    except (KeyError, TypeError):
        raise ValueError(
            f"{grade!r} is not a grade; expected one of {', '.join(GRADE_ORDER)}"
        ) from None


def linear_weighted_kappa(table: np.ndarray) -> float:
    """Cohen's kappa of a k x k table with linear disagreement weights |i - j| / (k - 1):
    1 - (weighted observed disagreement) / (weighted disagreement expected from the margins)."""
    k = table.shape[0]
    weights = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / (k - 1)
    observed = table / table.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    return float(1 - (weights * observed).sum() / (weights * expected).sum())


def agreement(pairs: Sequence[tuple[str, str]]) -> Agreement:
    """Agreement over (first examiner's grade, moderator's grade) pairs, one per case."""
    coded = [(_index(first), _index(moderated)) for first, moderated in pairs]
    cases = len(coded)
    if not cases:
        return Agreement(0, 0, None, None, None, "No moderated cases yet.")
    agreed = sum(first == moderated for first, moderated in coded)
    percent = 100 * agreed / cases
    used = {grade for pair in coded for grade in pair}
    if len(used) == 1:
        label = GRADE_LABELS[GRADE_ORDER[used.pop()]].lower()
        return Agreement(
            cases,
            agreed,
            percent,
            None,
            None,
            f"Kappa and alpha are undefined when every grade given was {label!r}: "
            "there is no variation to measure agreement beyond chance.",
        )
    # Always 3x3, with a row and a column for every grade, so the weights span the whole
    # scale even when a grade was never given.
    table = np.zeros((len(GRADE_ORDER), len(GRADE_ORDER)))
    for first, moderated in coded:
        table[first, moderated] += 1
    kappa = linear_weighted_kappa(table)
    alpha = float(
        krippendorff.alpha(
            reliability_data=np.array(coded, dtype=float).T,  # one row per role
            level_of_measurement="ordinal",
            value_domain=list(range(len(GRADE_ORDER))),
        )
    )
    return Agreement(cases, agreed, percent, kappa, alpha)


def _get(record: Any, name: str) -> Any:
    return record[name] if isinstance(record, Mapping) else getattr(record, name)


def grade_pairs(records: Iterable[Any]) -> list[tuple[str, str]]:
    """(first grade, moderated grade) of every record that has both (moderated cases)."""
    pairs = []
    for record in records:
        first, moderated = _get(record, "first_grade"), _get(record, "moderated_grade")
        if first and moderated:
            pairs.append((first, moderated))
    return pairs


def _pair(record: Any) -> tuple:
    return tuple(sorted((_get(record, "first_examiner"), _get(record, "moderator")), key=str))


GROUPINGS: dict[str, Callable[[Any], Hashable]] = {
    "inspector": lambda record: _get(record, "first_examiner"),
    "pair": _pair,  # the two examiners in either role, sorted
}


def _sort_key(label: Hashable) -> tuple:
    return tuple(str(x) for x in label) if isinstance(label, tuple) else (str(label),)


def agreement_by(
    records: Iterable[Any], key: str | Callable[[Any], Hashable]
) -> list[tuple[Hashable, Agreement]]:
    """Agreement per group, sorted by label.

    Records are mappings or objects with ``first_examiner``, ``moderator``, ``first_grade``
    and ``moderated_grade``; those without both grades (not yet moderated) are not counted.
    ``key`` is ``"inspector"`` (the first examiner), ``"pair"`` (a sorted tuple of the two
    examiners) or a function of a record giving its group's label."""
    if isinstance(key, str):
        try:
            label_of = GROUPINGS[key]
        except KeyError:
            raise ValueError(
                f"cannot group by {key!r}; expected one of {', '.join(GROUPINGS)} or a function"
            ) from None
    else:
        label_of = key
    groups: dict[Hashable, list[Any]] = defaultdict(list)
    for record in records:
        groups[label_of(record)].append(record)
    # A group with no moderated case yet stays in the list, with 0 cases, so the page can
    # show everyone on the team.
    results = [(label, agreement(grade_pairs(members))) for label, members in groups.items()]
    return sorted(results, key=lambda item: _sort_key(item[0]))
