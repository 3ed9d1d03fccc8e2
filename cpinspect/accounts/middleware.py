"""Renewal of a signed-in session's idle time-out."""

import time

from django.conf import settings

RENEWED_AT = "_renewed_at"


class SessionRenewalMiddleware:
    """Renew the session's expiry at most once every ``SESSION_RENEWAL_SECONDS``.

    Renewing on every request (``SESSION_SAVE_EVERY_REQUEST``) wrote the session row on every
    page and autosave; the audit form is requested several times a minute by each inspector.
    An idle session therefore ends between ``SESSION_COOKIE_AGE - SESSION_RENEWAL_SECONDS`` and
    ``SESSION_COOKIE_AGE`` after the last request. Listed after SessionMiddleware, so that its
    response step runs first and the session middleware saves what it marks.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # is_empty() is true when there is no session cookie, or the session was never read
        # and holds nothing yet (e.g. /healthz without a cookie): nothing to renew
        if session is not None and not session.is_empty():
            now = int(time.time())
            if now - session.get(RENEWED_AT, 0) >= settings.SESSION_RENEWAL_SECONDS:
                session[RENEWED_AT] = now  # marks the session modified: it is saved
        return response
