from django.urls import path

from cpinspect.casefiles import views

urlpatterns = [
    path("inspections/<int:pk>/extract/", views.extract_home, name="casefiles-extract"),
    path("inspections/<int:pk>/extract/upload/", views.extract_upload, name="casefiles-upload"),
    path(
        "inspections/<int:pk>/extract/<int:extract_id>/",
        views.extract_detail,
        name="casefiles-extract-detail",
    ),
    path(
        "inspections/<int:pk>/extract/<int:extract_id>/confirm/",
        views.extract_decide,
        {"decision": "confirm"},
        name="casefiles-extract-confirm",
    ),
    path(
        "inspections/<int:pk>/extract/<int:extract_id>/cancel/",
        views.extract_decide,
        {"decision": "cancel"},
        name="casefiles-extract-cancel",
    ),
    path("inspections/<int:pk>/sample/", views.sample_detail, name="casefiles-sample"),
    path("inspections/<int:pk>/sample/draw/", views.sample_draw, name="casefiles-sample-draw"),
    path(
        "inspections/<int:pk>/sample/cases/<int:case_id>/unusable/",
        views.case_unusable,
        name="casefiles-case-unusable",
    ),
    path(
        "inspections/<int:pk>/sample/cases/<int:case_id>/reveal/",
        views.case_reveal,
        name="casefiles-case-reveal",
    ),
]
