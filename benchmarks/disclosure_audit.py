"""Benchmark: the disclosure audit of a year's published set before one more publication.

No database: the audit (``stats.linked``) is pure, and the report code only adds reading
the stored snapshots and the case grades. Sets up (not timed per publication, but printed) a
year as the reports would publish it, each protected against what was public before it:

* 43 force reports of synthetic inspections (7 themes by 3 grades; 70 cases each, 374 for
  the Metropolitan Police), grades and themes drawn with the synthetic data's weights;
* a thematic report across 10 of those inspections;
* two corrections (force reports of two of the thematic's inspections, new versions).

Then times (best of 3):

* ``audit``: every [c] of the whole published set attacked with integer programmes;
* ``next``: protecting one more publication (a second thematic report across 8 inspections,
  5 of them in the first) against all of it: the work done before a publication.

    .venv/bin/python benchmarks/disclosure_audit.py

Prints JSON. Target: ``next`` <= 30 s.
"""

from __future__ import annotations

import json
import platform
import random
import time

from cpinspect.stats import linked

THEMES = (
    "domestic_abuse",
    "missing_children",
    "online_abuse",
    "cse",
    "vulnerability_and_risk",
    "rso_management",
    "custody",
)
GRADES = ("good", "requires_improvement", "inadequate")
THEME_WEIGHTS = [0.24, 0.22, 0.14, 0.12, 0.10, 0.08, 0.10]
GRADE_WEIGHTS = [0.45, 0.35, 0.20]


def inspection(i: int, rng: random.Random, cases: int, truth: dict) -> None:
    for _ in range(cases):
        t = rng.choices(THEMES, weights=THEME_WEIGHTS)[0]
        g = rng.choices(GRADES, weights=GRADE_WEIGHTS)[0]
        truth[(i, t, g)] = truth.get((i, t, g), 0) + 1


def publish(scope, truth, public, keep=None) -> tuple[linked.Protection, float]:
    themes = tuple(t for t in THEMES if any(truth.get((i, t, g)) for i in scope for g in GRADES))
    layout = linked.ResultsLayout(tuple(scope), themes, THEMES, GRADES)
    options = {"keep": keep.suppressed, "keep_blocks": keep.blocked} if keep else {}
    started = time.perf_counter()
    protection = linked.protect_publication(
        public, layout.figures(truth), layout.lines(), truth, **options
    )
    took = time.perf_counter() - started
    public += layout.publics(protection.shown, [b[1] for b in protection.blocked], str(scope))
    return protection, took


def main() -> None:
    rng = random.Random(2026)  # noqa: S311 (synthetic data)
    truth: dict = {}
    public: list = []
    force_times, protections = [], {}
    for i in range(43):
        inspection(i, rng, 374 if i == 0 else 70, truth)
        protections[i], took = publish((i,), truth, public)
        force_times.append(took)
    thematic, thematic_time = publish(tuple(range(1, 11)), truth, public)
    correction_times = [publish((i,), truth, public, protections[i])[1] for i in (3, 7)]
    hidden = sum(p.hidden for p in public)

    def best(task) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            task()
            times.append(time.perf_counter() - started)
        return min(times)

    audit_all = best(lambda: linked.audit(public, truth))
    findings = linked.audit(public, truth)
    after = list(public)
    next_time = best(lambda: publish(tuple(range(6, 14)), truth, list(after)))
    print(
        json.dumps(
            {
                "machine": f"{platform.machine()}, {platform.python_version()}",
                "published": {
                    "force_reports": 43,
                    "thematic_reports": 1,
                    "corrections": 2,
                    "figures": len(public),
                    "withheld": hidden,
                    "unprotected_after_audit": len(findings),
                },
                "protect_s": {
                    "force_report_median": round(sorted(force_times)[21], 3),
                    "force_report_max": round(max(force_times), 3),
                    "thematic": round(thematic_time, 3),
                    "corrections": [round(t, 3) for t in correction_times],
                    "thematic_withheld": len(thematic.suppressed),
                },
                "audit_s": round(audit_all, 3),
                "next_s": round(next_time, 3),
                "target_next_s": 30,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
