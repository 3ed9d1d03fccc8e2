"""API routes of the case-file audit, mounted under /api/ by cpinspect.api.urls."""

from django.urls import path

from cpinspect.assessments import api

P = "inspections/<int:pk>/fieldwork/"
CASE = P + "cases/<int:case_id>/"

urlpatterns = [
    path(P, api.fieldwork, name="api-fieldwork"),
    path(P + "cases/", api.cases, name="api-fieldwork-cases"),
    path(P + "worklist/", api.worklist, name="api-fieldwork-worklist"),
    path(P + "allocate/", api.allocate, name="api-fieldwork-allocate"),
    path(P + "moderation/", api.moderation, name="api-fieldwork-moderation"),
    path(P + "escalations/", api.escalations, name="api-fieldwork-escalations"),
    path(
        P + "escalations/<int:escalation_id>/acknowledge/",
        api.escalation_acknowledge,
        name="api-fieldwork-escalation-acknowledge",
    ),
    path(CASE, api.case_detail, name="api-fieldwork-case"),
    path(CASE + "assessment/", api.assessment, name="api-fieldwork-assessment"),
    path(CASE + "assessment/submit/", api.assessment_submit, name="api-fieldwork-submit"),
    path(CASE + "escalations/", api.escalate, name="api-fieldwork-escalate"),
    path(CASE + "sign-off/", api.sign_off, name="api-fieldwork-sign-off"),
    path(CASE + "unlock/", api.unlock, name="api-fieldwork-unlock"),
    path(CASE + "resolve/", api.resolve, name="api-fieldwork-resolve"),
    path(CASE + "moderate/", api.moderate, name="api-fieldwork-moderate"),
    path(CASE + "reallocate/", api.reallocate, name="api-fieldwork-reallocate"),
    path(CASE + "unusable/", api.unusable, name="api-fieldwork-unusable"),
]
