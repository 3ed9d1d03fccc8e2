from django.urls import path

from cpinspect.findings import views

P = "inspections/<int:pk>/findings/"

urlpatterns = [
    path(P, views.inspection_findings, name="findings-inspection"),
    path(f"{P}judgements/<slug:topic>/", views.judgement, name="findings-judgement"),
    path(f"{P}causes/new/", views.cause_new, name="findings-cause-new"),
    path(f"{P}causes/<int:cause_id>/", views.cause_edit, name="findings-cause-edit"),
    path(f"{P}causes/<int:cause_id>/delete/", views.cause_delete, name="findings-cause-delete"),
    path(f"{P}recommendations/new/", views.recommendation_new, name="findings-recommendation-new"),
    path(
        f"{P}recommendations/<int:recommendation_id>/",
        views.recommendation_detail,
        name="findings-recommendation",
    ),
    path(
        f"{P}recommendations/<int:recommendation_id>/edit/",
        views.recommendation_edit,
        name="findings-recommendation-edit",
    ),
    path(
        f"{P}recommendations/<int:recommendation_id>/delete/",
        views.recommendation_delete,
        name="findings-recommendation-delete",
    ),
    path(f"{P}areas/new/", views.area_new, name="findings-area-new"),
    path(f"{P}areas/<int:area_id>/", views.area_edit, name="findings-area-edit"),
    path(f"{P}areas/<int:area_id>/delete/", views.area_delete, name="findings-area-delete"),
    path(
        f"{P}follow-ups/<int:proposal_id>/accept/",
        views.follow_up_accept,
        name="findings-follow-up-accept",
    ),
    path(
        f"{P}follow-ups/<int:proposal_id>/decline/",
        views.follow_up_decline,
        name="findings-follow-up-decline",
    ),
    path(f"{P}action-plan/", views.action_plan, name="findings-action-plan"),
    path(f"{P}action-plan/send/", views.action_plan_send, name="findings-action-plan-send"),
    path(
        f"{P}recommendations/<int:recommendation_id>/progress/",
        views.recommendation_progress,
        name="findings-recommendation-progress",
    ),
    path("recommendations/", views.recommendations_board, name="recommendations-board"),
]
