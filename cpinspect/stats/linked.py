"""Disclosure control across everything published (ADR 0023, docs/disclosure-control.md).

A reader does not read one table. They have every report, every version of it, every
thematic report and the open data, and they know the policy: a ``[c]`` is never 0 (except
inside a withheld breakdown, which the report marks). This module protects a new publication
against all of that at once.

The model: every published figure is a sum of *atoms*, the true counts that nobody publishes
(for the results tables, the cases of one inspection, one theme and one grade). A figure is
shown as its count, or as ``[c]``. Everything public is a set of linear constraints on whole,
non-negative atoms: a shown figure equals its count, a ``[c]`` is at least its floor (1, or 0
inside a withheld breakdown). The audit solves, for every ``[c]``, integer programmes over
those constraints (scipy's ``milp``, HiGHS): the linear programme is not exact once tables
are linked (a thematic report and its force reports form a three-way table, whose constraint
matrix is not totally unimodular).

A ``[c]`` is protected when (docs/disclosure-control.md, "the promise"):

1. a reader cannot tell its value: it can take at least two values, and
2. a reader cannot tell that it is small: it can be more than the threshold (5). Inside a
   withheld breakdown the base is published and is itself small, so only rule 1 applies.

Published figures cannot be unpublished: earlier publications are fixed constraints, and a
new publication is suppressed further, or refused, until every ``[c]`` of the union is
protected. The solver's limits are a node count, not a time, so the answer does not depend on
how busy the machine is; where a limit is hit the best whole-number table found so far is
used as the evidence, which can only make the audit stricter.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import csr_array

from cpinspect.stats.disclosure import CONFIDENTIAL, Policy

NODE_LIMIT = 20_000  # per integer programme; deterministic, unlike a time limit

Atom = Hashable


@dataclass(frozen=True)
class Figure:
    """A figure of the publication being protected, with its true value."""

    key: Hashable  # unique in the publication; the same key in two versions is the same figure
    atoms: frozenset
    value: int
    protected: bool = True  # False: a design figure (a base, a frame size), always shown
    block: Hashable | None = None  # withheld together when a [c] in it cannot be protected
    where: str = ""  # for a refusal's message: which figure, never its value


@dataclass(frozen=True)
class Public:
    """A figure as published (or about to be)."""

    atoms: frozenset
    shown: int | str
    floor: int = 1  # what every reader knows a [c] is at least
    where: str = ""

    @property
    def hidden(self) -> bool:
        return self.shown == CONFIDENTIAL


@dataclass(frozen=True)
class Finding:
    """A [c] that is not protected, with the reader's range as far as it was worked out."""

    index: int
    where: str
    low: float | None
    high: float | None
    exact: bool
    small: bool


@dataclass
class Protection:
    shown: dict  # key -> count or [c]
    floors: dict  # key -> floor of a [c]
    blocked: set  # blocks withheld as a whole
    suppressed: set = field(default_factory=set)


class Refused(Exception):
    """Nothing the new publication can still withhold protects the figures named."""


# --- the audit -------------------------------------------------------------------------------


def _components(publics: Sequence[Public]) -> list[list[int]]:
    """Figures that share atoms, transitively: each group is audited on its own."""
    parent: dict = {}

    def find(a):
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for p in publics:
        atoms = list(p.atoms)
        for a in atoms[1:]:
            ra, rb = find(atoms[0]), find(a)
            if ra != rb:
                parent[ra] = rb
    groups: dict = {}
    for k, p in enumerate(publics):
        if p.atoms:
            groups.setdefault(find(next(iter(p.atoms))), []).append(k)
    return [g for g in groups.values() if any(publics[k].hidden for k in g)]


