"""The registry's public pages: the forces, each with its councils, published grades and
inspections. Thin, as every page view: the data comes from selectors."""

from django.shortcuts import get_object_or_404, render

from cpinspect.programmes import selectors
from cpinspect.programmes.models import Status
from cpinspect.registry import selectors as registry_selectors
from cpinspect.registry.models import Force
from cpinspect.reports import selectors as report_selectors

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
