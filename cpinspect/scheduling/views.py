"""Thin planning pages: selectors read, services write, access rules live in accounts.access."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cpinspect.accounts import access
from cpinspect.accounts.models import Role, User
from cpinspect.editing.forms import OUT_OF_DATE, CreatesRecord, VersionField, create_once
from cpinspect.programmes.models import Inspection, Status
from cpinspect.scheduling import ics, planning_date, selectors, services
from cpinspect.scheduling.models import Absence, AbsenceKind, InspectorProfile, PlanState
from cpinspect.scheduling.problem import THEME_LABELS, Problem
from cpinspect.scheduling.solver import SolveParams
from cpinspect.web.dates import DateInputField

GANTT_CELL = 22
GANTT_ROW = 24
GANTT_LABEL = 230  # the least width of the labels' column, in pixels
GANTT_CHAR = 7.2  # the widest average width of a character at 13px Arial, in pixels


def _require_planner(user):
    access.require(access.can_plan_programmes(user))


def gantt(programme, rows, others=()):
    """Coordinates for the server-rendered SVG Gantt chart, by date: the planned inspections
    (blue) and the programme's fixed inspections, PEEL among them (grey). The tables beside it
    hold the same data."""
    if not rows and not others:
        return None
    day = 2  # pixels per day
    bars = []
    items = [(r.label, r.starts_on, r.ends_on, "#1d70b8", "planned") for r in rows] + [
        (
            f"{i.get_kind_display()}: {i.subject_name}",
            i.fieldwork_starts_on,
            i.fieldwork_ends_on,
            "#505a5f",
            i.get_status_display().lower(),
        )
        for i in others
    ]
    # Labels in full (issue 15: "Child protection inspection: Hu..." told nobody which force):
    # the labels' column is as wide as the longest; the chart scrolls inside its own box.
    label_width = max(GANTT_LABEL, round(max(len(item[0]) for item in items) * GANTT_CHAR) + 12)
    for n, (label, starts_on, ends_on, colour, state) in enumerate(items):
        offset = max(0, (starts_on - programme.starts_on).days)
        bars.append(
            {
                "y": 30 + n * GANTT_ROW,
                "text_y": 30 + n * GANTT_ROW + 16,
                "x": label_width + offset * day,
                "width": max(4, ((ends_on - starts_on).days + 1) * day),
                "label": label,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "colour": colour,
                "state": state,
            }
        )
    ticks, month = [], programme.starts_on.replace(day=1)
    while month <= programme.ends_on:
        if month >= programme.starts_on.replace(day=1):
            offset = max(0, (month - programme.starts_on).days)
            ticks.append({"x": label_width + offset * day, "label": f"{month:%b}"})
        month = (month + timedelta(days=32)).replace(day=1)
    return {
        "bars": bars,
        "ticks": ticks,
        "width": label_width + ((programme.ends_on - programme.starts_on).days + 1) * day + 10,
        "height": 40 + len(items) * GANTT_ROW,
    }


def fixed_inspections(programme, rows):
    """The programme's other inspections (PEEL, notified, in fieldwork...): planning leaves
    their dates alone."""
    return (
        Inspection.objects.filter(programme=programme)
        .exclude(pk__in=[r.inspection_id for r in rows])
        .select_related("force", "council")
        .order_by("fieldwork_starts_on", "pk")
    )


def calendar_months(rows):
    """The plan by month and fortnight, for the calendar view."""
    months = {}
    for row in rows:
        months.setdefault(row.starts_on.replace(day=1), []).append(row)
    return sorted(months.items())


@login_required
def planning_index(request):
    if not access.can_see_plans(request.user):
        _not_found()
    programmes = selectors.programmes_for_planning(request.user)
    published = selectors.published_numbers(request.user)
    return render(
        request,
        "scheduling/index.html",
        {
            "programmes": [(programme, published.get(programme.pk)) for programme in programmes],
            "can_plan": access.can_plan_programmes(request.user),
        },
    )


def _not_found():
    raise Http404("Not found.")


class SolveForm(CreatesRecord):
    # the published plan the page showed (0: none), for a re-plan of that plan (ADR 0020)
    published = VersionField()
    replan = forms.BooleanField(
        required=False,
        label="Re-plan from the published plan",
        help_text="Keep the published plan as far as possible and list what moves.",
    )
    as_of = DateInputField(what="the planning date", label="Planning date")
    reason = forms.CharField(
        required=False, max_length=300, label="Why are you planning again? (optional)"
    )
    time_limit = forms.IntegerField(
        min_value=1, max_value=60, initial=20, label="Time limit in seconds"
    )
    max_concurrent = forms.IntegerField(
        min_value=1, max_value=10, initial=3, label="Most inspections in fieldwork at once"
    )
    earlier = forms.ModelChoiceField(
        queryset=Inspection.objects.none(),
        required=False,
        label="An inspection that must go earlier (optional)",
    )
    start_by = DateInputField(
        what="the date its fieldwork must start by",
        required=False,
        label="Its fieldwork must start by",
        help_text="For example, 14 9 2026",
    )

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programme is not None:
            self.fields["earlier"].queryset = Inspection.objects.filter(
                programme=programme, status=Status.PLANNED
            ).select_related("force", "council")
            plan_date = planning_date.default_planning_date(programme)
            self.fields["as_of"].initial = plan_date
            self.fields["as_of"].max_date = programme.ends_on - timedelta(days=1)
            self.fields["as_of"].help_text = (
                "Fieldwork is planned to start after notice to the force from this date. "
                f"This programme's plan was made as of {plan_date:%-d %B %Y}. "
                f"For example, {plan_date:%-d %-m %Y}"
            )

    def clean(self):
        data = super().clean()
        one_only = bool(data.get("earlier")) != bool(data.get("start_by"))
        if one_only and not self.has_error("start_by"):
            self.add_error(
                "start_by" if data.get("earlier") else "earlier",
                "Choose both the inspection and the date it must start by, or neither.",
            )
        return data

    def deadlines(self):
        data = self.cleaned_data
        return {data["earlier"].pk: data["start_by"]} if data.get("earlier") else {}


@login_required
def programme_plan(request, pk):
    programme = selectors.programme_for_planning(request.user, pk)
    published = selectors.published_version(request.user, programme)
    rows = selectors.plan_rows(published) if published else []
    fixed = list(fixed_inspections(programme, rows))
    return render(
        request,
        "scheduling/programme_plan.html",
        {
            "programme": programme,
            "published": published,
            "rows": rows,
            "gantt": gantt(programme, rows, fixed),
            "fixed": fixed,
            "months": calendar_months(rows),
            "versions": selectors.plan_versions_of(request.user, programme),
            "can_plan": access.can_plan_programmes(request.user),
            "form": SolveForm(programme=programme, initial={"published": _seen(published)}),
        },
    )


def _seen(published) -> int:
    """What a form carries as the published plan it was opened on (0: none)."""
    return published.pk if published else 0


@login_required
@require_http_methods(["GET", "POST"])
def plan_solve(request, pk):
    programme = selectors.programme_for_planning(request.user, pk)
    _require_planner(request.user)
    published = services.published_plan(programme)
    form = SolveForm(
        request.POST or None, programme=programme, initial={"published": _seen(published)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["replan"] and data["published"] is None:
                raise services.PlanStale(OUT_OF_DATE)
            outcome = create_once(
                request,
                form,
                lambda: services.plan_solve(
                    request.user,
                    programme=programme,
                    replan=data["replan"],
                    reason=data["reason"],
                    as_of=data["as_of"],
                    params=SolveParams(time_limit=float(data["time_limit"])),
                    max_concurrent=data["max_concurrent"],
                    deadlines=form.deadlines(),
                    seen_published=data["published"],
                ),
            )
        except services.PlanStale as stale:
            form.add_error(None, str(stale))
            form.data = form.data.copy()
            form.data["published"] = _seen(published)  # sending again re-plans what is now
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            if outcome is not None:
                return redirect("plan-version", pk=outcome.obj.pk)
    return render(
        request,
        "scheduling/solve_form.html",
        {"programme": programme, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def plan_version(request, pk):
    version = selectors.plan_version_for(request.user, pk)
    rows = selectors.plan_rows(version)
    names = dict(User.objects.values_list("pk", "full_name"))
    problem = Problem.from_json(version.problem)
    labels = {t.id: t.label for t in problem.tasks}
    slots = {s.index: s for s in problem.slots}

    def describe(changes):
        out = []
        for m in changes.get("moved", []):
            out.append(
                f"{labels.get(m['task'], m['task'])} moved from the fortnight of "
                f"{slots[m['from']].starts_on:%d %B %Y} to {slots[m['to']].starts_on:%d %B %Y}"
                if m["from"] in slots and m["to"] in slots
                else f"{labels.get(m['task'], m['task'])} moved"
            )
        for m in changes.get("left", []):
            out.append(
                f"{names.get(m['person'], m['person'])} taken off "
                f"{labels.get(m['task'], m['task'])}"
            )
        for m in changes.get("joined", []):
            out.append(
                f"{names.get(m['person'], m['person'])} added to {labels.get(m['task'], m['task'])}"
            )
        for m in changes.get("lead_changed", []):
            out.append(
                f"Lead of {labels.get(m['task'], m['task'])} changed from "
                f"{names.get(m['from'], m['from'])} to {names.get(m['to'], m['to'])}"
            )
        for t in changes.get("added", []):
            out.append(f"{labels.get(t, t)} newly placed")
        return out

    return render(
        request,
        "scheduling/plan_version.html",
        {
            "version": version,
            "rows": rows,
            "gantt": gantt(version.programme, rows),
            "changes": describe(version.changes),
            "published_changes": describe(version.published_diff),
            "can_publish": access.can_plan_programmes(request.user)
            and version.state == PlanState.DRAFT,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_publish(request, pk):
    version = selectors.plan_version_for(request.user, pk)
    _require_planner(request.user)
    error = None
    published = services.published_plan(version.programme)
    if request.method == "POST":
        try:
            seen = int(request.POST.get("published", ""))
        except ValueError:
            seen = None
        try:
            if seen is None:
                raise services.PlanStale(OUT_OF_DATE)
            services.plan_publish(request.user, version=version, seen_published=seen)
        except services.PlanError as problem:
            error = str(problem)
        else:
            messages.success(request, f"Plan version {version.number} is published.")
            return redirect("plan-programme", pk=version.programme_id)
    return render(
        request,
        "scheduling/publish_confirm.html",
        {"version": version, "error": error, "published": published, "seen": _seen(published)},
        status=409 if error else 200,
    )


@login_required
def priorities(request, pk):
    from django.utils import timezone

    from cpinspect.scheduling.priorities import force_priorities, load_weights

    programme = selectors.programme_for_planning(request.user, pk)
    return render(
        request,
        "scheduling/priorities.html",
        {
            "programme": programme,
            "priorities": force_priorities(as_of=timezone.localdate()),
            "weights": load_weights(),
        },
    )


@login_required
def programme_ics(request, pk):
    programme = selectors.programme_for_planning(request.user, pk)
    published = selectors.published_version(request.user, programme)
    if published is None:
        _not_found()
    body = ics.programme_calendar(published, selectors.plan_rows(published))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="programme-{programme.pk}.ics"'
    return response


@login_required
def person_ics(request, user_pk):
    person = selectors.calendar_owner_for(request.user, user_pk)
    body = ics.person_calendar(person, selectors.published_assignments_of(person))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fieldwork-{person.pk}.ics"'
    return response


class AbsenceForm(CreatesRecord):
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(
            role__in=[Role.LEAD_INSPECTOR, Role.INSPECTOR], is_active=True
        ),
        label="Inspector",
    )
    kind = forms.ChoiceField(choices=AbsenceKind.choices, label="Kind of absence")
    # GOV.UK date input: the old text box's hint offered "27 3 2027" and then refused it.
    starts_on = DateInputField(
        what="the first day", label="First day", help_text="For example, 27 3 2027"
    )
    ends_on = DateInputField(
        what="the last day", label="Last day", help_text="For example, 7 4 2027"
    )
    note = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The last day must be on or after the first day.")
        return data


@login_required
@require_http_methods(["GET", "POST"])
def people(request):
    if not access.can_see_plans(request.user):
        _not_found()
    form = AbsenceForm(request.POST or None)
    if request.method == "POST":
        _require_planner(request.user)
        if form.is_valid():
            data = form.record_data()
            data["person"] = data.pop("user")  # the form's field is the person who is away
            recorded = create_once(
                request, form, lambda: services.absence_create(request.user, **data)
            )
            if recorded is not None:
                messages.success(
                    request, "The absence is recorded. Re-plan to take it into account."
                )
                return redirect("plan-people")
    return render(
        request,
        "scheduling/people.html",
        {
            "profiles": InspectorProfile.objects.select_related("user").prefetch_related(
                "forces_served"
            ),
            "absences": Absence.objects.select_related("user").order_by("starts_on")[:200],
            "themes": THEME_LABELS,
            "form": form,
            "can_plan": access.can_plan_programmes(request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["POST"])
def calendar_link(request):
    """Issue a secret calendar link (shown once); the previous link stops working."""
    if not access.can_see_plans(request.user):
        _not_found()
    token = services.calendar_token_issue(request.user)
    url = request.build_absolute_uri(reverse("plan-feed", args=[token]))
    return render(request, "scheduling/calendar_link.html", {"url": url})


def calendar_feed(request, token):
    """A person's fieldwork calendar by secret link, for calendar apps (no session)."""
    person = selectors.calendar_owner_by_token(token)
    body = ics.person_calendar(person, selectors.published_assignments_of(person))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
