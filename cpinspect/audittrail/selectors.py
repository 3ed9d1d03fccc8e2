"""Reads of the two logs for the administrators' audit pages."""

from pghistory.models import Events

from cpinspect.accounts import access
from cpinspect.audittrail.models import AccessLogEntry


def _filtered(rows, fields: dict, *, user_id, object_type, object_id, date_from, date_to):
    """Apply the audit pages' filters; ``fields`` names each log's column for each filter."""
    wanted = {
        fields["user"]: int(user_id) if user_id else None,
        f"{fields['object_type']}__iexact": object_type or None,
        fields["object_id"]: str(object_id) if object_id else None,
        f"{fields['at']}__date__gte": date_from,
        f"{fields['at']}__date__lte": date_to,
    }
    return rows.filter(**{lookup: value for lookup, value in wanted.items() if value})


def change_events(
    user, *, user_id=None, object_type=None, object_id=None, date_from=None, date_to=None
):
    access.require(access.can_browse_audit_trail(user))
    events = Events.objects.all().order_by("-pgh_created_at", "-pgh_slug")
    fields = {
        "user": "pgh_context__user",
        "object_type": "pgh_obj_model",
        "object_id": "pgh_obj_id",
        "at": "pgh_created_at",
    }
    return _filtered(
        events,
        fields,
        user_id=user_id,
        object_type=object_type,
        object_id=object_id,
        date_from=date_from,
        date_to=date_to,
    )


def access_entries(
    user, *, user_id=None, object_type=None, object_id=None, date_from=None, date_to=None
):
    access.require(access.can_browse_audit_trail(user))
    entries = AccessLogEntry.objects.select_related("user")
    fields = {"user": "user_id", "object_type": "object_type", "object_id": "object_id", "at": "at"}
    return _filtered(
        entries,
        fields,
        user_id=user_id,
        object_type=object_type,
        object_id=object_id,
        date_from=date_from,
        date_to=date_to,
    )
