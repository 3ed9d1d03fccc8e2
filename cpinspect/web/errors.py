"""Error pages inside the service's layout, as the GOV.UK "page not found" and "there is a
problem with the service" patterns have them: what happened, in plain words, and a way on.

They never show the exception's text, which is written for developers (Django's own 404s say
"No Force matches the given query."), except a refusal from ``accounts.access.require``,
whose message is written for the person refused. Under ``/api/`` the answer is JSON, as the
API's own errors are.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from cpinspect.web.navigation import service_navigation

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def bad_request(request, exception=None):
    if isinstance(exception, TOO_LARGE):
        if _is_api(request):
            return _json("The request is too large.", 413)
        return render(request, "errors/413.html", status=413)
    if _is_api(request):
        return _json("The request could not be understood.", 400)
    return render(request, "errors/400.html", status=400)


def _refusal_text(exception) -> str:
    """The refusal's own words when a rule of ours wrote them; nothing otherwise."""
    if not isinstance(exception, PermissionDenied) or not exception.args:
        return ""
    text = str(exception.args[0])
    # access.require's messages are whole sentences for people; anything else is not shown
    return text if text[:1].isupper() and text.endswith(".") and len(text) <= 300 else ""


def permission_denied(request, exception=None):
    reason = _refusal_text(exception)
    if _is_api(request):
        return _json(reason or "You do not have permission to do this.", 403)
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _json("Not found.", 404)
    return render(request, "errors/404.html", status=404)


def csrf_failure(request, reason=""):
    """A form sent without its page's token (the page was old, or cookies are blocked)."""
    log.warning("A form was refused: its CSRF check failed.")
    if _is_api(request):
        return _json("The request was refused: send the CSRF token of your session.", 403)
    return render(request, "errors/csrf.html", status=403)


def server_error(request):
    """Rendered without the request's context processors or the user: whatever broke (the
    database, a session) may break them too."""
    if _is_api(request):
        return _json("Sorry, there is a problem with the service.", 500)
    context = {
        "request": request,
        "service_name": "CP Inspect",
        "demo_mode": settings.CPINSPECT_DEMO,
        "navigation": service_navigation(request, public_only=True),
    }
    html = loader.get_template("errors/500.html").render(context)
    return HttpResponseServerError(html)
