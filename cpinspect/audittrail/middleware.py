from pghistory.middleware import HistoryMiddleware

from cpinspect.web.middleware import current_request_id


class AuditContextMiddleware(HistoryMiddleware):
    """Every change made during a request is recorded with the user, path and request id."""

    def get_context(self, request):
        context = super().get_context(request)
        context["request_id"] = current_request_id()
        return context
