"""Database privileges that keep the audit logs append-only and the triggers on for the
application's role (ADR 0002, ADR 0018).

Run after every ``migrate`` (as the owner role), after every other app's post-migrate work
(pgtrigger's own reinstalls its stock ignore function): the triggers are hardened
(``hardening.harden``); then the application's role gets SELECT, INSERT, UPDATE and DELETE on
every table, loses UPDATE, DELETE and TRUNCATE on the logs, and may create nothing (no
temporary tables, no schema, nothing in ``public``). Because the owner role is not the
application's role, the application cannot grant them back nor disable or replace a trigger
(only an object's owner may).
"""

from django.apps import apps
from django.conf import settings
from django.db import connections
from pghistory.models import Context, Event
from psycopg import sql

from cpinspect.audittrail import hardening
from cpinspect.audittrail.models import AccessLogEntry


def append_only_tables() -> list[str]:
    tables = [AccessLogEntry._meta.db_table]
    tables += [
        m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, Event) and not m._meta.abstract and not m._meta.proxy and m._meta.managed
    ]
    return sorted(set(tables))


def application_role() -> str:
    return settings.DATABASES["default"]["USER"]


def separate_application_role(connection) -> str | None:
    """The app role when it is not the role of ``connection`` (None: one role for all)."""
    app_role = application_role()
    if not app_role or connection.settings_dict["USER"] == app_role:
        return None
    return app_role


def _last_post_migrate_sender():
    """``migrate`` sends post_migrate once per app with models, in INSTALLED_APPS order."""
    return [c for c in apps.get_app_configs() if c.models_module is not None][-1]


def after_migrate(app_config=None, using="default", **kwargs):
    """The post-migrate hook: once per migrate, after every app's own post-migrate work."""
    if app_config is not _last_post_migrate_sender():
        return
    connection = connections[using]
    if connection.settings_dict["USER"] == application_role() and separate_application_role(
        connections["owner"]
    ):
        return  # the app role's own post_migrate (a flush): it can change nothing here
    hardening.harden(connection)
    grant_application_role(using=using)


def grant_application_role(using="default", **kwargs):
    connection = connections[using]
    app_role = separate_application_role(connection)
    if app_role is None:
        return  # one role for everything: only the triggers protect the logs (ADR 0002)
    role = sql.Identifier(app_role)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(role)
        )
        cursor.execute(
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role)
        )
        for table in append_only_tables():
            cursor.execute(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                    sql.Identifier(table), role
                )
            )
        # pghistory merges context metadata into its row within a request (UPDATE), but the
        # context of a recorded change is never removed.
        cursor.execute(
            sql.SQL("REVOKE DELETE, TRUNCATE ON {} FROM {}").format(
                sql.Identifier(Context._meta.db_table), role
            )
        )
        _revoke_creating(cursor, role)


def _revoke_creating(cursor, role) -> None:
    """The app role creates nothing: a temporary table, or a table or function in a schema
    earlier in the search_path, could take the place of one a trigger writes to. Only the
    database's (and the schema's) owner may revoke this; on a server where the owner role is
    not, ``hardening.problems`` says what is left to do."""
    cursor.execute(
        "SELECT current_database(), pg_has_role(current_user, d.datdba, 'MEMBER'), "
        "pg_has_role(current_user, n.nspowner, 'MEMBER') "
        "FROM pg_database d, pg_namespace n "
        "WHERE d.datname = current_database() AND n.nspname = 'public'"
    )
    name, owns_database, owns_public = cursor.fetchone()
    for grantee in (sql.SQL("PUBLIC"), role):
        if owns_database:
            cursor.execute(
                sql.SQL("REVOKE CREATE, TEMPORARY ON DATABASE {} FROM {}").format(
                    sql.Identifier(name), grantee
                )
            )
        if owns_public:
            cursor.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(grantee))
