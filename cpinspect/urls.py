from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("cpinspect.api.urls")),
    path("", include("cpinspect.accounts.urls")),
    path("", include("cpinspect.registry.urls")),
    path("", include("cpinspect.programmes.urls")),
    path("", include("cpinspect.audittrail.urls")),
    path("", include("cpinspect.casefiles.urls")),
    path("", include("cpinspect.assessments.urls")),
    path("", include("cpinspect.findings.urls")),
    path("", include("cpinspect.scheduling.urls")),
    path("", include("cpinspect.national.urls")),
    path("", include("cpinspect.reports.urls")),
    path("", include("cpinspect.web.urls")),
]

# Error pages inside the layout, with a way on (cpinspect/web/errors.py).
handler400 = "cpinspect.web.errors.bad_request"
handler403 = "cpinspect.web.errors.permission_denied"
handler404 = "cpinspect.web.errors.page_not_found"
handler500 = "cpinspect.web.errors.server_error"
