"""Stratified sampling of a frame: pure functions, seeded, reproducible.

* Strata are the categories. Within a stratum, rows are put in pseudonym order (so the draw
  does not depend on the order of rows in the force's file) and then permuted with numpy's
  ``Generator`` (PCG64) seeded by the sample's seed, one stratum after another in the
  canonical category order. The first n_h of the permutation are the sample, the next r_h
  the ordered reserves.
* Default size: ``conf.sample_base()`` (70) for frames up to ``sample_base_frame()`` rows
  (20,000); above that, base * sqrt(N / base_frame), rounded, at most ``sample_max()`` (400).
  A frame of about 571,000 rows gives 374, the size of the Metropolitan Police sample in 2016.
* Allocation: ``proportional`` (largest remainder, with at least ``minimum`` per stratum where
  the stratum has that many), ``equal``, or ``fixed`` counts. Never more than a stratum holds.
* Reserves: ``max(reserve_min, ceil(reserve_share * n_h))`` per stratum, as far as rows remain.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cpinspect.casefiles import conf
from cpinspect.casefiles.schema import CATEGORY_SLUGS


@dataclass
class Design:
    size: int | None = None
    method: str = "proportional"
    minimum: int = 5
    fixed: dict = field(default_factory=dict)
    reserve_share: float = 0.25
    reserve_min: int = 2
    exclude_older_than_months: int | None = None
    as_of: dt.date | None = None
    exclude_previously_examined: bool = True

    def as_json(self) -> dict:
        return {
            "size": self.size,
            "method": self.method,
            "minimum": self.minimum,
            "fixed": self.fixed,
            "reserve_share": self.reserve_share,
            "reserve_min": self.reserve_min,
            "exclude_older_than_months": self.exclude_older_than_months,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "exclude_previously_examined": self.exclude_previously_examined,
            "size_rule": {
                "base": conf.sample_base(),
                "base_frame": conf.sample_base_frame(),
                "max": conf.sample_max(),
            },
        }


@dataclass
class Draw:
    allocation: dict
    reserves: dict
    population: dict
    excluded: dict
    total: int
    rows: pl.DataFrame  # the frame's rows drawn: + stratum order, is_reserve


def default_size(frame_rows: int) -> int:
    base, base_frame, ceiling = conf.sample_base(), conf.sample_base_frame(), conf.sample_max()
    if frame_rows <= base_frame:
        size = base
    else:
        size = min(ceiling, round(base * math.sqrt(frame_rows / base_frame)))
    return min(size, frame_rows)


def _largest_remainder(total: int, weights: dict, caps: dict, floors: dict) -> dict:
    alloc = {k: min(floors.get(k, 0), caps[k]) for k in weights}
    remaining = total - sum(alloc.values())
    while remaining > 0:
        open_ = {k: w for k, w in weights.items() if alloc[k] < caps[k] and w > 0}
        if not open_:
            break
        weight_sum = sum(open_.values())
        quotas = {k: remaining * w / weight_sum for k, w in open_.items()}
        added = 0
        for k, q in quotas.items():
            take = min(int(math.floor(q)), caps[k] - alloc[k])
            alloc[k] += take
            added += take
        left = remaining - added
        if left > 0:
            order = sorted(
                open_, key=lambda k: (-(quotas[k] - math.floor(quotas[k])), -weights[k], k)
            )
            for k in order:
                if left == 0:
                    break
                if alloc[k] < caps[k]:
                    alloc[k] += 1
                    left -= 1
        remaining = total - sum(alloc.values())
        if (
            added == 0
            and left == remaining
            and remaining > 0
            and not any(alloc[k] < caps[k] for k in open_)
        ):
            break
    return alloc


def allocate(design: Design, population: dict, total: int) -> dict:
    caps = dict(population)
    if design.method == "fixed":
        unknown = set(design.fixed) - set(CATEGORY_SLUGS)
        if unknown:
            raise ValueError(f"Unknown categories in fixed counts: {', '.join(sorted(unknown))}")
        return {k: min(int(design.fixed.get(k, 0)), caps[k]) for k in population}
    if design.method == "equal":
        weights = {k: 1 for k in population if caps[k] > 0}
        return {k: 0 for k in population} | _largest_remainder(
            total, weights, {k: caps[k] for k in weights}, {}
        )
    if design.method == "proportional":
        weights = {k: v for k, v in population.items() if v > 0}
        floors = {k: min(design.minimum, caps[k]) for k in weights}
        if sum(floors.values()) > total:  # too small for the minimum everywhere
            floors = {}
        return {k: 0 for k in population} | _largest_remainder(
            total, weights, {k: caps[k] for k in weights}, floors
        )
    raise ValueError(f"Unknown allocation method {design.method!r}")


def months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return dt.date(year, month, min(day.day, last))


def draw(frame: pl.DataFrame, design: Design, seed: int, *, examined: set[str] = frozenset()):
    """Draw the sample and reserves from ``frame`` (pure: same inputs, same result)."""
    excluded = {}
    wanted = ["row", "pseudonym", "category", "recorded_on", "child_age", "council_code"]
    if "force_pseudonym" in frame.columns:
        wanted.append("force_pseudonym")
    rows = frame.select(wanted)
    if design.exclude_older_than_months is not None:
        if design.as_of is None:
            raise ValueError("Excluding older cases needs an as_of date.")
        cutoff = months_before(design.as_of, design.exclude_older_than_months)
        old = rows.filter(pl.col("recorded_on") < cutoff).height
        excluded["older_than_months"] = old
        rows = rows.filter(pl.col("recorded_on") >= cutoff)
    if design.exclude_previously_examined and examined:
        if "force_pseudonym" not in rows.columns:
            raise ValueError("Excluding examined cases needs the frame's force pseudonyms.")
        before = rows.height
        rows = rows.filter(~pl.col("force_pseudonym").is_in(sorted(examined)))
        excluded["examined_in_earlier_inspection"] = before - rows.height
    counts = dict(rows.group_by("category").len().rows())
    population = {k: int(counts.get(k, 0)) for k in CATEGORY_SLUGS}
    total_rows = sum(population.values())
    size = design.size if design.size is not None else default_size(total_rows)
    size = min(size, total_rows)
    allocation = allocate(design, population, size)
    rng = np.random.default_rng(seed)
    picked = []
    reserves = {}
    for stratum in CATEGORY_SLUGS:
        n_h = allocation.get(stratum, 0)
        N_h = population[stratum]
        if N_h == 0:
            reserves[stratum] = 0
            continue
        r_h = min(N_h - n_h, max(design.reserve_min, math.ceil(design.reserve_share * n_h)))
        r_h = r_h if n_h > 0 else 0
        reserves[stratum] = r_h
        members = rows.filter(pl.col("category") == stratum)
        # pseudonym order (independent of the file's row order); sorting on the first 60
        # bits as an integer is much faster than on the text, and stable for the same frame
        members = members.sort(
            pl.col("pseudonym").str.slice(0, 15).str.to_integer(base=16), maintain_order=True
        )
        order = rng.permutation(N_h)[: n_h + r_h]
        chosen = members[order.tolist()].with_columns(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("order") + 1,
            (pl.int_range(pl.len()) >= n_h).alias("is_reserve"),
        )
        picked.append(chosen)
    drawn = pl.concat(picked) if picked else rows.head(0)
    return Draw(
        allocation=allocation,
        reserves=reserves,
        population=population,
        excluded=excluded,
        total=sum(allocation.values()),
        rows=drawn,
    )
