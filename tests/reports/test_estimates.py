"""The All themes row is the stratified estimate (ADR 0025), the same in the page, the PDF,
the API and the open data; it is shown only where every input of it is published; the
methodology describes the allocation as it was made."""

import csv
import io
import math
import re
from io import BytesIO

import numpy as np
import pytest
from pypdf import PdfReader
from scipy.optimize import Bounds, LinearConstraint, milp

from cpinspect.assessments.models import CaseAudit
from cpinspect.casefiles.models import SampledCase
from cpinspect.reports import content, rendering, results
from cpinspect.stats import stratified
from testkit import graded_inspections as synthetic
from tests.reports.conftest import publish

Z = 1.959963984540054

# A demo-like design where every count is published (all 0 or above 5): small themes sampled
# at five times the rate of large ones, and doing better, so the unweighted share of the
# sample overstates the frame's good share (36 of 70 = 51.4%; weighted 540 of 1,460 = 37.0%).
DESIGN = {
    # theme: (frame size, {grade: graded cases})
    "domestic_abuse": (900, {"good": 6, "requires_improvement": 12, "inadequate": 12}),
    "vulnerability_and_risk": (400, {"good": 10, "requires_improvement": 10, "inadequate": 0}),
    "online_abuse": (100, {"good": 10, "requires_improvement": 0, "inadequate": 0}),
    "custody": (60, {"good": 10, "requires_improvement": 0, "inadequate": 0}),
}
GRADES = ["good", "requires_improvement", "inadequate"]


def _cases(design=DESIGN):
    """(theme, grade) for every graded case of the design."""
    return [
        (theme, grade)
        for theme, (_, counts) in design.items()
        for grade, k in counts.items()
        for _ in range(k)
    ]


def _by_hand(grade, design=DESIGN, *, variance_too=False):
    """p_st, low, high from Cochran's formulas and Wilson's on n_eff, written out here."""
    big_n = sum(size for size, _ in design.values())
    p_st, variance = 0.0, 0.0
    for size, counts in design.values():
        n = sum(counts.values())
        p = counts[grade] / n
        p_st += size / big_n * p
        variance += (size / big_n) ** 2 * (1 - n / size) * p * (1 - p) / (n - 1)
    n_eff = p_st * (1 - p_st) / variance
    centre = (p_st + Z * Z / (2 * n_eff)) / (1 + Z * Z / n_eff)
    half = Z / (1 + Z * Z / n_eff) * math.sqrt(p_st * (1 - p_st) / n_eff + Z * Z / (4 * n_eff**2))
    if variance_too:
        return p_st, centre - half, centre + half, variance
    return p_st, centre - half, centre + half


def _percent(value):
    """Half up to one decimal, in integers (no shared rounding code)."""
    tenths = math.floor(value * 1000 + 0.5)
    return f"{tenths // 10}.{tenths % 10}%"


def _found(design=DESIGN):
    populations = {theme: size for theme, (size, _) in design.items()}
    return results.results_of_cases(1, _cases(design), populations)


def test_the_overall_results_are_the_stratified_estimate():
    found = _found()
    for grade in GRADES:
        interval = found.overall.grade(grade).interval
        assert isinstance(interval, stratified.StratifiedInterval)
        p_st, low, high = _by_hand(grade)
        assert interval.proportion == pytest.approx(p_st, abs=1e-15)
        assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-12)
        assert interval.count == sum(c[grade] for _, c in DESIGN.values())
        assert interval.base == 70 and interval.population == 1460
    # the unweighted share is a different number: this design is where it matters
    assert _percent(found.overall.grade("good").interval.proportion) == "37.0%"
    assert _percent(36 / 70) == "51.4%"


def test_the_published_all_themes_row_is_the_weighted_estimate():
    frames = {theme: f"{size:,}" for theme, (size, _) in DESIGN.items()}
    block = content.results_block(_found(), frames=frames)
    overall = block["overall"]
    assert overall["estimate"] == "stratified" and overall["base"] == 70
    for cell in overall["cells"]:
        p_st, low, high = _by_hand(cell["grade"])
        assert cell["percent_text"] == _percent(p_st)
        assert cell["percent"] == float(_percent(p_st)[:-1])
        assert cell["low"] == pytest.approx(low, abs=1e-12)
        assert cell["high"] == pytest.approx(high, abs=1e-12)
        assert cell["interval_text"] == f"{_percent(low)} to {_percent(high)}"
        assert cell["count"] == sum(c[cell["grade"]] for _, c in DESIGN.values())
    assert [c["percent_text"] for c in overall["cells"]] == ["37.0%", "38.4%", "24.7%"]
    assert all(row["estimate"] == "proportion" for row in block["rows"])


