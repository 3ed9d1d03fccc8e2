"""Agreement statistics, checked against an independent computation written here.

The reference computations use exact fractions and the textbook formulas, sharing nothing
with statsmodels or the krippendorff package:

- linear weighted kappa: 1 - sum(w * observed) / sum(w * expected), w_ij = |i - j| / (k - 1);
- Krippendorff's alpha from the coincidence matrix, as in K. Krippendorff, "Computing
  Krippendorff's Alpha-Reliability" (2011), whose worked example (section C) checks it.
"""

import random
from fractions import Fraction

import pytest

from cpinspect.assessments.agreement import GRADE_ORDER, Agreement, agreement, agreement_by

GOOD, RI, INAD = GRADE_ORDER  # good < requires_improvement < inadequate


# --- the independent computation -----------------------------------------------------------


def table_of(pairs, k=3):
    table = [[0] * k for _ in range(k)]
    for first, second in pairs:
        table[GRADE_ORDER.index(first)][GRADE_ORDER.index(second)] += 1
    return table


def hand_weighted_kappa(table):
    k, n = len(table), sum(map(sum, table))
    rows = [sum(table[i]) for i in range(k)]
    cols = [sum(table[i][j] for i in range(k)) for j in range(k)]
    w = [[Fraction(abs(i - j), k - 1) for j in range(k)] for i in range(k)]
    observed = sum(w[i][j] * Fraction(table[i][j], n) for i in range(k) for j in range(k))
    expected = sum(w[i][j] * Fraction(rows[i] * cols[j], n * n) for i in range(k) for j in range(k))
    return 1 - observed / expected


def hand_simple_kappa(table):
    n = sum(map(sum, table))
    k = len(table)
    p_o = Fraction(sum(table[i][i] for i in range(k)), n)
    p_e = sum(Fraction(sum(table[i]) * sum(table[r][i] for r in range(k)), n * n) for i in range(k))
    return (p_o - p_e) / (1 - p_e)


def hand_alpha(units, metric, domain):
    """Krippendorff's alpha: units is a list of the values each unit got (None = missing)."""
    o = {(c, k): Fraction(0) for c in domain for k in domain}
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue  # a unit coded once is not pairable
        for a in range(m):
            for b in range(m):
                if a != b:
                    o[values[a], values[b]] += Fraction(1, m - 1)
    n_c = {c: sum(o[c, k] for k in domain) for c in domain}
    n = sum(n_c.values())

    def delta(c, k):
        if metric == "nominal":
            return 0 if c == k else 1
        if metric == "ordinal":
            lo, hi = sorted((domain.index(c), domain.index(k)))
            between = sum(n_c[domain[g]] for g in range(lo, hi + 1))
            return (between - (n_c[c] + n_c[k]) / 2) ** 2
        if metric == "interval":
            return (c - k) ** 2
        return Fraction(c - k, c + k) ** 2  # ratio

    disagreement = sum(o[c, k] * delta(c, k) for c in domain for k in domain)
    chance = sum(n_c[c] * n_c[k] * delta(c, k) for c in domain for k in domain)
    return 1 - (n - 1) * disagreement / chance


def hand_alpha_of_pairs(pairs):
    return hand_alpha([list(p) for p in pairs], "ordinal", list(GRADE_ORDER))


def pairs_from_table(table):
    return [
        (GRADE_ORDER[i], GRADE_ORDER[j])
        for i in range(3)
        for j in range(3)
        for _ in range(table[i][j])
    ]


