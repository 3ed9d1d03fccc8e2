"""How precise a stratum's sample is: the 95% margin of error for a proportion, with the
finite population correction, and the sample size needed for a chosen margin.

    margin(n, N) = z * sqrt(p(1-p)/n) * sqrt((N-n)/(N-1))
    needed(e, N) = ceil(n0 / (1 + (n0-1)/N)),  n0 = z^2 p(1-p) / e^2

with z the normal quantile for the confidence level and p = 0.5 (the most cautious) unless
given. Tests check both against an independent computation with scipy.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def z_value(confidence: float = 0.95) -> float:
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def margin_of_error(n: int, population: int, *, p: float = 0.5, confidence: float = 0.95):
    """The margin (a proportion, e.g. 0.11 for ±11 points); None when nothing is drawn."""
    if n <= 0 or population <= 0:
        return None
    if n >= population:
        return 0.0
    fpc = math.sqrt((population - n) / (population - 1)) if population > 1 else 0.0
    return z_value(confidence) * math.sqrt(p * (1 - p) / n) * fpc


def sample_size_for(margin: float, population: int, *, p: float = 0.5, confidence: float = 0.95):
    if not 0 < margin < 1:
        raise ValueError("The margin is a proportion between 0 and 1 (e.g. 0.1).")
    if population <= 0:
        return 0
    n0 = z_value(confidence) ** 2 * p * (1 - p) / margin**2
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def table(allocation: dict, population: dict, *, margin: float = 0.1, confidence: float = 0.95):
    """One row per stratum: N, n, margin of error, n needed for ``margin``."""
    rows = []
    for stratum, size in population.items():
        n = allocation.get(stratum, 0)
        moe = margin_of_error(n, size, confidence=confidence)
        rows.append(
            {
                "stratum": stratum,
                "population": size,
                "sample": n,
                "margin": moe,
                "margin_points": None if moe is None else round(moe * 100, 1),
                "needed": sample_size_for(margin, size, confidence=confidence),
            }
        )
    return rows
