"""Results by theme: the one place the figures of a report come from (page, PDF, API, open
data all call ``inspection_results`` or ``results_of_cases``).

A case counts when its final grade is settled and the lead has signed it off; unusable cases
never count. The population of each theme is the frame's size in that category after the
sample's exclusions, so the intervals use the finite population correction.

The All themes row is a stratified estimate (``stats.stratified``, ADR 0025): each theme
weighted by its frame size, because the draw gives every theme at least a minimum and so
samples small themes at a higher rate. Without every theme's frame size it is the unweighted
proportion of all the cases, with the plain Wilson interval."""

from __future__ import annotations

from dataclasses import dataclass, field

from cpinspect.assessments.models import CaseAudit, CaseGrade
from cpinspect.casefiles.models import CaseStatus
from cpinspect.casefiles.schema import CATEGORY_SLUGS, category_label
from cpinspect.stats import statistics, stratified

OVERALL = "overall"


@dataclass(frozen=True)
class GradeResult:
    grade: str
    label: str
    count: int
    interval: statistics.Interval
    change: statistics.Change | None = None  # since the force's previous inspection

    @property
    def base_text(self) -> str:
        return statistics.format_base(self.count, self.interval.base)


@dataclass(frozen=True)
class ThemeResult:
    theme: str
    label: str
    base: int  # cases with a final grade
    population: int | None  # frame rows in the theme
    grades: tuple[GradeResult, ...] = field(default_factory=tuple)

    def grade(self, grade: str) -> GradeResult:
        return next(g for g in self.grades if g.grade == grade)


@dataclass(frozen=True)
class Results:
    inspection_id: int
    themes: tuple[ThemeResult, ...]  # themes with at least one case, in schema order
    overall: ThemeResult
    previous_inspection_id: int | None = None

    def theme(self, theme: str) -> ThemeResult:
        if theme == OVERALL:
            return self.overall
        return next(t for t in self.themes if t.theme == theme)


def final_grades(inspection) -> list[tuple[str, str]]:
    """(theme, final grade) of every signed-off, usable case of the inspection."""
    return list(
        CaseAudit.objects.filter(
            inspection=inspection,
            locked_at__isnull=False,
            case__status=CaseStatus.SAMPLED,
        )
        .exclude(final_grade="")
        .values_list("case__stratum", "final_grade")
    )


def populations_of(inspection) -> dict[str, int]:
    sample = inspection.samples.order_by("-drawn_at").first()
    return {k: int(v) for k, v in (sample.population if sample else {}).items()}


def _theme_result(theme, label, cases, population, earlier: ThemeResult | None) -> ThemeResult:
    base = len(cases)
    grades = []
    for grade, grade_label in CaseGrade.choices:
        count = sum(1 for g in cases if g == grade)
        interval = statistics.proportion_interval(count, base, population)
        change = None
        if earlier is not None and earlier.base and base:
            before = earlier.grade(grade)
            change = statistics.change_between(
                (before.count, earlier.base, earlier.population), (count, base, population)
            )
        grades.append(GradeResult(grade, grade_label, count, interval, change))
    return ThemeResult(theme, label, base, population, tuple(grades))


def _overall_result(themes: list[ThemeResult], earlier: ThemeResult | None) -> ThemeResult:
    """All themes: per grade, the stratified estimate over the themes with graded cases."""
    base = sum(t.base for t in themes)
    grades = []
    for grade, grade_label in CaseGrade.choices:
        strata = [
            stratified.Stratum(t.theme, t.grade(grade).count, t.base, t.population) for t in themes
        ]
        interval = stratified.stratified_interval(strata)
        change = None
        if earlier is not None and earlier.base and base:
            before = earlier.grade(grade).interval
            # an earlier unweighted figure is not comparable with a weighted one
            if isinstance(before, stratified.StratifiedInterval):
                change = stratified.stratified_change(before, interval)
        grades.append(GradeResult(grade, grade_label, interval.count, interval, change))
    population = sum(t.population for t in themes)
    return ThemeResult(OVERALL, "All themes", base, population, tuple(grades))


