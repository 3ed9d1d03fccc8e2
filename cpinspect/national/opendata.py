"""Open data: the national picture and every published grade as CSV and JSON, with the data
dictionary that describes each column and field.

One row per force; nothing below force level except the councils' own published DfE figures
and Ofsted judgements, which are public. No case-level data exists in these sources.

Cells follow government statistics: a number, or a marker in square brackets (``[c]``,
``[x]``, ``[z]``) where the figure is withheld; ``dfe.MARKER_MEANINGS`` explains each.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from cpinspect.national import dfe, selectors
from cpinspect.national.context import Rate
from cpinspect.national.selectors import Assessment, NationalPicture
from cpinspect.registry.models import SCALE_GRADES, InspectionGrade

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)
SOURCES = [
    "HMIC PEEL publications (grades), as listed in each grade's source",
    "Department for Education: Characteristics of children in need; Children looked after in "
    "England (council figures, reporting year to 31 March)",
    "Ofsted: children's services inspection outcomes (ILACS), as at 31 March 2025",
    "Office for National Statistics: police force areas, councils and boundaries",
]
NOT_AVAILABLE_CELL = "[x]"
OFSTED_COLUMN_NAMES = {
    "Outstanding": "outstanding",
    "Good": "good",
    "Requires improvement to be good": "requires_improvement",
    "Inadequate": "inadequate",
}


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    values: str


def grade_column(assessment: Assessment) -> str:
    return "grade__" + assessment.key.replace("-", "_")


def columns(assessments: list[Assessment]) -> list[Column]:
    """Every CSV column in order; the data dictionary page is built from this list."""
    cols = [
        Column("force_code", "ONS police force area code", "E23 or W15 and six digits"),
        Column("force_name", "Police force", "text"),
        Column("country", "Country of the force area", "England or Wales"),
    ]
    for a in assessments:
        coverage = (
            "every force graded"
            if a.complete
            else f"partial: {a.graded_forces} of {a.total_forces} forces listed; the others are "
            f"{NOT_AVAILABLE_CELL}, never guessed"
        )
        cols.append(
            Column(
                grade_column(a),
                f"Grade in {a.assessment}, question: {a.question} ({coverage})",
                f"a grade ({', '.join(_labels(SCALE_GRADES[a.scale]))}) or {NOT_AVAILABLE_CELL}",
            )
        )
    cols.append(
        Column(
            "dfe_year",
            "Reporting year of the Department for Education figures (year to 31 March)",
            "four digits",
        )
    )
    for statistic in dfe.STATISTICS:
        cols += [
            Column(
                f"{statistic.key}_count",
                f"{statistic.label}: {statistic.meaning}; sum over the force area's councils",
                "whole number or a marker",
            ),
            Column(
                f"{statistic.key}_per_10000",
                f"{statistic.label} per 10,000 children: the summed count divided by the summed "
                "child population, times 10,000 (not an average of council rates)",
                "number with one decimal place, or a marker",
            ),
        ]
    cols += [
        Column("child_population", dfe.POPULATION.meaning.capitalize(), "whole number or marker"),
        Column(
            "councils",
            "Codes of the councils aggregated into the force area (registry: council -> force)",
            "council codes separated by semicolons",
        ),
        Column(
            "councils_with_withheld_figures",
            "Councils with a withheld figure, which makes the force's figure a marker",
            'entries "code figure marker" separated by semicolons; empty when none',
        ),
    ]
    for judgement, name in OFSTED_COLUMN_NAMES.items():
        cols.append(
            Column(
                f"ofsted_help_and_protection_{name}",
                f"Councils in the force area that Ofsted judged {judgement.lower()} for the "
                "experiences and progress of children who need help and protection",
                "whole number, or [z] in Wales",
            )
        )
    cols.append(
        Column(
            "ofsted_help_and_protection_not_listed",
            "English councils of the force area without a judgement in Ofsted's list",
            "whole number, or [z] in Wales",
        )
    )
    return cols


def _count(rate: Rate) -> str:
    return str(rate.count.value) if rate.count.marker is None else rate.count.marker


def _rate(rate: Rate) -> str:
    return f"{rate.rate:.1f}" if rate.marker is None else rate.marker


def _withheld(picture_row) -> str:
    entries = []
    for council in picture_row.context.marked_councils:
        for label, marker in council.marked:
            entries.append(f"{council.code} {label.lower()} {marker}")
    return "; ".join(entries)


def rows(picture: NationalPicture, assessments: list[Assessment]) -> list[dict[str, str]]:
    grades = selectors.grades_by_force()
    out = []
    for row in picture.rows:
        context = row.context
        record = {"force_code": row.code, "force_name": row.name, "country": row.country}
        for a in assessments:
            grade = grades.get(row.code, {}).get(a.key)
            record[grade_column(a)] = grade.get_grade_display() if grade else NOT_AVAILABLE_CELL
        record["dfe_year"] = str(context.year)
        for statistic in dfe.STATISTICS:
            rate = context.rates[statistic.key]
            record[f"{statistic.key}_count"] = _count(rate)
            record[f"{statistic.key}_per_10000"] = _rate(rate)
        record["child_population"] = context.population.marker or str(context.population.value)
        record["councils"] = ";".join(c.code for c in context.councils)
        record["councils_with_withheld_figures"] = _withheld(row)
        for judgement, name in OFSTED_COLUMN_NAMES.items():
            value = context.ofsted.counts[judgement]
            record[f"ofsted_help_and_protection_{name}"] = (
                str(value) if context.ofsted.applicable else "[z]"
            )
        record["ofsted_help_and_protection_not_listed"] = (
            str(context.ofsted.not_judged) if context.ofsted.applicable else "[z]"
        )
        out.append(record)
    return out


def as_csv(picture: NationalPicture) -> str:
    assessments = picture.assessments
    names = [c.name for c in columns(assessments)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows(picture, assessments))
    return buffer.getvalue()


def _figure_json(figure: dfe.Figure) -> dict:
    return {"value": figure.value, "marker": figure.marker}


def _rate_json(rate: Rate) -> dict:
    return {
        "count": _figure_json(rate.count),
        "per_10000": None if rate.rate is None else round(rate.rate, 1),
        "marker": rate.marker,
    }


def _assessment_json(assessment: Assessment) -> dict:
    return {
        "key": assessment.key,
        "assessment": assessment.assessment,
        "question": assessment.question,
        "year": assessment.year,
        "published_on": assessment.published_on.isoformat() if assessment.published_on else None,
        "forces_graded": assessment.graded_forces,
        "forces_total": assessment.total_forces,
        "complete": assessment.complete,
        "counts": [
            {
                "grade": c.grade_key,
                "label": c.label,
                "forces_listed": c.forces,
                "published_national_total": c.published_total,
            }
            for c in selectors.grade_counts(assessment)
        ],
    }


def _council_json(council) -> dict:
    return {
        "code": council.code,
        "name": council.name,
        "figures": {key: _figure_json(f) for key, f in council.figures.items()},
        "ofsted_help_and_protection": (
            None
            if council.ofsted is None
            else {
                "judgement": council.ofsted.judgement,
                "inspected_on": council.ofsted.inspected_on,
            }
        ),
    }


def as_json(picture: NationalPicture) -> dict:
    grades = selectors.grades_by_force()
    forces = []
    for row in picture.rows:
        context = row.context
        forces.append(
            {
                "code": row.code,
                "name": row.name,
                "country": row.country,
                "grades": [
                    {
                        "assessment_key": a.key,
                        "grade": grade.grade if grade else None,
                        "label": grade.get_grade_display() if grade else None,
                        "stated_as": grade.stated_as if grade else None,
                        "source": grade.source if grade else None,
                    }
                    for a in picture.assessments
                    for grade in [grades.get(row.code, {}).get(a.key)]
                ],
                "rates": {key: _rate_json(rate) for key, rate in context.rates.items()},
                "child_population": _figure_json(context.population),
                "ofsted_help_and_protection": {
                    "applicable": context.ofsted.applicable,
                    "counts": [
                        {"judgement": judgement, "councils": n}
                        for judgement, n in context.ofsted.counts.items()
                    ],
                    "not_listed": context.ofsted.not_judged,
                },
                "councils": [_council_json(c) for c in context.councils],
            }
        )
    return {
        "title": "National picture: published grades of the 43 police forces of England and "
        "Wales, with children's social care context",
        "licence": {"name": LICENCE, "url": LICENCE_URL, "attribution": ATTRIBUTION},
        "sources": SOURCES,
        "dfe_year": picture.dfe_year,
        "ofsted_as_at": picture.ofsted_as_at,
        "markers": dfe.MARKER_MEANINGS,
        "assessments": [_assessment_json(a) for a in picture.assessments],
        "england": {key: _rate_json(rate) for key, rate in picture.england.items()},
        "forces": forces,
    }


# Every JSON field, by its path ([] marks a list's items); the data dictionary shows these and
# a test checks the output has exactly these paths.
JSON_FIELDS = [
    ("title", "What the file holds"),
    ("licence.name", "The licence"),
    ("licence.url", "Where the licence is"),
    ("licence.attribution", "The attribution to show with the data"),
    ("sources[]", "The publications the data comes from"),
    ("dfe_year", "Reporting year of the DfE figures (year to 31 March)"),
    ("ofsted_as_at", "Date of Ofsted's list of judgements"),
    ("markers", "Each marker and its meaning (keys are the markers, such as [c])"),
    ("assessments[].key", "Identifier of the assessment; the CSV column is grade__ + key"),
    ("assessments[].assessment", "Published assessment, such as PEEL 2016 effectiveness"),
    ("assessments[].question", "The graded question"),
    ("assessments[].year", "PEEL year"),
    ("assessments[].published_on", "Publication date (YYYY-MM-DD) or null"),
    ("assessments[].forces_graded", "Forces with a grade listed here"),
    ("assessments[].forces_total", "Forces in England and Wales (43)"),
    ("assessments[].complete", "true when every force has a grade listed"),
    ("assessments[].counts[].grade", "Grade, or not_available for forces without a grade here"),
    ("assessments[].counts[].label", "Grade as published"),
    ("assessments[].counts[].forces_listed", "Forces with this grade in the per-force list"),
    (
        "assessments[].counts[].published_national_total",
        "The inspectorate's own national total for the grade, or null if none was published",
    ),
    ("england.<statistic>.count.value", "England's count (DfE rounds it to the nearest 10)"),
    ("england.<statistic>.count.marker", "Marker in place of the count, or null"),
    ("england.<statistic>.per_10000", "England's rate per 10,000 children, or null"),
    ("england.<statistic>.marker", "Marker in place of the rate, or null"),
    ("forces[].code", "ONS police force area code"),
    ("forces[].name", "Police force"),
    ("forces[].country", "England or Wales"),
    ("forces[].grades[].assessment_key", "Which assessment (see assessments[].key)"),
    ("forces[].grades[].grade", "Grade, or null where not available (never guessed)"),
    ("forces[].grades[].label", "Grade as published, or null"),
    (
        "forces[].grades[].stated_as",
        '"grade label", or "paraphrase" where the source words the grade; null if none',
    ),
    ("forces[].grades[].source", "Where the grade was published, or null"),
    ("forces[].rates.<statistic>.count.value", "Sum of the councils' counts, or null"),
    ("forces[].rates.<statistic>.count.marker", "Marker in place of the sum, or null"),
    ("forces[].rates.<statistic>.per_10000", "Rate per 10,000 children (1 decimal), or null"),
    ("forces[].rates.<statistic>.marker", "Marker in place of the rate, or null"),
    ("forces[].child_population.value", "Sum of the councils' child populations, or null"),
    ("forces[].child_population.marker", "Marker in place of the population, or null"),
    ("forces[].ofsted_help_and_protection.applicable", "false in Wales (Ofsted is English)"),
    ("forces[].ofsted_help_and_protection.counts[].judgement", "Ofsted's judgement"),
    ("forces[].ofsted_help_and_protection.counts[].councils", "Councils so judged"),
    ("forces[].ofsted_help_and_protection.not_listed", "English councils without a judgement"),
    ("forces[].councils[].code", "Council code (ONS)"),
    ("forces[].councils[].name", "Council"),
    (
        "forces[].councils[].figures.<figure>.value",
        "The council's published count (figure: a statistic or child_population), or null",
    ),
    ("forces[].councils[].figures.<figure>.marker", "Marker in place of the count, or null"),
    (
        "forces[].councils[].ofsted_help_and_protection",
        "null when the council has no judgement in Ofsted's list",
    ),
    (
        "forces[].councils[].ofsted_help_and_protection.judgement",
        "Ofsted's help and protection judgement",
    ),
    (
        "forces[].councils[].ofsted_help_and_protection.inspected_on",
        "Date of the inspection, as Ofsted writes it (DD/MM/YYYY)",
    ),
]
STATISTIC_KEYS = [s.key for s in dfe.STATISTICS]
FIGURE_KEYS = [*STATISTIC_KEYS, dfe.POPULATION.key]


def _labels(grades) -> list[str]:
    return [InspectionGrade(g).label for g in grades]
