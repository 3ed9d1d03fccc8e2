"""Results by theme against an independent computation from the assessments themselves."""

import math
import random

import pytest

from cpinspect.assessments import services
from cpinspect.assessments.models import Assessment, CaseAudit
from cpinspect.reports import results
from tests.assessments.conftest import submit

pytestmark = pytest.mark.django_db


def _wilson_fpc(x, n, big_n, z=1.959963984540054):
    """Written out again from the textbook formulas, sharing no code with the app."""
    p = x / n
    if big_n == n:
        return p, p
    n_eff = n * (big_n - 1) / (big_n - n)
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z / (1 + z * z / n_eff) * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff**2))
    return max(centre - half, x / big_n), min(centre + half, (x + big_n - n) / big_n)


@pytest.fixture
def graded(inspection, people, allocated, sample, settings):
    """Every case examined with a seeded mix of grades, not moderated, signed off except
    two; one marked unusable before examination."""
    settings.CPINSPECT_MODERATION_RULE = {
        "first_per_inspector": 0,
        "random_share": 0.0,
        "all_inadequate": False,
    }
    rng = random.Random(5)
    audits = list(CaseAudit.objects.filter(inspection=inspection).order_by("pk"))
    replacement = services.case_mark_unusable(
        audit=audits[0], user=people["lead"], reason="File missing"
    )
    audits = [a for a in audits[1:]] + ([replacement] if replacement else [])
    for audit in audits:
        grade = rng.choice(["good", "good", "requires_improvement", "inadequate"])
        submit(audit, audit.examiner, grade)
    for audit in audits[2:]:
        audit.refresh_from_db()
        services.case_sign_off(audit=audit, user=people["lead"])
    return audits


def test_every_figure_equals_an_independent_count(inspection, sample, graded):
    found = results.inspection_results(inspection)
    # independent: straight from the submitted first assessments of signed-off usable cases
    rows = Assessment.objects.filter(
        audit__inspection=inspection,
        kind="first",
        status="submitted",
        audit__locked_at__isnull=False,
        audit__case__status="sampled",
    ).values_list("audit__case__stratum", "overall_grade")
    expected = {}
    for theme, grade in rows:
        expected.setdefault(theme, {}).setdefault(grade, 0)
        expected[theme][grade] += 1
    assert {t.theme for t in found.themes} == set(expected)
    total = 0
    for theme in found.themes:
        counts = expected[theme.theme]
        assert theme.base == sum(counts.values())
        assert theme.population == sample.population[theme.theme]
        for g in theme.grades:
            assert g.count == counts.get(g.grade, 0)
            low, high = _wilson_fpc(g.count, theme.base, theme.population)
            assert g.interval.low == pytest.approx(low, abs=1e-12)
            assert g.interval.high == pytest.approx(high, abs=1e-12)
            assert g.base_text == f"{g.count} of {theme.base}"
        total += theme.base
    assert found.overall.base == total == len(graded) - 2
    assert found.overall.population == sum(sample.population[t.theme] for t in found.themes)
    assert sum(g.count for g in found.overall.grades) == total
    assert found.previous_inspection_id is None


def test_change_since_an_earlier_inspection():
    earlier = results.results_of_cases(
        1,
        [("missing_children", "inadequate")] * 12 + [("missing_children", "good")] * 8,
        {"missing_children": 400},
    )
    later = results.results_of_cases(
        2,
        [("missing_children", "inadequate")] * 2 + [("missing_children", "good")] * 18,
        {"missing_children": 380},
        earlier,
    )
    change = later.theme("missing_children").grade("inadequate").change
    assert change.difference == pytest.approx(2 / 20 - 12 / 20)
    assert change.beyond_chance is True and change.high < 0
    same = results.results_of_cases(
        3,
        [("missing_children", "inadequate")] * 11 + [("missing_children", "good")] * 9,
        {"missing_children": 390},
        earlier,
    )
    assert same.theme("missing_children").grade("inadequate").change.beyond_chance is False
    assert later.previous_inspection_id == 1


def test_topic_grades_count_the_section_grades_of_signed_off_cases(inspection, graded):
    counts = results.topic_grades(inspection)
    signed = Assessment.objects.filter(
        audit__inspection=inspection, audit__locked_at__isnull=False, status="submitted"
    )
    for topic, question in results.TOPIC_QUESTIONS.items():
        expected = {"good": 0, "requires_improvement": 0, "inadequate": 0}
        for answers in signed.values_list("answers", flat=True):
            expected[answers[question]] += 1
        assert counts[topic] == expected
    assert sum(counts["investigation"].values()) == signed.count() == len(graded) - 2


def test_a_theme_with_too_small_a_frame_drops_the_overall_population():
    cases = [("missing_children", "good")] * 5 + [("online_abuse", "good")] * 4
    found = results.results_of_cases(1, cases, {"missing_children": 3, "online_abuse": 40})
    assert found.theme("missing_children").population is None
    assert found.theme("online_abuse").population == 40
    assert found.overall.population is None and found.overall.base == 9