def test_a_withheld_count_withholds_the_weighted_figure_of_its_grade():
    """p_st is a weighted sum of the theme counts with published weights: with one count
    withheld it would give that count back, so the grade's figure is [c] too."""
    design = dict(DESIGN)
    design["custody"] = (60, {"good": 7, "requires_improvement": 3, "inadequate": 0})
    frames = {theme: f"{size:,}" for theme, (size, _) in design.items()}
    found = _found(design)
    block = content.results_block(found, frames=frames)
    custody = next(r for r in block["rows"] if r["theme"] == "custody")
    withheld = [c["grade"] for c in custody["cells"] if c["count"] == "[c]"]
    assert "requires_improvement" in withheld
    for cell in block["overall"]["cells"]:
        column = [next(c for c in r["cells"] if c["grade"] == cell["grade"]) for r in block["rows"]]
        if any(c["count"] == "[c]" for c in column):
            assert (cell["percent"], cell["percent_text"], cell["interval_text"]) == (
                None,
                "[c]",
                "[c]",
            )
            assert cell["low"] is None and cell["high"] is None
        else:
            assert cell["percent_text"] == _percent(_by_hand(cell["grade"], design)[0])
    assert "[c]" in block["markers"]


def test_a_withheld_frame_size_or_base_withholds_every_weighted_figure():
    frames = {theme: f"{size:,}" for theme, (size, _) in DESIGN.items()}
    frames["custody"] = "[c]"
    block = content.results_block(_found(), frames=frames)
    assert all(c["percent_text"] == "[c]" for c in block["overall"]["cells"])
    small = dict(DESIGN)
    small["custody"] = (60, {"good": 5, "requires_improvement": 0, "inadequate": 0})
    frames = {theme: f"{size:,}" for theme, (size, _) in small.items()}
    block = content.results_block(_found(small), frames=frames)
    # bases are design figures, published (ADR 0023); the small theme's grades are withheld
    custody = next(r for r in block["rows"] if r["theme"] == "custody")
    assert custody["base"] == 5
    assert all(c["count"] == "[c]" for c in custody["cells"])
    assert all(c["percent"] is None for c in block["overall"]["cells"])


def test_without_every_frame_size_the_overall_row_is_unweighted_and_says_so():
    populations = {theme: size for theme, (size, _) in DESIGN.items()}
    del populations["custody"]
    found = results.results_of_cases(1, _cases(), populations)
    assert not isinstance(found.overall.grade("good").interval, stratified.StratifiedInterval)
    block = content.results_block(found)
    assert block["overall"]["estimate"] == "proportion"
    assert block["overall"]["cells"][0]["percent_text"] == "51.4%"  # 36 of 70, plain Wilson


def _shape(inspection, design=DESIGN):
    """Make the synthetic inspection's 70 cases and its sample the DESIGN's (while its audit
    is open, as the synthetic builder does: a closed audit is read only)."""
    from cpinspect.programmes.models import Inspection, Status

    Inspection.objects.filter(pk=inspection.pk).update(status=Status.MODERATION)
    sample = inspection.samples.get()
    cases = _cases(design)
    audits = list(CaseAudit.objects.filter(inspection=inspection).order_by("pk"))
    assert len(audits) == len(cases)
    for k, (audit, (theme, grade)) in enumerate(zip(audits, cases, strict=True)):
        # a position in the stratum no synthetic case holds (positions are unique per stratum)
        SampledCase.objects.filter(pk=audit.case_id).update(stratum=theme, order=1000 + k)
        CaseAudit.objects.filter(pk=audit.pk).update(final_grade=grade)
    population = dict.fromkeys(sample.population, 0)
    allocation = dict.fromkeys(sample.allocation, 0)
    for theme, (size, counts) in design.items():
        population[theme] = size
        allocation[theme] = sum(counts.values())
    type(sample).objects.filter(pk=sample.pk).update(population=population, allocation=allocation)
    Inspection.objects.filter(pk=inspection.pk).update(status=Status.REPORTING)