def results_of_cases(
    inspection_id: int,
    cases: list[tuple[str, str]],
    populations: dict[str, int],
    previous: Results | None = None,
) -> Results:
    by_theme: dict[str, list[str]] = {}
    for theme, grade in cases:
        by_theme.setdefault(theme, []).append(grade)
    themes = []
    for theme in CATEGORY_SLUGS:
        if theme not in by_theme:
            continue
        earlier = None
        if previous is not None and any(t.theme == theme for t in previous.themes):
            earlier = previous.theme(theme)
        population = populations.get(theme)
        if population is not None and population < len(by_theme[theme]):
            population = None  # a frame smaller than its cases is not a frame we can trust
        themes.append(
            _theme_result(theme, category_label(theme), by_theme[theme], population, earlier)
        )
    # weighted only when every theme's frame size was kept (known and not too small)
    kept = all(t.population is not None for t in themes) and bool(themes)
    earlier = previous.overall if previous is not None else None
    if kept:
        overall = _overall_result(themes, earlier)
    else:
        if earlier is not None and isinstance(
            earlier.grades[0].interval, stratified.StratifiedInterval
        ):
            earlier = None  # a weighted earlier figure is not comparable with an unweighted one
        overall = _theme_result(OVERALL, "All themes", [g for _, g in cases], None, earlier)
    return Results(
        inspection_id,
        tuple(themes),
        overall,
        previous.inspection_id if previous is not None else None,
    )


def previous_inspection(inspection):
    """The force's latest earlier inspection that has graded cases, if any."""
    if inspection.force_id is None:
        return None
    earlier = (
        type(inspection)
        .objects.filter(
            force_id=inspection.force_id, fieldwork_starts_on__lt=inspection.fieldwork_starts_on
        )
        .exclude(pk=inspection.pk)
        .order_by("-fieldwork_starts_on")
    )
    for candidate in earlier:
        if final_grades(candidate):
            return candidate
    return None


def inspection_results(inspection, *, compare: bool = True) -> Results:
    previous = previous_inspection(inspection) if compare else None
    earlier = inspection_results(previous, compare=False) if previous is not None else None
    return results_of_cases(
        inspection.pk, final_grades(inspection), populations_of(inspection), earlier
    )


# The graded topics of a child protection inspection (findings.models.Topic) and the core
# question whose grade is each topic's evidence in one case (question_sets/core.yaml).
TOPIC_QUESTIONS = {
    "initial_response": "initial_response_grade",
    "risk_assessment_and_referral": "risk_assessment_grade",
    "investigation": "investigation_grade",
    "partnership_working": "information_sharing_grade",
    "leadership": "supervision_grade",
}


def topic_grades(inspection) -> dict[str, dict[str, int]]:
    """Each topic's case grades: {topic: {grade: n}} over the signed-off, usable cases. A
    moderated case counts with its moderation's answers (the second, independent look)."""
    from cpinspect.assessments.models import Assessment, AssessmentStatus, Kind

    chosen: dict[int, dict] = {}
    for audit_id, kind, answers in (
        Assessment.objects.filter(
            audit__inspection=inspection,
            audit__locked_at__isnull=False,
            audit__case__status=CaseStatus.SAMPLED,
            status=AssessmentStatus.SUBMITTED,
        )
        .exclude(audit__final_grade="")
        .values_list("audit_id", "kind", "answers")
    ):
        if kind == Kind.MODERATION or audit_id not in chosen:
            chosen[audit_id] = answers
    counts = {topic: {g: 0 for g in CaseGrade.values} for topic in TOPIC_QUESTIONS}
    for answers in chosen.values():
        for topic, question in TOPIC_QUESTIONS.items():
            grade = answers.get(question)
            if grade in counts[topic]:
                counts[topic][grade] += 1
    return counts
