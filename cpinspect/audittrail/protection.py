"""Database privileges that keep the audit logs append-only for the application's role.

Run after every ``migrate`` (as the owner role): the application's role gets SELECT, INSERT,
UPDATE and DELETE on every table, then loses UPDATE, DELETE and TRUNCATE on the logs. Because
the owner role is not the application's role, the application cannot grant them back nor
disable the append-only triggers (only a table's owner may).
"""

from django.apps import apps
from django.conf import settings
from django.db import connections
from pghistory.models import Context, Event
from psycopg import sql

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


def grant_application_role(using="default", **kwargs):
    connection = connections[using]
    app_role = application_role()
    if not app_role or connection.settings_dict["USER"] == app_role:
        return  # one role for everything: only the append-only triggers protect the logs
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
