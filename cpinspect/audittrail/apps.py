from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AudittrailConfig(AppConfig):
    name = "cpinspect.audittrail"
    verbose_name = "Audit trail"

    def ready(self):
        from cpinspect.audittrail import protection

        post_migrate.connect(protection.grant_application_role, sender=self)
