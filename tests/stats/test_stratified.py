"""The stratified All themes estimate against computations written here from the textbook
formulas (Cochran 1977, chapter 5) and statsmodels' Wilson interval, sharing no code with the
app; edge cases; and the interval's coverage over repeated draws of a demo-like design."""

import math

import numpy as np
import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from cpinspect.stats import statistics
from cpinspect.stats.stratified import (
    StratifiedInterval,
    Stratum,
    sampling_fractions,
    stratified_change,
    stratified_interval,
)

Z = norm.ppf(0.975)

# A demo-like design: 70 cases from 1,502, at least 5 per theme and the rest in proportion
# (casefiles.sampling.allocate gives these sizes), so small themes are sampled at three times
# the rate of large ones: fractions from 3.3% to 10.9%.
DEMO = [
    # key, graded with the grade, graded, frame size
    ("vulnerability_and_risk", 4, 16, 481),
    ("domestic_abuse", 4, 15, 450),
    ("missing_children", 3, 9, 186),
    ("online_abuse", 7, 9, 151),
    ("cse", 6, 7, 104),
    ("custody", 6, 7, 66),
    ("rso_management", 6, 7, 64),
]


def _strata(rows):
    return [Stratum(k, x, n, big_n) for k, x, n, big_n in rows]


def _by_hand(rows):
    """p_st and its variance from unit-level 0/1 data: the general stratified formulas
    (Cochran 5.1 and 5.6, s_h^2 with n_h - 1), not the proportion shortcut the app uses."""
    big_n = sum(r[3] for r in rows)
    estimate, variance = 0.0, 0.0
    for _, x, n, big_nh in rows:
        y = np.array([1.0] * x + [0.0] * (n - x))
        w = big_nh / big_n
        estimate += w * y.mean()
        if n > 1:
            variance += w**2 * (1 - n / big_nh) * y.var(ddof=1) / n
    return estimate, variance


def _wilson_roots(p, n_eff):
    """The Wilson limits as the roots in P of (p - P)^2 = z^2 P (1 - P) / n_eff."""
    k = Z**2 / n_eff
    return np.sort(np.roots([1 + k, -(2 * p + k), p * p]).real)


def test_the_demo_design_matches_the_textbook_formulas_and_statsmodels():
    got = stratified_interval(_strata(DEMO))
    estimate, variance = _by_hand(DEMO)
    assert got.proportion == pytest.approx(estimate, abs=1e-15)
    assert got.variance == pytest.approx(variance, rel=1e-12)
    n_eff = estimate * (1 - estimate) / variance
    assert got.effective_sample_size == pytest.approx(n_eff, rel=1e-12)
    low, high = proportion_confint(estimate * n_eff, n_eff, alpha=0.05, method="wilson")
    assert got.low == pytest.approx(low, abs=1e-12) and got.high == pytest.approx(high, abs=1e-12)
    roots = _wilson_roots(estimate, n_eff)
    assert (got.low, got.high) == pytest.approx(tuple(roots), abs=1e-9)
    assert got.method == "stratified-wilson-fpc"
    assert (got.count, got.base, got.population) == (36, 70, 1502)
    # the point of it: the small themes, sampled at three times the rate, did better, so the
    # unweighted share of the sample (36 of 70, 51.4%) overstates the frame's
    assert statistics.format_percentage(got.proportion) == "41.3%"
    assert statistics.format_percentage(36 / 70) == "51.4%"


def test_sampling_fractions_of_the_demo_design():
    allocation = {k: n for k, _, n, _ in DEMO}
    population = {k: big_n for k, _, _, big_n in DEMO}
    low, high = sampling_fractions(allocation, population)
    assert statistics.format_percentage(low) == "3.3%"  # 15 of 450 and 16 of 481
    assert statistics.format_percentage(high) == "10.9%"  # 7 of 64
    assert sampling_fractions({"a": 0}, {"a": 10}) is None


def test_one_stratum_is_the_ordinary_estimate_with_cochrans_variance():
    got = stratified_interval([Stratum("a", 7, 20, 300)])
    assert got.proportion == 7 / 20
    assert got.variance == pytest.approx((1 - 20 / 300) * 0.35 * 0.65 / 19, rel=1e-12)


