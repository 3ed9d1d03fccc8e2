"""Pages of the case-file audit. Thin: selectors scope every read to the inspection's team
(anyone else gets 404) and apply blind moderation; services make every change. Every view of a
case is access-logged."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cpinspect.accounts import access
from cpinspect.assessments import questionsets, selectors, services
from cpinspect.assessments.forms import answer_form_sections, draft_from_post, question_rows_html
from cpinspect.assessments.models import Grade, Kind
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
    audits = selectors.audits_for(request.user, inspection).prefetch_related("assessments")
    return render(
        request,
        "assessments/fieldwork_home.html",
        {
            "inspection": inspection,
            "progress": selectors.progress_of(request.user, inspection),
            "rows": [(a, selectors.assessments_of(a)) for a in audits],
            "is_lead": access.is_inspection_lead(request.user, inspection),
            "setup": getattr(inspection, "fieldwork_setup", None),
            "audit_closed": case_audit_closed(inspection),
        },
    )


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
    others = [
        c
        for c in selectors.team_choices(request.user, inspection)
        if c.user.pk != audit.examiner_id
    ]
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
            # the same people for both: anyone but the examiner (never their own moderator)
            "examiners": others if is_lead and not first_begun else [],
            "moderators": others if is_lead and not moderation_begun else [],
        },
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


@login_required
@require_POST
def case_action(request, pk, case_id, action):
    """The lead's and the examiner's one-button actions on a case."""
    inspection = _inspection(request, pk)
    audit = _audit(request, inspection, case_id)
    post = request.POST
    users = get_user_model().objects
    try:
        if action == "sign-off":
            services.case_sign_off(audit=audit, user=request.user)
            done = "Case signed off and locked."
        elif action == "unlock":
            services.case_unlock(audit=audit, user=request.user, reason=post.get("reason", ""))
            done = "Case unlocked; the reason is recorded."
        elif action == "resolve":
            services.disagreement_resolve(
                audit=audit,
                user=request.user,
                grade=post.get("grade", ""),
                rationale=post.get("rationale", ""),
            )
            done = "Disagreement resolved; the grade is final."
        elif action == "moderate":
            chosen = post.get("moderator")
            moderator = users.filter(pk=chosen).first() if chosen else None
            services.moderation_choose(audit=audit, user=request.user, moderator=moderator)
            done = "The case will be moderated."
        elif action == "reallocate":
            examiner = get_object_or_404(users, pk=post.get("examiner") or 0)
            services.case_reallocate(audit=audit, user=request.user, examiner=examiner)
            done = "Case reallocated."
        elif action == "unusable":
            replacement = services.case_mark_unusable(
                audit=audit, user=request.user, reason=post.get("reason", "")
            )
            done = (
                "Case marked unusable; its replacement is on the same worklist."
                if replacement
                else "Case marked unusable; the category has no reserves left."
            )
            if replacement:
                messages.success(request, done)
                return redirect("assessments-case", pk=inspection.pk, case_id=replacement.case_id)
        else:
            raise Http404("No such action.")
    except (services.AuditRefused, SampleRefused, ValueError) as refusal:
        messages.error(request, str(refusal))
    except PermissionDenied:
        raise
    else:
        messages.success(request, done)
    next_page = post.get("next")
    if next_page == "moderation":
        return redirect("assessments-moderation", pk=inspection.pk)
    return _back_to_case(inspection, audit)


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
            "grades": Grade.choices,
            "grade_labels": dict(questionsets.GRADES),
            "audit_closed": case_audit_closed(inspection),
        },
    )
