"""A request id for every request: in the response header, the logs and the audit trail."""

import contextvars
import logging
import re
import uuid

_request_id = contextvars.ContextVar("request_id", default=None)
_VALID_INCOMING = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_INCOMING.match(incoming) else str(uuid.uuid4())
        token = _request_id.set(request_id)
        request.request_id = request_id
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = current_request_id() or "-"
        return True
