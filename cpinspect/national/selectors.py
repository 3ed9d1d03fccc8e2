"""Reads for the national picture. Everything here is public: published grades, reference data
and official statistics, never case-level data, so no read takes a user.

The page, the downloads and (later) the PDF report all start from ``national_picture``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils.text import slugify

from cpinspect.national import boundaries, context, dfe
from cpinspect.national.context import ForceContext, Rate
from cpinspect.national.map_svg import LegendEntry, MapEntry, national_map_svg
from cpinspect.registry.models import (
    SCALE_GRADES,
    Council,
    Force,
    InspectionGrade,
    NationalGradeTotal,
    PublishedGrade,
)
from cpinspect.registry.reference_data import VULNERABILITY_QUESTION

NOT_AVAILABLE = "not_available"
NOT_AVAILABLE_LABEL = "Not available"
# Short names for long questions, for keys and labels.
QUESTION_NAMES = {VULNERABILITY_QUESTION: "vulnerability"}
QUESTION_LABELS = {
    VULNERABILITY_QUESTION: "protecting vulnerable people and supporting victims",
}


class UnknownAssessment(Exception):
    """The key names no published assessment."""


@dataclass(frozen=True)
class Assessment:
    """One graded question of one published assessment, such as PEEL 2016's overall
    effectiveness, with how many forces have a grade listed and any published totals."""

    key: str
    assessment: str
    question: str
    year: int
    scale: str
    published_on: date | None
    graded_forces: int
    total_forces: int
    published_totals: dict[str, int] | None  # grade -> forces, where the inspectorate gave them

    @property
    def complete(self) -> bool:
        return self.graded_forces == self.total_forces

    @property
    def missing_forces(self) -> int:
        return self.total_forces - self.graded_forces

    @property
    def question_label(self) -> str:
        return QUESTION_LABELS.get(self.question, self.question)

    @property
    def label(self) -> str:
        if self.complete:
            coverage = f"all {self.total_forces} forces"
        else:
            coverage = f"partial: {self.graded_forces} of {self.total_forces} forces listed"
        return f"{self.assessment}: {self.question_label} ({coverage})"


@dataclass(frozen=True)
class GradeCount:
    grade_key: str
    label: str
    forces: int  # forces with this grade in the per-force list
    published_total: int | None  # the inspectorate's national total, where published


@dataclass(frozen=True)
class ForceRow:
    code: str
    name: str
    country: str
    grade_key: str
    grade_label: str
    stated_as: str  # "grade label" or "paraphrase"; empty when not available
    source: str
    context: ForceContext

    @property
    def source_url(self) -> str:
        """The source, where it is a web address (the partial lists cite one per force)."""
        return self.source if self.source.startswith(("https://", "http://")) else ""


@dataclass(frozen=True)
class NationalPicture:
    assessment: Assessment
    assessments: list[Assessment]
    counts: list[GradeCount]
    rows: list[ForceRow]
    england: dict[str, Rate]
    dfe_year: int
    ofsted_as_at: str
    map_svg: str
    unmatched_areas: list[str] = field(default_factory=list)

    @property
    def england_rates(self) -> list[Rate]:
        return [self.england[s.key] for s in dfe.STATISTICS]

    @property
    def counts_agree(self) -> bool:
        """Whether a complete per-force list adds up to the published totals (if any)."""
        return all(c.published_total in (None, c.forces) for c in self.counts)


def assessment_key(assessment: str, question: str) -> str:
    name = QUESTION_NAMES.get(question, question)
    return f"{slugify(assessment)}--{slugify(name)}"


def published_assessments() -> list[Assessment]:
    """Every graded question with per-force grades or published national totals: newest
    first, and in a year the complete ones first."""
    total_forces = Force.objects.count()
    found: dict[tuple[str, str], dict] = {}
    for grade in PublishedGrade.objects.order_by("year", "assessment", "question"):
        entry = found.setdefault(
            (grade.assessment, grade.question),
            {"year": grade.year, "scale": grade.scale, "published_on": grade.published_on},
        )
        entry["graded"] = entry.get("graded", 0) + 1
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for total in NationalGradeTotal.objects.all():
        key = (total.assessment, total.question)
        totals[key][total.grade] = total.forces
        found.setdefault(key, {"year": total.year, "scale": total.scale, "published_on": None})
    assessments = [
        Assessment(
            key=assessment_key(*key),
            assessment=key[0],
            question=key[1],
            year=entry["year"],
            scale=entry["scale"],
            published_on=entry["published_on"],
            graded_forces=entry.get("graded", 0),
            total_forces=total_forces,
            published_totals=totals.get(key),
        )
        for key, entry in found.items()
    ]
    return sorted(assessments, key=lambda a: (-a.year, not a.complete, a.assessment, a.question))


def default_assessment(assessments: list[Assessment]) -> Assessment | None:
    """The newest assessment that grades every force, else the newest."""
    complete = [a for a in assessments if a.complete]
    return (complete or assessments or [None])[0]


def grade_counts(assessment: Assessment) -> list[GradeCount]:
    listed = dict.fromkeys(SCALE_GRADES[assessment.scale], 0)
    for grade in PublishedGrade.objects.filter(
        assessment=assessment.assessment, question=assessment.question
    ).values_list("grade", flat=True):
        listed[grade] = listed.get(grade, 0) + 1
    totals = assessment.published_totals or {}
    counts = [
        GradeCount(grade, InspectionGrade(grade).label, forces, totals.get(grade))
        for grade, forces in listed.items()
    ]
    if not assessment.complete:
        missing = assessment.total_forces - assessment.graded_forces
        counts.append(GradeCount(NOT_AVAILABLE, NOT_AVAILABLE_LABEL, missing, None))
    return counts


def force_contexts() -> dict[str, ForceContext]:
    """Force code -> the children's social care context of its area, for every force."""
    data = dfe.shipped_social_care_data()
    councils: dict[str, list[Council]] = defaultdict(list)
    for council in Council.objects.select_related("force").order_by("name"):
        councils[council.force.code].append(council)
    return {
        code: context.force_context(code, councils.get(code, []), data)
        for code in Force.objects.values_list("code", flat=True)
    }


