from django.urls import path

from cpinspect.audittrail import views

urlpatterns = [
    path("audit/changes/", views.audit_changes, name="audit-changes"),
    path("audit/access/", views.audit_access, name="audit-access"),
    path("audit/changes.csv", views.audit_export, {"log": "changes"}, name="audit-changes-csv"),
    path("audit/access.csv", views.audit_export, {"log": "access"}, name="audit-access-csv"),
]
