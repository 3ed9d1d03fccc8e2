"""The assessment form, built from the inspection's fixed question set: field names are
``answer-<question id>`` and ``note-<question id>`` (the overall grade is the answer to the
``overall_grade`` question), plus ``rationale``, ``version`` and ``action`` (save or submit)."""

from __future__ import annotations

from django import forms
from django.template import engines
from django.utils.safestring import mark_safe

from cpinspect.assessments import questionsets
from cpinspect.assessments.models import CaseGrade
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


def _settled_elsewhere(question, earlier: set[str], given: dict) -> bool:
    """Whether every answer the question depends on was given in an earlier section (one
    still unanswered leaves the question shown, with its condition as a hint)."""
    answers = [c.name for c in question.ask_when if c.subject == "answer"]
    return bool(answers) and all(name in earlier and given.get(name) for name in answers)


def answer_form_sections(
    qs, facts, draft: Draft, errors: dict, *, section_id: str | None = None
) -> list[dict]:
    """Sections of the questions asked of this case. Questions that depend on another answer
    are shown with that condition as a hint (the form works without JavaScript); answers to
    questions not asked are dropped on submission.

    With ``section_id`` (one section's page), a question whose condition is on answers given
    in earlier sections is decided by the saved draft: left out when they rule it out, shown
    without a hint when they call for it."""
    # questions whose case conditions hold; answer conditions are shown as hints instead
    asked_of_case = {
        q.id for q in qs.questions if all(questionsets.holds_on_case(c, facts) for c in q.ask_when)
    }
    visible = {q.id for q in questionsets.visible_questions(qs, facts, draft.as_answers())}
    earlier: set[str] = set()
    sections = []
    for section in qs.sections:
        if section_id is not None and section.id != section_id:
            earlier |= {q.id for q in section.questions}
            continue
        rows = []
        for question in section.questions:
            if question.id not in asked_of_case:
                continue
            settled = section_id is not None and _settled_elsewhere(
                question, earlier, draft.answers
            )
            if settled and question.id not in visible:
                continue
            value = draft.texts.get(question.id) or draft.answers.get(question.id, "")
            conditions = (
                [] if settled else [t for c in question.ask_when if (t := _condition_text(qs, c))]
            )
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


# --- the lead's and the examiner's actions on a case -------------------------------------------
# One form per action. Each names its fields as the case page's ids (``auto_id``), so the error
# summary's links land on the field; a refusal from the service is added as a form error.


class CaseActionForm(forms.Form):
    """An action's form. ``anchor`` is where a refusal that belongs to no field links to."""

    anchor = ""

    def refuse(self, message: str, field: str | None = None) -> None:
        self.add_error(field, message)


class SignOffForm(CaseActionForm):
    anchor = "sign-off"


class UnlockForm(CaseActionForm):
    anchor = "unlock-reason"
    reason = forms.CharField(
        label="Reason for unlocking",
        max_length=1000,
        error_messages={"required": "Give the reason for unlocking the case."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="unlock-%s", **kwargs)


class UnusableForm(CaseActionForm):
    anchor = "unusable-reason"
    reason = forms.CharField(
        label="Why can this case not be used? (for example: file missing, wrong category)",
        max_length=500,
        error_messages={"required": "Say why the case cannot be used."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="unusable-%s", **kwargs)


class ResolveForm(CaseActionForm):
    anchor = "resolve-grade"
    grade = forms.ChoiceField(
        label="Final grade",
        choices=[("", "Choose the final grade"), *CaseGrade.choices],
        error_messages={"required": "Choose the final grade."},
    )
    rationale = forms.CharField(
        label="Reasons for the final grade",
        max_length=4000,
        error_messages={"required": "Give the reasons for the final grade."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="resolve-%s", **kwargs)


def _people(choices) -> list[tuple[str, str]]:
    return [(str(c.user.pk), c.label) for c in choices]


class ReallocateForm(CaseActionForm):
    """``choices``: the team members the lead may give the case to (selectors.team_choices)."""

    anchor = "examiner"
    examiner = forms.ChoiceField(
        label="Give the case to another examiner",
        error_messages={
            "required": "Choose who examines the case.",
            "invalid_choice": "Choose someone on the team who may examine cases.",
        },
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, auto_id="%s", **kwargs)
        self.fields["examiner"].choices = _people(choices)


class ModeratorForm(CaseActionForm):
    """No moderator chosen: the service picks the least loaded (the "Add to moderation" button)."""

    anchor = "moderator"
    moderator = forms.ChoiceField(
        label="Choose the moderator",
        required=False,
        error_messages={
            "invalid_choice": "Choose someone on the team who is not the first examiner."
        },
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, auto_id="%s", **kwargs)
        self.fields["moderator"].choices = [("", "The least loaded"), *_people(choices)]
