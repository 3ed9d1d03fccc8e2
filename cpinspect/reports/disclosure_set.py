"""The published set a new report is linked to, and its results table's protection against
all of it (``stats.linked``; ADR 0023, docs/disclosure-control.md).

A report's results table pools the cases of its *scope*: one inspection (a force report) or
several (a thematic report). Every published or superseded report whose scope shares an
inspection with it is linked, and so, transitively, is everything linked to those: a
thematic report of Staffordshire and Kent ties Kent's force report to Staffordshire's. The
audit reads the published figures from the stored snapshots (what a reader has), and the
true counts from the case audits (closed once reporting starts, so every version of a report
counts the same cases).
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Q

from cpinspect.assessments.models import CaseGrade
from cpinspect.casefiles.schema import CATEGORY_SLUGS
from cpinspect.reports import results as results_module
from cpinspect.reports.models import FINAL_STATUSES, Report, ReportKind
from cpinspect.stats import disclosure, linked

GRADE_KEYS = tuple(g for g, _ in CaseGrade.choices)
THEMES = tuple(CATEGORY_SLUGS)
OVERALL_ROW = -1  # in ProtectedTable.withheld_rows: the All themes row
ALONE = ("alone",)  # the scope of a table protected without a published set (tests, tools)


class PublicationRefused(Exception):
    """The figures cannot be published without giving away what is already withheld."""


def scope_of(report: Report) -> tuple:
    if report.kind == ReportKind.FORCE:
        return (report.inspection_id,)
    return tuple(sorted(report.inspections.values_list("pk", flat=True)))


def linked_reports(scope) -> tuple[list[Report], set]:
    """The public reports linked to ``scope``, and every inspection they draw on."""
    ids, found = set(scope), {}
    while True:
        reports = (
            Report.objects.filter(status__in=FINAL_STATUSES)
            .filter(Q(inspection_id__in=ids) | Q(inspections__in=ids))
            .exclude(pk__in=list(found))
            .distinct()
        )
        new = list(reports)
        if not new:
            return sorted(found.values(), key=lambda r: r.pk), ids
        for report in new:
            found[report.pk] = report
            ids |= set(scope_of(report))


def _layout(scope, themes) -> linked.ResultsLayout:
    return linked.ResultsLayout(tuple(scope), tuple(themes), THEMES, GRADE_KEYS)


def shown_of(data: dict) -> tuple[list[str], dict, list[str]]:
    """(themes, {figure key: published value}, themes whose breakdown is withheld) of a
    report's snapshot: what a reader has of its results table."""
    block = data.get("results") or {}
    rows = block.get("rows", [])
    themes = [row["theme"] for row in rows]
    shown: dict = {("base", t): 0 for t in THEMES if t not in themes}
    for row in rows:
        shown[("base", row["theme"])] = row["base"]
        for cell in row["cells"]:
            shown[("cell", row["theme"], cell["grade"])] = cell["count"]
    overall = block.get("overall")
    if overall:
        shown[("grand",)] = overall["base"]
        for cell in overall["cells"]:
            shown[("overall", cell["grade"])] = cell["count"]
    withheld = [row["theme"] for row in rows if row.get("breakdown_withheld")]
    if overall and overall.get("breakdown_withheld"):
        withheld.append("overall")
    return themes, shown, withheld


def published_figures(report: Report) -> list[linked.Public]:
    """A public report as constraints: its results table, and a thematic report's cases per
    inspection (the coverage table)."""
    scope = scope_of(report)
    themes, shown, withheld = shown_of(report.data)
    where = f"{report.title}, version {report.version}"
    layout = _layout(scope, themes)
    publics = layout.publics(shown, withheld, where) if themes else []
    for row in (report.data.get("coverage") or {}).get("rows", []):
        atoms = frozenset((row["inspection_id"], t, g) for t in THEMES for g in GRADE_KEYS)
        publics.append(linked.Public(atoms, row["cases"], 1, f"{where}: {row['subject']}"))
    return publics


