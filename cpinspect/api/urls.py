from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from cpinspect.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("forces", views.ForceViewSet, basename="force")
router.register("councils", views.CouncilViewSet, basename="council")
router.register("inspections", views.InspectionViewSet, basename="inspection")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("cpinspect.casefiles.api_urls")),
    path("", include("cpinspect.findings.api_urls")),
    path("", include("cpinspect.assessments.api_urls")),
    path("", include("cpinspect.scheduling.api_urls")),
    path("", include("cpinspect.reports.api_urls")),
    path("", include(router.urls)),
]
