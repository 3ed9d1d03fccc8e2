"""The All themes figures: a stratified estimate of a proportion, with its interval and the
change between two inspections. Pure functions; ADR 0025 gives the reasons.

The cases are drawn by theme (the strata): at least a minimum per theme, the rest in
proportion to the theme's frame size (``casefiles.sampling``), so small themes are sampled at
a higher rate than large ones. The proportion of the whole frame is therefore estimated with
each theme weighted by its share of the frame, not by its share of the sample (Cochran 1977,
*Sampling Techniques*, 3rd ed., sections 5.2 and 5.5):

    p_st = sum_h W_h p_h,                   W_h = N_h / N,  p_h = x_h / n_h
    v    = sum_h W_h^2 (1 - n_h/N_h) p_h (1 - p_h) / (n_h - 1)

(Cochran's equation 5.53: the unbiased estimate of the variance, with the finite population
correction in each stratum.) A stratum of one case drawn from a frame of more has no variance
estimate; it contributes its largest possible value, W_h^2 (1 - f_h) S_max^2 with
S_max^2 = N_h / (4 (N_h - 1)) (the variance of a frame half of whose cases have the grade). A
stratum examined whole (n_h == N_h) contributes no variance.

The interval is Wilson's score interval on the effective sample size (Korn and Graubard
1998, *Survey Methodology* 24, 193-201; Dean and Pagano 2015, *Journal of Survey Statistics
and Methodology* 3, 484-503): n_eff = p_st (1 - p_st) / v, so it stays within [0, 1].
Where v is 0 but not every stratum was examined whole (every theme's cases alike, so p_st is
0 or 1, or the variance vanishes), n_eff falls back to the effective size of a simple random
sample of the same n from the same N, n (N - 1)/(N - n): the interval still has a width, as a
per-theme interval at 0 does. Korn and Graubard's degrees-of-freedom factor
(t_{n-1} / t_{n-H})^2 is left out: with about 70 cases in 7 themes it changes n_eff by 0.3%
and the interval's width by under 0.2%. The limits are clipped to what the frame can hold,
[x/N, (x + N - n)/N], as for one theme.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from cpinspect.stats import statistics

STRATIFIED = "stratified-wilson-fpc"
CENSUS = statistics.CENSUS
STRATIFIED_CHANGE = "newcombe-stratified"


@dataclass(frozen=True)
class Stratum:
    """One theme: ``count`` of its ``sample`` graded cases had the grade; ``population`` is
    the theme's frame size."""

    key: str
    count: int
    sample: int
    population: int


@dataclass(frozen=True)
class StratifiedInterval(statistics.Interval):
    """An ``Interval`` whose ``proportion`` is the stratified estimate (not count / base)."""

    variance: float = 0.0
    effective_sample_size: float = math.inf
    strata: tuple[Stratum, ...] = field(default_factory=tuple)
    lonely: tuple[str, ...] = ()  # strata of one case from a frame of more (variance bounded)


def _stratum(value) -> Stratum:
    if not isinstance(value, Stratum):
        raise ValueError(f"A stratum is a Stratum(key, count, sample, population), not {value!r}.")
    count, sample, population = statistics._checked(value.count, value.sample, value.population)
    if sample == 0:
        raise ValueError(
            f"The stratum {value.key!r} has no graded case: it cannot be estimated (leave it out)."
        )
    return Stratum(value.key, count, sample, population)


def stratified_interval(strata: Iterable[Stratum], confidence: float = 0.95) -> StratifiedInterval:
    """The stratified estimate over ``strata`` (each with at least one case) and its interval."""
    z = statistics._z(confidence)
    strata = tuple(_stratum(s) for s in strata)
    if not strata:
        raise ValueError("A stratified estimate needs at least one stratum with graded cases.")
    keys = [s.key for s in strata]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"A stratum appears twice: {', '.join(twice)}.")
    total = sum(s.population for s in strata)
    count = sum(s.count for s in strata)
    sample = sum(s.sample for s in strata)
    estimate = 0.0
    variance = 0.0
    lonely = []
    for s in strata:
        weight = s.population / total
        p = s.count / s.sample
        estimate += weight * p
        unsampled = 1 - s.sample / s.population
        if unsampled == 0:
            continue
        if s.sample == 1:
            lonely.append(s.key)
            spread = s.population / (4 * (s.population - 1))
            variance += weight * weight * unsampled * spread / s.sample
        else:
            variance += weight * weight * unsampled * p * (1 - p) / (s.sample - 1)
    # sums of floats can land a hair outside [0, 1] when every stratum is 0 or 1
    estimate = min(1.0, max(0.0, estimate))
    if sample == total:
        n_eff = math.inf
        method = CENSUS
    else:
        method = STRATIFIED
        spread = estimate * (1 - estimate)
        if variance > 0 and spread > 0:
            n_eff = spread / variance
        else:
            n_eff = statistics.effective_sample_size(sample, total)
    low, high = statistics._wilson(estimate, n_eff, z)
    low = max(low, count / total)
    high = min(high, (count + total - sample) / total)
    return StratifiedInterval(
        count=count,
        base=sample,
        proportion=estimate,
        low=low,
        high=high,
        method=method,
        population=total,
        confidence=confidence,
        variance=variance,
        effective_sample_size=n_eff,
        strata=strata,
        lonely=tuple(lonely),
    )


def stratified_change(
    earlier: StratifiedInterval, later: StratifiedInterval, confidence: float = 0.95
) -> statistics.Change:
    """Later minus earlier, two independent stratified samples.

    The interval is Newcombe's hybrid (method 10) from the two stratified Wilson intervals, as
    for one theme. The p-value is the two-sided Wald test d / sqrt(v1 + v2): a pooled
    proportion has no meaning across two stratified designs. "Beyond chance" needs both, as in
    ``statistics.change_between``."""
    for name, result in (("earlier", earlier), ("later", later)):
        if not isinstance(result, StratifiedInterval):
            raise ValueError(f"The {name} result is not a stratified estimate: {result!r}.")
        if result.confidence != confidence:
            raise ValueError(
                f"The {name} estimate has confidence {result.confidence}, not {confidence}."
            )
    p1, l1, u1 = earlier.proportion, earlier.low, earlier.high
    p2, l2, u2 = later.proportion, later.low, later.high
    difference = p2 - p1
    low = difference - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = difference + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    variance = earlier.variance + later.variance
    if variance > 0:
        p_value = math.erfc(abs(difference) / math.sqrt(variance) / math.sqrt(2))
    elif difference == 0:
        p_value = 1.0
    elif math.isinf(earlier.effective_sample_size) and math.isinf(later.effective_sample_size):
        p_value = 0.0  # both frames examined whole: the difference is exact
    else:
        # no variance estimate on either side (every case alike): the interval decides
        p_value = 0.0 if (low > 0 or high < 0) else 1.0
    excludes_zero = low > 0 or high < 0
    beyond_chance = excludes_zero and p_value < 1 - confidence
    return statistics.Change(
        difference, low, high, p_value, beyond_chance, earlier, later, STRATIFIED_CHANGE, confidence
    )


def sampling_fractions(allocation: dict, population: dict) -> tuple[float, float] | None:
    """The smallest and largest share of a theme's frame that was drawn (themes with a frame
    and a draw); None when no theme has both."""
    shares = [
        int(allocation.get(k, 0)) / int(n)
        for k, n in population.items()
        if int(n) > 0 and int(allocation.get(k, 0)) > 0
    ]
    return (min(shares), max(shares)) if shares else None
