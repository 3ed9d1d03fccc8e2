"""The assessment in sections (ADR 0031): a task list, one page per section, and check your
answers, from which the examiner (or the blind moderator) submits. Scoped and logged as the
other case pages (views._inspection, views._audit); every save is services.assessment_save
with the version the page was drawn from, so a stale save is refused, never merged."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from cpinspect.assessments import sections, services
from cpinspect.assessments.forms import answer_form_sections, section_rows_html
from cpinspect.assessments.views import _answer_rows, _audit, _back_to_case, _inspection
from cpinspect.casefiles.schema import category_label
from cpinspect.programmes.selectors import case_audit_closed


def _open(request, pk, case_id):
    """(context, assessment) of the user's own assessment, or a redirect when refused."""
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    try:
        assessment = services.assessment_open(audit=audit, user=request.user)
    except services.AuditRefused as refusal:
        messages.error(request, str(refusal))
        return None, _back_to_case(inspection, audit)
    closed = case_audit_closed(inspection)
    qs = services.question_set_for(audit)
    context = {
        "inspection": inspection,
        "audit": audit,
        "assessment": assessment,
        "qs": qs,
        "facts": services.case_facts(audit),
        "theme": category_label(audit.case.stratum),
        "audit_closed": closed,
        "readonly": assessment.submitted or audit.locked or closed,
        "moderation": assessment.kind == "moderation",
    }
    return context, None


def _section_url(context, section_id):
    return reverse(
        "assessments-section",
        args=[context["inspection"].pk, context["audit"].case_id, section_id],
    )


def _tasks_url(context):
    return reverse("assessments-tasks", args=[context["inspection"].pk, context["audit"].case_id])


def _check_url(context):
    return reverse("assessments-check", args=[context["inspection"].pk, context["audit"].case_id])


@login_required
@never_cache
def task_list(request, pk, case_id):
    context, refused = _open(request, pk, case_id)
    if refused:
        return refused
    draft = sections.stored_draft(context["assessment"])
    states = sections.states(context["qs"], context["facts"], draft)
    done = sum(s.status == sections.COMPLETED for s in states)
    rows = [
        {"state": s, "url": _section_url(context, s.section.id), "n": i}
        for i, s in enumerate(states, 1)
    ]
    context.update(
        {"rows": rows, "done": done, "total": len(states), "all_done": done == len(states)}
    )
    return render(request, "assessments/task_list.html", context)


def _errors_of(invalid: services.AssessmentInvalid) -> dict:
    errors: dict[str, str] = {}
    for problem in invalid.problems:  # a question can have two problems: show both
        errors[problem.question_id] = " ".join(
            filter(None, [errors.get(problem.question_id), problem.message])
        )
    return errors


def _target(section, draft, qid) -> str:
    """Where an error's link goes: the evidence note when the answer needs one and it is
    missing, else the question's first field."""
    question = next((q for q in section.questions if q.id == qid), None)
    value = draft.answers.get(qid, "")
    if question and value in question.evidence_required_when and not draft.notes.get(qid):
        return f"note-{qid}"
    return f"answer-{qid}"


def _render_section(request, context, section, draft, errors=None, status=200):
    errors = errors or {}
    rows = answer_form_sections(
        context["qs"], context["facts"], draft, errors, section_id=section.id
    )
    ids = sections.section_ids(section)
    order = [q.id for q in section.questions] + ["rationale"]
    context.update(
        {
            "section": section,
            "position": [s.id for s in sections.asked_sections(context["qs"], context["facts"])],
            "question_rows": section_rows_html(rows, context["readonly"]),
            "draft": draft,
            "errors": errors,
            "error_list": [
                (_target(section, draft, q), errors[q]) for q in order if q in errors and q in ids
            ],
            # opened from check your answers: "Save and continue" goes back there
            "back_to_check": bool(
                request.POST.get("back_to_check")
                or request.GET.get("check")
                or request.GET.get("change")
            ),
            "holds_rationale": sections.holds_rationale(section),
            "action_url": _section_url(context, section.id),
            "tasks_url": _tasks_url(context),
        }
    )
    number = context["position"].index(section.id) + 1
    context["section_number"], context["section_total"] = number, len(context["position"])
    return render(request, "assessments/section_form.html", context, status=status)


