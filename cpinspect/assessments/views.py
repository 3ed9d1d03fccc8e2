"""Pages of the case-file audit. Thin: selectors scope every read to the inspection's team
(anyone else gets 404) and apply blind moderation; services make every change. Every view of a
case is access-logged."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cpinspect.accounts import access
from cpinspect.assessments import case_table, questionsets, selectors, services
from cpinspect.assessments.forms import (
    ModeratorForm,
    ReallocateForm,
    ResolveForm,
    SignOffForm,
    UnlockForm,
    UnusableForm,
    answer_form_sections,
    draft_from_post,
    question_rows_html,
)
from cpinspect.assessments.models import CaseGrade, Kind
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.casefiles.schema import category_label
from cpinspect.casefiles.services import SampleRefused
from cpinspect.editing import submissions
from cpinspect.editing.forms import create_even_if_reused
from cpinspect.programmes.selectors import case_audit_closed


def _inspection(request, pk):
    return selectors.case_inspection_for(request.user, pk)


def _audit(request, inspection, case_id):
    audit = selectors.audit_for(request.user, inspection, case_id)
    access_log_record(
        user=request.user, action=AccessAction.VIEW, obj=audit, inspection_id=inspection.pk
    )
    return audit


def _back_to_case(inspection, audit):
    return redirect("assessments-case", pk=inspection.pk, case_id=audit.case_id)


@login_required
@never_cache
def fieldwork_home(request, pk):
    inspection = _inspection(request, pk)
    return _render_home(request, inspection)


def _all_rows(request, inspection) -> list[case_table.Row]:
    audits = selectors.audits_for(request.user, inspection).prefetch_related("assessments")
    return case_table.rows_of((a, selectors.assessments_of(a)) for a in audits)


def _render_home(request, inspection, refusals=None, problem="", chosen=None, status=200):
    """The fieldwork home; ``refusals`` (case number to reason) are the cases a bulk sign-off
    could not sign off, shown in the error summary, each linked to its checkbox."""
    all_rows = _all_rows(request, inspection)
    table_form = case_table.CaseTableForm(request.GET, rows=all_rows)
    wanted = table_form.wanted()
    rows = case_table.filtered(all_rows, wanted)
    is_lead = access.is_inspection_lead(request.user, inspection)
    audit_closed = case_audit_closed(inspection)
    tickable = {r.audit.case_id for r in rows if r.ready}
    return render(
        request,
        "assessments/fieldwork_home.html",
        {
            "inspection": inspection,
            "progress": selectors.progress_of(request.user, inspection),
            "rows": rows,
            "total": len(all_rows),
            "table_form": table_form,
            "filtered": any(k != "sort" for k in wanted),
            "sort_label": dict(case_table.SORTS)[wanted.get("sort", "reference")].lower(),
            "is_lead": is_lead,
            "can_sign_off": is_lead and not audit_closed,
            "ready_count": sum(r.ready for r in all_rows),
            "refusals": [("cases", problem)] * bool(problem)
            + [
                (f"case-{n}" if n in tickable else f"row-{n}", f"Case {n}: {reason}")
                for n, reason in sorted((refusals or {}).items())
            ],
            "chosen": chosen or set(),  # the ticks kept when the sign-off is refused
            "setup": getattr(inspection, "fieldwork_setup", None),
            "audit_closed": audit_closed,
        },
        status=status,
    )


@login_required
@never_cache
def bulk_sign_off(request, pk):
    """GET: confirm signing off every case ready (works without JavaScript); POST: sign off
    the cases ticked (``case``, repeated), all or none (services.cases_sign_off)."""
    inspection = _inspection(request, pk)
    access.require(access.is_inspection_lead(request.user, inspection), "Only the lead signs off.")
    if request.method != "POST":
        ready = [r for r in _all_rows(request, inspection) if r.ready]
        return render(
            request,
            "assessments/bulk_sign_off.html",
            {"inspection": inspection, "rows": ready},
        )
    numbers = _case_numbers(request.POST.getlist("case"))
    if not numbers:
        return _render_home(
            request, inspection, problem="Choose the cases to sign off.", status=400
        )
    audits = list(selectors.audits_for(request.user, inspection).filter(case_id__in=numbers))
    for audit in audits:
        audit.inspection = inspection  # the caller's, whose team is already loaded
    # a number not in this inspection's audit (crafted, or another inspection's) is named too
    unknown = {
        n: "This case is not in this inspection's audit."
        for n in numbers - {a.case_id for a in audits}
    }
    if unknown:
        return _render_home(request, inspection, refusals=unknown, chosen=numbers, status=400)
    try:
        done = services.cases_sign_off(audits=audits, user=request.user)
    except services.BulkSignOffRefused as refused:
        return _render_home(
            request, inspection, refusals=refused.refusals, chosen=numbers, status=409
        )
    except services.AuditRefused as refusal:
        return _render_home(request, inspection, problem=str(refusal), status=409)
    messages.success(
        request, f"{len(done)} case{'' if len(done) == 1 else 's'} signed off and locked."
    )
    return redirect("assessments-home", pk=inspection.pk)


def _case_numbers(values) -> set[int]:
    return {int(v) for v in values if v.isdigit()}


@login_required
@require_POST
def allocate(request, pk):
    inspection = _inspection(request, pk)
    try:
        made = services.cases_allocate(inspection=inspection, user=request.user)
    except services.AuditRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{len(made)} cases allocated.")
    return redirect("assessments-home", pk=inspection.pk)


@login_required
@never_cache
def worklist(request, pk):
    inspection = _inspection(request, pk)
    rows = []
    for audit in selectors.worklist_for(request.user, inspection):
        kind = services.assessment_kind_for(request.user, audit)
        mine = selectors.assessments_of(audit).get(kind)
        waiting = kind == Kind.MODERATION and not audit.moderation_reason
        rows.append({"audit": audit, "kind": kind, "assessment": mine, "waiting": waiting})
    return render(
        request,
        "assessments/worklist.html",
        {"inspection": inspection, "rows": rows, "audit_closed": case_audit_closed(inspection)},
    )


@login_required
@never_cache
def case_detail(request, pk, case_id):
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    return _render_case(request, inspection, audit)


def _render_case(request, inspection, audit, failed=None, status=200):
    """The case page; ``failed`` is the action form that was refused or incomplete, shown in
    the error summary (its errors linked to its fields) with what was typed kept."""
    visible = selectors.visible_assessments(request.user, audit)
    qs = services.question_set_for(audit)
    shown = [
        (kind_label, assessment, _answer_rows(qs, assessment))
        for kind, kind_label in Kind.choices
        if (assessment := visible.get(kind)) is not None
    ]
    is_lead = access.is_inspection_lead(request.user, inspection)
    stored = selectors.assessments_of(audit)
    first_begun, moderation_begun = Kind.FIRST in stored, Kind.MODERATION in stored
    # the same people for both: anyone but the examiner (never their own moderator)
    others = _others(request.user, inspection, audit) if is_lead else []
    forms = {
        "sign_off_form": SignOffForm(),
        "unlock_form": UnlockForm(),
        "unusable_form": UnusableForm(),
        "resolve_form": ResolveForm(),
        "reallocate_form": ReallocateForm(choices=others),
        "moderator_form": ModeratorForm(
            choices=others, initial={"moderator": audit.moderator_id or ""}
        ),
    }
    if failed is not None:
        forms[failed.slot] = failed
    return render(
        request,
        "assessments/case_detail.html",
        {
            "inspection": inspection,
            "audit": audit,
            "theme": category_label(audit.case.stratum),
            "shown": shown,
            "mine": services.assessment_kind_for(request.user, audit),
            "is_lead": is_lead,
            "escalations": audit.case.escalations.all(),
            "submission": submissions.new_key(),
            "unlocks": audit.unlocks.select_related("unlocked_by"),
            "hidden_first": Kind.FIRST not in visible and first_begun,
            "audit_closed": case_audit_closed(inspection),
            "examiners": others if is_lead and not first_begun else [],
            "moderators": others if is_lead and not moderation_begun else [],
            "to_resolve": is_lead and _disagreement_open(audit, stored),
            "form": failed,  # the error summary's form
            "error_anchor": failed.anchor if failed is not None else "",
            **forms,
        },
        status=status,
    )


def _others(user, inspection, audit):
    return [c for c in selectors.team_choices(user, inspection) if c.user.pk != audit.examiner_id]


def _disagreement_open(audit, stored) -> bool:
    first, moderation = stored.get(Kind.FIRST), stored.get(Kind.MODERATION)
    return (
        audit.resolved_at is None
        and first is not None
        and moderation is not None
        and first.submitted
        and moderation.submitted
        and first.overall_grade != moderation.overall_grade
    )


def _answer_rows(qs, assessment):
    writing = assessment.writing or {}
    notes, texts = writing.get("notes", {}), writing.get("text", {})
    rows = []
    for question in qs.questions:
        value = texts.get(question.id) or question.label_of(assessment.answers.get(question.id, ""))
        if value or notes.get(question.id):
            rows.append((question.text, value, notes.get(question.id, "")))
    return rows


@login_required
@never_cache
def assessment_form(request, pk, case_id):
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    try:
        assessment = services.assessment_open(audit=audit, user=request.user)
    except services.AuditRefused as refusal:
        messages.error(request, str(refusal))
        return _back_to_case(inspection, audit)
    qs = services.question_set_for(audit)
    autosave = request.headers.get("X-Autosave") == "1"
    context = {
        "inspection": inspection,
        "audit": audit,
        "assessment": assessment,
        "qs": qs,
        "audit_closed": case_audit_closed(inspection),
    }
    if request.method != "POST":
        if not request.GET.get("all"):  # the sections are the way in (ADR 0031)
            return redirect("assessments-tasks", pk=inspection.pk, case_id=audit.case_id)
        return _render_form(request, context, _stored_draft(assessment))
    draft = draft_from_post(request.POST, qs)
    submit = request.POST.get("action") == "submit"
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        return _render_form(
            request, context, draft, errors={"version": "Reload the page."}, status=400
        )
    try:
        saved = services.assessment_save(
            assessment=assessment,
            user=request.user,
            draft=draft,
            expected_version=expected,
            submit=submit and not autosave,
        )
    except services.SaveConflict as conflict:
        if autosave:
            return JsonResponse({"conflict": True, "version": conflict.current.version}, status=409)
        context["conflict"] = conflict
        context["theirs"] = _answer_rows(qs, conflict.current)
        context["assessment"] = conflict.current  # a deliberate re-save starts from theirs
        return _render_form(request, context, draft, status=409)
    except services.AssessmentInvalid as invalid:
        errors = {}
        for problem in invalid.problems:  # a question can have two problems: show both
            errors[problem.question_id] = " ".join(
                filter(None, [errors.get(problem.question_id), problem.message])
            )
        if autosave:
            return JsonResponse({"errors": errors, "version": expected}, status=400)
        return _render_form(request, context, draft, errors=errors, status=400)
    except services.AuditRefused as refusal:
        if autosave:
            code = 409 if isinstance(refusal, services.AuditClosed) else 403
            return JsonResponse({"refused": str(refusal)}, status=code)
        messages.error(request, str(refusal))
        return _back_to_case(inspection, audit)
    if autosave:
        return JsonResponse({"saved": True, "version": saved.version})
    if saved.submitted:
        messages.success(request, "Assessment submitted.")
        return redirect("assessments-worklist", pk=inspection.pk)
    messages.success(request, "Draft saved.")
    one_page = reverse("assessments-assess", args=[inspection.pk, audit.case_id])
    return redirect(one_page + "?all=1")


def _stored_draft(assessment) -> services.Draft:
    writing = assessment.writing or {}
    return services.Draft(
        answers=dict(assessment.answers),
        notes=dict(writing.get("notes", {})),
        texts=dict(writing.get("text", {})),
        overall_grade=assessment.overall_grade,
        rationale=writing.get("rationale", ""),
    )


def _render_form(request, context, draft, errors=None, status=200):
    errors = errors or {}
    audit = context["audit"]
    facts = services.case_facts(audit)
    readonly = context["assessment"].submitted or audit.locked or context["audit_closed"]
    sections = answer_form_sections(context["qs"], facts, draft, errors)
    context.update(
        {
            "theme": category_label(audit.case.stratum),
            "question_rows": question_rows_html(sections, readonly),
            "draft": draft,
            "errors": errors,
            "error_list": [(qid, message) for qid, message in errors.items()],
            "readonly": readonly,
        }
    )
    return render(request, "assessments/assessment_form.html", context, status=status)


@login_required
@require_POST
def escalate(request, pk, case_id):
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    try:
        create_even_if_reused(  # a second click records one escalation, one e-mail
            request,
            lambda: services.escalation_raise(
                audit=audit, user=request.user, concern=request.POST.get("concern", "")
            ),
        )
    except services.AuditRefused as refusal:  # on its own page, in a GOV.UK error summary
        return render(
            request,
            "assessments/escalate.html",
            {
                "inspection": inspection,
                "audit": audit,
                "error": str(refusal),
                "submission": submissions.new_key(),
            },
            status=400,
        )
    messages.success(request, "Escalation recorded; the lead inspector has been told.")
    return _back_to_case(inspection, audit)


@login_required
@never_cache
def escalations(request, pk):
    inspection = _inspection(request, pk)
    return render(
        request,
        "assessments/escalations.html",
        {
            "inspection": inspection,
            "escalations": selectors.escalations_for(request.user, inspection),
        },
    )


@login_required
@require_POST
def escalation_acknowledge(request, pk, escalation_id):
    inspection = _inspection(request, pk)
    escalation = get_object_or_404(
        selectors.escalations_for(request.user, inspection), pk=escalation_id
    )
    try:
        services.escalation_acknowledge(
            escalation=escalation, user=request.user, by_whom=request.POST.get("by_whom", "")
        )
    except services.AuditRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Acknowledgement recorded.")
    return redirect("assessments-escalations", pk=inspection.pk)


# --- the lead's and the examiner's actions on a case: one view each ----------------------------


def _case_action(request, pk, case_id, form_class, slot, perform, lead_only=True, **form_kwargs):
    """Bind the action's form; when it is complete, ``perform(audit, data)`` the change and
    answer with a banner and a redirect. A missing field re-renders the case page with the
    error summary (400); a refusal by the service likewise (409: the case's state forbids it).
    PermissionDenied (not the lead, not on the team) stays a 403, before any field is read."""
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    if lead_only:
        access.require(
            access.is_inspection_lead(request.user, inspection), "Only the lead inspector can."
        )
    if callable(form_kwargs.get("choices")):
        form_kwargs["choices"] = form_kwargs["choices"](request.user, inspection, audit)
    form = form_class(request.POST, **form_kwargs)
    form.slot = slot
    if not form.is_valid():
        return _render_case(request, inspection, audit, failed=form, status=400)
    try:
        done, where = perform(audit, form.cleaned_data)
    except (services.AuditRefused, SampleRefused, ValueError) as refusal:
        form.refuse(str(refusal))
        return _render_case(request, inspection, audit, failed=form, status=409)
    messages.success(request, done)
    if request.POST.get("next") == "moderation":
        return redirect("assessments-moderation", pk=inspection.pk)
    return _back_to_case(inspection, where or audit)


def _member(pk):
    return get_user_model().objects.filter(pk=pk).first() if pk else None


@login_required
@require_POST
def case_sign_off(request, pk, case_id):
    def perform(audit, data):
        services.case_sign_off(audit=audit, user=request.user)
        return "Case signed off and locked.", None

    return _case_action(request, pk, case_id, SignOffForm, "sign_off_form", perform)


@login_required
@require_POST
def case_unlock(request, pk, case_id):
    def perform(audit, data):
        services.case_unlock(audit=audit, user=request.user, reason=data["reason"])
        return "Case unlocked; the reason is recorded.", None

    return _case_action(request, pk, case_id, UnlockForm, "unlock_form", perform)


@login_required
@require_POST
def disagreement_resolve(request, pk, case_id):
    def perform(audit, data):
        services.disagreement_resolve(
            audit=audit, user=request.user, grade=data["grade"], rationale=data["rationale"]
        )
        return "Disagreement resolved; the grade is final.", None

    return _case_action(request, pk, case_id, ResolveForm, "resolve_form", perform)


@login_required
@require_POST
def moderator_choose(request, pk, case_id):
    def perform(audit, data):
        moderator = _member(data["moderator"])
        services.moderation_choose(audit=audit, user=request.user, moderator=moderator)
        return "The case will be moderated.", None

    return _case_action(
        request, pk, case_id, ModeratorForm, "moderator_form", perform, choices=_others
    )


@login_required
@require_POST
def case_reallocate(request, pk, case_id):
    def perform(audit, data):
        examiner = _member(data["examiner"])
        services.case_reallocate(audit=audit, user=request.user, examiner=examiner)
        return "Case reallocated.", None

    return _case_action(
        request, pk, case_id, ReallocateForm, "reallocate_form", perform, choices=_others
    )


@login_required
@require_POST
def case_mark_unusable(request, pk, case_id):
    def perform(audit, data):
        replacement = services.case_mark_unusable(
            audit=audit, user=request.user, reason=data["reason"]
        )
        if replacement is None:
            return "Case marked unusable; the category has no reserves left.", None
        return "Case marked unusable; its replacement is on the same worklist.", replacement

    return _case_action(
        request, pk, case_id, UnusableForm, "unusable_form", perform, lead_only=False
    )


@login_required
@never_cache
def moderation(request, pk):
    inspection = _inspection(request, pk)
    report = selectors.agreement_report(request.user, inspection)
    return render(
        request,
        "assessments/moderation.html",
        {
            "inspection": inspection,
            "report": report,
            "disagreements": selectors.disagreements(request.user, inspection),
            "is_lead": access.is_inspection_lead(request.user, inspection),
            "grades": CaseGrade.choices,
            "grade_labels": dict(questionsets.GRADES),
            "audit_closed": case_audit_closed(inspection),
        },
    )
