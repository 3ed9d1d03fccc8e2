"""Every figure of a built report against an independent computation from the assessments,
and every published table of counts through disclosure control."""

import math
import re
from collections import Counter
from io import BytesIO

import numpy as np
import pytest
from pypdf import PdfReader

from cpinspect.assessments.models import Assessment
from cpinspect.casefiles.schema import CATEGORY_SLUGS, category_label
from cpinspect.reports import rendering, services
from cpinspect.stats import linked
from tests.reports.conftest import publish

pytestmark = pytest.mark.django_db
GRADES = ["good", "requires_improvement", "inadequate"]


def _wilson_fpc(x, n, big_n, z=1.959963984540054):
    """Written out from the textbook formulas, sharing no code with the app."""
    p = x / n
    if big_n == n:
        return p, p
    n_eff = n * (big_n - 1) / (big_n - n)
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z / (1 + z * z / n_eff) * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff**2))
    return max(centre - half, x / big_n), min(centre + half, (x + big_n - n) / big_n)


def _stratified_by_hand(strata, z=1.959963984540054):
    """(x_h, n_h, N_h) per theme -> the stratified estimate and its Wilson limits on the
    effective sample size (ADR 0025), written out from Cochran's formulas."""
    big_n = sum(s[2] for s in strata)
    estimate = sum(nh_big / big_n * x / n for x, n, nh_big in strata)
    variance = sum(
        (nh_big / big_n) ** 2 * (1 - n / nh_big) * (x / n) * (1 - x / n) / (n - 1)
        for x, n, nh_big in strata
    )
    n_eff = estimate * (1 - estimate) / variance
    centre = (estimate + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = (
        z
        / (1 + z * z / n_eff)
        * math.sqrt(estimate * (1 - estimate) / n_eff + z * z / (4 * n_eff**2))
    )
    x, n = sum(s[0] for s in strata), sum(s[1] for s in strata)
    return estimate, max(centre - half, x / big_n), min(centre + half, (x + big_n - n) / big_n)


def _half_up_percent(x, n):
    """x/n as a percentage with one decimal, halves up, in integers only."""
    tenths, remainder = divmod(x * 1000, n)
    if 2 * remainder >= n:
        tenths += 1
    return f"{tenths // 10}.{tenths % 10}"


def _first_grades(inspection):
    """theme -> Counter of grades, straight from the submitted first examinations of the
    signed-off usable cases (every synthetic case's final grade is its first grade)."""
    rows = Assessment.objects.filter(
        audit__inspection=inspection,
        kind="first",
        status="submitted",
        audit__locked_at__isnull=False,
        audit__case__status="sampled",
    ).values_list("audit__case__stratum", "overall_grade")
    found = {}
    for theme, grade in rows:
        found.setdefault(theme, Counter())[grade] += 1
    return found


def _kappa_linear(pairs):
    index = {g: i for i, g in enumerate(GRADES)}
    table = np.zeros((3, 3))
    for a, b in pairs:
        table[index[a], index[b]] += 1
    n = table.sum()
    weights = np.array([[1 - abs(i - j) / 2 for j in range(3)] for i in range(3)])
    observed = (weights * table).sum() / n
    expected = (weights * np.outer(table.sum(1), table.sum(0))).sum() / n**2
    return (observed - expected) / (1 - expected)


def _pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)


