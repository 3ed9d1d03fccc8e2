from cpinspect.audittrail.models import AccessAction, AccessLogEntry
from cpinspect.web.middleware import current_request_id


def access_log_record(*, user, action: str, obj, inspection_id=None, via: str = "web"):
    """Append one entry to the access log for a view, export, download or reveal."""
    assert action in AccessAction.values
    return AccessLogEntry.objects.create(
        user=user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        inspection_id=inspection_id,
        request_id=current_request_id() or "",
        via=via,
    )