def test_at_zero_the_interval_has_a_width_and_starts_at_zero():
    rows = [(k, 0, n, big_n) for k, _, n, big_n in DEMO]
    got = stratified_interval(_strata(rows))
    assert got.proportion == 0 and got.variance == 0 and got.low == 0
    # the fallback: the effective size of a simple random sample of 70 from 1,502
    n_eff = 70 * 1501 / (1502 - 70)
    assert got.effective_sample_size == pytest.approx(n_eff)
    assert got.high == pytest.approx(proportion_confint(0, n_eff, method="wilson")[1], abs=1e-12)
    assert 0.04 < got.high < 0.06


def test_at_one_the_interval_ends_at_one():
    rows = [(k, n, n, big_n) for k, _, n, big_n in DEMO]
    got = stratified_interval(_strata(rows))
    assert got.proportion == 1 and got.high == 1
    at_zero = stratified_interval(_strata([(k, 0, n, big_n) for k, _, n, big_n in DEMO]))
    assert got.low == pytest.approx(1 - at_zero.high, abs=1e-12)


def test_every_stratum_alike_but_different_gives_a_variance_of_zero_and_a_fallback():
    # every case of one theme good, none of the other: p_st is inside (0, 1), v is 0
    got = stratified_interval([Stratum("a", 10, 10, 100), Stratum("b", 0, 10, 300)])
    assert got.proportion == 0.25 and got.variance == 0
    assert got.effective_sample_size == pytest.approx(20 * 399 / 380)
    assert got.low < 0.25 < got.high


def test_a_stratum_examined_whole_adds_no_variance():
    whole = Stratum("small", 2, 6, 6)
    others = _strata(DEMO[:3])
    with_whole = stratified_interval([*others, whole])
    rows = [*DEMO[:3], ("small", 2, 6, 6)]
    estimate, variance = _by_hand(rows)
    assert with_whole.proportion == pytest.approx(estimate, abs=1e-15)
    assert with_whole.variance == pytest.approx(variance, rel=1e-12)
    # the whole stratum's term is (1 - 6/6) * ... = 0
    big_n = sum(r[3] for r in rows)
    without = sum(
        (r[3] / big_n) ** 2 * (1 - r[2] / r[3]) * (r[1] / r[2]) * (1 - r[1] / r[2]) / (r[2] - 1)
        for r in DEMO[:3]
    )
    assert with_whole.variance == pytest.approx(without, rel=1e-12)
    assert with_whole.lonely == ()


def test_every_stratum_examined_whole_is_a_census():
    got = stratified_interval([Stratum("a", 2, 6, 6), Stratum("b", 1, 1, 1)])
    assert got.method == "census"
    assert got.low == got.high == got.proportion == pytest.approx(2 / 6 * 6 / 7 + 1 / 7)


def test_one_case_from_a_larger_frame_takes_the_largest_variance():
    lonely = Stratum("lonely", 1, 1, 40)
    got = stratified_interval([*_strata(DEMO), lonely])
    estimate, variance = _by_hand(DEMO + [("lonely", 1, 1, 40)])
    big_n = 1502 + 40
    # the lonely stratum: W^2 (1 - 1/40) * S_max^2 / 1, S_max^2 = 40 / (4 * 39)
    bound = (40 / big_n) ** 2 * (1 - 1 / 40) * 40 / (4 * 39)
    assert got.proportion == pytest.approx(estimate, abs=1e-15)
    assert got.variance == pytest.approx(variance + bound, rel=1e-12)
    assert got.lonely == ("lonely",)
    # one case from a frame of one is examined whole, not lonely
    assert stratified_interval([*_strata(DEMO), Stratum("one", 1, 1, 1)]).lonely == ()


def test_the_limits_stay_within_what_the_frame_can_hold():
    # nearly the whole frame examined: the Wilson limits are clipped to [x/N, (x+N-n)/N]
    got = stratified_interval([Stratum("a", 9, 10, 11), Stratum("b", 0, 9, 10)])
    assert got.low >= 9 / 21 - 1e-15 and got.high <= (9 + 2) / 21 + 1e-15
    assert got.low <= got.proportion <= got.high