def grades_by_force() -> dict[str, dict[str, PublishedGrade]]:
    """Force code -> assessment key -> its published grade, for every assessment."""
    grades: dict[str, dict[str, PublishedGrade]] = defaultdict(dict)
    for grade in PublishedGrade.objects.select_related("force"):
        grades[grade.force.code][assessment_key(grade.assessment, grade.question)] = grade
    return grades


def legend_entry(assessment: Assessment, count: GradeCount) -> LegendEntry:
    if assessment.complete or count.grade_key == NOT_AVAILABLE:
        return LegendEntry(count.grade_key, f"{count.label}: {count.forces}")
    detail = f"{count.forces} shown"
    if count.published_total is not None:
        detail += f", {count.published_total} nationally"
    return LegendEntry(count.grade_key, count.label, detail)


def _map_texts(assessment: Assessment, counts: list[GradeCount]) -> tuple[str, str]:
    title = (
        f"Map of the {assessment.total_forces} police force areas of England and Wales by "
        f"grade: {assessment.assessment}, {assessment.question_label}"
    )
    shown = ", ".join(f"{c.forces} {c.label.lower()}" for c in counts)
    if assessment.complete:
        return title, f"Forces by grade: {shown}."
    description = f"Partial list of grades; on the map: {shown}."
    if assessment.published_totals:
        totals = ", ".join(
            f"{c.published_total} {c.label.lower()}"
            for c in counts
            if c.published_total is not None
        )
        description += f" Published national totals for all forces: {totals}."
    return title, description


def national_picture(key: str | None = None, assessments=None) -> NationalPicture:
    """The national picture for the assessment with ``key`` (default: the newest complete).

    ``assessments`` saves reading them again when the caller already has them.
    """
    assessments = published_assessments() if assessments is None else assessments
    if key:
        chosen = next((a for a in assessments if a.key == key), None)
        if chosen is None:
            raise UnknownAssessment(key)
    else:
        chosen = default_assessment(assessments)
        if chosen is None:
            raise UnknownAssessment("no published grades are loaded")
    grades = {
        grade.force.code: grade
        for grade in PublishedGrade.objects.filter(
            assessment=chosen.assessment, question=chosen.question
        ).select_related("force")
    }
    contexts = force_contexts()
    rows = []
    for force in Force.objects.order_by("name"):
        grade = grades.get(force.code)
        rows.append(
            ForceRow(
                code=force.code,
                name=force.name,
                country=force.get_country_display(),
                grade_key=grade.grade if grade else NOT_AVAILABLE,
                grade_label=grade.get_grade_display() if grade else NOT_AVAILABLE_LABEL,
                stated_as=grade.stated_as if grade else "",
                source=grade.source if grade else "",
                context=contexts[force.code],
            )
        )
    counts = grade_counts(chosen)
    all_areas = boundaries.shipped_force_areas()
    areas = boundaries.matched_to_forces(all_areas, [row.code for row in rows])
    title, description = _map_texts(chosen, counts)
    legend = [legend_entry(chosen, c) for c in counts]
    svg = national_map_svg(
        areas,
        [MapEntry(r.code, r.name, r.grade_key, r.grade_label) for r in rows],
        title=title,
        description=description,
        legend=legend,
    )
    data = dfe.shipped_social_care_data()
    return NationalPicture(
        assessment=chosen,
        assessments=assessments,
        counts=counts,
        rows=rows,
        england=context.england_rates(data),
        dfe_year=data.year,
        ofsted_as_at=data.ofsted_as_at,
        map_svg=svg,
        unmatched_areas=sorted(set(all_areas) - set(areas)),
    )
