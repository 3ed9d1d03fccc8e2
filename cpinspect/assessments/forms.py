"""The assessment form, built from the inspection's fixed question set: field names are
``answer-<question id>`` and ``note-<question id>`` (the overall grade is the answer to the
``overall_grade`` question), plus ``rationale``, ``version`` and ``action`` (save or submit)."""

from __future__ import annotations

from django.template import engines
from django.utils.safestring import mark_safe

from cpinspect.assessments import questionsets
from cpinspect.assessments.services import Draft


def draft_from_post(post, qs) -> Draft:
    answers, notes, texts = {}, {}, {}
    for question in qs.questions:
        value = post.get(f"answer-{question.id}", "").strip()
        note = post.get(f"note-{question.id}", "").strip()
        if value:
            (texts if question.type == "free_text" else answers)[question.id] = value
        if note:
            notes[question.id] = note
    return Draft(
        answers=answers,
        notes=notes,
        texts=texts,
        rationale=post.get("rationale", "").strip(),
    )


def _condition_text(qs, condition) -> str:
    if condition.subject != "answer":
        return ""
    source = qs.question(condition.name)
    values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
    labels = " or ".join(f"‘{source.label_of(v)}’" for v in values)
    verb = "you answered" if condition.operator == "in" else "you did not answer"
    return f"Only if {verb} {labels} to: {source.text}"


def answer_form_sections(qs, facts, draft: Draft, errors: dict) -> list[dict]:
    """Sections of the questions asked of this case. Questions that depend on another answer
    are shown with that condition as a hint (the form works without JavaScript); answers to
    questions not asked are dropped on submission."""
    # questions whose case conditions hold; answer conditions are shown as hints instead
    asked_of_case = {
        q.id for q in qs.questions if all(questionsets.holds_on_case(c, facts) for c in q.ask_when)
    }
    sections = []
    for section in qs.sections:
        rows = []
        for question in section.questions:
            if question.id not in asked_of_case:
                continue
            value = draft.texts.get(question.id) or draft.answers.get(question.id, "")
            conditions = [t for c in question.ask_when if (t := _condition_text(qs, c))]
            rows.append(
                {
                    "q": question,
                    "value": value,
                    "note": draft.notes.get(question.id, ""),
                    "error": errors.get(question.id, ""),
                    "condition": "; ".join(conditions),
                    "note_needed_for": ", ".join(
                        question.label_of(v) for v in question.evidence_required_when
                    ),
                    "free_text": question.type == "free_text",
                }
            )
        if rows:
            sections.append({"title": section.title, "id": section.id, "rows": rows})
    return sections


def question_rows_html(sections: list[dict], readonly: bool) -> str:
    """The form's questions as HTML (``jinja2/assessments/question_rows.html``, autoescaped)."""
    template = engines["jinja2"].get_template("assessments/question_rows.html")
    return mark_safe(template.render({"sections": sections, "readonly": readonly}))  # noqa: S308


def section_rows_html(sections: list[dict], readonly: bool) -> str:
    """One section's questions (``jinja2/assessments/section_rows.html``): the evidence note
    folded away until it applies (ADR 0031)."""
    template = engines["jinja2"].get_template("assessments/section_rows.html")
    return mark_safe(template.render({"sections": sections, "readonly": readonly}))  # noqa: S308
