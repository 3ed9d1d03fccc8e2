from django.urls import path
from django.views.generic import RedirectView

from cpinspect.accounts.views import SignInView, SignOutView
from cpinspect.web import pages, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sign-in/", SignInView.as_view(), name="sign-in"),
    path("sign-out/", SignOutView.as_view(), name="sign-out"),
    path("accessibility-statement/", pages.accessibility, name="accessibility"),
    path("privacy/", pages.privacy, name="privacy"),
    path("cookies/", pages.cookies, name="cookies"),
    path("api-documentation/", pages.api_documentation, name="api-documentation"),
    # govuk-frontend's compiled CSS looks for its fonts and images under /assets/.
    path("assets/<path:asset>", RedirectView.as_view(url="/static/govuk/assets/%(asset)s")),
]