@pytest.mark.django_db
def test_the_page_pdf_api_and_open_data_give_the_same_weighted_figures(
    programme, people, reference, client
):
    import datetime as dt

    inspection = synthetic.graded_inspection(
        programme=programme,
        force=reference["essex"],
        lead=people["lead"],
        starts_on=dt.date(2026, 10, 5),
        cases=70,
        seed=3,
    )
    _shape(inspection)
    report = publish(inspection, people)
    expected = {g: _by_hand(g) for g in GRADES}
    texts = {
        g: (_percent(p), f"{_percent(lo)} to {_percent(hi)}") for g, (p, lo, hi) in expected.items()
    }
    counts = {g: sum(c[g] for _, c in DESIGN.values()) for g in GRADES}

    page = rendering.visible_text(client.get(f"/reports/{report.pk}/").content.decode())
    pdf = " ".join(p.extract_text() or "" for p in PdfReader(BytesIO(report.pdf)).pages)
    pdf = re.sub(r"\s+", " ", pdf)
    for g in GRADES:
        percent, interval = texts[g]
        shown = f"{counts[g]} ({percent})"
        assert shown in page and shown in pdf, g
        assert interval in page and interval in pdf, g
    # the unweighted share of the sample appears nowhere as the All themes figure
    assert "36 (51.4%)" not in page and "36 (51.4%)" not in pdf

    api = client.get(f"/api/reports/{report.pk}/").json()
    overall = next(t for t in api["themes"] if t["theme"] == "overall")
    assert overall["estimate"] == "stratified"
    from_json = client.get("/open-data/results.json").json()
    entry = next(r for r in from_json["reports"] if r["id"] == report.pk)
    assert next(t for t in entry["themes"] if t["theme"] == "overall") == overall
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/results.csv").content.decode())))
    by_grade = {
        r["grade"]: r for r in rows if r["report_id"] == str(report.pk) and r["theme"] == "overall"
    }
    for cell in overall["grades"]:
        g = cell["grade"]
        percent, interval = texts[g]
        low, high = interval.split(" to ")
        assert cell["percentage"] == float(percent[:-1])
        assert (cell["interval_low"], cell["interval_high"]) == (float(low[:-1]), float(high[:-1]))
        assert cell["cases"] == counts[g]
        row = by_grade[g]
        assert (row["percentage"], row["interval_low"], row["interval_high"]) == (
            percent[:-1],
            low[:-1],
            high[:-1],
        )
        assert row["estimate"] == "stratified" and row["cases"] == str(counts[g])
    assert {r["estimate"] for r in rows if r["theme"] != "overall"} == {"proportion"}

    # the methodology describes the allocation as it was made
    allocation = report.data["methodology"]["sample"]["allocation_text"]
    assert allocation == (
        "At least 5 per theme (every case of a theme with fewer), the rest in proportion to "
        "the theme's number of cases in the list; sampling fractions from 3.3% to 16.7%"
    )
    assert allocation in page and "Proportional, with a minimum" not in page
    assert "sampling fractions from 3.3% to 16.7%" in pdf


LATER = dict(DESIGN)
LATER["domestic_abuse"] = (900, {"good": 18, "requires_improvement": 6, "inadequate": 6})


@pytest.mark.django_db
def test_the_all_themes_change_is_between_the_two_weighted_figures(programme, people, reference):
    import datetime as dt

    from cpinspect.reports import services

    made = []
    for starts_on, seed, design in (
        (dt.date(2026, 10, 5), 3, DESIGN),
        (dt.date(2027, 2, 1), 4, LATER),
    ):
        inspection = synthetic.graded_inspection(
            programme=programme,
            force=reference["essex"],
            lead=people["lead"],
            starts_on=starts_on,
            cases=70,
            seed=seed,
        )
        _shape(inspection, design)
        made.append(inspection)
    earlier = publish(made[0], people)
    later = services.report_build(inspection=made[1], user=people["lead"])
    assert later.data["changes"]["earlier"]["report_id"] == earlier.pk
    overall = next(r for r in later.data["changes"]["rows"] if r["theme"] == "overall")
    for cell in overall["cells"]:
        p1, l1, u1, v1 = _by_hand(cell["grade"], DESIGN, variance_too=True)
        p2, l2, u2, v2 = _by_hand(cell["grade"], LATER, variance_too=True)
        d = p2 - p1
        low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
        high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
        assert cell["difference"] == pytest.approx(d, abs=1e-12)
        p_value = math.erfc(abs(d) / math.sqrt(v1 + v2) / math.sqrt(2))
        beyond = (low > 0 or high < 0) and p_value < 0.05
        assert cell["text"].endswith(", beyond chance") == beyond
        assert cell["text"].startswith(f"{d * 100:+.1f} points")
    good = overall["cells"][0]
    assert good["text"].startswith("+24.7 points") and good["text"].endswith("beyond chance")


def test_an_all_themes_change_against_an_unweighted_earlier_figure_is_not_available():
    earlier = _found().overall.grade("good").interval
    later = _found(LATER).overall.grade("good").interval
    change = stratified.stratified_change(earlier, later)
    assert content._weighted_change_refused(change, "61.6%", "proportion", "51.4%") == "[x]"
    assert content._weighted_change_refused(change, "61.6%", "stratified", "37.0%") is None
    assert content._weighted_change_refused(change, "61.6%", "stratified", "37.1%") == "[x]"
    assert content._weighted_change_refused(change, None, "stratified", "37.0%") == "[c]"
    assert content._weighted_change_refused(change, "61.6%", "stratified", None) == "[c]"


