from django.conf import settings


def site(request):
    return {"demo_mode": settings.CPINSPECT_DEMO, "service_name": "CP Inspect"}
