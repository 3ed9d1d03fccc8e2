"""The administrators' audit pages: the change log and the access log, filtered, paginated and
exported as CSV. Changes are shown in words (field: old → new), never as stored dicts."""

import csv

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cpinspect.accounts.models import User
from cpinspect.audittrail import selectors
from cpinspect.audittrail.forms import AuditFilterForm
from cpinspect.audittrail.models import AccessAction, AccessLogEntry
from cpinspect.web.middleware import current_request_id


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field_name(model, field: str) -> str:
    try:
        return str(model._meta.get_field(field).verbose_name) if model else field
    except Exception:  # a field since removed: its stored name is all there is
        return field


def _words(value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "–" if value in (None, "") else str(value)


# Bookkeeping no reader asks about: the edit counter (ADR 0020).
UNSHOWN_FIELDS = {"version"}


def describe_change(event) -> list[str]:
    """'role: inspector → analyst' lines, one per changed field."""
    model = _model(event.pgh_obj_model)
    return [
        f"{_field_name(model, field)}: {_words(old)} → {_words(new)}"
        for field, (old, new) in (event.pgh_diff or {}).items()
        if field not in UNSHOWN_FIELDS
    ]


def kind_of(label: str) -> str:
    model = _model(label)
    return str(model._meta.verbose_name).capitalize() if model else label


def _names(ids) -> dict:
    return dict(User.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "full_name"))


def change_rows(events) -> list[dict]:
    events = list(events)
    names = _names({(e.pgh_context or {}).get("user") for e in events})
    return [
        {
            "at": event.pgh_created_at,
            "what": event.pgh_label,
            "kind": kind_of(event.pgh_obj_model),
            "record": event.pgh_obj_id,
            "who": names.get((event.pgh_context or {}).get("user"), "The system"),
            "changes": describe_change(event),
            # the request's id ties a change to the log lines and access entries it made
            "request": (event.pgh_context or {}).get("request_id", ""),
        }
        for event in events
    ]


def access_rows(entries) -> list[dict]:
    return [
        {
            "at": entry.at,
            "who": entry.user.full_name,
            "what": entry.get_action_display(),
            "kind": kind_of(entry.object_type),
            "record": entry.object_id,
            "via": entry.get_via_display(),
            "request": entry.request_id,
        }
        for entry in entries
    ]


LOGS = {
    "changes": (selectors.change_events, change_rows, "audittrail/changes.html"),
    "access": (selectors.access_entries, access_rows, "audittrail/access.html"),
}
CSV_COLUMNS = {
    "changes": [
        ("at", "When"),
        ("who", "Who"),
        ("what", "Change"),
        ("kind", "Record"),
        ("record", "Record number"),
        ("changes", "What changed"),
        ("request", "Request"),
    ],
    "access": [
        ("at", "When"),
        ("who", "Who"),
        ("what", "Action"),
        ("kind", "Record"),
        ("record", "Record number"),
        ("via", "Via"),
        ("request", "Request"),
    ],
}


def _filtered(request, log):
    select = LOGS[log][0]
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if form.is_valid() else {}
    return form, select(request.user, **filters)


def _audit_page(request, log):
    form, rows = _filtered(request, log)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    page.object_list = LOGS[log][1](page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    status = 400 if form.errors else 200
    context = {"form": form, "page": page, "query": query.urlencode(), "log": log}
    return render(request, LOGS[log][2], context, status=status)


@login_required
def audit_changes(request):
    return _audit_page(request, "changes")


@login_required
def audit_access(request):
    return _audit_page(request, "access")


@login_required
def audit_export(request, log):
    """The filtered rows as CSV; an invalid filter exports nothing, it shows the page's errors."""
    form, rows = _filtered(request, log)
    if form.errors:
        return _audit_page(request, log)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="audit-{log}-{stamp}.csv"'
    columns = CSV_COLUMNS[log]
    writer = csv.writer(response)
    writer.writerow([title for _, title in columns])
    for row in LOGS[log][1](rows.iterator()):
        values = {**row, "at": timezone.localtime(row["at"]).strftime("%d/%m/%Y %H:%M:%S")}
        if "changes" in values:
            values["changes"] = "; ".join(values["changes"])
        writer.writerow([values[key] for key, _ in columns])
    # the export is itself audited, once its rows are read (an export of the access log does not
    # hold its own entry): who exported which log, not the filters, which may name people
    AccessLogEntry.objects.create(
        user=request.user,
        action=AccessAction.EXPORT,
        object_type=f"audittrail.{log}",
        object_id="csv",
        request_id=current_request_id() or "",
        via="web",
    )
    return response
