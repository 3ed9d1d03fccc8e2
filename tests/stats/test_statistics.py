"""Intervals and changes against reference implementations on known data."""

import math

import numpy as np
import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from cpinspect.stats import statistics as stats

GRID = [
    (x, n) for n in (1, 2, 5, 10, 37, 74, 374) for x in sorted({0, 1, n // 3, n // 2, n - 1, n})
]


def _fpc_wilson_by_hand(x, n, big_n, confidence):
    """Independent: the Wilson limits are the roots in P of (p - P)^2 = z^2 P (1 - P) / n_eff,
    with n_eff = n (N-1)/(N-n); then the population's logical limits x/N and (x+N-n)/N."""
    z = norm.ppf(1 - (1 - confidence) / 2)
    p = x / n
    k = z**2 * (big_n - n) / (n * (big_n - 1))
    # (1 + k) P^2 - (2p + k) P + p^2 = 0
    roots = np.sort(np.roots([1 + k, -(2 * p + k), p * p]).real)
    return max(roots[0], x / big_n), min(roots[1], (x + big_n - n) / big_n)


@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_wilson_matches_statsmodels_without_a_population(confidence):
    for x, n in GRID:
        got = stats.proportion_interval(x, n, confidence=confidence)
        low, high = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
        assert got.method == "wilson"
        assert got.proportion == x / n
        assert got.low == pytest.approx(low, abs=1e-12)
        assert got.high == pytest.approx(high, abs=1e-12)


def test_a_huge_population_is_the_plain_wilson_interval():
    for x, n in GRID:
        got = stats.proportion_interval(x, n, 10**12)
        low, high = proportion_confint(x, n, method="wilson")
        assert got.method == "wilson-fpc"
        assert got.low == pytest.approx(low, abs=1e-9)
        assert got.high == pytest.approx(high, abs=1e-9)


@pytest.mark.parametrize("population", [75, 100, 200, 1000, 20000])
@pytest.mark.parametrize("confidence", [0.95, 0.8])
def test_fpc_interval_against_a_hand_computation(population, confidence):
    for x, n in GRID:
        if n > population or n == population:
            continue
        got = stats.proportion_interval(x, n, population, confidence)
        low, high = _fpc_wilson_by_hand(x, n, population, confidence)
        assert got.low == pytest.approx(low, abs=1e-10), (x, n)
        assert got.high == pytest.approx(high, abs=1e-10), (x, n)


def test_fpc_interval_is_wilson_at_the_effective_sample_size():
    # statsmodels' Wilson interval at n_eff = 74 * 199 / 126 with the same proportion
    n_eff = 74 * 199 / 126
    assert stats.effective_sample_size(74, 200) == pytest.approx(n_eff)
    low, high = proportion_confint(23 / 74 * n_eff, n_eff, method="wilson")
    got = stats.proportion_interval(23, 74, 200)
    assert (got.low, got.high) == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))
    # and known values: 23 of 74 from 200 is 31.1% (23.4% to 40.0%), from an endless frame
    # 31.1% (21.7% to 42.3%)
    assert stats.format_interval(got) == "23.4% to 40.0%"
    assert stats.format_interval(stats.proportion_interval(23, 74)) == "21.7% to 42.3%"


def test_the_correction_narrows_the_interval_as_the_frame_shrinks():
    widths = [
        stats.proportion_interval(23, 74, population).high
        - stats.proportion_interval(23, 74, population).low
        for population in (10**9, 5000, 500, 150, 80, 75)
    ]
    assert widths == sorted(widths, reverse=True)
    assert widths[-1] > 0


def test_whole_population_examined_collapses_to_the_proportion():
    got = stats.proportion_interval(23, 74, 74)
    assert got.method == "census"
    assert got.low == got.high == got.proportion == 23 / 74
    for x in (0, 74):
        edge = stats.proportion_interval(x, 74, 74)
        assert edge.low == edge.high == x / 74


def test_limits_respect_what_the_population_must_contain():
    # 50 of 99 seen out of 100: the population proportion is 0.50 or 0.51, nothing else
    got = stats.proportion_interval(50, 99, 100)
    assert got.low == pytest.approx(0.50) and got.high == pytest.approx(0.51)