# Krippendorff (2011), section C: four observers, twelve units, values 1-5, some missing.
PUBLISHED = [
    [1, 1, None, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [None, 5, 5, 5],
    [None, None, 1, 1],
    [None, 3, None, None],
]


@pytest.mark.parametrize(
    ("metric", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_the_hand_alpha_reproduces_the_published_example(metric, published):
    assert round(float(hand_alpha(PUBLISHED, metric, [1, 2, 3, 4, 5])), 3) == published


def test_the_hand_kappa_on_a_worked_table():
    # rows (first examiner) 4, 4, 2; columns (moderator) 4, 4, 2; n = 10.
    # observed disagreement: four cells one step apart, (4 * 1/2) / 10 = 1/5;
    # expected: sum of w_ij * r_i * c_j / n^2 = (2 * 16/2 + 2 * 8 + 2 * 8/2) / 100 = 2/5;
    # kappa = 1 - (1/5) / (2/5) = 1/2.
    table = [[3, 1, 0], [1, 2, 1], [0, 1, 1]]
    assert hand_weighted_kappa(table) == Fraction(1, 2)


# --- the module against it -----------------------------------------------------------------


def test_perfect_agreement():
    result = agreement([(GOOD, GOOD), (RI, RI), (INAD, INAD), (RI, RI)])
    assert result == Agreement(cases=4, agreed=4, percent=100.0, kappa=1.0, alpha=1.0)


def test_chance_level_agreement():
    # Every cell is the product of its margins (rows and columns 8, 4, 4 of 16), so observed
    # and expected disagreement are equal: kappa is exactly 0. The margins are also equal, so
    # the coincidences equal n_c * n_k / n, and alpha = 1 - (n - 1) / n = 1/n with n = 32
    # pairable values (alpha's small-sample correction).
    table = [[4, 2, 2], [2, 1, 1], [2, 1, 1]]
    pairs = pairs_from_table(table)
    result = agreement(pairs)
    assert (result.cases, result.agreed, result.percent) == (16, 6, 37.5)
    assert hand_weighted_kappa(table) == 0
    assert result.kappa == pytest.approx(0, abs=1e-12)
    assert hand_alpha_of_pairs(pairs) == Fraction(1, 32)
    assert result.alpha == pytest.approx(1 / 32, abs=1e-12)


def test_worked_table_matches_the_hand_computation():
    table = [[3, 1, 0], [1, 2, 1], [0, 1, 1]]
    pairs = pairs_from_table(table)
    result = agreement(pairs)
    assert (result.cases, result.agreed, result.percent) == (10, 6, 60.0)
    assert result.kappa == pytest.approx(0.5, abs=1e-12)
    assert result.alpha == pytest.approx(float(hand_alpha_of_pairs(pairs)), abs=1e-12)


def test_systematic_disagreement_is_negative():
    pairs = [(GOOD, INAD), (INAD, GOOD), (GOOD, INAD), (INAD, GOOD)]
    result = agreement(pairs)
    assert result.kappa == pytest.approx(-1.0)
    assert result.alpha == pytest.approx(float(hand_alpha_of_pairs(pairs)))
    assert result.alpha < 0


@pytest.mark.parametrize("unused", GRADE_ORDER)
def test_a_grade_never_used(unused):
    used = [g for g in GRADE_ORDER if g != unused]
    pairs = [(used[0], used[0])] * 5 + [(used[0], used[1])] * 2
    pairs += [(used[1], used[0])] * 1 + [(used[1], used[1])] * 4
    table = table_of(pairs)
    result = agreement(pairs)
    assert result.cases == 12 and result.agreed == 9
    assert result.kappa == pytest.approx(float(hand_weighted_kappa(table)), abs=1e-12)
    # With only two grades in use, every disagreement has the same weight, so the weighted
    # kappa equals the unweighted one.
    assert hand_weighted_kappa(table) == hand_simple_kappa(table)
    assert result.alpha == pytest.approx(float(hand_alpha_of_pairs(pairs)), abs=1e-12)


def test_one_step_counts_less_than_two():
    near = agreement([(GOOD, GOOD), (RI, RI), (INAD, INAD), (GOOD, RI), (RI, INAD), (INAD, RI)])
    far = agreement([(GOOD, GOOD), (RI, RI), (INAD, INAD), (GOOD, INAD), (RI, INAD), (INAD, GOOD)])
    assert near.percent == far.percent == 50.0
    assert near.kappa > far.kappa
    assert near.alpha > far.alpha


@pytest.mark.parametrize("seed", range(25))
def test_random_data_matches_the_hand_computation(seed):
    rng = random.Random(seed)
    pairs = [(rng.choice(GRADE_ORDER), rng.choice(GRADE_ORDER)) for _ in range(rng.randint(2, 60))]
    if len({g for p in pairs for g in p}) == 1:
        pairs.append((GOOD, INAD))  # keep both figures defined
    result = agreement(pairs)
    assert result.cases == len(pairs)
    assert result.agreed == sum(a == b for a, b in pairs)
    assert result.kappa == pytest.approx(float(hand_weighted_kappa(table_of(pairs))), abs=1e-9)
    assert result.alpha == pytest.approx(float(hand_alpha_of_pairs(pairs)), abs=1e-9)


def test_no_cases():
    assert agreement([]) == Agreement(0, 0, None, None, None, "No moderated cases yet.")


def test_one_grade_throughout_leaves_kappa_and_alpha_undefined():
    result = agreement([(RI, RI)] * 6)
    assert (result.cases, result.agreed, result.percent) == (6, 6, 100.0)
    assert result.kappa is None and result.alpha is None
    assert result.note == (
        "Kappa and alpha are undefined when every grade given was 'requires improvement': "
        "there is no variation to measure agreement beyond chance."
    )


def test_each_examiner_using_a_different_single_grade_is_defined():
    result = agreement([(GOOD, INAD)] * 3)
    assert result.kappa == pytest.approx(0.0)
    assert result.alpha == pytest.approx(float(hand_alpha_of_pairs([(GOOD, INAD)] * 3)))


def test_an_unknown_grade_is_refused():
    with pytest.raises(ValueError, match="'outstanding' is not a grade; expected one of good"):
        agreement([(GOOD, "outstanding")])


# --- per inspector and per pair ------------------------------------------------------------

RECORDS = [
    {"first_examiner": "Priya", "moderator": "Dan", "first_grade": GOOD, "moderated_grade": GOOD},
    {"first_examiner": "Priya", "moderator": "Dan", "first_grade": RI, "moderated_grade": INAD},
    {"first_examiner": "Dan", "moderator": "Priya", "first_grade": INAD, "moderated_grade": INAD},
    {"first_examiner": "Priya", "moderator": "Sam", "first_grade": GOOD, "moderated_grade": RI},
    {"first_examiner": "Sam", "moderator": "Dan", "first_grade": RI, "moderated_grade": None},
]


def test_agreement_per_inspector():
    rows = agreement_by(RECORDS, "inspector")
    assert [(label, a.cases, a.agreed) for label, a in rows] == [
        ("Dan", 1, 1),
        ("Priya", 3, 1),
        ("Sam", 0, 0),  # nothing moderated yet, still listed
    ]
    priya = rows[1][1]
    expected = [(GOOD, GOOD), (RI, INAD), (GOOD, RI)]
    assert priya.kappa == pytest.approx(float(hand_weighted_kappa(table_of(expected))))
    assert priya.alpha == pytest.approx(float(hand_alpha_of_pairs(expected)))
    assert rows[2][1].note == "No moderated cases yet."


def test_agreement_per_pair_pools_both_directions():
    rows = agreement_by(RECORDS, "pair")
    assert [(label, a.cases, a.agreed) for label, a in rows] == [
        (("Dan", "Priya"), 3, 2),
        (("Dan", "Sam"), 0, 0),
        (("Priya", "Sam"), 1, 0),
    ]


def test_records_may_be_objects_and_key_a_function():
    class Record:
        def __init__(self, data):
            self.__dict__.update(data)

    rows = agreement_by([Record(r) for r in RECORDS], lambda r: r.moderator)
    assert [(label, a.cases) for label, a in rows] == [("Dan", 2), ("Priya", 1), ("Sam", 1)]


def test_unknown_grouping():
    with pytest.raises(ValueError, match="cannot group by 'force'"):
        agreement_by(RECORDS, "force")


def test_the_kappa_equals_statsmodels_on_random_tables():
    # statsmodels is a development dependency only: the service computes kappa itself, and this
    # checks the two agree on tables of every shape the service meets (a grade never given too).
    import numpy as np
    from statsmodels.stats.inter_rater import cohens_kappa

    from cpinspect.assessments.agreement import linear_weighted_kappa

    rng = random.Random(20261202)
    checked = 0
    for _ in range(300):
        table = np.array([[rng.choice([0, 0, 1, 2, 5, 9]) for _ in range(3)] for _ in range(3)])
        margins_vary = (table.sum(axis=1) > 0).sum() > 1 or (table.sum(axis=0) > 0).sum() > 1
        if table.sum() == 0 or not margins_vary:
            continue
        expected = float(cohens_kappa(table, wt="linear", return_results=False))
        assert linear_weighted_kappa(table) == pytest.approx(expected, abs=1e-12)
        checked += 1
    assert checked > 250