@login_required
@never_cache
def section_form(request, pk, case_id, section_id):
    context, refused = _open(request, pk, case_id)
    if refused:
        return refused
    qs, facts = context["qs"], context["facts"]
    section = sections.section_of(qs, facts, section_id)
    if section is None:
        raise Http404("No such section.")
    stored = sections.stored_draft(context["assessment"])
    if request.method != "POST":
        errors = {}
        if request.GET.get("check"):  # from check your answers: show what blocks a submission
            problems = sections.submit_problems(qs, facts, stored)
            ids = sections.section_ids(section)
            errors = {q: m for q, m in problems.items() if q in ids}
        return _render_section(request, context, section, stored, errors)
    if context["readonly"]:
        messages.error(request, "This assessment can no longer be changed.")
        return redirect(_tasks_url(context))
    draft = sections.merged(stored, request.POST, section)
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        return _render_section(
            request, context, section, draft, {"version": "Reload the page."}, status=400
        )
    try:
        saved = services.assessment_save(
            assessment=context["assessment"],
            user=request.user,
            draft=draft,
            expected_version=expected,
        )
    except services.SaveConflict as conflict:
        theirs = sections.stored_draft(conflict.current)
        context["conflict"] = conflict
        context["theirs"] = [
            row
            for row in _answer_rows(qs, conflict.current)
            if row[0] in {q.text for q in section.questions}
        ]
        context["assessment"] = conflict.current  # a deliberate re-save starts from theirs
        # yours on this page, theirs elsewhere: a re-save never undoes their other sections
        draft = sections.merged(theirs, request.POST, section)
        return _render_section(request, context, section, draft, status=409)
    except services.AssessmentInvalid as invalid:
        return _render_section(request, context, section, draft, _errors_of(invalid), 400)
    except services.AuditRefused as refusal:
        messages.error(request, str(refusal))
        return _back_to_case(context["inspection"], context["audit"])
    if request.POST.get("action") == "later":
        messages.success(request, f"‘{section.title}’ saved. You can come back to it later.")
        return redirect(_tasks_url(context))
    problems = sections.submit_problems(qs, facts, sections.stored_draft(saved))
    mine = {q: m for q, m in problems.items() if q in sections.section_ids(section)}
    if mine:  # saved, but not complete: say what is missing, on this page
        context["assessment"] = saved
        context["saved_incomplete"] = True
        return _render_section(request, context, section, draft, mine, status=400)
    if request.POST.get("back_to_check"):
        return redirect(_check_url(context))
    following = sections.next_section_id(qs, facts, section.id)
    return redirect(_section_url(context, following) if following else _check_url(context))


@login_required
@never_cache
def check_answers(request, pk, case_id):
    context, refused = _open(request, pk, case_id)
    if refused:
        return refused
    qs, facts = context["qs"], context["facts"]
    draft = sections.stored_draft(context["assessment"])
    errors, status = {}, 200
    if request.method == "POST" and not context["readonly"]:
        try:
            expected = int(request.POST.get("version", ""))
            services.assessment_save(
                assessment=context["assessment"],
                user=request.user,
                draft=draft,
                expected_version=expected,
                submit=True,
            )
        except ValueError:
            errors, status = {"version": "Reload the page and submit again."}, 400
        except services.SaveConflict as conflict:
            messages.error(request, f"{conflict} Check the answers below, then submit again.")
            return redirect(_check_url(context))
        except services.AssessmentInvalid as invalid:
            errors, status = _errors_of(invalid), 400
        except services.AuditRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(_check_url(context))
        else:
            messages.success(request, f"Assessment of case {context['audit'].case_id} submitted.")
            return redirect("assessments-worklist", pk=context["inspection"].pk)
    summary, error_list = [], []
    for section in sections.asked_sections(qs, facts):
        url = _section_url(context, section.id)
        summary.append(
            {
                "section": section,
                "url": url,
                "rows": sections.summary_rows(qs, facts, draft, section),
            }
        )
        order = [q.id for q in section.questions] + ["rationale"]
        error_list += [
            (f"{url}?check=1#{_target(section, draft, q)}", errors[q]) for q in order if q in errors
        ]
    if "version" in errors:
        error_list.append(("#submit", errors["version"]))
    context.update({"summary": summary, "error_list": error_list, "errors": errors})
    return render(request, "assessments/check_answers.html", context, status=status)
