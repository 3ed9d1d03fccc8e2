"""The web app's own pages: the home page and the health check. Every other page lives in
the app that owns it (registry, programmes, casefiles, assessments, findings, ...)."""

import logging

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from cpinspect.audittrail import hardening
from cpinspect.web.home import home_context

log = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """Whether the database answers, and whether its triggers are safe from the application's
    own role (ADR 0018). What is wrong goes to the log, not to this public page."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        problems = hardening.current_problems()
    except Exception:  # any failure to reach the database is "unhealthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    if problems:
        for problem in problems:
            log.error("The database's triggers are not safe: %s.", problem)
        return JsonResponse({"status": "error", "database": "ok", "triggers": "unsafe"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "triggers": "ok"})


def home(request):
    # a signed-in person's tasks (web/home.py); a visitor's page is the same for everyone
    return render(request, "web/home.html", home_context(request))