@pytest.mark.parametrize(
    ("strata", "message"),
    [
        ([], "at least one stratum"),
        ([Stratum("a", 0, 0, 10)], "no graded case"),
        ([Stratum("a", 3, 2, 10)], "more than the sample size"),
        ([Stratum("a", 1, 11, 10)], "more than the population"),
        ([Stratum("a", 1, 2, 10), Stratum("a", 1, 2, 10)], "appears twice: a"),
        ([("a", 1, 2, 10)], "is a Stratum"),
        ([Stratum("a", True, 2, 10)], "whole number"),
    ],
)
def test_bad_strata_are_refused_with_the_reason(strata, message):
    with pytest.raises(ValueError, match=message):
        stratified_interval(strata)


def test_the_interval_covers_about_95_percent_over_repeated_draws():
    """A frame of 1,502 cases in the demo's themes, with the true shares of the demo; 4,000
    stratified draws of the demo's allocation: the interval covers the frame's true
    proportion about 95% of the time (the unweighted share is biased and covers far less)."""
    rng = np.random.default_rng(20261202)
    frames = [rng.random(big_n) < x / n for _, x, n, big_n in DEMO]
    truth = sum(f.sum() for f in frames) / 1502
    covered = unweighted_covered = 0
    draws = 4000
    for _ in range(draws):
        strata = []
        for (key, _, n, big_n), frame in zip(DEMO, frames, strict=True):
            chosen = rng.choice(big_n, size=n, replace=False)
            strata.append(Stratum(key, int(frame[chosen].sum()), n, big_n))
        got = stratified_interval(strata)
        covered += got.low <= truth <= got.high
        plain = statistics.proportion_interval(sum(s.count for s in strata), 70, 1502)
        unweighted_covered += plain.low <= truth <= plain.high
    assert 0.93 <= covered / draws <= 0.975
    assert unweighted_covered / draws < 0.9


def _newcombe_by_hand(a, b):
    d = b.proportion - a.proportion
    low = d - math.sqrt((b.proportion - b.low) ** 2 + (a.high - a.proportion) ** 2)
    high = d + math.sqrt((b.high - b.proportion) ** 2 + (a.proportion - a.low) ** 2)
    return d, low, high


def test_a_change_is_newcombes_interval_and_a_wald_test_on_the_two_variances():
    earlier = stratified_interval(_strata(DEMO))
    later_rows = [(k, min(n, x + 3), n, big_n) for k, x, n, big_n in DEMO]
    later = stratified_interval(_strata(later_rows))
    change = stratified_change(earlier, later)
    d, low, high = _newcombe_by_hand(earlier, later)
    assert (change.difference, change.low, change.high) == pytest.approx((d, low, high))
    z = d / math.sqrt(earlier.variance + later.variance)
    assert change.p_value == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)
    assert change.beyond_chance == (change.p_value < 0.05 and (low > 0 or high < 0))
    assert change.beyond_chance  # about 25 points on 70 cases
    assert change.method == "newcombe-stratified"


def test_a_change_with_no_variance_on_either_side():
    zero = stratified_interval([Stratum("a", 0, 10, 100)])
    one = stratified_interval([Stratum("a", 10, 10, 100)])
    same = stratified_change(zero, zero)
    assert same.p_value == 1.0 and not same.beyond_chance
    apart = stratified_change(zero, one)
    assert apart.difference == 1.0 and apart.beyond_chance
    censuses = stratified_change(
        stratified_interval([Stratum("a", 1, 6, 6)]), stratified_interval([Stratum("a", 2, 6, 6)])
    )
    assert censuses.p_value == 0.0 and censuses.low == censuses.high == pytest.approx(1 / 6)


def test_a_change_needs_two_stratified_estimates():
    plain = statistics.proportion_interval(3, 10, 100)
    stratified = stratified_interval([Stratum("a", 3, 10, 100)])
    assert isinstance(stratified, StratifiedInterval)
    with pytest.raises(ValueError, match="earlier result is not a stratified estimate"):
        stratified_change(plain, stratified)
