"""The hardened trigger set-up is what every migrate leaves behind, and anything that undoes it
is reported: by /healthz (503) and by ``cpinspect check --database default`` (ADR 0018)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pgtrigger.installation
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connections

from cpinspect import database
from cpinspect.audittrail import hardening, protection
from tests.tampering import as_owner

# pgtrigger's own function, as every trigger installation (and so a later migration) puts it
# back: it honours the pgtrigger.ignore setting.
STOCK_IGNORE_FUNCTION = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    DECLARE _pgtrigger_ignore TEXT[]; _result BOOLEAN;
    BEGIN
        BEGIN
            SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        IF _pgtrigger_ignore IS NOT NULL THEN
            SELECT trigger_name = ANY(_pgtrigger_ignore) INTO _result;
            RETURN _result;
        ELSE
            RETURN FALSE;
        END IF;
    END;
$$ LANGUAGE plpgsql
"""


def _app_role_problems(using="default"):
    return hardening.problems(connections[using], database.APP_ROLE)


@pytest.mark.django_db(databases=["default", "owner"])
def test_migrate_ends_with_the_hardened_function_whatever_ran_before():
    """A later migration, or pgtrigger's own install (which migrate also runs), puts pgtrigger's
    stock function back; the post-migrate hook runs after them and wins."""
    pgtrigger.installation.install(database="owner")
    assert any("pgtrigger's own" in p for p in _app_role_problems("owner"))
    call_command("migrate", database="owner", verbosity=0)
    assert _app_role_problems("owner") == []


@pytest.mark.django_db
def test_a_post_migrate_of_the_application_role_changes_nothing():
    """A flush (as a transactional test's teardown does) sends post_migrate for the app role's
    connection: the hook must not try, as that role, what only the owner may do. (pgtrigger's
    own post_migrate install fails there too, whatever this hook does.)"""
    last = [c for c in apps.get_app_configs() if c.models_module is not None][-1]
    protection.after_migrate(app_config=last, using="default")
    assert _app_role_problems() == []


@pytest.mark.django_db
def test_the_installed_database_has_no_problem(client):
    assert hardening.current_problems() == []
    call_command("check", databases=["default"])  # raises on an error
    assert client.get("/healthz").json()["triggers"] == "ok"


UNSAFE = [
    (STOCK_IGNORE_FUNCTION, "pgtrigger.ignore"),
    (
        "ALTER FUNCTION public._pgh_attach_context() RESET ALL",
        "run with the caller's search_path",
    ),
    ("ALTER TABLE assessments_escalation DISABLE TRIGGER USER", "are disabled"),
    (f'GRANT TEMPORARY ON DATABASE "{{db}}" TO "{database.APP_ROLE}"', "temporary tables"),
    (f'GRANT CREATE ON SCHEMA public TO "{database.APP_ROLE}"', "may create objects"),
    (f'GRANT TRUNCATE ON findings_judgement TO "{database.APP_ROLE}"', "may truncate"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("statement", "reported"), UNSAFE)
def test_an_unsafe_database_is_reported_by_healthz_and_the_check(
    statement, reported, client, caplog
):
    with as_owner() as cursor:
        cursor.execute(statement.format(db=settings.DATABASES["default"]["NAME"]))
    with caplog.at_level(logging.ERROR, logger="cpinspect.web.views"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "triggers": "unsafe"}
    assert any(reported in r.getMessage() for r in caplog.records), caplog.text
    with pytest.raises(SystemCheckError, match="cpinspect.E001"):
        call_command("check", databases=["default"])


def test_a_single_role_database_url_still_migrates_and_hardens_the_triggers(tmp_path):
    """With one role for everything (DATABASE_URL only), migrate works and installs the
    hardened function; the role owns the tables, so it could still disable their triggers:
    the documented limit (ADR 0002, ADR 0018)."""
    name = f"single_role_{uuid.uuid4().hex[:8]}"
    database.ensure_embedded_database(name)
    owner = settings.DATABASES["owner"]
    url = f"postgresql://{owner['USER']}@{quote(owner['HOST'], safe='')}:{owner['PORT']}/{name}"
    env = {**os.environ, "DATABASE_URL": url, "CPINSPECT_TESTING": "1"}
    env.pop("DATABASE_OWNER_URL", None)
    command = str(Path(sys.executable).parent / "cpinspect")
    try:
        for args in (["migrate", "--verbosity", "0"], ["check", "--database", "default"]):
            done = subprocess.run(  # noqa: S603 (our own command)
                [command, *args], env=env, capture_output=True, text=True, timeout=600
            )
            assert done.returncode == 0, done.stdout + done.stderr
        with database._superuser_connection(name) as conn:
            conn.execute(f'SET ROLE "{owner["USER"]}"')
            (body,) = conn.execute(
                "SELECT prosrc FROM pg_proc WHERE proname = '_pgtrigger_should_ignore'"
            ).fetchone()
            assert body.strip() == hardening.IGNORE_BODY
            # the limit: the one role owns the tables, so it can switch their triggers off
            conn.execute("ALTER TABLE assessments_escalation DISABLE TRIGGER USER")
    finally:
        database.drop_embedded_database(name)
