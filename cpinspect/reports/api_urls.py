"""API routes of this app, mounted under /api/ by cpinspect.api.urls."""

from django.urls import path

from cpinspect.reports import api

urlpatterns = [
    path("reports/", api.reports, name="api-reports"),
    path("reports/<int:pk>/", api.report, name="api-report"),
]