def test_every_figure_equals_an_independent_computation(quick_inspection, people):
    report = services.report_build(inspection=quick_inspection, user=people["lead"])
    expected = _first_grades(quick_inspection)
    sample = quick_inspection.samples.get()
    block = report.data["results"]
    assert [r["theme"] for r in block["rows"]] == [t for t in CATEGORY_SLUGS if t in expected]
    page = rendering.visible_text(report.html)
    pdf = re.sub(r"\s+", " ", _pdf_text(report.pdf))
    total = Counter()
    for row in block["rows"]:
        counts = expected[row["theme"]]
        base = sum(counts.values())
        total.update(counts)
        assert row["base"] == base  # a design figure: published as it is (ADR 0023)
        population = sample.population[row["theme"]]
        for cell in row["cells"]:
            x = counts.get(cell["grade"], 0)
            if 1 <= x <= 5:
                assert cell["count"] == "[c]"  # primary suppression, always
            if cell["count"] == "[c]":
                assert cell["percent"] is None and cell["interval_text"] == "[c]"
                continue
            assert cell["count"] == x
            if row["base"] == "[c]":
                assert cell["percent"] is None
                continue
            assert cell["percent_text"].split("%")[0] == _half_up_percent(x, base)
            low, high = _wilson_fpc(x, base, population)
            assert cell["low"] == pytest.approx(low, abs=1e-12)
            assert cell["high"] == pytest.approx(high, abs=1e-12)
            shown = f"{_half_up_percent(round(low * 1e6), 10**6)}% to "
            assert cell["interval_text"].startswith(shown)
            # the same figures are in the page and in the PDF
            text = f"{x} ({cell['percent_text']})"
            assert text in page and text in pdf
    overall = block["overall"]
    n = sum(total.values())
    assert overall["base"] == n == report.data["results"]["cases"]
    frames = {r["label"]: r["population"] for r in report.data["methodology"]["sample"]["rows"]}
    for j, cell in enumerate(overall["cells"]):
        if cell["count"] != "[c]":
            assert cell["count"] == total[cell["grade"]]
        # ADR 0025: the weighted figure, only where every input of it is published
        inputs = [row["cells"][j]["count"] for row in block["rows"]]
        inputs += [row["base"] for row in block["rows"]] + [
            frames[r["label"]] for r in block["rows"]
        ]
        if "[c]" in inputs:
            assert cell["percent"] is None and cell["interval_text"] == "[c]"
            continue
        estimate, low, high = _stratified_by_hand(
            [
                (expected[t].get(cell["grade"], 0), sum(expected[t].values()), sample.population[t])
                for t in expected
            ]
        )
        assert cell["percent_text"] == f"{_half_up_percent(round(estimate * 1e9), 10**9)}%"
        assert cell["low"] == pytest.approx(low, abs=1e-12)
        assert cell["high"] == pytest.approx(high, abs=1e-12)
    assert f"We graded {n} cases" in page and f"We graded {n} cases" in pdf

    # methodology: the sample design and the moderation agreement
    method = report.data["methodology"]
    assert method["sample"]["seed"] == str(sample.seed)
    assert method["sample"]["frame_sha256"] == sample.frame_sha256
    assert sample.frame_sha256 in page
    for row in method["sample"]["rows"]:
        slug = next(s for s in CATEGORY_SLUGS if category_label(s).lower() == row["label"].lower())
        for key, source in (
            ("population", sample.population),
            ("drawn", sample.allocation),
            ("reserves", sample.reserves),
        ):
            # design figures, each derivable from the others by the documented rules
            assert row[key] == f"{source[slug]:,}"
    pairs = []
    for audit_id in set(
        Assessment.objects.filter(
            audit__inspection=quick_inspection, kind="moderation"
        ).values_list("audit_id", flat=True)
    ):
        grades = dict(
            Assessment.objects.filter(audit_id=audit_id).values_list("kind", "overall_grade")
        )
        pairs.append((grades["first"], grades["moderation"]))
    agreement = method["agreement"]
    assert agreement["cases"] == len(pairs)
    same = sum(a == b for a, b in pairs)
    assert agreement["percent_text"] == f"{100 * same / len(pairs):.1f}%"
    assert agreement["kappa"] == pytest.approx(_kappa_linear(pairs), abs=0.005)


def test_thematic_figures_pool_the_cases_of_the_chosen_inspections(
    quick_inspection, quick_kent, people
):
    report = services.thematic_build(
        user=people["analyst"], inspections=[quick_inspection, quick_kent], title="Two forces"
    )
    data = report.data
    essex, kent = _first_grades(quick_inspection), _first_grades(quick_kent)
    pooled = {t: essex.get(t, Counter()) + kent.get(t, Counter()) for t in {*essex, *kent}}
    n = sum(sum(c.values()) for c in pooled.values())
    assert data["results"]["cases"] == n == 140
    assert data["coverage"]["forces"] == 2
    assert [r["cases"] for r in data["coverage"]["rows"]] == [70, 70]
    text = rendering.visible_text(report.html)
    assert "140 cases across 2 forces" in text
    assert "140 cases across 2 forces" in re.sub(r"\s+", " ", _pdf_text(report.pdf))
    populations = {}
    for inspection in (quick_inspection, quick_kent):
        for theme, size in inspection.samples.get().population.items():
            populations[theme] = populations.get(theme, 0) + size
    checked = 0
    for row in data["results"]["rows"]:
        counts = pooled[row["theme"]]
        base = sum(counts.values())
        for cell in row["cells"]:
            x = counts.get(cell["grade"], 0)
            if cell["count"] == "[c]":
                continue
            checked += 1
            assert cell["count"] == x
            if cell["percent"] is not None:
                low, high = _wilson_fpc(x, base, populations[row["theme"]])
                assert cell["low"] == pytest.approx(low, abs=1e-12)
                assert cell["high"] == pytest.approx(high, abs=1e-12)
    assert checked > 0  # not every cell withheld: the pooled figures were compared


