"""Query-count baselines for every page and GET endpoint of the permission matrices.

A page that starts making more queries fails here with its name, its baseline and its count
(the way NetBox keeps such baselines), so an N+1 is caught when it is written, not in
production. Each row is measured as the first visitor the matrix lets in, on its second
request (the first warms per-process caches, such as content types and the session's renewal).

When a change makes a page cheaper, or a new page is added, write the baselines again with
``CPINSPECT_WRITE_QUERY_BASELINES=1 pytest tests/web/test_query_counts.py`` (the run then
fails on purpose, so a writing run is never mistaken for a passing one) and commit the file.
"""

import json
import os
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.accounts.test_permission_matrix import (  # noqa: F401 (fixtures)
    FIELDWORK_MATRIX,
    MATRIX,
    VISITORS,
    fieldwork_world,
    sample,
    world,
)

BASELINES = Path(__file__).with_name("query_baselines.json")
WRITING = os.environ.get("CPINSPECT_WRITE_QUERY_BASELINES") == "1"


def _rows(matrix):
    for name, method, url, expected, *_ in matrix:
        visitor = next((v for v in VISITORS if expected[v] == 200), None)
        if method == "get" and visitor:
            yield name, url, visitor


def _count(client, url, fixtures) -> int:
    # Some rows make what they show (a report in a given state): each row is undone after.
    with transaction.atomic():
        path = url(fixtures)
        api = {"HTTP_ACCEPT": "application/json"} if path.startswith("/api/") else {}
        client.get(path, **api)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, **api)
        transaction.set_rollback(True)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return len(queries)


def _measure(matrix, fixtures, client) -> dict[str, int]:
    counts = {}
    for name, url, visitor in _rows(matrix):
        if visitor == "anonymous":
            client.logout()
        else:
            client.force_login(fixtures["people"][visitor])
        counts[name] = _count(client, url, fixtures)
    return counts


def _check(section: str, counts: dict[str, int]) -> None:
    stored = json.loads(BASELINES.read_text()) if BASELINES.exists() else {}
    if WRITING:
        stored[section] = dict(sorted(counts.items()))
        BASELINES.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
        pytest.fail(f"query baselines for {section} written to {BASELINES.name}; run again")
    baseline = stored.get(section, {})
    problems = [
        f"{name}: {count} queries, baseline {baseline.get(name, 'none')}"
        for name, count in sorted(counts.items())
        if name not in baseline or count > baseline[name]
    ]
    gone = sorted(baseline.keys() - counts.keys())
    problems += [f"{name}: in the baselines but no longer measured" for name in gone]
    assert not problems, "more queries than the baseline (or no baseline):\n" + "\n".join(problems)


@pytest.mark.django_db
def test_every_page_and_endpoint_within_its_query_baseline(world, client):  # noqa: F811
    _check("pages", _measure(MATRIX, world, client))


@pytest.mark.django_db
def test_every_fieldwork_page_within_its_query_baseline(fieldwork_world, client):  # noqa: F811
    _check("fieldwork", _measure(FIELDWORK_MATRIX, fieldwork_world, client))


@pytest.mark.django_db
def test_every_visitors_home_page_within_its_query_baseline(fieldwork_world, client):  # noqa: F811
    # the home page lists each person's tasks (web/home.py): a fixed number of queries per kind
    # of task, whatever the number of cases (the fieldwork world has 21, in every stage)
    counts = {}
    for visitor in VISITORS:
        if visitor == "anonymous":
            client.logout()
        else:
            client.force_login(fieldwork_world["people"][visitor])
        counts[f"home ({visitor})"] = _count(client, lambda f: "/", fieldwork_world)
    _check("home", counts)


@pytest.mark.skipif(WRITING, reason="baselines are being written")
def test_one_query_more_than_the_baseline_fails_by_name():
    # The check itself, on the stored baselines: the home page one query dearer fails, naming it;
    # a page with no baseline fails too; the same counts as stored pass.
    stored = json.loads(BASELINES.read_text())["pages"]
    _check("pages", dict(stored))
    with pytest.raises(AssertionError, match=rf"home: {stored['home'] + 1} queries, baseline"):
        _check("pages", {**stored, "home": stored["home"] + 1})
    with pytest.raises(AssertionError, match="a new page: 3 queries, baseline none"):
        _check("pages", {**stored, "a new page": 3})