def _attack(table, published, column_totals, frames, percents=None):
    """An attacker written here: each withheld count's least and largest value over all whole
    tables that agree with the published cells, row totals (the cases graded, all published
    here), column totals and, if given, the All themes percentages as printed (to 0.1 of a
    point, so within 0.0005 of a proportion). Counts only known to be at least 0."""
    rows, cols = len(table), len(table[0])
    bases = [sum(r) for r in table]
    lines, low, high = [], [], []

    def line(cells, value_low, value_high):
        vector = np.zeros(rows * cols)
        for h, g, weight in cells:
            vector[h * cols + g] = weight
        lines.append(vector)
        low.append(value_low)
        high.append(value_high)

    for h in range(rows):
        line([(h, g, 1) for g in range(cols)], bases[h], bases[h])
    for g in range(cols):
        if isinstance(column_totals[g], int):  # a withheld All themes count is no constraint
            line([(h, g, 1) for h in range(rows)], column_totals[g], column_totals[g])
    for g, percent in enumerate(percents or []):
        weights = [(h, g, frames[h] / sum(frames) / bases[h]) for h in range(rows)]
        line(weights, percent / 100 - 0.0005, percent / 100 + 0.0005)
    fixed = [
        published[h][g] if isinstance(published[h][g], int) else None
        for h in range(rows)
        for g in range(cols)
    ]
    lower = [0 if v is None else v for v in fixed]
    upper = [bases[k // cols] if v is None else v for k, v in enumerate(fixed)]
    found = {}
    for k, value in enumerate(fixed):
        if value is not None:
            continue
        limits = []
        for sign in (1, -1):
            c = np.zeros(rows * cols)
            c[k] = sign
            result = milp(
                c,
                constraints=LinearConstraint(np.array(lines), low, high),
                integrality=np.ones(rows * cols),
                bounds=Bounds(lower, upper),
            )
            assert result.success
            limits.append(round(sign * result.fun))
        found[(k // cols, k % cols)] = tuple(limits)
    return found


def test_weighted_figures_of_withheld_counts_would_give_them_back():
    """Why ADR 0025 withholds them: a table shaped like the demo's Staffordshire report (bases
    16, 14, 11, 8, 7, 7, 7 of lists of 480 to 90), at least 12 counts withheld. From the
    table alone none is pinned; with the three All themes percentages as an ungated rule would
    print them, withheld counts come back exactly (all 12 of them when the All themes counts
    were published; some once disclosure control withholds those too). The report prints [c]."""
    frames = [480, 389, 234, 114, 93, 90, 102]
    themes = [
        "vulnerability_and_risk",
        "domestic_abuse",
        "missing_children",
        "online_abuse",
        "cse",
        "custody",
        "rso_management",
    ]
    table = [[10, 3, 3], [9, 0, 5], [3, 2, 6], [8, 0, 0], [1, 6, 0], [4, 0, 3], [1, 0, 6]]
    design = {
        t: (size, dict(zip(GRADES, row, strict=True)))
        for t, size, row in zip(themes, frames, table, strict=True)
    }
    block = content.results_block(
        _found(design), frames={t: f"{size:,}" for t, (size, _) in design.items()}
    )
    published = [[c["count"] for c in row["cells"]] for row in block["rows"]]
    totals = [c["count"] for c in block["overall"]["cells"]]
    assert [row["base"] for row in block["rows"]] == [16, 14, 11, 8, 7, 7, 7]
    alone = _attack(table, published, totals, frames)
    assert len(alone) >= 12 and all(low < high for low, high in alone.values())
    # what the old rule (or an ungated weighted row) would print: p_st to one decimal place
    percents = [float(_percent(_by_hand(g, design)[0])[:-1]) for g in GRADES]
    with_percents = _attack(table, published, totals, frames, percents)
    pinned = {k: v for k, v in with_percents.items() if v[0] == v[1]}
    assert pinned  # the percentages give withheld counts back exactly ...
    assert all(v == (table[h][g], table[h][g]) for (h, g), v in pinned.items())
    # and what the report prints
    assert [c["percent_text"] for c in block["overall"]["cells"]] == ["[c]", "[c]", "[c]"]


def test_an_all_themes_figure_on_fewer_than_10_cases_is_marked_low_reliability():
    design = {"custody": (60, {"good": 6, "requires_improvement": 0, "inadequate": 0})}
    block = content.results_block(_found(design), frames={"custody": "60"})
    good, other, _ = block["overall"]["cells"]
    assert good["percent_text"] == "100.0% [u]" and good["low_reliability"]
    assert good["high"] == 1 and good["low"] < 1
    assert other["percent_text"] == "0.0% [u]" and other["low"] == 0
    assert "[u]" in block["markers"]
