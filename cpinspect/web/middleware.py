"""A request id for every request: in the response header, the logs and the audit trail.

The id is set when Django starts handling the request (the ``request_started`` signal), before
any middleware, and cleared when the response is finished, so that every log line of the
request carries it, including Django's own "Not Found" lines written after the middleware.
"""

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished, request_started

_request_id = contextvars.ContextVar("request_id", default=None)
# At most 36 characters (a UUID's length): the access log's request_id column holds 36, and a
# longer id would make every logged view fail. A longer or odd id is replaced, not cut.
_VALID_INCOMING = re.compile(r"^[A-Za-z0-9-]{8,36}$")


def current_request_id() -> str | None:
    return _request_id.get()


def _start(sender, environ=None, **kwargs):
    incoming = (environ or {}).get("HTTP_X_REQUEST_ID", "")
    _request_id.set(incoming if _VALID_INCOMING.match(incoming) else str(uuid.uuid4()))


def _finish(sender, **kwargs):
    _request_id.set(None)


request_started.connect(_start, dispatch_uid="cpinspect-request-id-start")
request_finished.connect(_finish, dispatch_uid="cpinspect-request-id-finish")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if current_request_id() is None:  # e.g. a request built without the handler
            _start(None, request.META)
        request.request_id = current_request_id()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = current_request_id() or "-"
        return True
