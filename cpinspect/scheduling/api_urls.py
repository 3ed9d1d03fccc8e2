"""API routes of this app, mounted under /api/ by cpinspect.api.urls."""

from django.urls import path

from cpinspect.scheduling import api

urlpatterns = [
    path("programmes/<int:pk>/priorities/", api.priorities, name="api-plan-priorities"),
    path("programmes/<int:pk>/plans/", api.plans, name="api-plans"),
    path("plans/<int:pk>/", api.plan_detail, name="api-plan-detail"),
    path("plans/<int:pk>/publish/", api.plan_publish, name="api-plan-publish"),
]
