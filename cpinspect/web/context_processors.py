from django.conf import settings

from cpinspect.web.navigation import service_navigation


def site(request):
    return {
        "demo_mode": settings.CPINSPECT_DEMO,
        "service_name": "CP Inspect",
        "navigation": service_navigation(request),
    }
