"""Thin page views: they ask selectors for data and services for changes, never decide access."""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cpinspect.accounts import access
from cpinspect.assessments.selectors import open_escalations_led_by
from cpinspect.audittrail import hardening
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.editing import versions
from cpinspect.editing.forms import VersionField, create_once
from cpinspect.programmes import lifecycle, selectors, services
from cpinspect.programmes.forms import InspectionForm, TeamMemberForm
from cpinspect.programmes.models import Status, TeamMember, TeamRole
from cpinspect.registry import selectors as registry_selectors
from cpinspect.registry.models import Force
from cpinspect.reports import selectors as report_selectors
from cpinspect.scheduling.tasks import planner_tasks

log = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """Whether the database answers, and whether its triggers are safe from the application's
    own role (ADR 0018). What is wrong goes to the log, not to this public page."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        problems = hardening.current_problems()
    except Exception:  # any failure to reach the database is "unhealthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    if problems:
        for problem in problems:
            log.error("The database's triggers are not safe: %s.", problem)
        return JsonResponse({"status": "error", "database": "ok", "triggers": "unsafe"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "triggers": "ok"})


def home(request):
    # a signed-in person's tasks (web/home.py); a visitor's page is the same for everyone
    from cpinspect.web.home import home_context

    return render(request, "web/home.html", home_context(request))


FORCE_SEARCH_MAX = 60  # longer than any force's name


def force_list(request):
    """Every force by name, with a search box (a GET form: a force's name is no personal data,
    and the page works without JavaScript)."""
    search = " ".join(request.GET.get("q", "").split())[:FORCE_SEARCH_MAX]
    return render(
        request,
        "registry/force_list.html",
        {
            "forces": registry_selectors.forces_with_counts(search),
            "search": search,
            "force_total": Force.objects.count(),
        },
    )


def force_detail(request, code):
    """The force, its councils and grades, and its inspections: each published one with a
    link to its report, and a link to an inspection's page only for someone who may open it
    (anyone else would get a 404 there)."""
    force = get_object_or_404(Force, code=code)
    inspections = list(
        selectors.inspections_of_force_for(request.user, force).order_by("-fieldwork_starts_on")
    )
    ids = [i.pk for i in inspections]
    reports = report_selectors.published_reports_by_inspection(ids)
    openable = set(
        selectors.inspections_visible_to(request.user)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    rows = [
        {
            "inspection": i,
            "report": reports.get(i.pk),
            "can_open": i.pk in openable,
            "status": _public_status(i, reports.get(i.pk)),
        }
        for i in inspections
    ]
    return render(
        request,
        "registry/force_detail.html",
        {
            "force": force,
            "councils": force.councils.all(),
            "grades": registry_selectors.published_grades_of(force),
            "rows": rows,
        },
    )


def _public_status(inspection, report) -> str:
    """The status as the force page shows it: "Published" only with a published report (an
    inspection can be moved to published, with a recorded reason, before its report is)."""
    if inspection.status == Status.PUBLISHED and report is None:
        return "No report published"
    return inspection.get_status_display()


@login_required
def dashboard(request):
    mine = selectors.my_inspections(request.user)
    others = selectors.inspections_visible_to(request.user).exclude(pk__in=mine.values("pk"))
    return render(
        request,
        "programmes/dashboard.html",
        {
            "mine": mine,
            "others": others,
            "can_plan": access.can_plan_programmes(request.user),
            "escalations": open_escalations_led_by(request.user),
            "tasks": planner_tasks(request.user),
            "today": timezone.localdate(),
        },
    )


class TransitionForm(forms.Form):
    target = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        required=False,
        max_length=2000,
        label="Note for the record (optional)",
        help_text="Kept in the inspection's timeline for the team; not published.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Keep the note under 2,000 characters."},
    )
    reason = forms.CharField(
        required=False,
        max_length=services.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Keep the reason under 2,000 characters."},
    )
    # the digest of the outstanding list the page showed (a stale page is caught)
    outstanding_seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    version = VersionField()  # the inspection's, on the page the move was made from


@login_required
def inspection_detail(request, pk):
    inspection = selectors.inspection_for(request.user, pk)
    access_log_record(
        user=request.user, action=AccessAction.VIEW, obj=inspection, inspection_id=inspection.pk
    )
    moves = [
        services.transition_preview(inspection=inspection, target=t.target, user=request.user)
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
                inspection=inspection, target=request.GET["target"], user=request.user
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
            inspection=inspection, target=target, user=request.user
        )
    except services.TransitionRefused as refusal:
        return _refused_page(request, inspection, refusal, note=note)
    if not form.is_valid():
        return _confirm_page(request, inspection, preview, form, status=400)
    data = form.cleaned_data
    try:
        change = services.inspection_transition(
            inspection=inspection,
            target=target,
            user=request.user,
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
    access.require(
        access.can_plan_programmes(request.user), "Only a programme manager can plan an inspection."
    )
    form = InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "submission"}
        try:
            outcome = create_once(request, form, lambda: services.inspection_create(**data))
        except ValidationError as error:
            form.add_error(None, error)
        else:
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
    access.require(
        access.can_manage_team(request.user, inspection),
        "Only a programme manager or the inspection's lead can change its team.",
    )
    form = TeamMemberForm(request.POST or None, inspection=inspection)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcome = create_once(
                request,
                form,
                lambda: services.team_member_add(
                    inspection=inspection, user=data["user"], role=data["role"]
                ),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
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
    access.require(
        access.can_manage_team(request.user, inspection),
        "Only a programme manager or the inspection's lead can change its team.",
    )
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
    services.team_member_remove(member=member)
    messages.success(request, f"{member.user.full_name} removed from the team.")
    return redirect("inspection-detail", pk=inspection.pk)
