"""Pages of an inspection's findings and the national board of recommendations. Thin:
selectors decide what the user may see (404 for an inspection they may not see), the rules in
``accounts/access.py`` decide what they may change (403), services make the changes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cpinspect.accounts import access
from cpinspect.editing import versions
from cpinspect.editing.forms import create_once, show_stale
from cpinspect.findings import forms, selectors, services
from cpinspect.findings.models import (
    OPEN_STATUSES,
    ActionPlanStatus,
    AreaForImprovement,
    CauseOfConcern,
    Recommendation,
    Topic,
)

# The hidden fields of safe editing (ADR 0020): not content, not passed to the services as such.
EDITING_FIELDS = ("version", "submission")


def _content(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in EDITING_FIELDS}


def _apply(form, error: Exception, fields: dict | None = None) -> None:
    """Show a service's refusal on the form: per field where it names one, else on top."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            target = (fields or {}).get(name, name)
            for message in errors:
                form.add_error(target if target in form.fields else None, message)
    else:
        form.add_error(None, error.messages[0] if isinstance(error, ValidationError) else error)


def _form_page(request, inspection, form, *, title, submit, **extra):
    stale = extra.get("stale")
    return render(
        request,
        extra.pop("template", "findings/form.html"),
        {
            "inspection": inspection,
            "form": form,
            "title": title,
            "submit": submit,
            "back": reverse("findings-inspection", args=[inspection.pk]),
            **extra,
        },
        status=409 if stale else 400 if form.errors else 200,
    )


def _done(request, inspection, message, then=None):
    messages.success(request, message)
    return redirect(then or reverse("findings-inspection", args=[inspection.pk]))


def _save_or_show(
    request, inspection, form, save, *, done, fields=None, creates=False, then=None, **page
):
    """On a valid POST, ``save(cleaned_data)`` and back to the findings (or to ``then``)
    saying ``done``; otherwise (or when the service refuses) the form page again, with the
    problems on it. ``creates``: once per the form's one-time token (a second click finds the
    first's row). A save refused because someone else saved first shows both versions (409)."""
    if request.method == "POST" and form.is_valid():
        try:
            if creates:
                if create_once(request, form, lambda: save(form.cleaned_data)) is not None:
                    return _done(request, inspection, done, then)
            else:
                save(form.cleaned_data)
                return _done(request, inspection, done, then)
        except versions.StaleEdit as stale:
            show_stale(form, stale)
            page["stale"] = stale
        except REFUSALS as refusal:
            _apply(form, refusal, fields)
    return _form_page(request, inspection, form, **page)


def _record(request, inspection, select, model, pk, what):
    """The record a form or a button is about; one deleted since the page was opened is a
    ``StaleEdit`` naming who deleted it (to those who may edit findings), not a bare 404."""
    try:
        return select(request.user, inspection, pk)
    except Http404:
        if (
            request.method == "POST"
            and access.can_edit_findings(request.user, inspection)
            and versions.was_deleted(model, pk, inspection_id=inspection.pk)
        ):
            raise versions.deletion(model, pk, what=what, inspection_id=inspection.pk) from None
        raise


def _gone_page(request, inspection, form, gone, **page):
    """The edit page of a record deleted meanwhile: who deleted it, and what was typed."""
    form.is_valid()
    form.add_error(None, gone.summary)  # in the error summary, linked to the account of it
    return _form_page(request, inspection, form, stale=gone, gone=True, **page)


