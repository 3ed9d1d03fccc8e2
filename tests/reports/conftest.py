import datetime as dt
import random

import pytest

from cpinspect.assessments import services as audit_services
from cpinspect.assessments.models import CaseAudit
from cpinspect.findings import services as findings_services
from cpinspect.programmes import services as programme_services
from tests.assessments.conftest import (  # noqa: F401 (fixtures shared with the audit tests)
    allocated,
    audit_env,
    complete_draft,
    sample,
    second_inspector,
)
from tests.factories import drawn_sample

# Distinctive strings written into the case files: none may ever reach a report.
NOTE_MARK = "ZEBRAFINCH"
TEXT_MARK = "QUOKKATEXT"
RATIONALE_MARK = "PANGOLINRATIONALE"
RESOLUTION_MARK = "AXOLOTLRESOLUTION"
CONCERN_MARK = "NARWHALCONCERN"


def distinctive_draft(audit, grade, n):
    draft = complete_draft(audit, grade)
    draft.notes = {
        q: f"{NOTE_MARK} {n}/{q}: the record at entry 14 shows the officer did not see the child."
        for q in draft.answers
    }
    draft.texts = {
        q: f"{TEXT_MARK} {n}/{q}: the strategy discussion was held two days late."
        for q in draft.texts
    }
    draft.rationale = f"{RATIONALE_MARK} {n}: overall {grade}, in the inspector's own words."
    return draft


def submit_draft(audit, user, draft):
    assessment = audit_services.assessment_open(audit=audit, user=user)
    return audit_services.assessment_save(
        assessment=assessment,
        user=user,
        draft=draft,
        expected_version=assessment.version,
        submit=True,
    )


@pytest.fixture
def big_sample(inspection, people):
    return drawn_sample(
        inspection,
        people["lead"],
        rows=600,
        extract_seed=17,
        size=30,
        method="proportional",
        minimum=2,
        seed=7,
    )


@pytest.fixture
def graded_cases(inspection, people, big_sample, second_inspector, settings):  # noqa: F811
    """Every case examined with distinctive writing; the first case of each inspector and
    every inadequate one moderated by someone else; disagreements resolved; all signed off;
    one case marked unusable first; an escalation raised."""
    settings.CPINSPECT_MODERATION_RULE = {
        "first_per_inspector": 2,
        "random_share": 0.0,
        "all_inadequate": True,
    }
    audit_services.cases_allocate(inspection=inspection, user=people["lead"])
    rng = random.Random(3)
    audits = list(CaseAudit.objects.filter(inspection=inspection).order_by("pk"))
    replacement = audit_services.case_mark_unusable(
        audit=audits[0], user=people["lead"], reason="File missing"
    )
    audits = audits[1:] + ([replacement] if replacement else [])
    for n, audit in enumerate(audits):
        grade = rng.choice(["good", "good", "requires_improvement", "inadequate"])
        submit_draft(audit, audit.examiner, distinctive_draft(audit, grade, n))
    for n, audit in enumerate(audits):
        audit.refresh_from_db()
        if audit.moderation_reason and audit.moderator_id:
            second = (
                "requires_improvement"
                if n % 3 == 0
                else audit.assessments.get(kind="first").overall_grade
            )
            submit_draft(audit, audit.moderator, distinctive_draft(audit, second, 1000 + n))
            audit.refresh_from_db()
            if not audit.final_grade:
                audit_services.disagreement_resolve(
                    audit=audit,
                    user=people["lead"],
                    grade=second,
                    rationale=f"{RESOLUTION_MARK} {n}: the moderator's reading is right.",
                )
        audit.refresh_from_db()
        audit_services.case_sign_off(audit=audit, user=people["lead"])
    audit_services.escalation_raise(
        audit=audits[1], user=audits[1].examiner, concern=f"{CONCERN_MARK}: child still at risk."
    )
    return audits


@pytest.fixture
def findings(inspection, people):
    lead = people["lead"]
    findings_services.judgement_record(
        inspection=inspection,
        user=lead,
        topic="leadership",
        grade="requires_improvement",
        rationale="SECRETRATIONALE the lead's working notes on leadership.",
        expected_version=0,
    )
    findings_services.judgement_record(
        inspection=inspection,
        user=lead,
        topic="investigation",
        grade="inadequate",
        rationale="SECRETRATIONALE investigations are slow.",
        expected_version=0,
    )
    cause = findings_services.cause_of_concern_create(
        inspection=inspection,
        user=lead,
        title="Children at risk wait too long for a strategy discussion",
        text="Strategy discussions were often held late or not at all.",
        topic="investigation",
        recommendations=[
            findings_services.NewRecommendation(
                "Hold a strategy discussion within one working day.",
                "Chief Constable",
                dt.date(2027, 6, 30),
            )
        ],
    )
    findings_services.area_for_improvement_add(
        inspection=inspection,
        user=lead,
        text="Supervisors should record their reviews of missing children's cases.",
        topic="risk_assessment_and_referral",
    )
    return cause


def move(inspection, target, user, reason="Not all of it is finished in the tests."):
    """A lifecycle move. The tests' inspections keep an escalation open and decide only two
    judgements, so each move records why it is made with work outstanding (ADR 0021)."""
    return programme_services.inspection_transition(
        user,
        inspection=inspection,
        target=target,
        reason=reason,
    )


@pytest.fixture
def reporting(inspection, people, graded_cases, findings):
    """The inspection in reporting, with graded cases and findings."""
    move(inspection, "moderation", people["lead"])
    move(inspection, "reporting", people["lead"])
    return inspection


@pytest.fixture
def quick_inspection(programme, people, reference):
    """Essex, in reporting, with 70 graded, signed-off cases made by bulk inserts (fast)."""
    from testkit import graded_inspections as synthetic

    inspection = synthetic.graded_inspection(
        programme=programme,
        force=reference["essex"],
        lead=people["lead"],
        starts_on=dt.date(2026, 10, 5),
        cases=70,
        seed=5,
    )
    findings_services.judgement_record(
        inspection=inspection,
        user=people["lead"],
        topic="leadership",
        grade="good",
        rationale="SECRETRATIONALE working notes.",
        expected_version=0,
    )
    return inspection


@pytest.fixture
def quick_kent(programme, people, reference):
    """Kent, in reporting, with 70 graded cases; led by the other lead."""
    from testkit import graded_inspections as synthetic

    return synthetic.graded_inspection(
        programme=programme,
        force=reference["kent"],
        lead=people["other_lead"],
        starts_on=dt.date(2026, 11, 16),
        cases=70,
        seed=6,
    )


def publish(inspection, people, lead_key="lead"):
    """Build, send and publish the inspection's report through the services."""
    from cpinspect.reports import services

    report = services.report_build(inspection=inspection, user=people[lead_key])
    report = services.report_send_for_factual_accuracy(
        report=report, user=people[lead_key], reason="Not all of it is finished in the tests."
    )
    return services.report_publish(
        report=report,
        user=people["programme_manager"],
        reason="Not all of it is finished in the tests.",
    )
