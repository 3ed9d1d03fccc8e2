"""Fixtures of the case extract tests: a private folder for frames and a fixed master key."""

import datetime as dt

import pytest

from cpinspect.casefiles import generator
from tests.fixtures import programme_manager

TODAY = dt.date(2026, 10, 1)
ESSEX_COUNCILS = ["E06000034", "E10000012"]


@pytest.fixture(autouse=True)
def casefiles_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CPINSPECT_CASEFILES_DIR", str(tmp_path / "casefiles"))
    monkeypatch.setenv("CPINSPECT_PSEUDONYM_KEY", "test-master-secret-not-for-production")
    return tmp_path / "casefiles"


def synthetic_csv(rows=400, seed=1, bad_rows=0, **kwargs) -> bytes:
    frame = generator.generate(
        rows=rows,
        seed=seed,
        councils=ESSEX_COUNCILS,
        until=dt.date(2026, 9, 30),
        bad_rows=bad_rows,
        outside_council="E10000016",
        **kwargs,
    )
    return frame.write_csv().encode("utf-8")


@pytest.fixture
def import_csv(inspection, people):
    from cpinspect.casefiles import services

    def run(data: bytes, profile="canonical", user=None, **kwargs):
        kwargs.setdefault("today", TODAY)
        return services.extract_import(
            inspection=inspection,
            user=user or people["lead"],
            data=data,
            profile_name=profile,
            via="cli",
            **kwargs,
        )

    return run


@pytest.fixture
def run_worker():
    """Run every queued background task as ``cpinspect db_worker`` would: claim it, then run
    it through the worker's own ``run_task`` (the polling loop itself closes connections,
    which a test's transaction cannot allow). Returns how many tasks ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )

    def run() -> int:
        ran = 0
        while (result := DBTaskResult.objects.ready().get_locked()) is not None:
            result.claim(worker.worker_id)
            worker.run_task(result)
            ran += 1
        return ran

    return run


def report_of(extract) -> list[dict]:
    """Every row of an import's validation report, in line order, with its kind's words
    (severity, expected), as the pages and the API show them."""
    from cpinspect.casefiles.report import report_rows

    rows = extract.problems.order_by("seq").values("line", "field", "problem", "found")
    return report_rows(extract, list(rows))


def force_inspection(programme, people, force, status="fieldwork"):
    """A child protection inspection of ``force`` at ``status``, led by the lead."""
    from cpinspect.programmes import services
    from cpinspect.programmes.models import InspectionType, TeamRole

    inspection = services.inspection_create(
        programme_manager(),
        programme=programme,
        kind=InspectionType.CHILD_PROTECTION,
        force=force,
        fieldwork_starts_on=dt.date(2026, 11, 2),
    )
    inspection.status = status
    inspection.save()
    services.team_member_add(
        programme_manager(), inspection=inspection, person=people["lead"], role=TeamRole.LEAD
    )
    return inspection


def stop_and_search_profile(folder) -> str:
    """A force's own profile for police.uk stop-and-search files: no reference (one derived
    from the row), adults out of scope, the age range kept."""
    path = folder / "stop-and-search.yaml"
    path.write_text(
        "name: stop-and-search\n"
        "format: csv\n"
        "columns:\n  recorded_on: Date\n  outcome: Outcome\n"
        "date_formats: ['%Y-%m-%dT%H:%M:%S%z']\n"
        "category_default: vulnerability and risk\n"
        "missing_reference: derive\n"
        "derive_reference_from: [Date, Type, Gender, Age range, Object of search]\n"
        "required_columns: [Date, Age range]\n"
        "out_of_scope:\n"
        "  - column: Age range\n"
        "    equals: [18-24, 25-34, over 34]\n"
        "    reason: an adult searched\n"
        "keep: [Age range]\n"
        "drop: [Latitude, Longitude, Self-defined ethnicity, Officer-defined ethnicity,"
        " Legislation, Object of search, Part of a policing operation, Policing operation,"
        " Outcome linked to object of search, Removal of more than just outer clothing,"
        " Type, Gender]\n"
    )
    return str(path)