def _version_sent(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _delete(request, inspection, delete, *, done, back):
    """Run ``delete()``; a refusal goes back to the findings (or, when someone changed the
    record meanwhile, to its page) as an error message."""
    try:
        delete()
    except versions.StaleEdit as stale:
        if stale.gone:
            messages.error(request, stale.summary)
            return redirect("findings-inspection", pk=inspection.pk)
        messages.error(request, stale.not_deleted)
        return redirect(back)
    except services.FindingsRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("findings-inspection", pk=inspection.pk)
    return _done(request, inspection, done)


def _deleted_meanwhile(request, inspection, gone):
    messages.error(request, gone.summary)
    return redirect("findings-inspection", pk=inspection.pk)


REFUSALS = services.REFUSALS
PUBLISHED = "The report is published: its findings can no longer change."


def _published(request, inspection):
    """A form that would change published findings: back to the findings, saying why."""
    if not selectors.is_published(inspection):
        return None
    messages.error(request, PUBLISHED)
    return redirect("findings-inspection", pk=inspection.pk)


@login_required
def inspection_findings(request, pk):
    inspection = selectors.findings_inspection_for(request.user, pk)
    user = request.user
    return render(
        request,
        "findings/inspection_findings.html",
        {
            "inspection": inspection,
            "findings": selectors.findings_for(user, inspection),
            "published": selectors.is_published(inspection),
            "graded": selectors.is_graded(inspection),
            "scale": selectors.grades_of(selectors.scale_of(inspection)),
            "can_edit": access.can_edit_findings(user, inspection),
            "can_decide": access.can_decide_judgements(user, inspection),
            "can_track": access.can_track_findings(user, inspection),
            "can_decide_follow_up": access.can_decide_follow_up(user, inspection),
            "can_send": access.can_send_force_updates(user, inspection),
            "plans_sent": selectors.force_updates_for(user, inspection),
        },
    )


@login_required
def judgement(request, pk, topic):
    inspection = selectors.findings_inspection_for(request.user, pk)
    row = selectors.judgement_context(request.user, inspection, topic)
    access.require(
        access.can_decide_judgements(request.user, inspection),
        "Only the inspection's lead inspector records its judgements.",
    )
    if closed := _published(request, inspection):
        return closed
    grades = selectors.grades_of(selectors.scale_of(inspection))
    # The suggestion is shown, never pre-selected: the lead decides (GOV.UK: no pre-set radios).
    initial = {"version": 0}
    if row.judgement:
        initial = {
            "grade": row.judgement.grade,
            "rationale": row.judgement.rationale,
            "version": row.judgement.version,
        }
    form = forms.JudgementForm(request.POST or None, grades=grades, initial=initial)
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.judgement_record(
            inspection=inspection,
            user=request.user,
            topic=topic,
            grade=data["grade"],
            rationale=data["rationale"],
            expected_version=data["version"],
        ),
        done=f"Judgement recorded: {Topic(topic).label}.",
        title=f"Judgement: {row.label}",
        submit="Record the judgement",
        template="findings/judgement_form.html",
        row=row,
    )


@login_required
def cause_new(request, pk):
    inspection = selectors.findings_inspection_for(request.user, pk)
    access.require(access.can_edit_findings(request.user, inspection))
    if closed := _published(request, inspection):
        return closed
    form = forms.CauseOfConcernForm(request.POST or None)
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.cause_of_concern_create(
            inspection=inspection,
            user=request.user,
            topic=data["topic"],
            title=data["title"],
            text=data["text"],
            recommendations=[
                services.NewRecommendation(data["recommendation"], data["owner"], data["due_on"])
            ],
        ),
        done="Cause of concern added with its recommendation.",
        creates=True,
        title="Add a cause of concern",
        submit="Add the cause of concern",
        intro="A cause of concern always carries at least one recommendation: give the "
        "first one with it. You can add more afterwards.",
    )


@login_required
def cause_edit(request, pk, cause_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    page = {"title": "Change a cause of concern", "submit": "Save"}
    try:
        cause = _record(request, inspection, selectors.cause_for, CauseOfConcern, cause_id, CAUSE)
    except versions.StaleEdit as gone:
        return _gone_page(
            request, inspection, forms.CauseOfConcernEditForm(request.POST), gone, **page
        )
    access.require(access.can_edit_findings(request.user, inspection))
    if closed := _published(request, inspection):
        return closed
    initial = {
        "topic": cause.topic,
        "title": cause.title,
        "text": cause.text,
        "version": cause.version,
    }
    form = forms.CauseOfConcernEditForm(request.POST or None, initial=initial)
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.cause_of_concern_update(
            cause=cause, user=request.user, expected_version=data["version"], **_content(data)
        ),
        done="Cause of concern changed.",
        delete_url=reverse("findings-cause-delete", args=[inspection.pk, cause.pk]),
        delete_label="Delete the cause of concern and its recommendations",
        **page,
    )