def _audit_component(publics, indices, truth, policy, node_limit) -> list[Finding]:
    atoms = sorted({a for k in indices for a in publics[k].atoms}, key=repr)
    column = {a: j for j, a in enumerate(atoms)}
    rows, cols = [], []
    for r, k in enumerate(indices):
        for a in publics[k].atoms:
            rows.append(r)
            cols.append(column[a])
    matrix = csr_array(
        (np.ones(len(rows)), (np.array(rows, dtype=int), np.array(cols, dtype=int))),
        shape=(len(indices), len(atoms)),
    )
    lower = np.array(
        [publics[k].floor if publics[k].hidden else publics[k].shown for k in indices], float
    )
    upper = np.array([np.inf if publics[k].hidden else publics[k].shown for k in indices], float)
    constraint = LinearConstraint(matrix, lower, upper)
    integrality = np.ones(len(atoms))
    options = {"node_limit": node_limit, "presolve": True}
    x0 = np.array([truth.get(a, 0) for a in atoms], float)
    hidden = [r for r, k in enumerate(indices) if publics[indices[r]].hidden]
    true_values = matrix @ x0
    broken = [r for r in range(len(indices)) if not lower[r] <= true_values[r] <= upper[r]]
    if broken:
        raise Refused(
            "The published figures do not agree with the data as it is now "
            f"({publics[indices[broken[0]]].where or 'a total'}): the counts changed after "
            "publication."
        )
    value = {r: float(true_values[r]) for r in hidden}
    members = {r: [column[a] for a in publics[indices[r]].atoms] for r in hidden}
    other = dict.fromkeys(hidden, False)  # seen a table where it differs from its value
    big = {r: value[r] > policy.threshold or publics[indices[r]].floor == 0 for r in hidden}
    low, high = dict.fromkeys(hidden), dict.fromkeys(hidden)

    def witness(x):
        values = matrix @ np.round(x)
        for r in hidden:
            if abs(values[r] - value[r]) > 0.5:
                other[r] = True
            if values[r] > policy.threshold + 0.5:
                big[r] = True

    def solve(r, sense):
        objective = np.zeros(len(atoms))
        objective[members[r]] = sense
        result = milp(
            objective,
            integrality=integrality,
            bounds=(0, np.inf),
            constraints=constraint,
            options=options,
        )
        # the true table is feasible (checked above), so "infeasible or unbounded" (2 to 4)
        # is unbounded: only a maximum can be
        if result.status in (2, 3, 4) and result.x is None:
            return np.inf
        if result.x is None:
            return None  # the node limit came first with no table found: no evidence
        witness(result.x)
        return float(round(sense * result.fun)) if result.status == 0 else None

    def spread(sense):
        # one table with every [c] as large (or small) as it can be together: evidence for
        # most of them at once, before any is solved for on its own
        unsettled = [r for r in hidden if not (other[r] and big[r])]
        if len(unsettled) < 3:
            return
        objective = np.zeros(len(atoms))
        for r in unsettled:
            objective[members[r]] += sense
        result = milp(
            objective,
            integrality=integrality,
            bounds=(0, np.inf),
            constraints=constraint,
            options=options,
        )
        if result.x is not None:
            witness(result.x)

    spread(-1.0)
    spread(1.0)
    for r in hidden:
        if other[r] and big[r]:
            continue
        high[r] = solve(r, -1.0)
        if high[r] == np.inf:
            other[r] = big[r] = True
        if not other[r]:
            low[r] = solve(r, 1.0)
    return [
        Finding(
            index=indices[r],
            where=publics[indices[r]].where,
            low=low[r],
            high=high[r],
            exact=not other[r],
            small=not big[r],
        )
        for r in hidden
        if not (other[r] and big[r])
    ]


def audit(
    publics: Sequence[Public],
    truth: Mapping[Atom, int],
    policy: Policy | None = None,
    node_limit: int = NODE_LIMIT,
    touching: frozenset | None = None,
) -> list[Finding]:
    """Every [c] of ``publics`` that a reader with all of them could pin down (empty: none).

    ``truth`` gives each atom's true value: it is one table every reader must allow, so it
    settles many checks without a solve. ``touching``: audit only the figures linked to these
    atoms (the rest cannot have changed since they were audited)."""
    policy = policy or Policy()
    findings = []
    for group in _components(publics):
        if touching is not None and not any(publics[k].atoms & touching for k in group):
            continue
        findings += _audit_component(publics, group, truth, policy, node_limit)
    return findings


# --- protecting a new publication ------------------------------------------------------------


