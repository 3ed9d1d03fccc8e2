"""As the application's database role, every way of switching a protective or history trigger
off is tried on every table that has one, found in the database (so a table added later is
covered without a change here): each attempt is refused or has no effect, the protected row is
unchanged and the history row is written (issue #11 item 1, ADR 0018).

The routes: the ``pgtrigger.ignore`` setting, ``session_replication_role``, disabling,
dropping or replacing a trigger or its function, a shadowing table or function earlier in the
``search_path`` (a temporary table comes first by default), ``SET ROLE``, TRUNCATE, a rule,
and granting oneself the power to do any of these.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from cpinspect import database
from cpinspect.assessments import services as audit_services
from cpinspect.assessments.models import CaseAudit, Escalation
from cpinspect.findings.models import Judgement
from tests.assessments.conftest import audit_env  # noqa: F401 (keys for the synthetic cases)
from tests.audittrail.trigger_attacks import (
    attempt,
    functions_in_public,
    history_table_of,
    published_report,
    query,
    refused,
    triggers_by_table,
)
from tests.reports.conftest import quick_inspection  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def protected(quick_inspection, people):  # noqa: F811
    """A published force report, a published thematic report, a judgement and an escalation of
    a child at risk, besides every row their making wrote (synthetic cases, audits, team)."""
    audit = CaseAudit.objects.filter(inspection=quick_inspection).order_by("pk").first()
    escalation = audit_services.escalation_raise(
        audit=audit, user=people["lead"], concern="The child is still at home with the suspect."
    )
    return {
        "report": published_report("force", quick_inspection, people),
        "thematic": published_report("thematic", None, people, inspections=[quick_inspection]),
        "judgement": Judgement.objects.get(inspection=quick_inspection),
        "escalation": escalation,
    }


# --- the exact attack of the issue ---------------------------------------------------------


def test_the_issue_attack_cannot_change_a_published_report(protected, client):
    report = protected["report"]
    before = query(
        "SELECT title, html, content_sha256 FROM reports_report WHERE id = %s", [report.pk]
    )
    error, _, _ = attempt(
        "UPDATE reports_report SET title = 'Tampered', html = '<p>Tampered</p>' WHERE id = %s",
        params=[report.pk],
    )
    assert refused(error), error
    assert (
        query("SELECT title, html, content_sha256 FROM reports_report WHERE id = %s", [report.pk])
        == before
    )
    page = client.get(reverse("report-detail", args=[report.pk]))
    assert page.status_code == 200 and b"Tampered" not in page.content


def test_the_issue_attack_on_a_judgement_is_written_to_its_history(protected):
    judgement = protected["judgement"]
    event_table = history_table_of()["findings_judgement"]

    def history(cursor):
        cursor.execute(
            f"SELECT grade FROM {event_table} WHERE pgh_obj_id = %s AND pgh_label = 'update'",  # noqa: S608
            [judgement.pk],
        )
        return [grade for (grade,) in cursor.fetchall()]

    error, _, updates = attempt(
        "UPDATE findings_judgement SET grade = 'inadequate' WHERE id = %s",
        params=[judgement.pk],
        then=history,
    )
    assert error is None  # a judgement may be changed, but never without a trace
    assert updates == ["inadequate"]


def test_the_issue_attack_cannot_delete_an_escalation(protected):
    escalation = protected["escalation"]
    error, _, _ = attempt(
        "DELETE FROM assessments_escalation WHERE id = %s", params=[escalation.pk]
    )
    assert refused(error), error
    assert Escalation.objects.filter(pk=escalation.pk).exists()


# --- every gated trigger, every table ---------------------------------------------------------


def test_the_ignore_setting_switches_no_trigger_off(protected):
    names = [t for ts in triggers_by_table().values() for t in ts]
    assert len(names) > 100  # every table's history triggers, not a handful

    def asked(cursor):
        cursor.execute(
            "SELECT t, public._pgtrigger_should_ignore(t::name) FROM unnest(%s::text[]) t",
            [names],
        )
        return [t for t, ignored in cursor.fetchall() if ignored is not False]

    error, _, ignored = attempt("SELECT 1", then=asked)
    assert error is None
    assert ignored == []


def test_the_logs_cannot_be_changed_even_with_every_trigger_asked_to_be_ignored(protected):
    history_of = history_table_of()
    for event_table in sorted(set(history_of.values()) | {"audittrail_accesslogentry"}):
        rows = query(f"SELECT count(*) FROM {event_table}")  # noqa: S608
        for statement in (
            f"UPDATE {event_table} SET pgh_label = pgh_label",
            f"DELETE FROM {event_table}",
        ):
            if event_table == "audittrail_accesslogentry":
                statement = statement.replace("pgh_label", "action")
            error, _, _ = attempt(statement)
            assert refused(error), (event_table, error)
        assert query(f"SELECT count(*) FROM {event_table}") == rows  # noqa: S608


# --- switching a trigger off some other way ---------------------------------------------------

TABLE_ROUTES = [
    "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "ALTER TABLE {table} DISABLE TRIGGER USER",
    "ALTER TABLE {table} DISABLE TRIGGER {trigger}",
    "ALTER TABLE {table} ENABLE REPLICA TRIGGER {trigger}",
    "DROP TRIGGER {trigger} ON {table}",
    "ALTER TRIGGER {trigger} ON {table} RENAME TO renamed",
    "TRUNCATE {table} CASCADE",
    "CREATE RULE tampering AS ON UPDATE TO {table} DO INSTEAD NOTHING",
    "ALTER TABLE {table} OWNER TO CURRENT_USER",
    "ALTER TABLE {table} RENAME TO renamed",
    "CREATE TRIGGER tampering BEFORE UPDATE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION public._pgtrigger_should_ignore()",
]


def test_no_trigger_can_be_disabled_dropped_or_truncated_around(protected):
    refusals = {}
    tables = triggers_by_table()
    assert {"reports_report", "assessments_escalation", "findings_judgement"} <= set(tables)
    for table, triggers in tables.items():
        for route in TABLE_ROUTES:
            statement = route.format(table=table, trigger=triggers[0])
            error, _, _ = attempt(statement)
            refusals[statement] = refused(error)
    assert [s for s, ok in refusals.items() if not ok] == []
    assert triggers_by_table() == tables


def test_no_trigger_function_can_be_replaced_dropped_or_unpinned(protected):
    functions = functions_in_public()
    assert "_pgtrigger_should_ignore(name)" in functions and "_pgh_attach_context()" in functions
    not_refused = []
    for signature in functions:
        for statement in (
            f"DROP FUNCTION {signature} CASCADE",
            f"ALTER FUNCTION {signature} RESET ALL",
            f"ALTER FUNCTION {signature} OWNER TO CURRENT_USER",
            f"ALTER FUNCTION {signature} RENAME TO renamed",
        ):
            error, _, _ = attempt(statement)
            if not refused(error):
                not_refused.append(statement)
    for replacement in (
        "CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name name) "
        "RETURNS boolean LANGUAGE sql AS 'SELECT true'",
        "CREATE OR REPLACE FUNCTION public._pgh_attach_context() RETURNS uuid "
        "LANGUAGE sql AS 'SELECT NULL::uuid'",
    ):
        error, _, _ = attempt(replacement)
        if not refused(error):
            not_refused.append(replacement)
    assert not_refused == []
    assert functions_in_public() == functions


SESSION_ROUTES = [
    "SET session_replication_role = replica",
    "SET LOCAL session_replication_role = replica",
    "SELECT set_config('session_replication_role', 'replica', true)",
    f'SET ROLE "{database.OWNER_ROLE}"',
    f'SET SESSION AUTHORIZATION "{database.OWNER_ROLE}"',
    f'GRANT "{database.OWNER_ROLE}" TO CURRENT_USER',
    "ALTER ROLE CURRENT_USER SET session_replication_role = replica",
    "ALTER ROLE CURRENT_USER SUPERUSER",
    "ALTER ROLE CURRENT_USER BYPASSRLS",
]


@pytest.mark.parametrize("statement", SESSION_ROUTES)
def test_the_session_cannot_take_the_power_to_switch_triggers_off(statement, protected):
    error, _, _ = attempt(statement)
    assert refused(error), error
    escalation = protected["escalation"]
    error, _, _ = attempt(
        statement, "DELETE FROM assessments_escalation WHERE id = %s", params=[escalation.pk]
    )
    assert error is not None
    assert Escalation.objects.filter(pk=escalation.pk).exists()


SHADOWS = [
    # a temporary table is searched before public: the history would go into it
    "CREATE TEMPORARY TABLE {history} (LIKE public.{history} INCLUDING ALL)",
    "CREATE TABLE pg_temp.{history} (LIKE public.{history} INCLUDING ALL)",
    "CREATE SCHEMA shadow",
    "CREATE TABLE public.shadow_{history} (LIKE public.{history})",
    "CREATE FUNCTION public.shadow() RETURNS uuid LANGUAGE sql AS 'SELECT NULL::uuid'",
    "CREATE FUNCTION pg_temp._pgh_attach_context() RETURNS uuid "
    "LANGUAGE sql AS 'SELECT NULL::uuid'",
]


@pytest.mark.parametrize("shadow", SHADOWS)
def test_nothing_can_shadow_what_a_trigger_writes_to(shadow, protected):
    judgement = protected["judgement"]
    history = history_table_of()["findings_judgement"]
    error, _, _ = attempt(shadow.format(history=history))
    assert refused(error), error
    # And if the search path puts the session's own schemas first, the history still goes to
    # the real table.
    before = query(
        f"SELECT count(*) FROM public.{history} WHERE pgh_obj_id = %s",
        [judgement.pk],  # noqa: S608
    )[0][0]

    def recorded(cursor):
        cursor.execute(
            f"SELECT count(*) FROM public.{history} WHERE pgh_obj_id = %s",  # noqa: S608
            [judgement.pk],
        )
        return cursor.fetchone()[0]

    error, _, after = attempt(
        shadow.format(history=history),
        "SET LOCAL search_path = pg_temp, shadow, public",
        "UPDATE public.findings_judgement SET grade = 'inadequate' WHERE id = %s",
        params=[judgement.pk],
        then=recorded,
    )
    assert error is not None or after == before + 1


def test_a_temporary_table_cannot_take_a_tables_history(protected):
    """The route found while fixing the issue: with a temporary table named like the event
    table, the history trigger wrote into it and the real history stayed empty."""
    judgement = protected["judgement"]
    history = history_table_of()["findings_judgement"]
    before = query(f"SELECT count(*) FROM public.{history}")[0][0]  # noqa: S608

    def recorded(cursor):
        cursor.execute(f"SELECT count(*) FROM public.{history}")  # noqa: S608
        return cursor.fetchone()[0]

    with transaction.atomic(), connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f"CREATE TEMPORARY TABLE {history} (LIKE public.{history})")
        except DatabaseError:
            pass  # refused: the update below must then be recorded as usual
        cursor.execute(
            "UPDATE findings_judgement SET grade = 'inadequate' WHERE id = %s", [judgement.pk]
        )
        assert recorded(cursor) == before + 1


def test_the_hardened_ignore_function_is_installed_after_migrate(protected):
    """What the database holds, as the app role sees it."""
    (language, body), *_ = query(
        """SELECT l.lanname, p.prosrc FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
           WHERE p.proname = '_pgtrigger_should_ignore'"""
    )
    assert language == "sql" and "SELECT FALSE" in body and "current_setting" not in body.lower()
    unpinned = query(
        """SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND p.prokind = 'f'
             AND NOT coalesce(p.proconfig, '{}') @> '{"search_path=pg_catalog, public, pg_temp"}'"""
    )
    assert unpinned == []
    privileges = query(
        """SELECT has_database_privilege(current_database(), 'CREATE'),
                  has_database_privilege(current_database(), 'TEMPORARY'),
                  has_schema_privilege('public', 'CREATE')"""
    )
    assert privileges == [(False, False, False)]