@login_required
@require_POST
def cause_delete(request, pk, cause_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    try:
        cause = _record(request, inspection, selectors.cause_for, CauseOfConcern, cause_id, CAUSE)
    except versions.StaleEdit as gone:
        return _deleted_meanwhile(request, inspection, gone)
    return _delete(
        request,
        inspection,
        lambda: services.cause_of_concern_delete(
            cause=cause, user=request.user, expected_version=_version_sent(request)
        ),
        done="Cause of concern and its recommendations deleted.",
        back=reverse("findings-cause-edit", args=[inspection.pk, cause.pk]),
    )


CAUSE = "this cause of concern"
RECOMMENDATION = "this recommendation"
AREA = "this area for improvement"
RECOMMENDATION_FIELDS = {"text": "recommendation"}


@login_required
def recommendation_new(request, pk):
    inspection = selectors.findings_inspection_for(request.user, pk)
    access.require(access.can_edit_findings(request.user, inspection))
    if closed := _published(request, inspection):
        return closed
    initial = {"cause_of_concern": request.GET.get("cause")} if request.GET.get("cause") else {}
    form = forms.NewRecommendationForm(request.POST or None, inspection=inspection, initial=initial)
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.recommendation_add(
            inspection=inspection,
            user=request.user,
            text=data["recommendation"],
            owner=data["owner"],
            due_on=data["due_on"],
            cause_of_concern=data["cause_of_concern"],
        ),
        done="Recommendation added.",
        creates=True,
        fields=RECOMMENDATION_FIELDS,
        title="Add a recommendation",
        submit="Add the recommendation",
    )


