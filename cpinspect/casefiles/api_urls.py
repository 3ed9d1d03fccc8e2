"""API routes of this app, mounted under /api/ by cpinspect.api.urls."""

from django.urls import path

from cpinspect.casefiles import api

urlpatterns = [
    path("inspections/<int:pk>/extracts/", api.extracts, name="api-casefiles-extracts"),
    path(
        "inspections/<int:pk>/extracts/<int:extract_id>/",
        api.extract_detail,
        name="api-casefiles-extract",
    ),
    path(
        "inspections/<int:pk>/extracts/<int:extract_id>/problems/",
        api.extract_problems,
        name="api-casefiles-extract-problems",
    ),
    path("inspections/<int:pk>/sample/", api.sample, name="api-casefiles-sample"),
    path(
        "inspections/<int:pk>/sample/cases/<int:case_id>/reveal/",
        api.case_reveal,
        name="api-casefiles-reveal",
    ),
    path(
        "inspections/<int:pk>/sample/cases/<int:case_id>/unusable/",
        api.case_unusable,
        name="api-casefiles-unusable",
    ),
]
