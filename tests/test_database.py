"""Where the database is: the embedded server under var/, or DATABASE_URL."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

CPINSPECT = str(Path(sys.executable).parent / "cpinspect")


def run(*args, env):
    return subprocess.run(
        [CPINSPECT, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_embedded_server_starts_under_the_var_folder_and_stops_on_exit(tmp_path):
    env = {**os.environ, "CPINSPECT_VAR_DIR": str(tmp_path / "var"), "CPINSPECT_TESTING": "1"}
    env.pop("DATABASE_URL", None)
    result = run("migrate", env=env)
    assert result.returncode == 0, result.stderr
    pgdata = tmp_path / "var" / "pgdata"
    assert (pgdata / "PG_VERSION").exists()
    # The server stopped when the command exited: no postmaster is left running.
    assert not (pgdata / "postmaster.pid").exists()
    # A second command starts it again and finds the migrated database.
    again = run("migrate", "--check", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not (pgdata / "postmaster.pid").exists()


@pytest.mark.django_db
def test_database_url_points_at_any_server(tmp_path):
    """Point DATABASE_URL at the running test server: the command uses it, not var/."""
    default = settings.DATABASES["default"]
    host = quote(default["HOST"], safe="")
    url = f"postgresql://{default['USER']}@{host}:{default['PORT']}/{default['NAME']}"
    owner = (
        f"postgresql://{settings.DATABASES['owner']['USER']}@{host}:{default['PORT']}/"
        f"{default['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_OWNER_URL": owner,
        "CPINSPECT_VAR_DIR": str(tmp_path / "unused"),
        "CPINSPECT_TESTING": "1",
    }
    result = run(
        "shell",
        "-c",
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('SELECT current_user, current_database()'); print(c.fetchone())",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str((default["USER"], default["NAME"]))
    assert not (tmp_path / "unused" / "pgdata").exists()


def test_processes_starting_at_once_set_the_database_up_in_turn():
    # The web app and the queue's worker start together (make demo): both create or alter the
    # same roles, which failed once with "tuple concurrently updated". Eight at once, as a race.
    import threading

    from cpinspect import database

    name = f"cpinspect_setup_race_{os.getpid()}"
    failures, barrier = [], threading.Barrier(8)

    def start():
        barrier.wait()
        try:
            database.ensure_embedded_database(name)
        except Exception as error:  # noqa: BLE001 (the test reports any failure)
            failures.append(repr(error))

    threads = [threading.Thread(target=start) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert failures == []
    finally:
        database.drop_embedded_database(name)
