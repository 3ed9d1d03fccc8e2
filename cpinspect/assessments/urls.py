from django.urls import path

from cpinspect.assessments import views

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
    path(CASE + "escalate/", views.escalate, name="assessments-escalate"),
    path(CASE + "<slug:action>/", views.case_action, name="assessments-case-action"),
]
