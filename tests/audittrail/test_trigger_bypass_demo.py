"""The trigger-bypass attack of ``test_trigger_bypass.py`` on every table, with a row of the
demo to attack in each (a copy of the suite's demo, ``tests/demo_database.py``)."""

from __future__ import annotations

import pytest

from cpinspect.reports.models import Report
from tests.audittrail.trigger_attacks import (
    attempt,
    gated_tables,
    history_table_of,
    published_report,
    query,
    refused,
)


@pytest.fixture
def whole_demo(demo_database):
    """A copy of the suite's demo (every kind of record), plus the few kinds it does not make."""
    from cpinspect.accounts.models import User
    from cpinspect.findings.models import Recommendation, RecommendationStatusChange
    from cpinspect.programmes.models import Inspection
    from cpinspect.reports.models import ReportComment
    from cpinspect.scheduling.services import calendar_token_issue

    lead = User.objects.get(email="lead@demo.cpinspect.invalid")
    people = {"lead": lead, "programme_manager": lead}
    published = Report.objects.filter(status="published", kind="force").first()
    published_report("thematic", None, people, inspections=[published.inspection])
    ReportComment.objects.create(
        report=published, author=lead, section="summary", text="A factual accuracy comment."
    )
    RecommendationStatusChange.objects.create(
        recommendation=Recommendation.objects.first(),
        from_status="open",
        to_status="in_progress",
        changed_by=lead,
    )
    calendar_token_issue(lead)
    assert Inspection.objects.exists()


def _tracked_columns(table: str, history: str) -> list[tuple[str, str]]:
    """(column, type) of ``table`` that its history copies, text first."""
    return query(
        """SELECT c.column_name, c.data_type FROM information_schema.columns c
           JOIN information_schema.columns h
             ON h.table_name = %s AND h.column_name = c.column_name
           WHERE c.table_schema = 'public' AND c.table_name = %s AND c.column_name <> 'id'
           ORDER BY c.data_type NOT IN ('text', 'character varying'), c.ordinal_position""",
        [history, table],
    )


_CHANGE = {
    "text": "{c} = {c} || ' (tampered)'",
    "character varying": "{c} = left({c}, 1) || 'tampered'",
    "boolean": "{c} = NOT {c}",
    "date": "{c} = {c} + 1",
    "timestamp with time zone": "{c} = {c} + interval '1 second'",
    "integer": "{c} = {c} + 1",
    "bigint": "{c} = {c} + 1",
}


def _event_count(event_table: str, pk, label: str):
    sql = f"SELECT count(*) FROM {event_table} WHERE pgh_obj_id = %s AND pgh_label = %s"  # noqa: S608

    def count(cursor):
        cursor.execute(sql, [pk, label])
        return cursor.fetchone()[0]

    return count


def _update_attack(table: str, event_table: str, pk) -> str:
    """Change one tracked column of the row (the first that takes the change): 'refused',
    'recorded' (its history row written) or 'unrecorded'; 'untried' if no column took it."""
    count = _event_count(event_table, pk, "update")
    before = query(
        f"SELECT count(*) FROM {event_table} WHERE pgh_obj_id = %s AND pgh_label = 'update'", [pk]
    )[0][0]  # noqa: S608
    for column, kind in _tracked_columns(table, event_table):
        if kind not in _CHANGE:
            continue
        change = _CHANGE[kind].format(c=f'"{column}"')
        error, rows, after = attempt(
            f'UPDATE {table} SET {change} WHERE id = %s AND "{column}" IS NOT NULL',  # noqa: S608
            params=[pk],
            then=count,
        )
        if refused(error):
            return "refused"
        if error is None and rows == 1:
            return "recorded" if after == before + 1 else "unrecorded"
    return "untried"


def _delete_attack(table: str, event_table: str, pk) -> str:
    before = query(
        f"SELECT count(*) FROM {event_table} WHERE pgh_obj_id = %s AND pgh_label = 'delete'", [pk]
    )[0][0]  # noqa: S608
    error, rows, after = attempt(
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
        params=[pk],
        then=_event_count(event_table, pk, "delete"),
    )
    if error is not None:
        return "refused"
    return "recorded" if rows == 1 and after == before + 1 else "unrecorded"


@pytest.mark.django_db(databases=["default", "owner"])  # the demo asks the owner
def test_with_every_trigger_asked_to_be_ignored_every_change_is_refused_or_recorded(whole_demo):
    """On every table with a gated trigger: an update and a delete of a row of the demo, the
    ignore setting naming every trigger, are refused or leave their history row."""
    history_of = history_table_of()
    outcomes, empty = {}, []
    for table in gated_tables():
        if table not in history_of:
            continue  # an event table or the access log (append-only: the next test)
        rows = query(f"SELECT id FROM {table} ORDER BY id DESC LIMIT 1")  # noqa: S608
        if not rows:
            empty.append(table)
            continue
        pk, event_table = rows[0][0], history_of[table]
        outcomes[table] = (
            _update_attack(table, event_table, pk),
            _delete_attack(table, event_table, pk),
        )
    # A table added later gets its attack here once the demo (or whole_demo) makes a row.
    assert empty == [], f"no row to attack in {empty}: add one to whole_demo"
    assert {t: o for t, o in outcomes.items() if "unrecorded" in o or "untried" in o} == {}
    published = Report.objects.filter(status="published").order_by("pk").last().pk
    assert outcomes["assessments_escalation"][1] == "refused"
    assert outcomes["findings_judgement"] == ("recorded", "recorded")
    assert outcomes["reports_report"] == ("refused", "refused"), published
    assert outcomes["reports_reportinspection"] == ("refused", "refused")
