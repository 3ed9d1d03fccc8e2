"""API routes of this app, mounted under /api/ by cpinspect.api.urls."""

from django.urls import path

from cpinspect.findings import api

P = "inspections/<int:pk>/"

urlpatterns = [
    path(f"{P}findings/", api.findings, name="api-findings"),
    path(f"{P}judgements/", api.judgement_record, name="api-findings-judgements"),
    path(f"{P}causes-of-concern/", api.cause_create, name="api-findings-causes"),
    path(f"{P}recommendations/", api.recommendation_add, name="api-findings-recommendations"),
    path(
        f"{P}recommendations/<int:recommendation_id>/status/",
        api.recommendation_status,
        name="api-findings-recommendation-status",
    ),
    path(f"{P}areas-for-improvement/", api.area_add, name="api-findings-areas"),
    path(
        f"{P}follow-up-proposals/<int:proposal_id>/accept/",
        api.follow_up_accept,
        name="api-findings-follow-up-accept",
    ),
    path(
        f"{P}follow-up-proposals/<int:proposal_id>/decline/",
        api.follow_up_decline,
        name="api-findings-follow-up-decline",
    ),
    path(f"{P}action-plan/", api.action_plan, name="api-findings-action-plan"),
    path("recommendations/", api.recommendations_board, name="api-recommendations"),
]