def truth_of(inspection_ids) -> dict:
    truth: Counter = Counter()
    for pk in inspection_ids:
        for theme, grade in results_module.final_grades(pk):
            truth[(pk, theme, grade)] += 1
    return dict(truth)


def _protected_table(table: disclosure.Table, themes, protection) -> disclosure.ProtectedTable:
    shown = protection.shown
    hidden = {k for k, v in shown.items() if v == disclosure.CONFIDENTIAL}
    positions = set()
    for i, t in enumerate(themes):
        for j, g in enumerate(GRADE_KEYS):
            if ("cell", t, g) in hidden:
                positions.add(("cell", i, j))
    for j, g in enumerate(GRADE_KEYS):
        if ("overall", g) in hidden:
            positions.add(("column_total", j))
    withheld = {i for i, t in enumerate(themes) if ("row", t) in protection.blocked}
    if ("row", "overall") in protection.blocked:
        withheld.add(OVERALL_ROW)
    return disclosure.ProtectedTable(
        row_labels=tuple(table.row_labels),
        column_labels=tuple(table.column_labels),
        cells=tuple(tuple(shown[("cell", t, g)] for g in GRADE_KEYS) for t in themes),
        row_totals=tuple(shown[("base", t)] for t in themes),
        column_totals=tuple(shown[("overall", g)] for g in GRADE_KEYS),
        grand_total=shown[("grand",)],
        primary=frozenset(positions),
        secondary=frozenset(),
        withheld_rows=frozenset(withheld),
    )


def protect_alone(table: disclosure.Table, themes) -> disclosure.ProtectedTable:
    """A results table protected as if nothing else were published."""
    truth = {
        (ALONE[0], t, g): table.cells[i][j]
        for i, t in enumerate(themes)
        for j, g in enumerate(GRADE_KEYS)
    }
    layout = _layout(ALONE, themes)
    protection = linked.protect_publication([], layout.figures(truth), layout.lines(), truth)
    return _protected_table(table, themes, protection)


def protector(inspections):
    """``protect(table, themes)`` for the results table pooling ``inspections``' cases:
    protected against every public report linked to them."""
    scope = tuple(sorted({i.pk for i in inspections}))

    def protect(table: disclosure.Table, themes) -> disclosure.ProtectedTable:
        reports, ids = linked_reports(scope)
        truth = truth_of(ids)
        layout = _layout(scope, themes)
        labels = dict(zip(themes, table.row_labels, strict=True))
        labels |= dict(zip(GRADE_KEYS, table.column_labels, strict=True))
        figures = layout.figures(truth, labels)
        for i, t in enumerate(themes):
            for j, g in enumerate(GRADE_KEYS):
                if sum(truth.get((k, t, g), 0) for k in scope) != table.cells[i][j]:
                    raise AssertionError("The results table does not match the case audits.")
        earlier = [p for r in reports for p in published_figures(r)]
        # a correction keeps its predecessor's protection: what it withheld stays withheld
        keep, keep_blocks = set(), set()
        for report in reports:
            if scope_of(report) == scope:
                _, shown, withheld = shown_of(report.data)
                keep |= {k for k, v in shown.items() if v == disclosure.CONFIDENTIAL}
                keep_blocks |= {("row", t) for t in withheld}
        try:
            protection = linked.protect_publication(
                earlier, figures, layout.lines(), truth, keep=keep, keep_blocks=keep_blocks
            )
        except linked.Refused as refused:
            raise PublicationRefused(str(refused)) from None
        return _protected_table(table, themes, protection)

    return protect


def check_before_publishing(report: Report) -> None:
    """Everything public and this report together: refused if any [c] can be pinned down
    (another report linked to it may have been published since it was built)."""
    reports, ids = linked_reports(scope_of(report))
    publics = [p for r in reports if r.pk != report.pk for p in published_figures(r)]
    publics += published_figures(report)
    findings = linked.audit(publics, truth_of(ids | set(scope_of(report))))
    if findings:
        names = "; ".join(sorted({f.where for f in findings}))
        raise PublicationRefused(
            "Published with what is already public, these withheld figures could be worked "
            f"out: {names}. Build the report again: it will withhold more."
        )
