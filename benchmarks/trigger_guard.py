"""Benchmark: what the integrity controls of ADR 0018 cost.

Runs in a throwaway database (created, migrated, dropped). Measures, as the app role:

* ``rows_per_second_pinned`` / ``_unpinned``: one INSERT of ``--rows`` rows into a tracked
  table (``registry_inspectorate``: each row fires pghistory's insert trigger), then one UPDATE
  of all of them (the update trigger), with the trigger functions' fixed ``search_path`` (as
  installed) and without it (``ALTER FUNCTION ... RESET search_path`` by the owner, the state
  before the change); alternating, median of ``--runs`` each; ``overhead`` is the ratio less 1;
* ``report_page_check_ms``: ``integrity.checked`` on one published force report, fully loaded
  (HTML, PDF and snapshot hashed, one history query), median of 20;
* ``open_data_check_ms``: ``selectors.published_reports_with_data()`` with its checks, over the
  43 published force reports, median of 5, and the same query without the checks.

    .venv/bin/python benchmarks/trigger_guard.py [--rows 20000] [--runs 5]

Prints JSON. No target: the figures say what the controls cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_environment() -> None:
    from cryptography.fernet import Fernet

    os.environ.setdefault("CPINSPECT_TESTING", "1")
    os.environ["CPINSPECT_DB_NAME"] = f"cpinspect_bench_guard_{os.getpid()}"
    os.environ.setdefault("CPINSPECT_PSEUDONYM_KEY", "benchmark-master-secret")
    os.environ.setdefault("CPINSPECT_EVIDENCE_KEYS", Fernet.generate_key().decode())
    os.environ.setdefault("CPINSPECT_CASEFILES_DIR", tempfile.mkdtemp(prefix="cpinspect-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpinspect.settings")
    import django

    django.setup()


def _database() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from cpinspect import database

    database.recreate_database(settings.DATABASES["owner"])
    call_command("migrate", database="owner", verbosity=0)
    connections["owner"].close()
    call_command("load_reference_data", verbosity=0, stdout=io.StringIO())


def _drop() -> None:
    from django.conf import settings
    from django.db import connections

    from cpinspect import database

    for alias in ("default", "owner"):
        connections[alias].close()
    database.drop_database(settings.DATABASES["owner"])


def _pin(pinned: bool) -> None:
    """As the owner: the installed state (pinned) or every function's search_path reset."""
    from django.db import connections

    from cpinspect.audittrail import hardening

    owner = connections["owner"]
    if pinned:
        hardening.harden(owner)
        return
    with owner.cursor() as cursor:
        cursor.execute(
            """SELECT p.oid::regprocedure::text FROM pg_proc p
               JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = 'public' AND p.prokind = 'f'"""
        )
        for (signature,) in cursor.fetchall():
            cursor.execute(f"ALTER FUNCTION {signature} RESET search_path")


def _rows_per_second(rows: int) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(
            "INSERT INTO registry_inspectorate (code, name, short_name, is_lead) "
            "SELECT 'bench' || n, 'Bench ' || n, 'B' || n, false FROM generate_series(1, %s) n",
            [rows],
        )
        cursor.execute(
            "UPDATE registry_inspectorate SET name = name || '.' WHERE code LIKE 'bench%%'"
        )
        elapsed = time.perf_counter() - start
        cursor.execute("DELETE FROM registry_inspectorate WHERE code LIKE 'bench%%'")
    return 2 * rows / elapsed


def _published_reports():
    from cpinspect.accounts.models import Role, User
    from cpinspect.programmes.models import Programme
    from cpinspect.registry.models import Force
    from cpinspect.reports import rendering
    from cpinspect.reports.models import Report
    from testkit import graded_inspections as synthetic

    lead = User.objects.create(
        email="lead@bench.invalid", full_name="Lead", role=Role.LEAD_INSPECTOR
    )
    programme = Programme.objects.create(
        name="2026/27", starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2027, 3, 31)
    )
    html = (ROOT / "docs" / "reports.md").read_text() * 20  # a report-sized page
    pdf = os.urandom(400_000)
    now = time.time()
    reports = []
    for k, force in enumerate(Force.objects.order_by("name")):
        inspection = synthetic.graded_inspection(
            programme=programme,
            force=force,
            lead=lead,
            starts_on=dt.date(2026, 5, 4) + dt.timedelta(days=7 * k),
            cases=10,
            seed=k,
        )
        data = {
            "kind": "force",
            "subject": {"force_code": force.code, "force_name": force.name},
            "results": {"rows": [], "overall": None},
            "padding": ["x" * 80] * 400,
        }
        report = Report.objects.create(
            kind="force",
            inspection=inspection,
            title=f"{force.name} report",
            data=data,
            html=html,
            pdf=pdf,
            content_sha256=rendering.sha256(html.encode()),
            pdf_sha256=rendering.sha256(pdf),
            data_sha256=rendering.sha256(rendering.canonical_json(data)),
            built_at=dt.datetime.fromtimestamp(now, dt.UTC),
            built_by=lead,
        )
        Report.objects.filter(pk=report.pk).update(
            status="published",
            published_at=dt.datetime.fromtimestamp(now, dt.UTC),
            published_by=lead,
        )
        reports.append(report.pk)
    return reports


def _median_ms(action, times: int) -> float:
    runs = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        runs.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(runs), 2)


def run(rows: int, runs: int) -> dict:
    from cpinspect.reports import integrity, selectors
    from cpinspect.reports.models import Report, ReportStatus

    speeds = {True: [], False: []}
    for _ in range(runs):
        for pinned in (False, True):
            _pin(pinned)
            speeds[pinned].append(_rows_per_second(rows))
    _pin(True)
    pinned, unpinned = statistics.median(speeds[True]), statistics.median(speeds[False])

    ids = _published_reports()
    one = ids[0]
    page = _median_ms(lambda: integrity.checked(Report.objects.get(pk=one)), 20)
    load = _median_ms(lambda: Report.objects.get(pk=one), 20)
    checked = _median_ms(selectors.published_reports_with_data, 5)
    unchecked = _median_ms(
        lambda: list(Report.objects.filter(status=ReportStatus.PUBLISHED).defer("html", "pdf")), 5
    )
    return {
        "rows": rows,
        "rows_per_second_pinned": round(pinned),
        "rows_per_second_unpinned": round(unpinned),
        "overhead": round(unpinned / pinned - 1, 3),
        "report_page_load_ms": load,
        "report_page_check_ms": round(page - load, 2),
        "open_data_reports": len(ids),
        "open_data_query_ms": unchecked,
        "open_data_check_ms": round(checked - unchecked, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    _setup_environment()
    _database()
    try:
        print(json.dumps(run(args.rows, args.runs), indent=2))
    finally:
        _drop()


if __name__ == "__main__":
    main()
