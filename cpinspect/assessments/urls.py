from django.urls import path

from cpinspect.assessments import section_views, views

P = "inspections/<int:pk>/fieldwork/"
CASE = P + "cases/<int:case_id>/"

urlpatterns = [
    path(P, views.fieldwork_home, name="assessments-home"),
    path(P + "allocate/", views.allocate, name="assessments-allocate"),
    path(P + "sign-off/", views.bulk_sign_off, name="assessments-bulk-sign-off"),
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
    # one view per action; the paths are those of the former slug-dispatched case_action
    path(CASE + "sign-off/", views.case_sign_off, name="assessments-sign-off"),
    path(CASE + "unlock/", views.case_unlock, name="assessments-unlock"),
    path(CASE + "resolve/", views.disagreement_resolve, name="assessments-resolve"),
    path(CASE + "moderate/", views.moderator_choose, name="assessments-moderate"),
    path(CASE + "reallocate/", views.case_reallocate, name="assessments-reallocate"),
    path(CASE + "unusable/", views.case_mark_unusable, name="assessments-unusable"),
]
