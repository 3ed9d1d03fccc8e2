"""The demo's findings for an inspection whose cases are signed off: each topic judged as the
rule suggests (the lead's decision, marked as demo data), one cause of concern with two
recommendations and two areas for improvement. The cause of concern proposes a follow-up."""

from __future__ import annotations

from datetime import timedelta

from cpinspect.findings import selectors, services
from cpinspect.findings.models import Topic

DEMO = "[Demo data]"


def add_demo_findings(inspection, lead) -> None:
    today = inspection.fieldwork_ends_on
    services.cause_of_concern_create(
        inspection=inspection,
        user=lead,
        title="Missing children are not consistently treated as at risk",
        text=f"{DEMO} Repeat missing episodes were graded as low risk without a review of "
        "the child's history, and return interviews were not always offered.",
        topic=Topic.RISK_ASSESSMENT,
        recommendations=[
            services.NewRecommendation(
                text=f"{DEMO} Within six months, make sure every repeat missing episode of a "
                "child is reviewed by a supervisor with the child's history.",
                owner="Chief Constable",
                due_on=today + timedelta(days=182),
            ),
            services.NewRecommendation(
                text=f"{DEMO} Agree with the councils how return interviews are shared with "
                "the police.",
                owner="Head of Public Protection",
                due_on=today + timedelta(days=120),
            ),
        ],
    )
    for text, topic in (
        (
            f"{DEMO} Officers should record the child's voice in every domestic abuse case.",
            Topic.INITIAL_RESPONSE,
        ),
        (f"{DEMO} Supervisors should record their oversight of investigations.", Topic.LEADERSHIP),
    ):
        services.area_for_improvement_add(inspection=inspection, user=lead, text=text, topic=topic)
    grades = dict(selectors.grades_of(selectors.scale_of(inspection)))
    for row in selectors.judgement_rows(lead, inspection):
        suggested = row.suggestion.grade if row.suggestion and row.suggestion.grade else None
        grade = suggested or (
            "requires_improvement" if "requires_improvement" in grades else "good"
        )
        services.judgement_record(
            inspection=inspection,
            user=lead,
            topic=row.topic,
            grade=grade,
            rationale=f"{DEMO} Graded as the case files and the interviews show; "
            f"{row.suggestion.label if row.suggestion else 'no suggestion'}.",
            expected_version=row.judgement.version if row.judgement else 0,
        )
