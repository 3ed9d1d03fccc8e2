from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AudittrailConfig(AppConfig):
    name = "cpinspect.audittrail"
    verbose_name = "Audit trail"

    def ready(self):
        from cpinspect.audittrail import checks, protection  # noqa: F401 (checks registers itself)

        # Every app's post_migrate, so that it can run after the last (pgtrigger's own
        # reinstalls the stock ignore function): see protection.after_migrate.
        post_migrate.connect(protection.after_migrate, dispatch_uid="cpinspect-protection")
