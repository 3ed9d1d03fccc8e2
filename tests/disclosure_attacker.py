"""A reader who has everything published and the disclosure policy, and solves for every [c].

Written from the published snapshots and the policy page alone (docs/disclosure-control.md),
sharing no code with ``stats.disclosure``, ``stats.linked`` or
``reports.disclosure_set``: its own unknowns, its own constraints, its own integer
programmes (scipy's ``milp``, no node limit: exact answers).

What the reader knows:

* every results table of every version of every force and thematic report: each shown count
  is a sum of the unknown cases of (inspection, theme, grade); a [c] is at least 1, or at
  least 0 in a row marked ``breakdown_withheld``; a theme missing from a report has no cases
  in any of its inspections;
* a thematic report's cases per inspection (its coverage table);
* the methodology annex: cases drawn per theme (at least the cases graded) and the reserves
  per theme, which follow the documented rule ``min(list - drawn, max(2, ceil(n / 4)))``.

``attack()`` returns every [c] whose range is a single value (recovered) or stays within 1 to
the threshold (known to be small), with the numbers of tables and cells it tried.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

C = "[c]"


@dataclass
class Publication:
    where: str
    scope: tuple  # the inspections whose cases the tables pool
    results: dict  # the snapshot's "results" block, as published
    coverage: list = field(default_factory=list)  # [(inspection, cases shown)]
    sample: dict | None = None  # the snapshot's methodology sample block (force reports)


@dataclass
class Attack:
    tables: int = 0
    cells: int = 0
    recovered: list = field(default_factory=list)  # (where, low, high)
    small: list = field(default_factory=list)  # (where, low, high)
    ranges: dict = field(default_factory=dict)  # where -> (low, high)


def publications_of(reports) -> list[Publication]:
    """Reports as a reader downloads them (their stored, published snapshots)."""
    out = []
    for report in reports:
        data = report.data
        if data["kind"] == "force":
            scope = (data["subject"]["inspection_id"],)
        else:
            scope = tuple(sorted(r["inspection_id"] for r in data["coverage"]["rows"]))
        coverage = [
            (r["inspection_id"], r["cases"]) for r in (data.get("coverage") or {}).get("rows", [])
        ]
        out.append(
            Publication(
                where=f"report {report.pk} v{report.version}",
                scope=scope,
                results=data.get("results") or {},
                coverage=coverage,
                sample=(data.get("methodology") or {}).get("sample"),
            )
        )
    return out


def _themes_and_grades(publications):
    themes, grades = [], []
    for pub in publications:
        for row in pub.results.get("rows", []):
            if row["theme"] not in themes:
                themes.append(row["theme"])
            for cell in row["cells"]:
                if cell["grade"] not in grades:
                    grades.append(cell["grade"])
    return themes, grades


def attack(publications: list[Publication], threshold: int = 5) -> Attack:
    themes, grades = _themes_and_grades(publications)
    inspections = sorted({i for pub in publications for i in pub.scope})
    unknowns = [(i, t, g) for i in inspections for t in themes for g in grades]
    index = {u: k for k, u in enumerate(unknowns)}
    rows, lower, upper = [], [], []
    hidden = []  # (where, row number, floor)

    def add(members, shown, floor, where):
        vector = np.zeros(len(unknowns))
        for m in members:
            vector[index[m]] = 1
        rows.append(vector)
        if shown == C:
            lower.append(floor)
            upper.append(np.inf)
            hidden.append((where, len(rows) - 1, floor))
        else:
            lower.append(float(shown))
            upper.append(float(shown))

    result = Attack()
    for pub in publications:
        block = pub.results
        listed = [row["theme"] for row in block.get("rows", [])]
        if not listed:
            continue
        result.tables += 1
        for t in themes:
            if t not in listed:  # no row: no case of the theme in any inspection of the scope
                add([(i, t, g) for i in pub.scope for g in grades], 0, 0, "")
        for row in block["rows"]:
            t = row["theme"]
            floor = 0 if row.get("breakdown_withheld") else 1
            label = f"{pub.where}: {row['label']}"
            add([(i, t, g) for i in pub.scope for g in grades], row["base"], 1, f"{label} base")
            for cell in row["cells"]:
                g = cell["grade"]
                add([(i, t, g) for i in pub.scope], cell["count"], floor, f"{label} / {g}")
        overall = block.get("overall")
        if overall:
            everything = [(i, t, g) for i in pub.scope for t in themes for g in grades]
            add(everything, overall["base"], 1, f"{pub.where}: all cases")
            floor = 0 if overall.get("breakdown_withheld") else 1
            for cell in overall["cells"]:
                g = cell["grade"]
                members = [(i, t, g) for i in pub.scope for t in themes]
                add(members, cell["count"], floor, f"{pub.where}: All themes / {g}")
        for inspection, cases in pub.coverage:
            members = [(inspection, t, g) for t in themes for g in grades]
            add(members, cases, 1, f"{pub.where}: cases of inspection {inspection}")
    _attack_annex(publications, result, threshold)
    if not rows:
        return result
    matrix = np.array(rows)
    constraints = LinearConstraint(matrix, np.array(lower), np.array(upper))
    # every table a solve finds is evidence for every [c]: two values seen, or one above the
    # threshold, settle a cell without solving for it (the limits stay exact where needed)
    seen = {r: set() for _, r, _ in hidden}

    def solve(r, sense):
        solved = milp(
            sense * matrix[r],
            integrality=np.ones(len(unknowns)),
            bounds=Bounds(0, np.inf),
            constraints=constraints,
        )
        if solved.x is None:
            assert solved.status in (3, 4), "the published figures contradict each other"
            return np.inf  # a feasible set with no maximum
        values = matrix @ np.round(solved.x)
        for other in seen:
            seen[other].add(round(values[other]))
        return round(sense * solved.fun)

    for where, r, floor in hidden:
        result.cells += 1
        settled = len(seen[r]) > 1 and (floor == 0 or max(seen[r]) > threshold)
        if settled:
            result.ranges[where] = (min(seen[r]), max(seen[r]))  # within the true range
            continue
        high = solve(r, -1.0)
        low = solve(r, 1.0) if len(seen[r]) < 2 and high != np.inf else min(seen[r])
        result.ranges[where] = (low, high)
        if high != np.inf and low == high and len(seen[r]) == 1:
            result.recovered.append((where, low, high))
        elif floor >= 1 and high <= threshold:
            result.small.append((where, low, high))
    return result


def reserves_rule(drawn: int, listed: int | None) -> int:
    """The documented reserve rule of the sample design."""
    rule = max(2, math.ceil(0.25 * drawn))
    return rule if listed is None else min(listed - drawn, rule)


def _count(text):
    return C if text == C else int(str(text).replace(",", ""))


def _attack_annex(publications, result: Attack, threshold: int) -> None:
    """A withheld reserve count is recovered when the rule gives one value for every drawn
    count the reader allows; a withheld drawn count when its reserves allow only one."""
    for pub in publications:
        sample = pub.sample
        if not sample:
            continue
        result.tables += 1
        for row in sample.get("rows", []):
            listed, drawn, reserves = (_count(row[k]) for k in ("population", "drawn", "reserves"))
            if C not in (drawn, reserves):
                continue
            cap = 200 if listed == C else listed
            drawn_values = range(1, cap + 1) if drawn == C else [drawn]
            possible = [
                (d, r)
                for d in drawn_values
                for r in [reserves_rule(d, None if listed == C else listed)]
                if reserves == C or r == reserves
            ]
            for k, name in ((0, "drawn"), (1, "reserves")):
                if (drawn, reserves)[k] != C:
                    continue
                result.cells += 1
                values = {p[k] for p in possible}
                where = f"{pub.where}: {row['label']} {name}"
                result.ranges[where] = (min(values), max(values))
                if len(values) == 1:
                    result.recovered.append((where, min(values), max(values)))
                elif max(values) <= threshold:
                    result.small.append((where, min(values), max(values)))
