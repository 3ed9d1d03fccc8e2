"""Fixtures of the case-file audit tests: an Essex inspection with an imported extract, a
drawn sample and cases allocated; helpers that fill in a whole assessment."""

import pytest
from cryptography.fernet import Fernet

from cpinspect.assessments import services
from cpinspect.programmes.models import TeamRole
from cpinspect.programmes.services import team_member_add
from tests.factories import drawn_sample
from tests.fixtures import programme_manager

EVIDENCE_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def audit_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CPINSPECT_CASEFILES_DIR", str(tmp_path / "casefiles"))
    monkeypatch.setenv("CPINSPECT_PSEUDONYM_KEY", "test-master-secret-not-for-production")
    monkeypatch.setenv("CPINSPECT_EVIDENCE_KEYS", EVIDENCE_KEY)


def draw_sample(inspection, user, *, size=21, seed=42):
    """Import a synthetic extract for ``inspection`` and draw an equal-allocation sample."""
    return drawn_sample(inspection, user, size=size, seed=seed)


@pytest.fixture
def sample(inspection, people):
    return draw_sample(inspection, people["lead"])


@pytest.fixture
def second_inspector(inspection, people):
    from cpinspect.accounts.models import Role
    from tests.fixtures import make_user

    user = make_user("inspector2", Role.INSPECTOR)
    team_member_add(
        programme_manager(), inspection=inspection, person=user, role=TeamRole.INSPECTOR
    )
    return user


@pytest.fixture
def allocated(inspection, people, sample, second_inspector):
    return services.cases_allocate(inspection=inspection, user=people["lead"])


def answer_value(question, choose=None):
    """A plausible answer: 'yes', the first option, 'good', or a sentence."""
    if question.type == "free_text":
        return "The record shows the child was seen the same day."
    if choose and question.type in choose:
        return choose[question.type]
    return {"yes_no": "yes", "grade": "good"}.get(question.type, question.choices[0][0])


def complete_draft(audit, grade="good", choose=None) -> services.Draft:
    """Every visible question answered; an evidence note wherever the rule asks for one."""
    from cpinspect.assessments import questionsets

    qs = services.question_set_for(audit)
    facts = {"category": audit.case.stratum, "child_age": audit.case.child_age}
    answers, notes, texts = {}, {}, {}
    for _ in range(3):  # answers can reveal further questions; settle them
        merged = {
            q: {"value": v, "note": notes.get(q, "")} for q, v in {**answers, **texts}.items()
        }
        for question in questionsets.visible_questions(qs, facts, merged):
            value = answer_value(question, choose)
            (texts if question.type == "free_text" else answers)[question.id] = value
            if question.id == services.OVERALL_QUESTION:
                value = answers[question.id] = grade
            if value in question.evidence_required_when:
                notes[question.id] = f"Evidence for {question.id}: record entry 14."
    return services.Draft(
        answers=answers,
        notes=notes,
        texts=texts,
        overall_grade=grade,
        rationale=f"Overall {grade}: the reasons, in the inspector's words.",
    )


def submit(audit, user, grade="good", choose=None):
    assessment = services.assessment_open(audit=audit, user=user)
    return services.assessment_save(
        assessment=assessment,
        user=user,
        draft=complete_draft(audit, grade, choose),
        expected_version=assessment.version,
        submit=True,
    )
