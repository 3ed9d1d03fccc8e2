"""Reads of the two logs for the administrators' audit pages."""

from pghistory.models import Events

from cpinspect.accounts import access
from cpinspect.audittrail.models import AccessLogEntry
from cpinspect.programmes.services import require


def change_events(
    user, *, user_id=None, object_type=None, object_id=None, date_from=None, date_to=None
):
    require(access.can_browse_audit_trail(user))
    events = Events.objects.all().order_by("-pgh_created_at", "-pgh_slug")
    if user_id:
        events = events.filter(pgh_context__user=int(user_id))
    if object_type:
        events = events.filter(pgh_obj_model__iexact=object_type)
    if object_id:
        events = events.filter(pgh_obj_id=str(object_id))
    if date_from:
        events = events.filter(pgh_created_at__date__gte=date_from)
    if date_to:
        events = events.filter(pgh_created_at__date__lte=date_to)
    return events


def access_entries(
    user, *, user_id=None, object_type=None, object_id=None, date_from=None, date_to=None
):
    require(access.can_browse_audit_trail(user))
    entries = AccessLogEntry.objects.select_related("user")
    if user_id:
        entries = entries.filter(user_id=user_id)
    if object_type:
        entries = entries.filter(object_type__iexact=object_type)
    if object_id:
        entries = entries.filter(object_id=str(object_id))
    if date_from:
        entries = entries.filter(at__date__gte=date_from)
    if date_to:
        entries = entries.filter(at__date__lte=date_to)
    return entries
