"""The assessment in sections (ADR 0031): which sections a case is asked, each section's
status for the task list, a section's answers merged into the stored draft, and the problems
a submission would meet, grouped by section. Nothing here writes: every save still goes
through ``services.assessment_save`` with its version check (ADR 0020)."""

from __future__ import annotations

from dataclasses import dataclass

from cpinspect.assessments import questionsets
from cpinspect.assessments.services import OVERALL_QUESTION, Draft

NOT_STARTED, IN_PROGRESS, COMPLETED = "Not started", "In progress", "Completed"


@dataclass(frozen=True)
class SectionState:
    section: questionsets.Section
    status: str
    holds_rationale: bool  # the rationale is asked with the overall grade


def stored_draft(assessment) -> Draft:
    writing = assessment.writing or {}
    return Draft(
        answers=dict(assessment.answers),
        notes=dict(writing.get("notes", {})),
        texts=dict(writing.get("text", {})),
        overall_grade=assessment.overall_grade,
        rationale=writing.get("rationale", ""),
    )


def asked_sections(qs, facts) -> list[questionsets.Section]:
    """Sections with at least one question asked of this case (case conditions only)."""
    asked = [
        s
        for s in qs.sections
        if any(all(questionsets.holds_on_case(c, facts) for c in q.ask_when) for q in s.questions)
    ]
    return asked


def holds_rationale(section) -> bool:
    return any(q.id == OVERALL_QUESTION for q in section.questions)


def submit_problems(qs, facts, draft: Draft) -> dict[str, str]:
    """What a submission of ``draft`` would be refused for, by question id (``rationale`` for
    the rationale): the same checks as ``services._check`` with ``submitting=True``."""
    problems = questionsets.check_answers(qs, facts, draft.as_answers(), submitting=True)
    found: dict[str, str] = {}
    for p in problems:
        found[p.question_id] = " ".join(filter(None, [found.get(p.question_id), p.message]))
    if not draft.overall_grade and OVERALL_QUESTION not in found:
        found[OVERALL_QUESTION] = "Choose the overall grade."
    if not draft.rationale.strip():
        found["rationale"] = "Give the reasons for the overall grade."
    return found


def section_ids(section) -> set[str]:
    ids = {q.id for q in section.questions}
    return ids | {"rationale"} if holds_rationale(section) else ids


def states(qs, facts, draft: Draft) -> list[SectionState]:
    problems = submit_problems(qs, facts, draft)
    given = set(draft.answers) | set(draft.texts) | set(draft.notes)
    if draft.rationale:
        given.add("rationale")
    result = []
    for section in asked_sections(qs, facts):
        ids = section_ids(section)
        started = IN_PROGRESS if ids & given else NOT_STARTED
        status = started if ids & set(problems) else COMPLETED
        result.append(SectionState(section, status, holds_rationale(section)))
    return result


def section_of(qs, facts, section_id: str):
    for section in asked_sections(qs, facts):
        if section.id == section_id:
            return section
    return None


def merged(stored: Draft, post, section) -> Draft:
    """The stored draft with this section's answers, notes (and rationale) replaced by what
    the section page sent: other sections' answers are kept as stored."""
    answers, notes, texts = dict(stored.answers), dict(stored.notes), dict(stored.texts)
    for question in section.questions:
        for store in (answers, notes, texts):
            store.pop(question.id, None)
        value = post.get(f"answer-{question.id}", "").strip()
        note = post.get(f"note-{question.id}", "").strip()
        if value:
            (texts if question.type == "free_text" else answers)[question.id] = value
        if note:
            notes[question.id] = note
    rationale = post.get("rationale", "").strip() if holds_rationale(section) else stored.rationale
    return Draft(answers=answers, notes=notes, texts=texts, rationale=rationale)


def summary_rows(qs, facts, draft: Draft, section) -> list[dict]:
    """The check-your-answers rows of a section: each question asked, given the answers."""
    shown = {q.id for q in questionsets.visible_questions(qs, facts, draft.as_answers())}
    rows = []
    for q in section.questions:
        if q.id not in shown:
            continue
        value = draft.texts.get(q.id) or q.label_of(draft.answers.get(q.id, ""))
        rows.append({"id": q.id, "text": q.text, "value": value, "note": draft.notes.get(q.id)})
    if holds_rationale(section):
        rows.append({"id": "rationale", "text": "Why this overall grade", "value": draft.rationale})
    return rows


def next_section_id(qs, facts, section_id: str) -> str | None:
    ids = [s.id for s in asked_sections(qs, facts)]
    at = ids.index(section_id)
    return ids[at + 1] if at + 1 < len(ids) else None
