"""Benchmark: the national picture PDF (/national/report.pdf) through Django's test client,
first request (rendered by WeasyPrint), repeat requests (served from the cache) and the first
request after a grade is corrected (the data version changes, so it is rendered again).

Runs in a throwaway database (created, migrated, reference data loaded, dropped).

    .venv/bin/python benchmarks/national_pdf.py [--runs 5]

Prints JSON. Target: a repeat request within 0.1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reports import _database, _drop, _setup_environment  # noqa: E402  (same throwaway DB)


def _timed_get(client, url) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return elapsed


def _correct_one_grade() -> None:
    from cpinspect.national import selectors
    from cpinspect.registry.models import PublishedGrade

    shown = selectors.default_assessment(selectors.published_assessments())
    grade = PublishedGrade.objects.filter(
        assessment=shown.assessment, question=shown.question, grade="good"
    ).first()
    grade.grade = "outstanding"
    grade.save()


def run(runs: int) -> dict:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    cache.clear()
    client = Client()
    url = reverse("national-report-pdf")
    first = _timed_get(client, url)
    repeats = [_timed_get(client, url) for _ in range(runs)]
    _correct_one_grade()
    after_correction = _timed_get(client, url)
    repeat = statistics.median(repeats)
    return {
        "first_request_seconds": round(first, 3),
        "repeat_request_seconds_median": round(repeat, 4),
        "repeat_request_seconds_max": round(max(repeats), 4),
        "after_correction_seconds": round(after_correction, 3),
        "runs": runs,
        "target_repeat_seconds": 0.1,
        "met": repeat <= 0.1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    _setup_environment()
    import logging

    logging.disable(logging.WARNING)
    try:
        _database()
        results = run(args.runs)
    finally:
        _drop()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
