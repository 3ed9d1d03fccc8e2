"""What keeps the protective and history triggers on for the application's database role
(ADR 0018).

Every django-pgtrigger trigger (django-pghistory's history triggers, the ``append_only`` and
``Protect`` triggers, ``published_report_immutable``) first asks
``public._pgtrigger_should_ignore(TG_NAME)``. pgtrigger's own version reads the session
setting ``pgtrigger.ignore``, which any role may set, so any role could switch any trigger off.
Nothing in CP Inspect uses ``pgtrigger.ignore``, so after every ``migrate`` (``protection``
runs ``harden`` as the owner) that function is replaced by one that never ignores a trigger.

Trigger functions name tables and functions without a schema (``INSERT INTO
"reports_reportevent"``), so a table or function of the same name earlier in the session's
``search_path`` (a temporary table comes first by default) would receive the history instead.
Every function in ``public`` therefore runs with a fixed ``search_path``, and the app role may
create nothing (no temporary tables, nothing in any schema; see ``protection``).

A later migration or ``pgtrigger install`` puts pgtrigger's stock function back, so
``problems`` checks the installed state: the ``/healthz`` page and the system check
``cpinspect check --database default`` report it.
"""

from __future__ import annotations

from django.db import connections
from psycopg import sql

IGNORE_FUNCTION = "_pgtrigger_should_ignore"
# What the hardened function's body is: ``problems`` compares the installed body to it.
IGNORE_BODY = "SELECT FALSE /* cpinspect: pgtrigger.ignore is never honoured (ADR 0018) */"
# Same name, argument and result as pgtrigger's, so every installed trigger calls this one.
HARDENED_IGNORE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION "public".{IGNORE_FUNCTION}(trigger_name NAME)
RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$ {IGNORE_BODY} $$
"""
SEARCH_PATH = "pg_catalog, public, pg_temp"  # pg_temp last: never shadows a real table
PINNED = f"search_path={SEARCH_PATH}"

_OWN_FUNCTIONS = """
SELECT p.oid::regprocedure::text
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.prokind = 'f' AND p.proowner = %s::regrole
  AND NOT (coalesce(p.proconfig, '{}') @> ARRAY[%s])
"""


def harden(connection) -> None:
    """Install the hardened ignore function and fix the ``search_path`` of every function
    in ``public`` the connected role owns. Run as the owner after every migrate."""
    with connection.cursor() as cursor:
        cursor.execute(HARDENED_IGNORE_FUNCTION)
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
        cursor.execute(_OWN_FUNCTIONS, [owner, PINNED])
        for (signature,) in cursor.fetchall():
            # ``signature`` comes from the catalogue (regprocedure), already quoted.
            cursor.execute(
                sql.SQL("ALTER FUNCTION {} SET search_path = pg_catalog, public, pg_temp").format(
                    sql.SQL(signature)
                )
            )


_IGNORE_FUNCTION_NOW = """
SELECT l.lanname, p.prosrc
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = 'public' AND p.proname = %s
"""

_UNPINNED_FUNCTIONS = """
SELECT p.proname
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.prokind = 'f'
  AND NOT (coalesce(p.proconfig, '{}') @> ARRAY[%s])
ORDER BY 1
"""

_TRIGGERS_OFF = """
SELECT c.relname || '.' || t.tgname
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND NOT t.tgisinternal AND t.tgenabled NOT IN ('O', 'A')
ORDER BY 1
"""

# Each: (what the app role must not be able to do, the query that says it can, the first
# PostgreSQL version that has it).
_APP_ROLE_POWERS = [
    (
        "is a superuser or may bypass row security",
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %(app)s",
        0,
    ),
    (
        "is a member of a role that owns a table or function in public (it could SET ROLE and "
        "disable or replace triggers)",
        """SELECT EXISTS (
            SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND pg_has_role(%(app)s, c.relowner, 'MEMBER')
            UNION ALL
            SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND pg_has_role(%(app)s, p.proowner, 'MEMBER'))""",
        0,
    ),
    (
        "may create schemas or temporary tables in the database (a temporary table of the same "
        "name would receive a table's history)",
        """SELECT has_database_privilege(%(app)s, current_database(), 'CREATE')
               OR has_database_privilege(%(app)s, current_database(), 'TEMPORARY')""",
        0,
    ),
    (
        "may create objects in a schema (one could shadow a table or function)",
        """SELECT EXISTS (SELECT 1 FROM pg_namespace
            WHERE nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema'
              AND has_schema_privilege(%(app)s, oid, 'CREATE'))""",
        0,
    ),
    (
        "may truncate, or add triggers to, a table in public (TRUNCATE skips row triggers)",
        """SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
              AND (has_table_privilege(%(app)s, c.oid, 'TRUNCATE')
                   OR has_table_privilege(%(app)s, c.oid, 'TRIGGER')))""",
        0,
    ),
    (
        "may set session_replication_role (which switches every trigger off)",
        "SELECT has_parameter_privilege(%(app)s, 'session_replication_role', 'SET')",
        150000,  # before PostgreSQL 15 only a superuser could set it, and there is no such test
    ),
]


def problems(connection, app_role: str | None) -> list[str]:
    """What would let the application's role switch a trigger off, in words; empty when
    nothing would. ``app_role`` None (one role for everything) checks only the triggers and
    their functions: that role owns the tables, so it can always disable their triggers."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(_IGNORE_FUNCTION_NOW, [IGNORE_FUNCTION])
        installed = cursor.fetchone()
        if installed is None:
            found.append("the function _pgtrigger_should_ignore is missing (run migrate)")
        elif installed[0] != "sql" or installed[1].strip() != IGNORE_BODY:
            found.append(
                "pgtrigger's own _pgtrigger_should_ignore is installed: any role can switch the "
                "triggers off with the pgtrigger.ignore setting (run migrate)"
            )
        cursor.execute(_UNPINNED_FUNCTIONS, [PINNED])
        unpinned = [name for (name,) in cursor.fetchall()]
        if unpinned:
            found.append(
                f"{len(unpinned)} function(s) in public run with the caller's search_path "
                f"(run migrate): {', '.join(unpinned[:5])}"
            )
        cursor.execute(_TRIGGERS_OFF)
        off = [name for (name,) in cursor.fetchall()]
        if off:
            found.append(f"{len(off)} trigger(s) are disabled: {', '.join(off[:5])}")
        if app_role:
            for power, query, since in _APP_ROLE_POWERS:
                if connection.pg_version < since:
                    continue
                cursor.execute(query, {"app": app_role})
                if cursor.fetchone()[0]:
                    found.append(f"the application's role {app_role} {power}")
    return found


def current_problems() -> list[str]:
    """``problems`` as the application connects: its own role, and whether the owner role
    is a different one."""
    app_role = connections["default"].settings_dict["USER"]
    owner_role = connections["owner"].settings_dict["USER"]
    separate = app_role if app_role and app_role != owner_role else None
    return problems(connections["default"], separate)
