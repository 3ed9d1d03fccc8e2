"""Benchmark: the pages and API answers of an inspection holding a 1,000,000-row import with
300,000 rejections (issue 12: 2.7 s for the extract page, 6.3 s and 49.7 MB for one API
answer, before the report became paged rows).

Runs in a throwaway database (created, migrated, dropped). Set-up, timed apart: reference
data, an Essex inspection in fieldwork with its lead, and a synthetic canonical extract of
1,000,000 rows, 300,000 of them made bad (150,000 dates that are no day, 150,000 categories
that are none), imported through ``services.extract_import`` (so ``Extract.seconds`` and the
import's own report rows are real). Then each URL is requested ``--requests`` times in
process through Django's test client, signed in as the lead (session, middleware, access
log and templates included; no network), after one warm-up request each:

* the signed-in home page (no case data: the floor of any signed-in page on this machine);
* the extract page, the inspection page;
* the import's page: its first, a middle and its last page of rows, and one kind's page;
* the API: the import, and a first, middle and last page of its rows.

    .venv/bin/python benchmarks/extract_pages.py [--rows 1000000] [--bad 300000]

Prints JSON: p50, p95 and the largest response of each URL. Targets: p95 of the extract page
and of the API answer (the import) <= 300 ms; every other URL is reported against the same.
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
TARGET_MS = 300.0
ESSEX = "E23000028"


def _setup_environment() -> None:
    os.environ.setdefault("CPINSPECT_TESTING", "1")  # settings without a secret key; DEBUG off
    os.environ["CPINSPECT_DB_NAME"] = f"cpinspect_bench_extract_pages_{os.getpid()}"
    os.environ.setdefault("CPINSPECT_PSEUDONYM_KEY", "benchmark-master-secret")
    os.environ.setdefault("CPINSPECT_CASEFILES_DIR", tempfile.mkdtemp(prefix="cpinspect-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpinspect.settings")
    import django

    django.setup()


def _database():
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from cpinspect import database

    database.recreate_database(settings.DATABASES["owner"])
    call_command("migrate", database="owner", verbosity=0)
    connections["owner"].close()
    call_command("load_reference_data", verbosity=0, stdout=io.StringIO())


def _drop():
    from django.conf import settings
    from django.db import connections

    from cpinspect import database

    for alias in ("default", "owner"):
        connections[alias].close()
    database.drop_database(settings.DATABASES["owner"])


def _extract_file(rows: int, bad: int) -> bytes:
    """``rows`` synthetic rows; ``bad`` of them (spread through the file) made bad, half by
    a date that is no day, half by a category that is none."""
    import polars as pl

    from cpinspect.casefiles import generator

    frame = generator.generate(
        rows=rows, seed=1, councils=["E06000034", "E10000012"], until=dt.date(2026, 9, 30)
    )
    step = rows // bad
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    hit = (index % step == 0) & (index // step < bad)
    frame = frame.with_columns(
        pl.when(hit & (index // step % 2 == 0))
        .then(pl.lit("2026-02-30"))
        .otherwise(pl.col("recorded_on"))
        .alias("recorded_on"),
        pl.when(hit & (index // step % 2 == 1))
        .then(pl.lit("not a category"))
        .otherwise(pl.col("category"))
        .alias("category"),
    )
    return frame.write_csv().encode()


def setup(rows: int, bad: int, profile: bool = False) -> dict:
    import pghistory

    from cpinspect.accounts.models import Role, User
    from cpinspect.casefiles import services
    from cpinspect.programmes import services as programmes
    from cpinspect.programmes.models import InspectionType, Programme, Status, TeamRole
    from cpinspect.registry.models import Force

    with pghistory.context(source="benchmark"):
        lead = User(email="lead@bench.invalid", full_name="Lee Lead", role=Role.LEAD_INSPECTOR)
        lead.set_unusable_password()
        lead.save()
        planner = User(email="planner@bench.invalid", full_name="Pat Planner")
        planner.role = Role.PROGRAMME_MANAGER
        planner.set_unusable_password()
        planner.save()
        programme = Programme.objects.create(
            name="2026/27", starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2027, 3, 31)
        )
        inspection = programmes.inspection_create(
            planner,
            programme=programme,
            kind=InspectionType.CHILD_PROTECTION,
            force=Force.objects.get(code=ESSEX),
            fieldwork_starts_on=dt.date(2026, 10, 5),
        )
        inspection.status = Status.FIELDWORK
        inspection.save()
        programmes.team_member_add(planner, inspection=inspection, person=lead, role=TeamRole.LEAD)
    data = _extract_file(rows, bad)
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    extract = services.extract_import(
        inspection=inspection,
        user=lead,
        data=data,
        profile_name="canonical",
        accept_rejections=True,
        via="cli",
        today=dt.date(2026, 10, 1),
        file_name="essex-benchmark.csv",
    )
    took = time.perf_counter() - started
    if profile:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    return {
        "lead": lead,
        "inspection": inspection,
        "extract": extract,
        "file_mb": round(len(data) / 1e6, 1),
        "import_wall_seconds": round(took, 2),
    }


def measure(world: dict, requests: int) -> dict:
    from django.test import Client

    inspection, extract = world["inspection"], world["extract"]
    i, e = inspection.pk, extract.pk
    pages = -(-extract.rows_rejected // 100)
    api_pages = -(-extract.rows_rejected // 500)
    urls = {
        "home page (the floor: no case data)": "/",
        "extract page": f"/inspections/{i}/extract/",
        "inspection page": f"/inspections/{i}/",
        "import page (first rows)": f"/inspections/{i}/extract/{e}/",
        "import page (middle)": f"/inspections/{i}/extract/{e}/?page={pages // 2}",
        "import page (last)": f"/inspections/{i}/extract/{e}/?page={pages}",
        "import page (one kind, middle)": (
            f"/inspections/{i}/extract/{e}/?problem=invalid_date&page={pages // 4}"
        ),
        "api: the import": f"/api/inspections/{i}/extracts/{e}/",
        "api: report rows (first)": f"/api/inspections/{i}/extracts/{e}/problems/",
        "api: report rows (middle)": (
            f"/api/inspections/{i}/extracts/{e}/problems/?page={api_pages // 2}"
        ),
        "api: report rows (last)": f"/api/inspections/{i}/extracts/{e}/problems/?page={api_pages}",
    }
    client = Client()
    client.force_login(world["lead"])
    results = {}
    for name, url in urls.items():
        first = client.get(url)
        assert first.status_code == 200, (name, first.status_code)
        times, size = [], len(first.content)
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            size = max(size, len(response.content))
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        results[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(times[-1], 1),
            "bytes": size,
            "meets_target": p95 <= TARGET_MS,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--profile", action="store_true", help="profile the import (stderr)")
    args = parser.parse_args()
    _setup_environment()
    import logging

    logging.disable(logging.INFO)
    load_before = os.getloadavg()
    _database()
    try:
        began = time.perf_counter()
        world = setup(args.rows, args.bad, args.profile)
        setup_seconds = time.perf_counter() - began
        extract = world["extract"]
        pages = measure(world, args.requests)
    finally:
        _drop()
        import shutil

        shutil.rmtree(os.environ["CPINSPECT_CASEFILES_DIR"], ignore_errors=True)
    result = {
        "benchmark": "extract_pages",
        "rows": extract.rows_read,
        "rejected": extract.rows_rejected,
        "accepted": extract.rows_accepted,
        "file_mb": world["file_mb"],
        "import": {
            "status": extract.status,
            "extract_seconds": round(extract.seconds, 2),
            "wall_seconds": world["import_wall_seconds"],
        },
        "setup_seconds": round(setup_seconds, 1),
        "requests_per_url": args.requests,
        "pages": pages,
        "target_p95_ms": TARGET_MS,
        "meets_targets": {
            "extract page": pages["extract page"]["meets_target"],
            "api: the import": pages["api: the import"]["meets_target"],
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "python": sys.version.split()[0],
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