@login_required
def recommendation_detail(request, pk, recommendation_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    rec = selectors.recommendation_for(request.user, inspection, recommendation_id)
    published = selectors.is_published(inspection)
    can_track = published and access.can_track_findings(request.user, inspection)
    form = forms.RecommendationStatusForm(
        request.POST or None, initial={"status": rec.status, "version": rec.version}
    )
    stale = None
    if request.method == "POST":
        access.require(access.can_track_findings(request.user, inspection))
        if form.is_valid():
            try:
                services.recommendation_set_status(
                    recommendation=rec,
                    user=request.user,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    expected_version=form.cleaned_data["version"],
                )
            except versions.StaleEdit as refusal:
                stale = refusal
                show_stale(form, stale)
                rec.refresh_from_db()
            except REFUSALS as refusal:
                _apply(form, refusal)
            else:
                messages.success(request, f"Status changed to {rec.get_status_display().lower()}.")
                return redirect("findings-recommendation", inspection.pk, rec.pk)
    published_day = selectors.published_on(inspection)
    return render(
        request,
        "findings/recommendation_detail.html",
        {
            "inspection": inspection,
            "rec": rec,
            "form": form,
            "published": published,
            "overdue": rec.is_overdue(timezone.localdate(), published),
            "published_on": published_day,
            "history": rec.status_changes.select_related("changed_by"),
            "working": access.can_see_findings_working(request.user, inspection),
            "can_track": can_track,
            "can_edit": not published and access.can_edit_findings(request.user, inspection),
            "can_send": rec.status in OPEN_STATUSES
            and access.can_send_force_updates(request.user, inspection),
            "progress": selectors.force_updates_for(request.user, inspection, rec),
            "stale": stale,
        },
        status=409 if stale else 400 if form.errors else 200,
    )


@login_required
def recommendation_edit(request, pk, recommendation_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    page = {"title": "Change a recommendation", "submit": "Save"}
    try:
        rec = _record(
            request,
            inspection,
            selectors.recommendation_for,
            Recommendation,
            recommendation_id,
            RECOMMENDATION,
        )
    except versions.StaleEdit as gone:
        form = forms.RecommendationEditForm(request.POST, inspection=inspection)
        return _gone_page(request, inspection, form, gone, **page)
    access.require(access.can_edit_findings(request.user, inspection))
    if closed := _published(request, inspection):
        return closed
    initial = {
        "cause_of_concern": rec.cause_of_concern_id,
        "recommendation": rec.text,
        "owner": rec.owner,
        "due_on": rec.due_on,
        "version": rec.version,
    }
    form = forms.RecommendationEditForm(
        request.POST or None, inspection=inspection, initial=initial
    )
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.recommendation_update(
            recommendation=rec,
            user=request.user,
            text=data["recommendation"],
            owner=data["owner"],
            due_on=data["due_on"],
            cause_of_concern=data["cause_of_concern"],
            expected_version=data["version"],
        ),
        done="Recommendation changed.",
        fields=RECOMMENDATION_FIELDS,
        delete_url=reverse("findings-recommendation-delete", args=[inspection.pk, rec.pk]),
        delete_label="Delete the recommendation",
        **page,
    )


@login_required
@require_POST
def recommendation_delete(request, pk, recommendation_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    try:
        rec = _record(
            request,
            inspection,
            selectors.recommendation_for,
            Recommendation,
            recommendation_id,
            RECOMMENDATION,
        )
    except versions.StaleEdit as gone:
        return _deleted_meanwhile(request, inspection, gone)
    return _delete(
        request,
        inspection,
        lambda: services.recommendation_delete(
            recommendation=rec, user=request.user, expected_version=_version_sent(request)
        ),
        done="Recommendation deleted.",
        back=reverse("findings-recommendation-edit", args=[inspection.pk, rec.pk]),
    )


@login_required
def area_new(request, pk):
    inspection = selectors.findings_inspection_for(request.user, pk)
    access.require(access.can_edit_findings(request.user, inspection))
    if closed := _published(request, inspection):
        return closed
    form = forms.NewAreaForImprovementForm(request.POST or None)
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.area_for_improvement_add(
            inspection=inspection, user=request.user, **_content(data)
        ),
        done="Area for improvement added.",
        creates=True,
        title="Add an area for improvement",
        submit="Add the area for improvement",
        intro="A lesser shortfall: it has no owner, due date or status.",
    )


@login_required
def area_edit(request, pk, area_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    page = {"title": "Change an area for improvement", "submit": "Save"}
    try:
        area = _record(request, inspection, selectors.area_for, AreaForImprovement, area_id, AREA)
    except versions.StaleEdit as gone:
        form = forms.AreaForImprovementEditForm(request.POST)
        return _gone_page(request, inspection, form, gone, **page)
    access.require(access.can_edit_findings(request.user, inspection))
    if closed := _published(request, inspection):
        return closed
    form = forms.AreaForImprovementEditForm(
        request.POST or None,
        initial={"topic": area.topic, "text": area.text, "version": area.version},
    )
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.area_for_improvement_update(
            area=area, user=request.user, expected_version=data["version"], **_content(data)
        ),
        done="Area for improvement changed.",
        delete_url=reverse("findings-area-delete", args=[inspection.pk, area.pk]),
        delete_label="Delete the area for improvement",
        **page,
    )


@login_required
@require_POST
def area_delete(request, pk, area_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    try:
        area = _record(request, inspection, selectors.area_for, AreaForImprovement, area_id, AREA)
    except versions.StaleEdit as gone:
        return _deleted_meanwhile(request, inspection, gone)
    return _delete(
        request,
        inspection,
        lambda: services.area_for_improvement_delete(
            area=area, user=request.user, expected_version=_version_sent(request)
        ),
        done="Area for improvement deleted.",
        back=reverse("findings-area-edit", args=[inspection.pk, area.pk]),
    )


@login_required
def follow_up_accept(request, pk, proposal_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    proposal = selectors.proposal_for(request.user, inspection, proposal_id)
    access.require(access.can_decide_follow_up(request.user, inspection))
    window = selectors.proposal_window(proposal, selectors.published_on(inspection))
    initial = {
        "kind": proposal.kind,
        "fieldwork_starts_on": window[0] if window else None,
        "version": proposal.version,
    }
    form = forms.AcceptFollowUpForm(request.POST or None, initial=initial)
    stale = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcome = create_once(
                request,
                form,
                lambda: services.follow_up_accept(
                    proposal=proposal,
                    user=request.user,
                    kind=data["kind"],
                    fieldwork_starts_on=data["fieldwork_starts_on"],
                    expected_version=data["version"],
                ),
            )
        except versions.StaleEdit as refusal:
            stale = refusal
            show_stale(form, stale)
        except REFUSALS as refusal:
            _apply(form, refusal)
        else:
            if outcome is not None:
                follow_up = outcome.obj
                messages.success(
                    request, f"{follow_up.get_kind_display()} planned in {follow_up.programme}."
                )
                return redirect("inspection-detail", pk=follow_up.pk)
    return _form_page(
        request,
        inspection,
        form,
        title="Accept the follow-up",
        submit="Plan the follow-up",
        template="findings/follow_up_form.html",
        proposal=proposal,
        window=window,
        stale=stale,
    )


@login_required
def follow_up_decline(request, pk, proposal_id):
    inspection = selectors.findings_inspection_for(request.user, pk)
    proposal = selectors.proposal_for(request.user, inspection, proposal_id)
    access.require(access.can_decide_follow_up(request.user, inspection))
    form = forms.DeclineFollowUpForm(request.POST or None, initial={"version": proposal.version})
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.follow_up_decline(
            proposal=proposal,
            user=request.user,
            note=data["note"],
            expected_version=data["version"],
        ),
        done="Follow-up declined.",
        title="Decline the follow-up",
        submit="Decline the follow-up",
        template="findings/follow_up_form.html",
        proposal=proposal,
        window=selectors.proposal_window(proposal, selectors.published_on(inspection)),
    )


@login_required
def action_plan(request, pk):
    inspection = selectors.findings_inspection_for(request.user, pk)
    plan = selectors.action_plan_for(request.user, inspection)
    if plan is not None and access.can_send_force_updates(request.user, inspection):
        return redirect("findings-action-plan-send", pk=inspection.pk)
    access.require(
        plan is not None and access.can_track_findings(request.user, inspection),
        "The action plan is recorded after publication, by the team or a programme manager.",
    )
    initial = {
        "status": plan.status,
        "received_on": plan.received_on,
        "note": plan.note,
        "version": plan.version,
    }
    if plan.status == ActionPlanStatus.AWAITED:
        initial["status"] = ActionPlanStatus.RECEIVED
    form = forms.ActionPlanForm(request.POST or None, initial=initial)
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.action_plan_record(
            plan=plan, user=request.user, expected_version=data["version"], **_content(data)
        ),
        done="Action plan recorded.",
        title="Record the action plan",
        submit="Save",
        intro=f"Published on {plan.published_on:%d %B %Y}; the force's action plan is due by "
        f"{plan.due_on:%d %B %Y}.",
    )


@login_required
def action_plan_send(request, pk):
    """The force's liaison officer sends the action plan (each sending kept on record)."""
    inspection = selectors.findings_inspection_for(request.user, pk)
    plan = selectors.action_plan_for(request.user, inspection)
    access.require(
        plan is not None and access.can_send_force_updates(request.user, inspection),
        services.FORCE_ONLY,
    )
    form = forms.ActionPlanSubmitForm(request.POST or None)
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.action_plan_submit(plan=plan, user=request.user, text=data["text"]),
        creates=True,
        done="Action plan sent to the inspection team.",
        title="Send the force's action plan",
        submit="Send the action plan",
        intro=f"Due by {plan.due_on:%-d %B %Y}, six weeks after the report was published on "
        f"{plan.published_on:%-d %B %Y}.",
    )


