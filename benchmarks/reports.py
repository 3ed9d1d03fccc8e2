"""Benchmark: build a force inspection report (snapshot, HTML, PDF/UA, checks, hashes, save)
and a thematic report across 43 forces with 70 assessed cases each.

Runs in a throwaway database (created, migrated, dropped), filled by bulk inserts
(``testkit.graded_inspections``), not through the web. Times only the report builds:

* ``force_pdf_seconds``: ``services.report_build`` of one force report (70 graded cases,
  findings), the median of warm runs (the first, cold run is reported apart);
* ``weasyprint_seconds``: WeasyPrint alone rendering the same final HTML to PDF/UA-1;
* ``ratio``: the two, ours over WeasyPrint's (our own work is what exceeds 1);
* ``thematic_seconds``: ``services.thematic_build`` across 43 x 70 cases (median).

    .venv/bin/python benchmarks/reports.py [--runs 5]

Prints JSON. Targets: force PDF <= 3 s, thematic <= 20 s, ratio <= 1.5.
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
TARGETS = {"force_pdf_seconds": 3.0, "thematic_seconds": 20.0, "ratio": 1.5}


def _setup_environment() -> str:
    from cryptography.fernet import Fernet

    name = f"cpinspect_bench_reports_{os.getpid()}"
    os.environ.setdefault("CPINSPECT_TESTING", "1")
    os.environ["CPINSPECT_DB_NAME"] = name
    os.environ.setdefault("CPINSPECT_PSEUDONYM_KEY", "benchmark-master-secret")
    os.environ.setdefault("CPINSPECT_EVIDENCE_KEYS", Fernet.generate_key().decode())
    os.environ.setdefault("CPINSPECT_CASEFILES_DIR", tempfile.mkdtemp(prefix="cpinspect-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpinspect.settings")
    import django

    django.setup()
    return name


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


def _people():
    from cpinspect.accounts.models import Role, User

    def user(key, role):
        person = User(email=f"{key}@bench.invalid", full_name=key.title(), role=role)
        person.set_unusable_password()
        person.save()
        return person

    return user("lead", Role.LEAD_INSPECTOR), user("planner", Role.PROGRAMME_MANAGER)


def _findings(inspection, lead):
    from cpinspect.findings import services

    for topic, grade in [
        ("leadership", "requires_improvement"),
        ("partnership_working", "good"),
        ("initial_response", "requires_improvement"),
        ("risk_assessment_and_referral", "inadequate"),
        ("investigation", "requires_improvement"),
    ]:
        services.judgement_record(
            inspection=inspection,
            user=lead,
            topic=topic,
            grade=grade,
            rationale="Working.",
            expected_version=0,  # a new judgement (ADR 0020)
        )
    for k in range(3):
        services.cause_of_concern_create(
            inspection=inspection,
            user=lead,
            title=f"Cause of concern number {k + 1} about the protection of children",
            text="The force does not always assess the risk to children well enough. " * 4,
            topic=["investigation", "risk_assessment_and_referral", "leadership"][k],
            recommendations=[
                services.NewRecommendation(
                    "Within three months the force should review how it does this. " * 2,
                    "Chief Constable",
                    dt.date(2027, 6, 30),
                )
                for _ in range(2)
            ],
        )
    for k in range(4):
        services.area_for_improvement_add(
            inspection=inspection,
            user=lead,
            text=f"Area for improvement {k + 1}: supervisors should record their reviews.",
            topic="initial_response",
        )


def run(runs: int, profile: bool = False) -> dict:
    from pypdf import PdfReader
    from weasyprint import HTML

    from cpinspect.programmes.models import Programme
    from cpinspect.registry.models import Force
    from cpinspect.reports import rendering, services
    from testkit import graded_inspections as synthetic

    lead, planner = _people()
    programme = Programme.objects.create(
        name="2026/27", starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2027, 3, 31)
    )
    forces = list(Force.objects.order_by("name"))
    start = dt.date(2026, 5, 4)
    inspections = []
    setup = time.perf_counter()
    for k, force in enumerate(forces):
        inspections.append(
            synthetic.graded_inspection(
                programme=programme,
                force=force,
                lead=lead,
                starts_on=start + dt.timedelta(days=7 * k),
                cases=70,
                seed=k,
            )
        )
    subject = inspections[0]
    _findings(subject, lead)
    setup = time.perf_counter() - setup

    cold = time.perf_counter()
    report = services.report_build(inspection=subject, user=lead)
    cold = time.perf_counter() - cold
    ours, theirs = [], []
    for _ in range(runs):
        t = time.perf_counter()
        report = services.report_build(inspection=subject, user=lead)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        HTML(string=report.html).write_pdf(pdf_variant=rendering.PDF_VARIANT)
        theirs.append(time.perf_counter() - t)

    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        services.report_build(inspection=subject, user=lead)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)

    thematic = []
    for _ in range(max(1, runs // 2)):
        t = time.perf_counter()
        built = services.thematic_build(
            user=planner, inspections=inspections, title="Protecting children: 43 forces"
        )
        thematic.append(time.perf_counter() - t)
    force_seconds = statistics.median(ours)
    weasy_seconds = statistics.median(theirs)
    results = {
        "force_pdf_seconds": round(force_seconds, 3),
        "force_pdf_cold_seconds": round(cold, 3),
        "force_pdf_runs": [round(x, 3) for x in ours],
        "weasyprint_seconds": round(weasy_seconds, 3),
        "ratio": round(force_seconds / weasy_seconds, 3),
        "force_pdf_pages": len(PdfReader(io.BytesIO(report.pdf)).pages),
        "force_pdf_bytes": len(report.pdf),
        "thematic_seconds": round(statistics.median(thematic), 3),
        "thematic_runs": [round(x, 3) for x in thematic],
        "thematic_cases": built.data["results"]["cases"],
        "thematic_forces": built.data["coverage"]["forces"],
        "thematic_pdf_bytes": len(built.pdf),
        "setup_seconds": round(setup, 1),
        "targets": TARGETS,
    }
    results["met"] = {
        "force_pdf_seconds": results["force_pdf_seconds"] <= TARGETS["force_pdf_seconds"],
        "thematic_seconds": results["thematic_seconds"] <= TARGETS["thematic_seconds"],
        "ratio": results["ratio"] <= TARGETS["ratio"],
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile one build (stderr)")
    args = parser.parse_args()
    _setup_environment()
    import logging

    logging.disable(logging.INFO)
    _database()
    try:
        results = run(args.runs, args.profile)
    finally:
        _drop()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