def _already_public(earlier, figures, truth, policy, node_limit) -> list[Figure]:
    """A figure that what is already public determines is shown as it is: withholding it
    would protect nothing, and would be a [c] that every reader can work out."""
    if not earlier:
        return list(figures)
    known = frozenset(a for p in earlier for a in p.atoms)
    asked = [k for k, f in enumerate(figures) if f.protected and f.atoms & known]
    if not asked:
        return list(figures)
    probes = [Public(figures[k].atoms, CONFIDENTIAL, floor=0) for k in asked]
    publics = [*earlier, *probes]
    touching = frozenset(a for k in asked for a in figures[k].atoms)
    determined = {
        asked[finding.index - len(earlier)]
        for finding in audit(publics, truth, policy, node_limit, touching=touching)
        if finding.index >= len(earlier) and finding.exact
    }
    return [replace(f, protected=False) if k in determined else f for k, f in enumerate(figures)]


def protect_publication(
    earlier: Sequence[Public],
    figures: Sequence[Figure],
    lines: Iterable[tuple[Sequence[Hashable], Hashable]],
    truth: Mapping[Atom, int],
    *,
    keep: Iterable[Hashable] = (),
    keep_blocks: Iterable[Hashable] = (),
    policy: Policy | None = None,
    node_limit: int = NODE_LIMIT,
) -> Protection:
    """What of ``figures`` may be shown, given everything already public.

    ``lines``: (members, total) of the publication's own tables, for the quick rule that no
    line holds exactly one [c]. ``keep``/``keep_blocks``: what the predecessor of a
    correction withheld (a correction keeps its predecessor's protection). Raises ``Refused``
    when even withholding everything left cannot protect every [c]."""
    policy = policy or Policy()
    figures = _already_public(earlier, figures, truth, policy, node_limit)
    by_key = {f.key: f for f in figures}
    if len(by_key) != len(figures):
        raise ValueError("Two figures of one publication have the same key.")
    for f in figures:
        expected = sum(truth.get(a, 0) for a in f.atoms)
        if expected != f.value:
            raise ValueError(f"The figure {f.where or f.key} does not add up to its atoms.")
    lines = [(list(members), total) for members, total in lines]
    order = {f.key: n for n, f in enumerate(figures)}
    blocks: dict = {}
    for f in figures:
        if f.block is not None:
            blocks.setdefault(f.block, []).append(f.key)
    blocked = {b for b in keep_blocks if b in blocks}
    suppressed = {
        f.key
        for f in figures
        if f.protected and (1 <= f.value <= policy.threshold or (f.key in set(keep) and f.value))
    }

    def is_hidden(key) -> bool:
        f = by_key[key]
        return key in suppressed or (f.block in blocked and f.protected)

    def pick(keys, near=()):
        pool = [k for k in keys if by_key[k].protected and not is_hidden(k) and by_key[k].value]
        if not pool:
            return None
        return min(pool, key=lambda k: (k not in near, by_key[k].value, order[k]))

    def line_rule() -> None:
        changed = True
        while changed:
            changed = False
            for members, total in lines:
                entries = [*members, total]
                hidden = [e for e in entries if by_key[e].protected and is_hidden(e)]
                if len(hidden) != 1:
                    continue
                choice = pick(entries)
                if choice is not None:
                    suppressed.add(choice)
                    changed = True
                elif by_key[hidden[0]].block is not None and by_key[hidden[0]].block not in blocked:
                    blocked.add(by_key[hidden[0]].block)
                    changed = True

    def publics_now() -> list[Public]:
        new = [
            Public(
                atoms=f.atoms,
                shown=CONFIDENTIAL if is_hidden(f.key) else f.value,
                floor=0 if f.block in blocked else 1,
                where=f.where,
            )
            for f in figures
        ]
        return [*earlier, *new]

    new_atoms = frozenset(a for f in figures for a in f.atoms)
    lines_of: dict = {}
    for members, total in lines:
        for e in (*members, total):
            lines_of.setdefault(e, set()).update((*members, total))

    while True:
        line_rule()
        publics = publics_now()
        findings = audit(publics, truth, policy, node_limit, touching=new_atoms)
        if not findings:
            break
        progress = False
        for finding in findings:
            failing = publics[finding.index]
            own = figures[finding.index - len(earlier)] if finding.index >= len(earlier) else None
            touching = [f.key for f in figures if f.atoms & failing.atoms]
            near = lines_of.get(own.key, set()) if own else set()
            choice = pick(touching, near)
            if choice is not None:
                suppressed.add(choice)
                progress = True
                continue
            # no count left to withhold near it: withhold a whole breakdown (zeros included)
            candidates = [own.block] if own is not None and own.block is not None else []
            candidates += [by_key[k].block for k in touching if by_key[k].block is not None]
            block = next((b for b in candidates if b not in blocked), None)
            if block is not None:
                blocked.add(block)
                progress = True
        if not progress:
            # linked only through other figures: withhold more of this publication, anywhere
            anywhere = pick(list(by_key))
            if anywhere is not None:
                suppressed.add(anywhere)
                progress = True
            else:
                block = next((b for b in blocks if b not in blocked), None)
                if block is not None:
                    blocked.add(block)
                    progress = True
        if not progress:
            names = "; ".join(sorted({f.where or "a figure" for f in findings}))
            raise Refused(
                "This publication cannot be protected: with everything already published, "
                f"withholding all it could still withhold leaves these figures recoverable: "
                f"{names}."
            )
    shown = {f.key: CONFIDENTIAL if is_hidden(f.key) else f.value for f in figures}
    floors = {f.key: 0 if f.block in blocked else 1 for f in figures if is_hidden(f.key)}
    return Protection(
        shown=shown,
        floors=floors,
        blocked=blocked,
        suppressed={k for k in shown if shown[k] == CONFIDENTIAL},
    )


