"""The programmes' pages: the inspections a person works on, an inspection with its team and
stages, and the forms that plan a programme or an inspection, change a team or move an
inspection on.

Thin, as every page view: selectors give the data, services make the change and ask
``accounts/access.py`` who may (a refusal carries its own words, ADR 0034); the forms' one-time
token makes a double click one change (ADR 0020).
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cpinspect.accounts import access
from cpinspect.assessments.selectors import open_escalations_led_by
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.editing import versions
from cpinspect.editing.forms import create_once
from cpinspect.programmes import lifecycle, selectors, services
from cpinspect.programmes.forms import (
    InspectionForm,
    InspectionListForm,
    ProgrammeForm,
    TeamMemberForm,
    TransitionForm,
)
from cpinspect.programmes.models import Status, TeamMember, TeamRole
from cpinspect.scheduling.tasks import planner_tasks


@login_required
def dashboard(request):
    """The person's inspections, then the others they may see, searched, filtered and sorted
    by the form above both tables."""
    list_form = InspectionListForm(request.GET)
    wanted = list_form.wanted()
    mine = selectors.my_inspections(request.user)
    others = selectors.inspections_visible_to(request.user).exclude(pk__in=mine.values("pk"))
    return render(
        request,
        "programmes/dashboard.html",
        {
            "mine": selectors.filtered(mine, wanted),
            "others": selectors.filtered(others, wanted),
            "list_form": list_form,
            "filtered": InspectionListForm.narrows(wanted),
            "can_plan": access.can_plan_programmes(request.user),
            "escalations": open_escalations_led_by(request.user),
            "tasks": planner_tasks(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def inspection_detail(request, pk):
    inspection = selectors.inspection_for(request.user, pk)
    access_log_record(
        user=request.user, action=AccessAction.VIEW, obj=inspection, inspection_id=inspection.pk
    )
    moves = [
        services.transition_preview(request.user, inspection=inspection, target=t.target)
        for t in lifecycle.transitions_from(inspection.status)
        if access.may_make_transition(request.user, inspection, t)
    ]
    return render(
        request,
        "programmes/inspection_detail.html",
        {
            "inspection": inspection,
            "team": selectors.team_in_role_order(inspection)
            if access.can_see_team(request.user, inspection)
            else None,
            "timeline": inspection.status_changes.select_related("changed_by"),
            "moves": moves,
            "stages": lifecycle.stage_list(inspection.status),
            "can_see_case_data": access.can_see_case_data(request.user, inspection),
            "can_manage_team": access.can_manage_team(request.user, inspection),
        },
    )


def _confirm_page(request, inspection, preview, form, status=200):
    """The move, what is outstanding, and the reason to give (ADR 0021)."""
    return render(
        request,
        "programmes/transition_confirm.html",
        {
            "inspection": inspection,
            "preview": preview,
            "form": form,
            "target_label": Status(preview.move.target).label,
        },
        status=status,
    )


def _refused_page(request, inspection, refusal, *, note="", stale=None):
    return render(
        request,
        "programmes/transition_refused.html",
        {"inspection": inspection, "reason": str(refusal), "note": note, "stale": stale},
        status=409,
    )


@login_required
def inspection_transition(request, pk):
    """GET ``?target=``: the confirmation page of a move, with what is outstanding; POST: the
    move, with its reason when something is outstanding (or it reopens the audit)."""
    inspection = selectors.inspection_for(request.user, pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method != "POST":
        if not request.GET.get("target"):
            return redirect("inspection-detail", pk=inspection.pk)
        try:
            preview = services.transition_preview(
                request.user,
                inspection=inspection,
                target=request.GET["target"],
            )
        except services.TransitionRefused as refusal:
            return _refused_page(request, inspection, refusal)
        form = TransitionForm(
            initial={
                "target": preview.move.target,
                "outstanding_seen": preview.fingerprint,
                "version": inspection.version,
            }
        )
        return _confirm_page(request, inspection, preview, form)
    form = TransitionForm(request.POST)
    if not form.is_valid() and "target" in form.errors:
        messages.error(request, "Choose a status to move to.")
        return redirect("inspection-detail", pk=inspection.pk)
    target = form.data.get("target", "")
    version = form.cleaned_data.get("version") if form.is_valid() else None
    note = form.data.get("note", "")
    if version is None:  # a page from before versions: its view of the status is unknown
        refusal = "This page is out of date: nothing was changed. Look again, then move."
        return _refused_page(request, inspection, refusal, note=note)
    if version != inspection.version:
        last = inspection.status_changes.order_by("pk").last()
        if last and (last.changed_by_id, last.to_status, last.note) == (
            request.user.pk,
            target,
            note,
        ):  # the same move sent twice (a second click): made once
            return redirect("inspection-detail", pk=inspection.pk)
    try:
        preview = services.transition_preview(
            request.user,
            inspection=inspection,
            target=target,
        )
    except services.TransitionRefused as refusal:
        return _refused_page(request, inspection, refusal, note=note)
    if not form.is_valid():
        return _confirm_page(request, inspection, preview, form, status=400)
    data = form.cleaned_data
    try:
        change = services.inspection_transition(
            request.user,
            inspection=inspection,
            target=target,
            note=data["note"],
            reason=data["reason"],
            outstanding_seen=data["outstanding_seen"] or None,
            seen_version=data["version"],
        )
    except versions.StaleEdit as stale:
        return _refused_page(
            request, inspection, stale.said("nothing was changed"), note=note, stale=stale
        )
    except services.ReasonRequired as refusal:
        # show the list as it is now, keep what was typed, and ask again
        current = services.MovePreview(preview.move, refusal.outstanding, refusal.fingerprint)
        retry = TransitionForm({**request.POST.dict(), "outstanding_seen": refusal.fingerprint})
        retry.is_valid()
        changed = isinstance(refusal, services.OutstandingChanged)
        if changed or not current.outstanding:
            retry.add_error("reason", str(refusal))
        else:
            retry.add_error("reason", "Say why the move is made with this work outstanding.")
        return _confirm_page(request, inspection, current, retry, status=409 if changed else 400)
    except ValidationError as invalid:
        for field, problems in invalid.message_dict.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        return _confirm_page(request, inspection, preview, form, status=400)
    except services.TransitionRefused as refusal:
        return _refused_page(request, inspection, refusal, note=note)
    messages.success(request, f"Status changed to {change.get_to_status_display().lower()}.")
    return redirect("inspection-detail", pk=inspection.pk)


@login_required
def inspection_new(request):
    access.require(access.can_plan_programmes(request.user))
    form = InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.record_data()
        outcome = _create(request, form, lambda: services.inspection_create(request.user, **data))
        if outcome is not None:
            messages.success(request, "Inspection planned.")
            return redirect("inspection-detail", pk=outcome.obj.pk)
    return render(
        request,
        "programmes/inspection_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def team_add(request, pk):
    inspection = selectors.inspection_for(request.user, pk)
    access.require(access.can_manage_team(request.user, inspection))
    form = TeamMemberForm(request.POST or None, inspection=inspection)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = _create(
            request,
            form,
            lambda: services.team_member_add(
                request.user, inspection=inspection, person=data["user"], role=data["role"]
            ),
        )
        if outcome is not None:
            messages.success(request, f"{data['user'].full_name} added to the team.")
            return redirect("inspection-detail", pk=inspection.pk)
    return render(
        request,
        "programmes/team_form.html",
        {"form": form, "inspection": inspection},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def team_remove(request, pk, member_pk):
    inspection = selectors.inspection_for(request.user, pk)
    access.require(access.can_manage_team(request.user, inspection))
    member = inspection.team.select_related("user").filter(pk=member_pk).first()
    if member is None:
        if not versions.was_deleted(TeamMember, member_pk, inspection_id=inspection.pk):
            raise Http404("No such team member.")
        # removed since the page was opened (by someone else, or by a second click)
        gone = versions.deletion(TeamMember, member_pk, inspection_id=inspection.pk)
        place = gone.deleted
        who = get_user_model().objects.get(pk=place.user_id).full_name
        messages.info(
            request,
            f"{gone.by} removed {who} ({TeamRole(place.role).label.lower()}) from the team "
            f"{gone.when}, after you opened the page: nothing else was changed.",
        )
        return redirect("inspection-detail", pk=inspection.pk)
    services.team_member_remove(request.user, member=member)
    messages.success(request, f"{member.user.full_name} removed from the team.")
    return redirect("inspection-detail", pk=inspection.pk)


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request):
    access.require(access.can_plan_programmes(request.user))
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.record_data()
        outcome = _create(request, form, lambda: services.programme_create(request.user, **data))
        if outcome is not None:
            programme = outcome.obj
            messages.success(
                request,
                f"Programme {programme.name} created. Plan its inspections, then solve its plan.",
            )
            return redirect("plan-programme", pk=programme.pk)
    return render(
        request,
        "programmes/programme_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _create(request, form, create):
    """``create()`` once per the form's token (ADR 0020); a refusal from the service goes on
    the fields it names. The outcome, or None when nothing was made."""
    try:
        return create_once(request, form, create)
    except ValidationError as error:
        _show(form, error)
        return None


def _show(form, error: ValidationError) -> None:
    """The service's refusal on the fields it names (linked from the error summary)."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    else:
        form.add_error(None, error)
