"""Results by theme: proportions with 95% intervals, and the change since an earlier inspection.

Pure functions; the report code calls them. ADR 0012 gives the reasons.

**One proportion.** The Wilson score interval (Wilson 1927; recommended by Brown, Cai and
DasGupta 2001) for x cases out of n examined. The cases are a sample drawn without replacement
from a frame of known size N, so the variance of the sample proportion is
p(1-p)/n * (N-n)/(N-1) (Cochran 1977, *Sampling Techniques*, 3rd ed., section 3.2). The
interval uses that variance through the effective sample size

    n_eff = n * (N - 1) / (N - n)

in Wilson's formula in place of n (the effective-sample-size device of Korn and Graubard 1998,
*Survey Methodology* 24, 193-201):

    centre = (p + z^2 / (2 n_eff)) / (1 + z^2 / n_eff)
    half   = z / (1 + z^2 / n_eff) * sqrt(p (1 - p) / n_eff + z^2 / (4 n_eff^2))

The frame's true proportion is X/N with X at least the x cases seen and N - X at least the
n - x others seen, so the limits are then clipped to [x/N, (x + N - n)/N]. When n == N the
whole frame was examined: n_eff is infinite and the interval is the observed proportion.
Without a population the interval is the ordinary Wilson interval.

**A change between two inspections.** The earlier and later samples are independent (two
frames, two draws). The difference is later minus earlier. Its interval is Newcombe's hybrid
score interval (Newcombe 1998, *Statistics in Medicine* 17, 873-890, method 10), built from
the two FPC-adjusted Wilson intervals above:

    low  = d - sqrt((p2 - l2)^2 + (u1 - p1)^2)
    high = d + sqrt((u2 - p2)^2 + (p1 - l1)^2)

The p-value is the two-sided z-test of equal proportions with the pooled proportion
p = (x1 + x2) / (n1 + n2) and each variance term corrected for its frame:

    z = d / sqrt(p (1 - p) (f1 / n1 + f2 / n2)),   f_i = (N_i - n_i) / (N_i - 1)

(f_i = 1 without a population, which is statsmodels' ``proportions_ztest``). A change is
*beyond chance* only when both agree: the interval excludes 0 and p < 1 - confidence. The two
are not exact duals, so near the edge they can differ; a report then never claims a change
that one of its own printed figures contradicts.

Assumption: the sample is a simple random sample of the frame. That holds within one theme
(the casefiles draw is random within each stratum). Across themes it does not: every theme
gets a minimum, so small themes are over-sampled, and the All themes figures are a stratified
estimate instead (``stratified.py``, ADR 0025).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import NormalDist

WILSON = "wilson"
WILSON_FPC = "wilson-fpc"
CENSUS = "census"
NEWCOMBE = "newcombe-wilson"
NEWCOMBE_FPC = "newcombe-wilson-fpc"


@dataclass(frozen=True)
class Interval:
    """x of n with its interval; proportion, low and high are None when n is 0."""

    count: int
    base: int
    proportion: float | None
    low: float | None
    high: float | None
    method: str  # "wilson", "wilson-fpc" or "census" (n == N: no sampling error)
    population: int | None = None
    confidence: float = 0.95


@dataclass(frozen=True)
class Change:
    """Later minus earlier, as a proportion (0.05 is 5 percentage points)."""

    difference: float
    low: float
    high: float
    p_value: float
    beyond_chance: bool
    earlier: Interval
    later: Interval
    method: str  # "newcombe-wilson" or "newcombe-wilson-fpc"
    confidence: float = 0.95


def _whole(value, name: str) -> int:
    # bool is an int in Python; a True passed as a count is a bug, not 1.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"The {name} must be a whole number, not {value!r}.")
    if value < 0:
        raise ValueError(f"The {name} cannot be negative (got {value}).")
    return int(value)


def _z(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise ValueError(f"The confidence level must be a number, not {confidence!r}.")
    if not 0 < confidence < 1:
        raise ValueError(f"The confidence level is between 0 and 1, e.g. 0.95 (got {confidence}).")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def _checked(count, sample, population) -> tuple[int, int, int | None]:
    count = _whole(count, "count")
    sample = _whole(sample, "sample size")
    if count > sample:
        raise ValueError(f"The count ({count}) cannot be more than the sample size ({sample}).")
    if population is not None:
        population = _whole(population, "population")
        if sample > population:
            raise ValueError(
                f"The sample size ({sample}) cannot be more than the population ({population})."
            )
    return count, sample, population


def effective_sample_size(sample: int, population: int | None) -> float:
    """n (N-1)/(N-n): the sample with replacement that is as precise; infinite when n == N."""
    if population is None:
        return float(sample)
    if sample >= population:
        return math.inf
    return sample * (population - 1) / (population - sample)


def _wilson(p: float, n_eff: float, z: float) -> tuple[float, float]:
    if math.isinf(n_eff):
        return p, p
    z2 = z * z
    denominator = 1 + z2 / n_eff
    centre = (p + z2 / (2 * n_eff)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff * n_eff))
    # max/min guard only against rounding just past 0 or 1 when p is 0 or 1.
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion_interval(
    count: int, sample: int, population: int | None = None, confidence: float = 0.95
) -> Interval:
    """``count`` of ``sample`` cases, drawn from a frame of ``population`` cases if known."""
    z = _z(confidence)
    count, sample, population = _checked(count, sample, population)
    if sample == 0:
        method = WILSON if population is None else WILSON_FPC
        return Interval(count, sample, None, None, None, method, population, confidence)
    p = count / sample
    if population is None:
        low, high = _wilson(p, float(sample), z)
        method = WILSON
    else:
        low, high = _wilson(p, effective_sample_size(sample, population), z)
        # The frame holds at least the cases seen, each way.
        low = max(low, count / population)
        high = min(high, (count + population - sample) / population)
        method = CENSUS if sample == population else WILSON_FPC
    return Interval(count, sample, p, low, high, method, population, confidence)


def grade_intervals(
    counts: Mapping[str, int], population: int | None = None, confidence: float = 0.95
) -> dict[str, Interval]:
    """One interval per grade; the base is the number of cases graded (the sum of the counts)."""
    base = sum(_whole(value, f"count for {grade!r}") for grade, value in counts.items())
    return {
        grade: proportion_interval(value, base, population, confidence)
        for grade, value in counts.items()
    }


def _unpack(result, which: str) -> tuple[int, int, int | None]:
    if isinstance(result, Interval):
        return result.count, result.base, result.population
    if not isinstance(result, tuple | list) or len(result) not in (2, 3):
        raise ValueError(
            f"The {which} result is (count, sample) or (count, sample, population), not {result!r}."
        )
    count, sample, *rest = result
    return count, sample, (rest[0] if rest else None)


def _fpc(sample: int, population: int | None) -> float:
    if population is None:
        return 1.0
    if population <= 1:
        return 0.0
    return (population - sample) / (population - 1)


def change_between(earlier, later, confidence: float = 0.95) -> Change:
    """The change from ``earlier`` to ``later``, each (count, sample, population) or Interval.

    Raises ValueError when either sample is empty: there is nothing to compare.
    """
    first = proportion_interval(*_unpack(earlier, "earlier"), confidence=confidence)
    second = proportion_interval(*_unpack(later, "later"), confidence=confidence)
    for name, result in (("earlier", first), ("later", second)):
        if result.base == 0:
            raise ValueError(f"The {name} inspection examined no cases here: nothing to compare.")
    p1, l1, u1 = first.proportion, first.low, first.high
    p2, l2, u2 = second.proportion, second.low, second.high
    difference = p2 - p1
    low = difference - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = difference + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)

    pooled = (first.count + second.count) / (first.base + second.base)
    variance = (
        pooled
        * (1 - pooled)
        * (
            _fpc(first.base, first.population) / first.base
            + _fpc(second.base, second.population) / second.base
        )
    )
    if variance > 0:
        p_value = math.erfc(abs(difference) / math.sqrt(variance) / math.sqrt(2))
    else:
        # Both frames examined whole, or every case alike: the difference is exact.
        p_value = 0.0 if difference != 0 else 1.0

    excludes_zero = low > 0 or high < 0
    beyond_chance = excludes_zero and p_value < 1 - confidence
    fpc = first.population is not None or second.population is not None
    method = NEWCOMBE_FPC if fpc else NEWCOMBE
    return Change(difference, low, high, p_value, beyond_chance, first, second, method, confidence)


def _half_up(value: float, places: int, scale: int = 1) -> Decimal:
    # repr gives the shortest decimal that is the float, so 0.145 rounds to 0.15, not 0.14.
    rounded = (Decimal(repr(float(value))) * scale).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    return rounded + 0  # turns -0.0 into 0.0


def format_base(count: int, sample: int) -> str:
    """'23 of 74'."""
    count, sample, _ = _checked(count, sample, None)
    return f"{count:,} of {sample:,}"


def format_percentage(proportion: float | None, places: int = 1, missing: str = "[z]") -> str:
    """0.3108 -> '31.1%' (half up); None (nothing examined) -> ``missing``, [z] by default."""
    if proportion is None:
        return missing
    return f"{_half_up(proportion, places, 100)}%"


def format_interval(interval: Interval, places: int = 1, missing: str = "[z]") -> str:
    """'21.7% to 42.3%'; ``missing`` when nothing was examined."""
    if interval.low is None:
        return missing
    low = format_percentage(interval.low, places)
    high = format_percentage(interval.high, places)
    return f"{low} to {high}"


def format_points(difference: float, places: int = 1) -> str:
    """0.052 -> '+5.2 points', -0.031 -> '-3.1 points' (percentage points)."""
    value = _half_up(difference, places, 100)
    sign = "+" if value > 0 else ""
    return f"{sign}{value} points"
