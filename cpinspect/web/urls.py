from django.urls import path
from django.views.generic import RedirectView

from cpinspect.accounts.views import SignInView, SignOutView
from cpinspect.web import pages, programme_pages, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sign-in/", SignInView.as_view(), name="sign-in"),
    path("sign-out/", SignOutView.as_view(), name="sign-out"),
    path("forces/", views.force_list, name="force-list"),
    path("forces/<str:code>/", views.force_detail, name="force-detail"),
    path("programmes/new/", programme_pages.programme_new, name="programme-new"),
    path("inspections/", views.dashboard, name="dashboard"),
    path("inspections/new/", views.inspection_new, name="inspection-new"),
    path("inspections/<int:pk>/team/", views.team_add, name="team-add"),
    path(
        "inspections/<int:pk>/team/<int:member_pk>/remove/", views.team_remove, name="team-remove"
    ),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("inspections/<int:pk>/status/", views.inspection_transition, name="inspection-transition"),
    path("accessibility-statement/", pages.accessibility, name="accessibility"),
    path("privacy/", pages.privacy, name="privacy"),
    path("cookies/", pages.cookies, name="cookies"),
    path("api-documentation/", pages.api_documentation, name="api-documentation"),
    # govuk-frontend's compiled CSS looks for its fonts and images under /assets/.
    path("assets/<path:asset>", RedirectView.as_view(url="/static/govuk/assets/%(asset)s")),
]
