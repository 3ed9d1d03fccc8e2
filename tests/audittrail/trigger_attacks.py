"""The attacker of the trigger-bypass tests (``test_trigger_bypass.py`` and
``test_trigger_bypass_demo.py``): what the database says is protected, and an attempt run as the
application's role with every trigger asked to be ignored, always rolled back."""

from __future__ import annotations

from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from pghistory.models import Event

from cpinspect.reports import rendering
from cpinspect.reports.models import Report, ReportInspection

# What a refusal says: no privilege, not the owner, or a protective trigger's message.
REFUSED = (
    "must be owner",
    "permission denied",
    "cannot be",
    "cannot change",
    "Cannot delete",
    "Cannot update",
    "audit of this inspection is closed",  # ADR 0021: a closed audit is read only
)


# --- what the database says is protected -----------------------------------------------------


def query(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def triggers_by_table() -> dict[str, list[str]]:
    """Every trigger (not the constraint machinery's own) on every table in public."""
    found: dict[str, list[str]] = {}
    for table, trigger in query(
        """SELECT c.relname, t.tgname FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND NOT t.tgisinternal ORDER BY 1, 2"""
    ):
        found.setdefault(table, []).append(trigger)
    return found


def gated_tables() -> list[str]:
    """Tables with a django-pgtrigger trigger: its function asks _pgtrigger_should_ignore."""
    return [
        table
        for (table,) in query(
            """SELECT DISTINCT c.relname FROM pg_trigger t
               JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
               WHERE NOT t.tgisinternal AND p.prosrc LIKE '%%_pgtrigger_should_ignore%%'
               ORDER BY 1"""
        )
    ]


def functions_in_public() -> list[str]:
    """Every function in public (the trigger functions and the ones they call)."""
    return [
        signature
        for (signature,) in query(
            """SELECT p.oid::regprocedure::text FROM pg_proc p
               JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = 'public' AND p.prokind = 'f' ORDER BY 1"""
        )
    ]


def history_table_of() -> dict[str, str]:
    """Tracked table -> its pghistory event table."""
    return {
        m.pgh_tracked_model._meta.db_table: m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, Event) and getattr(m, "pgh_tracked_model", None) is not None
    }


def every_ignore_name() -> str:
    """Every trigger's name, alone and as pgtrigger's ``table:name``, as a Postgres array."""
    names = [
        n for table, ts in triggers_by_table().items() for t in ts for n in (t, f"{table}:{t}")
    ]
    return "{" + ",".join(names) + "}"


# --- the attacker ----------------------------------------------------------------------------


class _Undo(Exception):
    pass


def attempt(*statements, params=None, then=None, ignore_every_trigger=True):
    """Run ``statements`` as the app role, every trigger asked to be ignored, in a savepoint
    that is always rolled back. Returns the error's text (None if none), the last statement's
    row count and what ``then(cursor)`` returned before the rollback."""
    outcome = {"error": None, "rows": None, "then": None}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if ignore_every_trigger:
                cursor.execute(
                    "SELECT set_config('pgtrigger.ignore', %s, true)", [every_ignore_name()]
                )
            try:
                with transaction.atomic():
                    for statement in statements:
                        cursor.execute(statement, params)
                    outcome["rows"] = cursor.rowcount
            except DatabaseError as error:
                outcome["error"] = str(error).splitlines()[0]
            if then is not None:
                outcome["then"] = then(cursor)
            raise _Undo
    except _Undo:
        pass
    return outcome["error"], outcome["rows"], outcome["then"]


def refused(error: str | None) -> bool:
    return error is not None and any(word in error for word in REFUSED)


# --- the data every protected table is attacked on ------------------------------------------


def published_report(kind, inspection, people, inspections=()) -> Report:
    """A published report made directly (the triggers need its status, not a render)."""
    now = timezone.now()
    html, pdf, data = "<p>Published</p>", b"%PDF-1.7 published", {"results": {}}
    report = Report.objects.create(
        kind=kind,
        inspection=inspection,
        title=f"A {kind} report",
        data=data,
        html=html,
        pdf=pdf,
        content_sha256=rendering.sha256(html.encode()),
        pdf_sha256=rendering.sha256(pdf),
        data_sha256=rendering.sha256(rendering.canonical_json(data)),
        built_at=now,
        built_by=people["lead"],
    )
    for each in inspections:
        ReportInspection.objects.create(report=report, inspection=each)
    Report.objects.filter(pk=report.pk).update(
        status="published", published_at=now, published_by=people["programme_manager"]
    )
    return report