@login_required
def recommendation_progress(request, pk, recommendation_id):
    """The force's liaison officer reports progress on one recommendation."""
    inspection = selectors.findings_inspection_for(request.user, pk)
    rec = selectors.recommendation_for(request.user, inspection, recommendation_id)
    access.require(access.can_send_force_updates(request.user, inspection), services.FORCE_ONLY)
    form = forms.RecommendationProgressForm(request.POST or None)
    return _save_or_show(
        request,
        inspection,
        form,
        lambda data: services.recommendation_progress_add(
            recommendation=rec,
            user=request.user,
            text=data["text"],
            considers_done=data["considers_done"],
        ),
        creates=True,
        done="Progress sent to the inspection team.",
        title="Report progress on a recommendation",
        submit="Send the progress",
        intro=f"Recommendation: {rec.text}",
        then=reverse("findings-recommendation", args=[inspection.pk, rec.pk]),
    )


@login_required
def recommendations_board(request):
    form = forms.BoardFilterForm(request.GET or None)
    force = status = None
    if form.is_valid():
        force, status = form.cleaned_data["force"], form.cleaned_data["status"] or None
    rows = selectors.recommendations_board(request.user, force=force, status=status)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "findings/board.html",
        {"form": form, "page": page, "query": query.urlencode(), "status": status},
        status=400 if form.errors else 200,
    )
