"""Property: whatever the cases, the independent attacker recovers nothing the policy protects
from a set of force reports, a thematic report across them and a correction of one of them,
each protected by ``stats.linked`` against what was public before it (issue 13).

Small tables (three themes by three grades, up to 81 cases an inspection) keep each example
cheap. The default profile runs 120 examples (about 300 inspections) so the suite stays
quick; ``CPINSPECT_DISCLOSURE_EXAMPLES=460`` runs the full profile (more than 1,000
inspections, about 2 to 6 minutes more; docs/performance.md has the run). Either way it prints how
many inspections, tables and [c] cells the attacker tried."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpinspect.stats import linked
from tests.disclosure_attacker import Publication, attack

THEMES = ("cse", "custody", "online_abuse")
GRADES = ("good", "requires_improvement", "inadequate")
EXAMPLES = int(os.environ.get("CPINSPECT_DISCLOSURE_EXAMPLES", "120"))
TRIED = {"examples": 0, "inspections": 0, "tables": 0, "cells": 0}


def results_of(layout: linked.ResultsLayout, protection: linked.Protection) -> dict:
    """A protected table in the snapshot's form (content.results_block), as a reader gets it."""
    shown = protection.shown
    withheld = {b[1] for b in protection.blocked}
    return {
        "rows": [
            {
                "theme": t,
                "label": t,
                "base": shown[("base", t)],
                "breakdown_withheld": t in withheld,
                "cells": [{"grade": g, "count": shown[("cell", t, g)]} for g in GRADES],
            }
            for t in layout.themes
        ],
        "overall": {
            "breakdown_withheld": "overall" in withheld,
            "base": shown[("grand",)],
            "cells": [{"grade": g, "count": shown[("overall", g)]} for g in GRADES],
        },
    }


def publish(scope, truth, public, publications, where, keep=None):
    themes = tuple(t for t in THEMES if any(truth.get((i, t, g)) for i in scope for g in GRADES))
    layout = linked.ResultsLayout(tuple(scope), themes, THEMES, GRADES)
    options = {}
    if keep is not None:
        options = {"keep": keep.suppressed, "keep_blocks": keep.blocked}
    protection = linked.protect_publication(
        public, layout.figures(truth), layout.lines(), truth, **options
    )
    withheld = [b[1] for b in protection.blocked]
    public += layout.publics(protection.shown, withheld, where)
    coverage = []
    if len(scope) > 1:  # the thematic's cases per inspection: design figures, shown
        coverage = [(i, sum(v for k, v in truth.items() if k[0] == i)) for i in scope]
        for i, n in coverage:
            atoms = frozenset((i, t, g) for t in THEMES for g in GRADES)
            public.append(linked.Public(atoms, n))
    publications.append(Publication(where, tuple(scope), results_of(layout, protection), coverage))
    return protection


cell = st.integers(0, 9)
inspection = st.lists(st.lists(cell, min_size=3, max_size=3), min_size=3, max_size=3)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    tables=st.lists(inspection, min_size=2, max_size=3),
    corrected=st.integers(0, 2),
    thematic_first=st.booleans(),
)
def _no_recovery(tables, corrected, thematic_first):
    truth = {}
    for i, table in enumerate(tables):
        for t, row in zip(THEMES, table, strict=True):
            for g, n in zip(GRADES, row, strict=True):
                if n:
                    truth[(i, t, g)] = n
    if not any(truth.get((i, t, g)) for i in range(len(tables)) for t in THEMES for g in GRADES):
        return
    public, publications, forces = [], [], []
    for i in range(len(tables)):
        forces.append(publish((i,), truth, public, publications, f"force {i}"))
    graded = [i for i in range(len(tables)) if any(k[0] == i for k in truth)]
    corrected %= len(tables)
    steps = ["thematic", "correction"] if thematic_first else ["correction", "thematic"]
    for step in steps:
        if step == "thematic" and len(graded) >= 2:
            publish(tuple(graded), truth, public, publications, "thematic")
        elif step == "correction":
            publish((corrected,), truth, public, publications, "correction", forces[corrected])
    found = attack(publications)
    TRIED["examples"] += 1
    TRIED["inspections"] += len(tables)
    TRIED["tables"] += found.tables
    TRIED["cells"] += found.cells
    assert not found.recovered, found.recovered
    assert not found.small, found.small


def test_the_attacker_recovers_nothing_from_random_linked_publications():
    _no_recovery()
    print(f"\nlinked publications tried: {TRIED}")
    assert TRIED["inspections"] >= 2 * EXAMPLES  # every example published and attacked
    assert TRIED["cells"] > EXAMPLES
    if EXAMPLES >= 460:
        assert TRIED["inspections"] >= 1000