@pytest.mark.parametrize("population", [None, 100])
def test_edge_counts_zero_and_all(population):
    none = stats.proportion_interval(0, 20, population)
    assert none.proportion == 0 and none.low == 0 and 0 < none.high < 0.2
    every = stats.proportion_interval(20, 20, population)
    assert every.proportion == 1 and every.high == 1 and 0.8 < every.low < 1
    assert every.low == pytest.approx(1 - none.high)


def test_nothing_examined_has_no_proportion():
    got = stats.proportion_interval(0, 0, 50)
    assert (got.count, got.base, got.proportion, got.low, got.high) == (0, 0, None, None, None)
    assert stats.format_percentage(got.proportion) == "[z]"
    assert stats.format_interval(got) == "[z]"


@pytest.mark.parametrize(
    "args, message",
    [
        ((5, 4), r"count \(5\) cannot be more than the sample size \(4\)"),
        ((2, 80, 74), r"sample size \(80\) cannot be more than the population \(74\)"),
        ((-1, 4), "count cannot be negative"),
        ((1.0, 4), "count must be a whole number"),
        ((True, 4), "count must be a whole number"),
        ((1, "4"), "sample size must be a whole number"),
        ((1, 4, 2.5), "population must be a whole number"),
    ],
)
def test_bad_arguments_are_refused_clearly(args, message):
    with pytest.raises(ValueError, match=message):
        stats.proportion_interval(*args)


@pytest.mark.parametrize("confidence", [0, 1, 95, -0.5])
def test_bad_confidence_is_refused(confidence):
    with pytest.raises(ValueError, match="confidence level is between 0 and 1"):
        stats.proportion_interval(1, 4, confidence=confidence)


def test_numpy_integers_are_whole_numbers():
    got = stats.proportion_interval(np.int64(23), np.int64(74), np.int32(200))
    assert got == stats.proportion_interval(23, 74, 200)
    assert type(got.count) is int


def test_grade_intervals_share_the_base():
    counts = {"good": 23, "requires improvement": 40, "inadequate": 11}
    got = stats.grade_intervals(counts, population=300)
    assert {grade: stats.format_base(i.count, i.base) for grade, i in got.items()} == {
        "good": "23 of 74",
        "requires improvement": "40 of 74",
        "inadequate": "11 of 74",
    }
    assert got["good"] == stats.proportion_interval(23, 74, 300)


def test_newcombe_matches_statsmodels_without_a_population():
    pairs = [((48, 80), (56, 70)), ((3, 10), (9, 10)), ((0, 29), (5, 56)), ((7, 7), (0, 12))]
    pairs += [((x1, 37), (x2, 74)) for x1 in (0, 5, 18, 37) for x2 in (0, 20, 50, 74)]
    for earlier, later in pairs:
        got = stats.change_between(earlier, later)
        low, high = confint_proportions_2indep(
            later[0], later[1], earlier[0], earlier[1], method="newcomb", compare="diff"
        )
        assert got.method == "newcombe-wilson"
        assert got.difference == pytest.approx(later[0] / later[1] - earlier[0] / earlier[1])
        assert got.low == pytest.approx(low, abs=1e-12)
        assert got.high == pytest.approx(high, abs=1e-12)


def test_newcombe_published_examples():
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10
    a = stats.change_between((48, 80), (56, 70))
    assert (round(a.low, 4), round(a.high, 4)) == (0.0524, 0.3339)
    b = stats.change_between((3, 10), (9, 10))
    assert (round(b.low, 4), round(b.high, 4)) == (0.1705, 0.8090)


def test_p_value_matches_the_pooled_z_test_without_a_population():
    for earlier, later in [((48, 80), (56, 70)), ((30, 74), (33, 74)), ((0, 20), (4, 25))]:
        got = stats.change_between(earlier, later)
        _, p_value = proportions_ztest([later[0], earlier[0]], [later[1], earlier[1]])
        assert got.p_value == pytest.approx(p_value, rel=1e-10)


