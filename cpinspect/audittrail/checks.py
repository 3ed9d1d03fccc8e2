"""The system check that the triggers cannot be switched off by the application's role:
``cpinspect check --database default`` (ADR 0018). ``migrate`` runs the checks for the owner's
database only, so a database that is not migrated yet never stops its own migration."""

from django.core.checks import Error, Tags, register

from cpinspect.audittrail import hardening


@register(Tags.database)
def triggers_cannot_be_switched_off(app_configs=None, databases=None, **kwargs):
    if not databases or "default" not in databases:
        return []
    return [
        Error(
            f"The database's triggers are not safe: {problem}.",
            hint="Run 'cpinspect migrate' as the owner role; see "
            "docs/decisions/0018-triggers-the-application-cannot-switch-off.md.",
            id="cpinspect.E001",
        )
        for problem in hardening.current_problems()
    ]