def test_every_published_table_goes_through_disclosure_control(
    quick_inspection, quick_kent, people, monkeypatch
):
    """Each report's results table is what ``stats.linked`` returned, protected against
    everything public it is linked to (the thematic report against both force reports); no
    grade count from 1 to 5 is ever shown; the design figures (bases, the sample's lists, the
    cases per inspection) are shown as they are (ADR 0023)."""
    returned = []
    real = linked.protect_publication

    def protect_publication(earlier, figures, lines, truth, **options):
        result = real(earlier, figures, lines, truth, **options)
        returned.append((earlier, result))
        return result

    monkeypatch.setattr(linked, "protect_publication", protect_publication)
    force = publish(quick_inspection, people)
    kent = publish(quick_kent, people, "other_lead")
    thematic = services.thematic_build(
        user=people["analyst"], inspections=[quick_inspection, quick_kent], title="Two forces"
    )
    assert len(returned) == 3
    assert returned[0][0] == returned[1][0] == []  # nothing linked was public yet
    # the thematic report was protected with both force reports' figures as constraints
    thematic_earlier = returned[2][0]
    assert {p.where.split(",")[0] for p in thematic_earlier} == {force.title, kent.title}
    for report, (_, protection) in zip((force, kent, thematic), returned, strict=True):
        block = report.data["results"]
        for row in block["rows"]:
            assert row["base"] == protection.shown[("base", row["theme"])]
            assert isinstance(row["base"], int)
            for cell in row["cells"]:
                count = cell["count"]
                assert count == protection.shown[("cell", row["theme"], cell["grade"])]
                assert count == "[c]" or count == 0 or count > 5, (row["theme"], count)
        for cell in block["overall"]["cells"]:
            assert cell["count"] == protection.shown[("overall", cell["grade"])]
            assert cell["count"] == "[c]" or cell["count"] == 0 or cell["count"] > 5
        assert block["overall"]["base"] == protection.shown[("grand",)]
    assert [r["cases"] for r in thematic.data["coverage"]["rows"]] == [70, 70]
    # a theme's table in a section repeats the main table's published values, never others
    rows = {r["theme"]: r for r in force.data["results"]["rows"]}
    for section in force.data["sections"]:
        for row in section.get("rows", []):
            assert row == rows[row["theme"]]


def test_a_change_is_published_only_where_both_reports_published_the_counts(
    quick_inspection, people, programme, reference
):
    import datetime as dt

    from testkit import graded_inspections as synthetic

    earlier = publish(quick_inspection, people)
    later_inspection = synthetic.graded_inspection(
        programme=programme,
        force=reference["essex"],
        lead=people["lead"],
        starts_on=dt.date(2027, 2, 1),
        cases=70,
        seed=9,
    )
    later = services.report_build(inspection=later_inspection, user=people["lead"])
    changes = later.data["changes"]
    assert changes["earlier"]["report_id"] == earlier.pk
    before = {r["theme"]: r for r in earlier.data["results"]["rows"]}
    before["overall"] = earlier.data["results"]["overall"]
    now = {r["theme"]: r for r in later.data["results"]["rows"]}
    now["overall"] = later.data["results"]["overall"]
    shown = 0
    for row in changes["rows"]:
        for k, cell in enumerate(row["cells"]):
            if row["theme"] not in before:
                assert cell["text"] == "[z]"
                continue
            if row["theme"] == "overall":
                # ADR 0025: between two published weighted figures only
                percents = (before["overall"]["cells"][k], now["overall"]["cells"][k])
                if any(c["percent"] is None for c in percents):
                    assert cell["text"] == "[c]" and cell["difference"] is None
                else:
                    difference = (percents[1]["percent"] - percents[0]["percent"]) / 100
                    assert cell["difference"] == pytest.approx(difference, abs=0.001)
                continue
            values = (
                before[row["theme"]]["base"],
                before[row["theme"]]["cells"][k]["count"],
                now[row["theme"]]["base"],
                now[row["theme"]]["cells"][k]["count"],
            )
            if any(v == "[c]" for v in values):
                assert cell["text"] == "[c]"
            else:
                p1 = values[1] / values[0]
                p2 = values[3] / values[2]
                assert cell["difference"] == pytest.approx(p2 - p1)
                shown += 1
    assert shown > 0