def test_p_value_with_the_correction_by_hand():
    got = stats.change_between((25, 70, 150), (36, 70, 150))
    pooled = 61 / 140
    f = (150 - 70) / (150 - 1)
    z = (36 / 70 - 25 / 70) / math.sqrt(pooled * (1 - pooled) * (f / 70 + f / 70))
    assert got.p_value == pytest.approx(2 * norm.sf(abs(z)), rel=1e-10)
    assert got.method == "newcombe-wilson-fpc"
    # the interval is Newcombe's, built from the corrected Wilson limits
    e, lt = stats.proportion_interval(25, 70, 150), stats.proportion_interval(36, 70, 150)
    d = 36 / 70 - 25 / 70
    assert got.low == pytest.approx(
        d - math.sqrt((lt.proportion - lt.low) ** 2 + (e.high - e.proportion) ** 2)
    )
    assert got.high == pytest.approx(
        d + math.sqrt((lt.high - lt.proportion) ** 2 + (e.proportion - e.low) ** 2)
    )


def test_beyond_chance_on_known_data():
    assert stats.change_between((48, 80), (56, 70)).beyond_chance is True  # p = 0.008
    assert stats.change_between((56, 70), (48, 80)).beyond_chance is True  # a fall
    steady = stats.change_between((30, 74), (33, 74))  # p = 0.62
    assert steady.beyond_chance is False
    assert steady.low < 0 < steady.high


def test_small_frames_make_the_same_change_beyond_chance():
    # 25 then 36 of 70: not beyond chance from endless frames, beyond chance from frames of 150
    loose = stats.change_between((25, 70), (36, 70))
    assert loose.beyond_chance is False and loose.p_value == pytest.approx(0.0608, abs=1e-4)
    tight = stats.change_between((25, 70, 150), (36, 70, 150))
    assert tight.beyond_chance is True and tight.p_value < 0.05 and tight.low > 0


def test_beyond_chance_needs_both_the_interval_and_the_test():
    # the interval excludes 0 but p is 0.053
    a = stats.change_between((1, 5), (6, 8))
    assert a.low > 0 and a.p_value > 0.05 and a.beyond_chance is False
    # p is 0.040 but the interval includes 0
    b = stats.change_between((2, 5), (0, 9))
    assert b.p_value < 0.05 and b.low < 0 < b.high and b.beyond_chance is False


def test_two_whole_populations_differ_exactly():
    got = stats.change_between((20, 60, 60), (30, 70, 70))
    assert got.low == got.high == got.difference == pytest.approx(30 / 70 - 20 / 60)
    assert got.p_value == 0.0 and got.beyond_chance is True
    same = stats.change_between((20, 60, 60), (20, 60, 60))
    assert same.difference == 0 and same.p_value == 1.0 and same.beyond_chance is False


def test_intervals_are_accepted_as_results():
    earlier = stats.proportion_interval(25, 70, 150)
    assert stats.change_between(earlier, (36, 70, 150)) == stats.change_between(
        (25, 70, 150), (36, 70, 150)
    )


def test_nothing_to_compare_is_refused():
    with pytest.raises(ValueError, match="earlier inspection examined no cases"):
        stats.change_between((0, 0), (3, 10))
    with pytest.raises(ValueError, match="later inspection examined no cases"):
        stats.change_between((3, 10), (0, 0, 40))
    with pytest.raises(ValueError, match=r"\(count, sample\) or \(count, sample, population\)"):
        stats.change_between((3,), (3, 10))


def test_formatting():
    assert stats.format_base(23, 74) == "23 of 74"
    assert stats.format_base(1234, 5000) == "1,234 of 5,000"
    assert stats.format_percentage(23 / 74) == "31.1%"
    assert stats.format_percentage(1 / 80) == "1.3%"  # 1.25 rounds half up, not to even
    assert stats.format_percentage(0) == "0.0%" and stats.format_percentage(1) == "100.0%"
    assert stats.format_percentage(23 / 74, places=0) == "31%"
    assert stats.format_percentage(np.float64(0.5)) == "50.0%"
    assert stats.format_points(0.052) == "+5.2 points"
    assert stats.format_points(-0.031) == "-3.1 points"
    assert stats.format_points(-0.0001) == "0.0 points"
    with pytest.raises(ValueError, match="count"):
        stats.format_base(75, 74)
