"""The service's own information pages, linked from every page's footer: the accessibility
statement, the privacy notice, the cookies page and the API documentation. All public."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cpinspect.api import documentation
from cpinspect.web.cookies import service_cookies


def _contact():
    return {"contact_email": settings.CPINSPECT_CONTACT_EMAIL}


@require_safe
def accessibility(request):
    return render(request, "web/accessibility.html", _contact())


@require_safe
def privacy(request):
    return render(
        request,
        "web/privacy.html",
        {
            **_contact(),
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


@require_safe
def cookies(request):
    return render(request, "web/cookies.html", {"cookies": service_cookies()})


@require_safe
def api_documentation(request):
    return render(
        request,
        "web/api_documentation.html",
        {"groups": documentation.groups(), "info": documentation.info()},
    )
