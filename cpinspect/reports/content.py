"""What a report says, as a snapshot of plain data (``Report.data``), from which the HTML and
the PDF are rendered (docs/reports.md).

Every figure comes from ``results.py`` and every table of counts of cases goes through
``stats.disclosure`` before it enters the snapshot: the snapshot holds *published values*
only (a count or a marker such as ``[c]``), never a raw small count. Texts come from the
findings (judgement grades, causes of concern, recommendations, areas for improvement); the
working side (rationales, suggested grades, evidence, who decided) never enters it, nor does
anything about a single case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cpinspect.assessments import agreement as agreement_stats
from cpinspect.assessments.models import Assessment, AssessmentStatus, CaseAudit, CaseGrade, Kind
from cpinspect.casefiles.models import Allocation, CaseStatus
from cpinspect.casefiles.schema import CATEGORY_SLUGS, category_label
from cpinspect.findings.models import (
    AreaForImprovement,
    CauseOfConcern,
    Judgement,
    Recommendation,
    Topic,
)
from cpinspect.reports import disclosure_set
from cpinspect.reports import results as results_module
from cpinspect.stats import disclosure, statistics, stratified

SCHEMA = 1
OVERALL_METHOD = (
    "Stratified estimate: each theme weighted by its share of the list of cases, with the "
    "finite population correction in each theme; Wilson score interval on the effective "
    "sample size (95%)"
)
GRADES = list(CaseGrade.choices)  # the case grades, best first
TOPIC_LABELS = dict(Topic.choices)
NO_TOPIC = "other"


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    topics: tuple[str, ...] = ()  # graded topics of the findings reported here
    themes: tuple[str, ...] = ()  # case-file themes whose results are shown here
    intro: str = ""


# The child's journey (DOMAIN.md): the sections of a force report, in order. The case-file
# analysis and the methodology annex have their own blocks; the others show the judgements,
# causes of concern and areas for improvement of their topics and the results of their themes.
SECTIONS = [
    Section(
        "leadership",
        "Leadership and governance",
        topics=(Topic.LEADERSHIP, Topic.PARTNERSHIP),
        intro="How the force's leaders set priorities for protecting children, oversee the "
        "work and work with their partners.",
    ),
    Section(
        "case_files",
        "Case file analysis",
        intro="What we found in the case files we examined, by theme and grade.",
    ),
    Section(
        "initial_contact",
        "Initial contact",
        topics=(Topic.INITIAL_RESPONSE,),
        themes=("domestic_abuse",),
        intro="How officers and staff respond when they first meet a child at risk, including "
        "domestic abuse incidents where children live.",
    ),
    Section(
        "assessment",
        "Assessment and help",
        topics=(Topic.RISK_ASSESSMENT,),
        themes=("missing_children",),
        intro="How the force assesses the risk to a child, refers it and gets help to the "
        "child, including children who go missing or are absent.",
    ),
    Section(
        "investigation",
        "Investigation",
        topics=(Topic.INVESTIGATION,),
        themes=("online_abuse", "cse"),
        intro="How well the force investigates offences against children, including online "
        "abuse and child sexual exploitation.",
    ),
    Section(
        "decision_making",
        "Decision-making",
        themes=("vulnerability_and_risk",),
        intro="The decisions taken for children at risk: strategy discussions, enquiries under "
        "section 47 of the Children Act 1989 and the use of police protection powers.",
    ),
    Section(
        "managing_risk",
        "Managing those who pose a risk",
        themes=("rso_management",),
        intro="How the force manages registered sex offenders and others who pose a risk to "
        "children.",
    ),
    Section(
        "detention",
        "Police detention",
        themes=("custody",),
        intro="How children are treated in police custody, and whether those charged and "
        "refused bail are moved to council accommodation.",
    ),
    Section("methodology", "Methodology", intro="How we chose and examined the case files."),
]
SECTION_KEYS = [s.key for s in SECTIONS]
SECTION_TITLES = {s.key: s.title for s in SECTIONS}

THEMATIC_SECTIONS = [
    ("coverage", "The inspections covered"),
    ("case_files", "Case file analysis"),
    ("causes", "Common causes of concern"),
    ("methodology", "Methodology"),
]


def day_text(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _iso(day) -> str | None:
    return day.isoformat() if day else None


# --- results through disclosure control ---------------------------------------------------


def _rate_text(rate: disclosure.Rate) -> str:
    if rate.value is None:
        return rate.marker
    text = f"{rate.value}%"
    return f"{text} {rate.marker}" if rate.marker else text


def _cell(grade, label, published, base_published, interval: statistics.Interval) -> dict:
    """One published cell: the count or its marker, the percentage and the interval. A
    percentage or interval of a suppressed count (or base) takes the count's marker: both
    would give the count away."""
    rate = disclosure.rate(published, base_published)
    shown = rate.value is not None and interval.low is not None
    return {
        "grade": grade,
        "label": label,
        "count": published,
        "count_text": disclosure.published_value(published),
        "withheld": isinstance(published, str),
        "percent": float(rate.value) if rate.value is not None else None,
        "percent_text": _rate_text(rate),
        "low": interval.low if shown else None,
        "high": interval.high if shown else None,
        "interval_text": statistics.format_interval(interval) if shown else rate.marker,
        "low_reliability": rate.marker == disclosure.LOW_RELIABILITY,
    }


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


def _row(theme, label, base_published, cells, estimate="proportion") -> dict:
    return {
        "theme": theme,
        "label": label,
        "base": base_published,
        "base_text": disclosure.published_value(base_published),
        "cells": cells,
        "estimate": estimate,  # "stratified": All themes, weighted by frame size (ADR 0025)
    }


def _weighted_cell(grade, label, published, base_published, interval, shown: bool) -> dict:
    """An All themes cell: the count is the protected column total; the percentage and the
    interval are the stratified estimate, or [c] where it is not ``shown`` (ADR 0025: it is
    published only where a reader could work it out from the table's published values)."""
    cell = _cell(grade, label, published, disclosure.CONFIDENTIAL, interval)
    if not shown or interval.proportion is None:
        return cell
    percent = statistics.format_percentage(interval.proportion)
    few = isinstance(base_published, int) and base_published < disclosure.Policy().min_rate_base
    return cell | {
        "percent": float(percent.rstrip("%")),
        "percent_text": f"{percent} {disclosure.LOW_RELIABILITY}" if few else percent,
        "low": interval.low,
        "high": interval.high,
        "interval_text": statistics.format_interval(interval),
        "low_reliability": few,
    }


def weighted_shown(protected, column: int, frames: dict | None, themes) -> bool:
    """Whether the All themes estimate of one grade may be published: every input of it is
    already published (each theme's count of the grade, each theme's cases graded and, where
    the report gives them, each theme's frame size), so it tells a reader nothing the tables
    withhold. A weighted sum of withheld counts with known weights would give them away."""
    inputs = [row[column] for row in protected.cells] + list(protected.row_totals)
    if frames is not None:  # as the methodology prints them: '1,234' or a marker
        inputs += [frames.get(t.theme, disclosure.NOT_AVAILABLE) for t in themes]
    return not any(v in disclosure.MARKERS for v in inputs if isinstance(v, str))


def _overall_row(found, protected, frames) -> dict:
    overall = found.overall
    base = protected.grand_total
    if not isinstance(overall.grades[0].interval, stratified.StratifiedInterval):
        cells = [
            _cell(g, label, protected.column_totals[j], base, overall.grade(g).interval)
            for j, (g, label) in enumerate(GRADES)
        ]
        return _row(results_module.OVERALL, "All themes", base, cells)
    cells = [
        _weighted_cell(
            g,
            label,
            protected.column_totals[j],
            base,
            overall.grade(g).interval,
            weighted_shown(protected, j, frames, found.themes),
        )
        for j, (g, label) in enumerate(GRADES)
    ]
    return _row(results_module.OVERALL, "All themes", base, cells, estimate="stratified")


def results_block(found: results_module.Results, protect=None, frames: dict | None = None) -> dict:
    """The results table of a report: themes by grade (its row totals are the cases graded
    per theme, its column totals and grand total the 'All themes' row), protected by
    ``protect(table, themes)`` against everything it is linked to (``disclosure_set``).
    ``frames``: each theme's frame size as the report publishes it, if it does (for the
    stratified All themes row, ADR 0025)."""
    grades = [{"key": g, "label": label} for g, label in GRADES]
    block = {
        "grades": grades,
        "rows": [],
        "overall": None,
        "cases": 0,
        "cases_text": "0",
        "method": "Wilson score interval with the finite population correction (95%)",
        "overall_method": OVERALL_METHOD,
        "markers": [],
    }
    themes = list(found.themes)
    if not themes:
        return block
    table = disclosure.Table(
        cells=[[t.grade(g).count for g, _ in GRADES] for t in themes],
        row_labels=[t.label for t in themes],
        column_labels=[label for _, label in GRADES],
    )
    protect = protect or disclosure_set.protect_alone
    protected = protect(table, [t.theme for t in themes])
    for i, theme in enumerate(themes):
        base = protected.row_totals[i]
        cells = [
            _cell(g, label, protected.cells[i][j], base, theme.grade(g).interval)
            for j, (g, label) in enumerate(GRADES)
        ]
        block["rows"].append(_row(theme.theme, _capital(theme.label), base, cells))
        # every cell [c], zeros included: too few cases to show any breakdown (ADR 0023)
        block["rows"][-1]["breakdown_withheld"] = i in protected.withheld_rows
    overall = found.overall
    for j, (g, _) in enumerate(GRADES):
        total = protected.column_totals[j]
        if isinstance(total, int) and total != overall.grade(g).count:
            raise AssertionError("The protected table does not add up to the overall results.")
    block["overall"] = _overall_row(found, protected, frames)
    block["overall"]["breakdown_withheld"] = disclosure_set.OVERALL_ROW in protected.withheld_rows
    block["cases"] = protected.grand_total
    block["cases_text"] = disclosure.published_value(protected.grand_total)
    block["markers"] = markers_used(block)
    return block


def markers_used(block) -> list[str]:
    """The markers a results table shows, for its note."""
    used = set()
    for row in [*block["rows"], *([block["overall"]] if block["overall"] else [])]:
        values = [row["base"], *(c["count"] for c in row["cells"])]
        used |= {v for v in values if isinstance(v, str)}
        used |= {disclosure.LOW_RELIABILITY for c in row["cells"] if c["low_reliability"]}
        used |= {c["percent_text"] for c in row["cells"] if c["percent_text"] in disclosure.MARKERS}
    return [m for m in disclosure.MARKERS if m in used]


def _published_cells(block) -> dict:
    """theme -> (base, {grade: count}) as published, for comparing with a later report."""
    rows = [*block.get("rows", []), *([block["overall"]] if block.get("overall") else [])]
    return {
        row["theme"]: (row["base"], {c["grade"]: c["count"] for c in row["cells"]}) for row in rows
    }


def _published_percents(block) -> dict:
    """theme -> (how estimated, {grade: published percentage or None})."""
    rows = [*block.get("rows", []), *([block["overall"]] if block.get("overall") else [])]
    return {
        row["theme"]: (
            row.get("estimate", "proportion"),
            {
                c["grade"]: c["percent_text"] if c["percent"] is not None else None
                for c in row["cells"]
            },
        )
        for row in rows
    }


def _count_change_refused(change, now: tuple, before: tuple) -> str | None:
    """Why a theme's change is not shown ([c], [x]), or None: both reports must have
    published the count and its base, as this report computes them."""
    if not all(isinstance(v, int) for v in (*now, *before)):
        return disclosure.CONFIDENTIAL
    before_base, before_count = before
    if (before_count, before_base) != (change.earlier.count, change.earlier.base):
        return disclosure.NOT_AVAILABLE  # the earlier report was built otherwise
    return None


def _weighted_change_refused(change, now_percent, before_estimate, before_percent) -> str | None:
    """The All themes change: only between two published weighted figures (a change of a
    withheld one would give it away), and only if the earlier one is what we compute now."""
    if now_percent is None or before_percent is None:
        return disclosure.CONFIDENTIAL
    earlier = statistics.format_percentage(change.earlier.proportion)
    if before_estimate != "stratified" or before_percent.split(" ")[0] != earlier:
        return disclosure.NOT_AVAILABLE  # the earlier report was built otherwise
    return None


def changes_block(found: results_module.Results, block: dict, previous_report) -> dict | None:
    """The change since the force's previous inspection, only where both reports published
    the count and its base (docs/disclosure-control.md: a change of a suppressed value would
    give it away); [c] otherwise, [z] where the earlier report had no such theme."""
    if previous_report is None or found.previous_inspection_id is None:
        return None
    earlier = _published_cells(previous_report.data.get("results", {}))
    now = _published_cells(block)
    earlier_percents = _published_percents(previous_report.data.get("results", {}))
    now_percents = _published_percents(block)
    rows = []
    for result in [*found.themes, found.overall]:
        base, counts = now[result.theme]
        cells = []
        for g, label in GRADES:
            grade = result.grade(g)
            text, difference = disclosure.NOT_APPLICABLE, None
            if result.theme in earlier and grade.change is not None:
                if grade.change.method == stratified.STRATIFIED_CHANGE:
                    refused = _weighted_change_refused(
                        grade.change,
                        now_percents[result.theme][1][g],
                        earlier_percents[result.theme][0],
                        earlier_percents[result.theme][1][g],
                    )
                else:
                    before_base, before_counts = earlier[result.theme]
                    refused = _count_change_refused(
                        grade.change, (base, counts[g]), (before_base, before_counts[g])
                    )
                if refused:
                    text = refused
                else:
                    change = grade.change
                    difference = change.difference
                    text = (
                        f"{statistics.format_points(change.difference)} "
                        f"({statistics.format_points(change.low)} to "
                        f"{statistics.format_points(change.high)})"
                    )
                    if change.beyond_chance:
                        text += ", beyond chance"
            cells.append({"grade": g, "label": label, "text": text, "difference": difference})
        label = _capital(result.label)
        rows.append({"theme": result.theme, "label": label, "cells": cells})
    inspection = previous_report.inspection
    return {
        "earlier": {
            "report_id": previous_report.pk,
            "version": previous_report.version,
            "label": f"{inspection.get_kind_display()}, fieldwork from "
            f"{day_text(inspection.fieldwork_starts_on)}",
        },
        "rows": rows,
    }


# --- findings (published side only) ---------------------------------------------------------


def _recommendation(rec: Recommendation, number: str) -> dict:
    return {
        "number": number,
        "text": rec.text,
        "owner": rec.owner,
        "due_on": _iso(rec.due_on),
        "due_text": day_text(rec.due_on),
    }


def findings_block(inspection) -> dict:
    topic_order = {t: i for i, t in enumerate(Topic.values)}
    judgements = sorted(
        Judgement.objects.filter(inspection=inspection), key=lambda j: topic_order[j.topic]
    )
    causes = []
    for n, cause in enumerate(
        CauseOfConcern.objects.filter(inspection=inspection).prefetch_related("recommendations"),
        start=1,
    ):
        causes.append(
            {
                "number": n,
                "title": cause.title,
                "text": cause.text,
                "topic": cause.topic or NO_TOPIC,
                "topic_label": TOPIC_LABELS.get(cause.topic, ""),
                "recommendations": [
                    _recommendation(rec, f"{n}.{k}")
                    for k, rec in enumerate(cause.recommendations.order_by("pk"), start=1)
                ],
            }
        )
    others = Recommendation.objects.filter(
        inspection=inspection, cause_of_concern__isnull=True
    ).order_by("pk")
    areas = AreaForImprovement.objects.filter(inspection=inspection).order_by("pk")
    return {
        "judgements": [
            {
                "topic": j.topic,
                "topic_label": j.get_topic_display(),
                "grade": j.grade,
                "grade_label": j.get_grade_display(),
            }
            for j in judgements
        ],
        "causes": causes,
        "recommendations": [_recommendation(r, str(k)) for k, r in enumerate(others, start=1)],
        "areas": [
            {
                "number": k,
                "topic": a.topic or NO_TOPIC,
                "topic_label": TOPIC_LABELS.get(a.topic, ""),
                "text": a.text,
            }
            for k, a in enumerate(areas, start=1)
        ],
    }


# --- methodology ----------------------------------------------------------------------------


def moderation_agreement(inspection) -> agreement_stats.Agreement:
    """Agreement between first examiner and moderator over the cases the results count
    (signed off, usable), without a user: the report is not a person reading case data, and
    only the overall figures are published (never per inspector or per pair)."""
    grades: dict[int, dict[str, str]] = {}
    for audit_id, kind, grade in Assessment.objects.filter(
        audit__inspection=inspection,
        audit__locked_at__isnull=False,
        audit__case__status=CaseStatus.SAMPLED,
        status=AssessmentStatus.SUBMITTED,
    ).values_list("audit_id", "kind", "overall_grade"):
        grades.setdefault(audit_id, {})[kind] = grade
    pairs = [
        (g[Kind.FIRST], g[Kind.MODERATION])
        for g in grades.values()
        if g.get(Kind.FIRST) and g.get(Kind.MODERATION)
    ]
    return agreement_stats.agreement(pairs)


def _agreement_block(found: agreement_stats.Agreement) -> dict:
    def two(value):
        return None if value is None else round(value, 2)

    return {
        "cases": found.cases,
        "agreed": found.agreed,
        "percent_text": "[z]" if found.percent is None else f"{found.percent:.1f}%",
        "kappa": two(found.kappa),
        "kappa_text": "[z]" if found.kappa is None else f"{found.kappa:.2f}",
        "alpha": two(found.alpha),
        "alpha_text": "[z]" if found.alpha is None else f"{found.alpha:.2f}",
        "note": found.note,
    }


def _design_list(values: dict[str, int], slugs) -> tuple[list[dict], str]:
    """A list of the sample's design figures by theme (frame sizes, cases drawn, reserves),
    published as they are: the allocation and reserve rules derive each from the others, so
    withholding one would protect nothing (ADR 0023, items 5 and 6 of issue 13)."""
    counts = [int(values.get(s, 0)) for s in slugs]
    rows = [
        {"theme": s, "label": category_label(s), "value": v, "text": disclosure.published_value(v)}
        for s, v in zip(slugs, counts, strict=True)
    ]
    return rows, disclosure.published_value(sum(counts))


# The draw's software as the report names it (the sample records numpy's name for its part).
SOFTWARE_LABELS = {"bit_generator": "random number generator"}

EXCLUSION_LABELS = {
    "older_than_months": "Recorded before the period the inspection looked at",
    "examined_in_earlier_inspection": "Examined in an earlier inspection of the force",
}


def allocation_text(sample) -> str:
    """The allocation as it was made (ADR 0025), e.g. 'At least 5 per theme (every case of a
    theme with fewer), the rest in proportion to the theme's number of cases in the list;
    sampling fractions from 3.3% to 7.8%'."""
    design = sample.design or {}
    population = {k: int(v) for k, v in sample.population.items()}
    if sample.allocation_method == Allocation.PROPORTIONAL:
        minimum = int(design.get("minimum") or 0)
        floors = sum(min(minimum, n) for n in population.values() if n > 0)
        if minimum and floors <= sample.total_size:
            text = (
                f"At least {minimum} per theme (every case of a theme with fewer), the rest in "
                "proportion to the theme's number of cases in the list"
            )
        else:
            text = "In proportion to each theme's number of cases in the list"
    elif sample.allocation_method == Allocation.EQUAL:
        text = "The same number from each theme, as far as the theme has cases"
    else:
        text = "A number fixed in advance for each theme"
    fractions = stratified.sampling_fractions(sample.allocation, population)
    if fractions is None:
        return text
    low, high = (statistics.format_percentage(f) for f in fractions)
    if low == high:
        return f"{text}; sampling fraction {low} in every theme"
    return f"{text}; sampling fractions from {low} to {high}"


def sample_block(inspection) -> dict | None:
    sample = inspection.samples.order_by("-drawn_at").first()
    if sample is None:
        return None
    design = sample.design or {}
    slugs = [s for s in CATEGORY_SLUGS if sample.population.get(s) or sample.allocation.get(s)]
    population, population_total = _design_list(sample.population, slugs)
    drawn, drawn_total = _design_list(sample.allocation, slugs)
    reserves, reserves_total = _design_list(sample.reserves, slugs)
    reasons = [r for r in sample.excluded if sample.excluded.get(r) is not None]
    excluded = []
    if reasons:
        protected = disclosure.protect_counts(
            [int(sample.excluded[r]) for r in reasons],
            labels=[EXCLUSION_LABELS.get(r, r) for r in reasons],
        )
        excluded = [
            {"label": label, "text": disclosure.published_value(v)}
            for label, v in zip(protected.labels, protected.cells, strict=True)
        ]
    rows = [
        {
            "theme": p["theme"],
            "label": _capital(p["label"]),
            "population": p["text"],
            "drawn": d["text"],
            "reserves": r["text"],
        }
        for p, d, r in zip(population, drawn, reserves, strict=True)
    ]
    setup = getattr(inspection, "fieldwork_setup", None)
    return {
        "seed": str(sample.seed),
        "frame_sha256": sample.frame_sha256,
        "drawn_on": day_text(timezone.localdate(sample.drawn_at)),
        "method": Allocation(sample.allocation_method).label,
        "allocation_text": allocation_text(sample),
        "size": sample.total_size,
        "minimum": design.get("minimum"),
        "reserve_share": design.get("reserve_share"),
        "older_than_months": design.get("exclude_older_than_months"),
        "as_of": design.get("as_of"),
        "exclude_previously_examined": bool(design.get("exclude_previously_examined")),
        "software": ", ".join(
            f"{SOFTWARE_LABELS.get(k, k)} {v}" for k, v in sorted((sample.software or {}).items())
        ),
        "rows": rows,
        "totals": {
            "population": population_total,
            "drawn": drawn_total,
            "reserves": reserves_total,
        },
        "excluded": excluded,
        "question_sets": sorted((setup.versions or {}).items()) if setup else [],
    }


def moderation_reasons(inspection) -> list[str]:
    reasons = (
        CaseAudit.objects.filter(inspection=inspection, locked_at__isnull=False)
        .exclude(moderation_reason="")
        .values_list("moderation_reason", flat=True)
        .distinct()
    )
    from cpinspect.assessments.models import ModerationReason

    labels = dict(ModerationReason.choices)
    return [labels[r] for r in ModerationReason.values if r in set(reasons)]


# --- the stages moved on from with work outstanding (ADR 0021) -------------------------------

WITHHELD_REASON = "[The reason given is withheld: it quoted detail of a case.]"


def stages_block(inspection) -> list[dict]:
    """Each lifecycle move made with work outstanding, and each reopening of the case-file
    audit, with the reason recorded at the time. What was outstanding is named without its
    figures (a count of unfinished cases or escalations is not a published statistic).

    Every reason was checked against the inspection's case detail when it was given
    (``reports.readiness``); one that a later note happens to match is withheld, not shown."""
    from cpinspect.programmes import lifecycle
    from cpinspect.programmes.models import StatusChange
    from cpinspect.reports import guard

    recorded = []
    for change in StatusChange.objects.filter(inspection=inspection).order_by("changed_at", "pk"):
        move = lifecycle.transition_between(change.from_status, change.to_status)
        reopening = bool(move and move.needs_reason)
        if change.outstanding or reopening:
            recorded.append((change, move, reopening))
    # the guard reads every case of the inspection: once for all the reasons, and once per
    # reason only if something is found
    reasons = [change.reason for change, _, _ in recorded]
    suspect = bool(reasons) and bool(guard.findings(reasons, [inspection]))
    rows = []
    for change, move, reopening in recorded:
        reason = change.reason
        if suspect and guard.findings([reason], [inspection]):
            reason = WITHHELD_REASON
        rows.append(
            {
                "move": move.label if move else str(change),
                "from": change.get_from_status_display(),
                "to": change.get_to_status_display(),
                "on": day_text(timezone.localdate(change.changed_at)),
                "reopening": reopening,
                "outstanding": [item["title"] for item in change.outstanding],
                "reason": reason,
            }
        )
    return rows


# --- the force report -----------------------------------------------------------------------


def _section_rows(block, themes) -> list[dict]:
    return [row for row in block["rows"] if row["theme"] in themes]


def force_report_data(inspection, previous_report=None) -> dict:
    found = results_module.inspection_results(inspection)
    sample = sample_block(inspection)
    frames = {row["theme"]: row["population"] for row in sample["rows"]} if sample else {}
    block = results_block(found, disclosure_set.protector([inspection]), frames)
    findings = findings_block(inspection)
    sections = []
    for section in SECTIONS:
        entry = {"key": section.key, "title": section.title, "intro": section.intro}
        if section.topics:
            entry["judgements"] = [
                j for j in findings["judgements"] if j["topic"] in section.topics
            ]
            entry["causes"] = [c for c in findings["causes"] if c["topic"] in section.topics]
            entry["areas"] = [a for a in findings["areas"] if a["topic"] in section.topics]
        if section.themes:
            entry["themes"] = [category_label(t) for t in section.themes]
            entry["rows"] = _section_rows(block, section.themes)
        sections.append(entry)
    force = inspection.subject_force
    return {
        "schema": SCHEMA,
        "kind": "force",
        "subject": {
            "inspection_id": inspection.pk,
            "inspection_kind": inspection.get_kind_display(),
            "force_name": force.name,
            "force_code": force.code,
            "council": inspection.council.name if inspection.council_id else "",
            "programme": inspection.programme.name,
            "fieldwork_from": day_text(inspection.fieldwork_starts_on),
            "fieldwork_to": day_text(inspection.fieldwork_ends_on),
        },
        "sections": sections,
        "findings": findings,
        "results": block,
        "changes": changes_block(found, block, previous_report),
        "methodology": {
            "sample": sample,
            "agreement": _agreement_block(moderation_agreement(inspection)),
            "moderation_reasons": moderation_reasons(inspection),
            "stages": stages_block(inspection),
        },
        "markers": disclosure.MARKERS,
    }


def force_report_title(inspection) -> str:
    return (
        f"{inspection.get_kind_display()}: {inspection.subject_name} ({inspection.programme.name})"
    )


# --- the thematic report --------------------------------------------------------------------


MIN_THEMATIC_INSPECTIONS = 2


def thematic_report_data(inspections, title: str) -> dict:
    """Across the chosen inspections: the grades of all their cases by theme, pooled, with
    intervals; the forces covered; the causes of concern they share."""
    inspections = sorted(inspections, key=lambda i: (i.fieldwork_starts_on, i.pk))
    cases: list[tuple[str, str]] = []
    populations: dict[str, int] = {}
    unknown_population: set[str] = set()
    per_inspection = []
    for inspection in inspections:
        graded = results_module.final_grades(inspection)
        own = results_module.populations_of(inspection)
        for theme in {t for t, _ in graded}:
            if theme in own:
                populations[theme] = populations.get(theme, 0) + own[theme]
            else:
                unknown_population.add(theme)
        cases += graded
        per_inspection.append((inspection, len(graded)))
    graded_inspections = sum(1 for _, n in per_inspection if n)
    if graded_inspections < MIN_THEMATIC_INSPECTIONS:
        raise disclosure_set.PublicationRefused(
            f"A thematic report needs at least {MIN_THEMATIC_INSPECTIONS} inspections with "
            f"graded cases (this one has {graded_inspections}): with fewer, its tables are one "
            "inspection's, and comparing them with that force report would give withheld "
            "counts away."
        )
    for theme in unknown_population:
        populations.pop(theme, None)
    found = results_module.results_of_cases(0, cases, populations)
    block = results_block(found, disclosure_set.protector(inspections))

    # cases graded per inspection: design figures (each is its force report's published
    # total), shown as they are; the grade counts are what the audit protects
    coverage_rows = [
        {
            "force": inspection.subject_force.name,
            "subject": inspection.subject_name,
            "kind": inspection.get_kind_display(),
            "programme": inspection.programme.name,
            "fieldwork_from": day_text(inspection.fieldwork_starts_on),
            "cases": n,
            "cases_text": disclosure.published_value(n),
            "inspection_id": inspection.pk,
        }
        for inspection, n in per_inspection
    ]
    coverage_total = sum(n for _, n in per_inspection)
    forces = sorted({i.subject_force.name for i in inspections})

    causes: dict[str, list[dict]] = {}
    for cause in (
        CauseOfConcern.objects.filter(inspection__in=inspections)
        .select_related("inspection__force", "inspection__council__force")
        .order_by("inspection__fieldwork_starts_on", "pk")
    ):
        causes.setdefault(cause.topic or NO_TOPIC, []).append(
            {"force": cause.inspection.subject_force.name, "title": cause.title}
        )
    common = [
        {
            "topic": topic,
            "topic_label": TOPIC_LABELS.get(topic, "Not tied to a graded topic"),
            "inspections": len({c["force"] for c in items}),
            "causes": items,
        }
        for topic, items in causes.items()
    ]
    common.sort(key=lambda c: (-c["inspections"], c["topic_label"]))
    return {
        "schema": SCHEMA,
        "kind": "thematic",
        "subject": {"title": title},
        "sections": [{"key": k, "title": t} for k, t in THEMATIC_SECTIONS],
        "coverage": {
            "rows": coverage_rows,
            "cases_text": disclosure.published_value(coverage_total),
            "forces": len(forces),
            "force_names": forces,
            "inspections": len(inspections),
        },
        "results": block,
        "causes": common,
        "methodology": {
            "populations_known": not unknown_population,
        },
        "markers": disclosure.MARKERS,
    }
