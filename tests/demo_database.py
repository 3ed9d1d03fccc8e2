"""The demo, built once per test run through the console command, and cloned for the modules
that read it.

Building the demo takes minutes (migrations, a year's plan solved, three inspections' case files
examined, PDFs rendered), and six modules used to build it for themselves. Now ``cpinspect
reset_demo`` builds it once, into a database of its own with its own case-file folder and fixed
keys; a module that needs it asks for ``demo_database``, which copies that database
(``CREATE DATABASE ... TEMPLATE``, seconds) and the folder, and points the test connections at
the copy until the module ends. Each test still runs in a transaction that is rolled back.

The template is built by the real console command on a database that did not exist, so the
command itself is under test here (``tests/demo/test_demo.py`` reads its output).
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections

from cpinspect import database

DEMO_PASSWORD = "demo password 123"
PSEUDONYM_KEY = "test-master-secret-not-for-production"
# A fixed Fernet key (not a secret: it encrypts only the test demo's notes)
EVIDENCE_KEY = "9J1pCLsgWZ4hB4rUvOfbUMJ5lEoUaW9l3X1m4c8h0fA="
CLI = Path(sys.executable).parent / "cpinspect"
_clones = count(1)


@dataclass(frozen=True)
class DemoTemplate:
    name: str
    casefiles: Path
    output: str  # what ``cpinspect reset_demo`` printed


def demo_environment(casefiles: Path) -> dict:
    """Where the demo's case files are, and its keys (the same in the console and in tests)."""
    return {
        "CPINSPECT_CASEFILES_DIR": str(casefiles),
        "CPINSPECT_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "CPINSPECT_EVIDENCE_KEYS": EVIDENCE_KEY,
    }


def console_environment(database_name: str, casefiles: Path) -> dict:
    """What a console command needs to work on the demo in ``database_name``."""
    env = {
        **os.environ,
        "CPINSPECT_DEMO": "1",
        "CPINSPECT_DB_NAME": database_name,
        **demo_environment(casefiles),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the console command sets its own
    return env


def run_cli(*args, env, timeout=600):
    return subprocess.run(  # noqa: S603 (our own console command)
        [str(CLI), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def demo_template(django_db_setup, tmp_path_factory):
    """The demo, built once by ``cpinspect reset_demo`` on a database that did not exist."""
    name = f"{settings.DATABASES['owner']['NAME']}_demo"
    casefiles = tmp_path_factory.mktemp("demo") / "casefiles"
    env = console_environment(name, casefiles)
    try:
        built = run_cli("reset_demo", "--password", DEMO_PASSWORD, env=env, timeout=1200)
        assert built.returncode == 0, built.stderr
        yield DemoTemplate(name=name, casefiles=casefiles, output=built.stdout)
    finally:
        drop(name)


def clone(template: DemoTemplate, folder: Path) -> tuple[str, Path]:
    """A database and a case-file folder copied from the template's."""
    name = f"{template.name}_{next(_clones)}"
    with database.connect_as_owner(settings.DATABASES["owner"], "postgres") as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"')
    casefiles = folder / "casefiles"
    shutil.copytree(template.casefiles, casefiles)
    return name, casefiles


def drop(name: str) -> None:
    database.drop_database({**settings.DATABASES["owner"], "NAME": name})


def _point_connections_at(name: str) -> None:
    for alias in ("default", "owner"):
        connections[alias].close()
        settings.DATABASES[alias]["NAME"] = name
        connections[alias].settings_dict["NAME"] = name
    ContentType.objects.clear_cache()  # its ids are the other database's


@pytest.fixture(scope="module")
def demo_database(demo_template, django_db_blocker, tmp_path_factory):
    """For the whole module, the test connections work on a copy of the demo (and its case
    files and keys). Yields the copy's case-file folder."""
    test_database = settings.DATABASES["default"]["NAME"]
    name, casefiles = clone(demo_template, tmp_path_factory.mktemp("demo-copy"))
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock():
        for key, value in demo_environment(casefiles).items():
            patch.setenv(key, value)
        _point_connections_at(name)
        try:
            yield casefiles
        finally:
            _point_connections_at(test_database)
            drop(name)
