from django.urls import path

from cpinspect.programmes import views

urlpatterns = [
    path("programmes/new/", views.programme_new, name="programme-new"),
    path("inspections/", views.dashboard, name="dashboard"),
    path("inspections/new/", views.inspection_new, name="inspection-new"),
    path("inspections/<int:pk>/team/", views.team_add, name="team-add"),
    path(
        "inspections/<int:pk>/team/<int:member_pk>/remove/", views.team_remove, name="team-remove"
    ),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("inspections/<int:pk>/status/", views.inspection_transition, name="inspection-transition"),
]