# --- the results tables ----------------------------------------------------------------------


def results_atoms(scope: Sequence[Hashable], theme: str, grade: str) -> frozenset:
    return frozenset((i, theme, grade) for i in scope)


@dataclass(frozen=True)
class ResultsLayout:
    """The figures and lines of a results table (themes by grade) over ``scope``, the
    inspections whose cases it pools. Bases (cases graded per theme) and the grand total are
    design figures (ADR 0023); the grade counts and their totals over themes are protected."""

    scope: tuple
    themes: tuple[str, ...]  # the themes the table has a row for
    all_themes: tuple[str, ...]  # every theme: a missing row says its base is 0
    grades: tuple[str, ...]

    def atoms(self, themes, grades) -> frozenset:
        return frozenset((i, t, g) for i in self.scope for t in themes for g in grades)

    def figures(self, truth: Mapping[Atom, int], labels: Mapping[str, str] | None = None):
        labels = labels or {}

        def total(atoms):
            return sum(truth.get(a, 0) for a in atoms)

        def name(theme):
            return labels.get(theme, theme)

        out = []
        for t in self.themes:
            for g in self.grades:
                atoms = self.atoms([t], [g])
                out.append(
                    Figure(
                        ("cell", t, g),
                        atoms,
                        total(atoms),
                        block=("row", t),
                        where=f"{name(t)} / {name(g)}",
                    )
                )
        for t in self.all_themes:
            atoms = self.atoms([t], self.grades)
            out.append(Figure(("base", t), atoms, total(atoms), protected=False))
        for g in self.grades:
            atoms = self.atoms(self.themes, [g])
            out.append(
                Figure(
                    ("overall", g),
                    atoms,
                    total(atoms),
                    block=("row", "overall"),  # a table of very few cases: all withheld
                    where=f"All themes / {name(g)}",
                )
            )
        atoms = self.atoms(self.all_themes, self.grades)
        out.append(Figure(("grand",), atoms, total(atoms), protected=False))
        return out

    def lines(self):
        out = [([("cell", t, g) for g in self.grades], ("base", t)) for t in self.themes]
        out += [([("cell", t, g) for t in self.themes], ("overall", g)) for g in self.grades]
        out.append(([("overall", g) for g in self.grades], ("grand",)))
        return out

    def publics(self, shown: Mapping, withheld_rows: Iterable[str] = (), where: str = ""):
        """A published table as constraints: ``shown`` maps each key of ``figures`` to what
        was printed (a missing key was not printed); ``withheld_rows``: the themes (or
        "overall") whose grades were withheld together, zeros included."""
        withheld = set(withheld_rows)
        out = []
        for f in self.figures(_Zero()):
            if f.key not in shown:
                continue
            row = f.block[1] if f.block else None
            floor = 0 if row in withheld else 1
            text = f"{where}: {f.where}" if where and f.where else (f.where or where)
            out.append(Public(f.atoms, shown[f.key], floor, text))
        return out


class _Zero(dict):
    def __missing__(self, key):
        return 0
