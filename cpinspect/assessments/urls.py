from django.urls import path

from cpinspect.assessments import section_views, views

P = "inspections/<int:pk>/fieldwork/"
CASE = P + "cases/<int:case_id>/"

urlpatterns = [
    path(P, views.fieldwork_home, name="assessments-home"),
    path(P + "allocate/", views.allocate, name="assessments-allocate"),
    path(P + "worklist/", views.worklist, name="assessments-worklist"),
    path(P + "moderation/", views.moderation, name="assessments-moderation"),
    path(P + "escalations/", views.escalations, name="assessments-escalations"),
    path(
        P + "escalations/<int:escalation_id>/acknowledge/",
        views.escalation_acknowledge,
        name="assessments-escalation-acknowledge",
    ),
    path(CASE, views.case_detail, name="assessments-case"),
    path(CASE + "assess/", views.assessment_form, name="assessments-assess"),
    path(CASE + "examine/", section_views.task_list, name="assessments-tasks"),
    path(CASE + "examine/check/", section_views.check_answers, name="assessments-check"),
    path(
        CASE + "examine/<slug:section_id>/",
        section_views.section_form,
        name="assessments-section",
    ),
    path(CASE + "escalate/", views.escalate, name="assessments-escalate"),
    path(CASE + "<slug:action>/", views.case_action, name="assessments-case-action"),
]
