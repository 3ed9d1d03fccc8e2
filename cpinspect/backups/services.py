"""Backup and restore of a whole installation: the database, its keys and the files it points
to, in one encrypted archive (ADR 0019, ``docs/operations.md``).

The archive's members, in this order: ``keys/<file>`` and ``environment/<NAME>`` (the keys,
``keys.py``), ``casefiles/<path>`` (frames, vaults and uploads, ``casefiles/storage.py``),
``database.dump`` (pg_dump's custom format), ``manifest.json`` (what is inside with each
member's size and SHA-256, the migrations applied, the app version, the rows of every table
and the triggers). The database comes last so that a restore has every file staged before
the database commits, and can still undo everything if the database fails.

A backup reads the database, its file list and its counts in one snapshot (REPEATABLE READ,
exported to pg_dump), so they agree even while the application runs.

A restore reads the archive twice. The first pass checks everything (passphrase, every
chunk's tag, every member against the manifest) and the target (an empty database, no
conflicting key or file) and writes nothing. The second pass stages the files, restores the
database in one transaction, then moves the files into place, grants the application's role
its privileges (``audittrail.protection.grant_application_role``, as after ``migrate``) and
checks the rows and triggers against the manifest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from psycopg import sql

from cpinspect.backups import archive, keys, postgres
from cpinspect.casefiles import conf as casefiles_conf
from cpinspect.casefiles import storage

MANIFEST = "manifest.json"
DUMP = "database.dump"
KIND = "cpinspect backup"
MIN_PASSPHRASE = 16
PASSPHRASE_ENV = "CPINSPECT_BACKUP_PASSPHRASE"
OWNER = "owner"
READ = 1 << 20
SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
# keys and the manifest are read into memory (nothing else is), so their size is bounded
MAX_KEY_BYTES = 1 << 20
MAX_MANIFEST_BYTES = 64 << 20


class BackupRefused(Exception):
    pass


class RestoreRefused(Exception):
    pass


class RestoreFailed(Exception):
    pass


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


Bar = Callable[[str, int | None], object]


def _no_bar(description, total):
    return _NoBar()


def check_passphrase(passphrase: str) -> None:
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise BackupRefused(
            f"The passphrase must be at least {MIN_PASSPHRASE} characters long (give it in "
            f"{PASSPHRASE_ENV}); it is all that protects the archive."
        )


# --- what an installation holds -------------------------------------------------------------


def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def _triggers(cursor) -> list[list[str]]:
    """[table, trigger, enabled state] of every trigger that is not PostgreSQL's own."""
    cursor.execute(
        """
        SELECT c.relname, t.tgname, t.tgenabled
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal
        ORDER BY 1, 2
        """
    )
    return [list(row) for row in cursor.fetchall()]


def _migrations(cursor) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [list(row) for row in cursor.fetchall()]


def app_version() -> str:
    return package_version("cpinspect")


# --- backup ---------------------------------------------------------------------------------


def backup_create(*, path: Path, passphrase: str, bar: Bar = _no_bar) -> dict:
    """Write the archive to ``path`` (0600); return its manifest."""
    check_passphrase(passphrase)
    path = Path(path)
    if path.exists():
        raise BackupRefused(f"{path} exists already: name a new file for the backup.")
    if not path.parent.is_dir():
        raise BackupRefused(f"The folder {path.parent} does not exist.")
    partial = path.with_name(f".{path.name}.partial")
    if partial.exists():
        raise BackupRefused(
            f"{partial} exists: a backup to this name is being written, or one was "
            "interrupted. If none is running, delete it and run again."
        )
    key_members = keys.for_backup()
    _check_members(key_members, [])
    connection = connections[OWNER]
    try:
        with transaction.atomic(using=OWNER), connection.cursor() as cursor:
            # one moment for the counts, the file list and the dump
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            files = storage.referenced_files(using=OWNER)
            _check_files(files)
            _check_members([], files)
            manifest = _manifest(cursor, files, key_members)
            _write(partial, passphrase, manifest, key_members, files, snapshot, bar)
    finally:
        connection.close()
    if path.exists():
        partial.unlink(missing_ok=True)
        raise BackupRefused(f"{path} appeared while the backup was written; it is left alone.")
    partial.rename(path)
    return manifest


def _manifest(cursor, files, key_members) -> dict:
    """All of the manifest but its members (added once they are written)."""
    dump_path, dump_from = postgres.tool("pg_dump")
    cursor.execute("SELECT current_setting('server_version')")
    return {
        "kind": KIND,
        "format": archive.FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "app_version": app_version(),
        "database": {
            "name": settings.DATABASES[OWNER]["NAME"],
            "server_version": cursor.fetchone()[0],
            "pg_dump": {
                "path": str(dump_path),
                "from": dump_from,
                "version": postgres.version(dump_path),
            },
        },
        "migrations": _migrations(cursor),
        "tables": _counts(cursor),
        "triggers": _triggers(cursor),
        "keys": keys.sources([name for name, _ in key_members]),
        "files": [
            {"member": f"casefiles/{f.relative}", "kind": f.kind, "extract": f.extract_id}
            for f in files
        ],
    }


def _write(partial: Path, passphrase, manifest, key_members, files, snapshot, bar) -> None:
    """The members in their order (keys, case files, the database, the manifest), synced."""
    with archive.create_private(partial) as handle:
        try:
            writer = archive.ArchiveWriter(handle, passphrase)
            for name, content in key_members:
                writer.add(name, [content])
            _add_files(writer, files, bar)
            _add_dump(writer, settings.DATABASES[OWNER], snapshot, bar)
            manifest["members"] = dict(writer.members)
            writer.add(MANIFEST, [json.dumps(manifest, indent=1).encode("utf-8")])
            writer.close()
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise


def _check_files(files: list[storage.StoredFile]) -> None:
    problems = []
    for f in files:
        if not f.path.is_file():
            problems.append(f"the {f.kind} of extract {f.extract_id} is missing ({f.path})")
        elif f.sha256 and _sha256_of(f.path) != f.sha256:
            problems.append(
                f"the {f.kind} of extract {f.extract_id} ({f.path}) does not match the SHA-256 "
                "the database recorded"
            )
    if problems:
        raise BackupRefused(
            "The database points to files that are not as it recorded them, so a backup would "
            "not bring them back: " + "; ".join(problems) + ". Nothing was written."
        )


def _check_members(key_members, files) -> None:
    """Refuse now what a restore would refuse: a name it does not accept, a key too large."""
    for name, content in key_members:
        try:
            _member_kind(name)
        except archive.ArchiveError:
            raise BackupRefused(
                f"var/{name} cannot go into a backup: a key file's name has letters, digits, "
                "dots, hyphens and underscores only. Rename or move it."
            ) from None
        if len(content) > MAX_KEY_BYTES:
            raise BackupRefused(
                f"var/{name} is {len(content)} bytes, too large for a key: move it out of var/keys."
            )
    for f in files:
        _member_kind(f"casefiles/{f.relative}")


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(READ), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_blocks(handle):
    return iter(lambda: handle.read(READ), b"")


def _add_files(writer, files, bar: Bar) -> None:
    progress = bar("files", sum(f.path.stat().st_size for f in files))
    try:
        for f in files:
            with f.path.open("rb") as handle:
                added = writer.add(
                    f"casefiles/{f.relative}", _read_blocks(handle), on_block=progress.update
                )
            if f.sha256 and added["sha256"] != f.sha256:
                raise BackupRefused(f"{f.path} changed while it was being backed up; run again.")
    finally:
        progress.close()


def _add_dump(writer, conf: dict, snapshot: str, bar: Bar) -> None:
    progress = bar("database", None)
    with tempfile.TemporaryFile() as errors:
        process = postgres.dump_process(conf, snapshot=snapshot, stderr=errors)
        try:
            writer.add(DUMP, _read_blocks(process.stdout), on_block=progress.update)
        finally:
            process.stdout.close()
            code = process.wait()
            progress.close()
        if code != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()
            raise BackupRefused(f"pg_dump failed (exit status {code}): {message}")


# --- restore --------------------------------------------------------------------------------


@dataclass
class Checked:
    """What the first pass found: the manifest and the (small) key members."""

    manifest: dict
    key_members: dict[str, bytes] = field(default_factory=dict)


def _member_kind(name: str) -> str:
    if name in (DUMP, MANIFEST):
        return name
    prefix, _, rest = name.partition("/")
    parts = rest.split("/")
    if prefix == "environment" and rest in (keys.PSEUDONYM_ENV, keys.EVIDENCE_ENV):
        return "key"
    if prefix == "keys" and len(parts) == 1 and SAFE_PART.match(rest):
        return "key"
    if prefix == "casefiles" and all(SAFE_PART.match(p) and p not in {".", ".."} for p in parts):
        return "casefile"
    raise archive.ArchiveDamaged(f"The backup holds a member with an unexpected name: {name!r}.")


def _first_pass(handle, passphrase: str, bar: Bar) -> Checked:
    """Read and check the whole archive, writing nothing."""
    total = os.fstat(handle.fileno()).st_size
    progress = bar("checking", total)
    try:
        reader = archive.ArchiveReader(handle, passphrase, on_read=progress.update)
        found, small, manifest_bytes = {}, {}, None
        for name, blocks in reader.members():
            if manifest_bytes is not None:
                raise archive.ArchiveDamaged("The backup has members after its manifest.")
            kind = _member_kind(name)
            if name in found:
                raise archive.ArchiveDamaged(f"The backup holds {name!r} twice.")
            digest, size, keep = hashlib.sha256(), 0, bytearray()
            for block in blocks:
                digest.update(block)
                size += len(block)
                if kind in ("key", MANIFEST):
                    if size > (MAX_KEY_BYTES if kind == "key" else MAX_MANIFEST_BYTES):
                        raise archive.ArchiveDamaged(f"The backup's {name!r} is too large.")
                    keep += block
            if kind == MANIFEST:
                manifest_bytes = bytes(keep)
                continue
            found[name] = {"bytes": size, "sha256": digest.hexdigest()}
            if kind == "key":
                small[name] = bytes(keep)
    finally:
        progress.close()
    if manifest_bytes is None:
        raise archive.ArchiveIncomplete("The backup has no manifest: it is incomplete.")
    manifest = json.loads(manifest_bytes)
    if manifest.get("kind") != KIND or manifest.get("members") != found:
        raise archive.ArchiveDamaged(
            "The backup's members do not match its manifest (sizes or SHA-256). Nothing was "
            "written."
        )
    if DUMP not in found:
        raise archive.ArchiveDamaged("The backup holds no database.")
    return Checked(manifest=manifest, key_members=small)


def backup_check(*, path: Path, passphrase: str, bar: Bar = _no_bar) -> dict:
    """Read and check an archive without restoring it; return its manifest."""
    with _open_archive(path) as handle:
        return _first_pass(handle, passphrase, bar).manifest


def _open_archive(path: Path):
    path = Path(path)
    if not path.is_file():
        raise RestoreRefused(f"There is no backup at {path}.")
    return path.open("rb")


@dataclass
class Restored:
    manifest: dict
    notes: list[str]
    rows: int
    tables: int
    triggers: int
    files: int


def backup_restore(*, path: Path, passphrase: str, bar: Bar = _no_bar) -> Restored:
    """Bring the archive back into this (empty) installation."""
    with _open_archive(path) as handle:
        checked = _first_pass(handle, passphrase, bar)
        manifest = checked.manifest
        key_plan = keys.plan_restore(checked.key_members)
        targets = _casefile_targets(manifest)
        _refuse_unless_ready(manifest, key_plan, targets)
        handle.seek(0)
        _second_pass(handle, passphrase, manifest, key_plan, targets, bar)
    from cpinspect.audittrail.protection import grant_application_role

    grant_application_role(using=OWNER)
    tables, rows, triggers = _verify(manifest)
    return Restored(
        manifest=manifest,
        notes=key_plan.notes + _migration_notes(manifest),
        rows=rows,
        tables=tables,
        triggers=triggers,
        files=len(targets),
    )


def _casefile_targets(manifest) -> dict[str, tuple[Path, str]]:
    """member name -> (where it goes here, its SHA-256)."""
    root = casefiles_conf.casefiles_dir()
    return {
        name: (root / name.removeprefix("casefiles/"), info["sha256"])
        for name, info in manifest["members"].items()
        if name.startswith("casefiles/")
    }


def _known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _migration_notes(manifest) -> list[str]:
    applied = {tuple(m) for m in manifest["migrations"]}
    newer = _known_migrations() - applied
    if newer:
        return [
            f"This version of CP Inspect has {len(newer)} migration(s) the backup predates: "
            "run `cpinspect migrate` before using it."
        ]
    return []


def _refuse_unless_ready(manifest, key_plan: keys.KeyPlan, targets) -> None:
    reasons = list(key_plan.refusals)
    unknown = {tuple(m) for m in manifest["migrations"]} - _known_migrations()
    if unknown:
        shown = ", ".join(f"{app}.{name}" for app, name in sorted(unknown)[:5])
        reasons.append(
            f"The backup was made by a newer version of CP Inspect ({manifest['app_version']}): "
            f"{len(unknown)} of its migrations are unknown here ({shown}). Install that "
            "version, then restore."
        )
    reasons += _database_refusals()
    for name, (target, sha) in targets.items():
        if target.exists() and _sha256_of(target) != sha:
            reasons.append(f"{target} exists and differs from the backup's {name}.")
    if reasons:
        if len(reasons) > 1:
            reasons = [f"({i}) {r}" for i, r in enumerate(reasons, 1)]
        raise RestoreRefused("Nothing was restored: " + " ".join(reasons))


def _database_refusals() -> list[str]:
    from cpinspect.audittrail.protection import application_role

    conf = settings.DATABASES[OWNER]
    with connections[OWNER].cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE c.relkind IN ('r', 'p')), count(*)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname !~ '^pg_(toast|temp)'
            """
        )
        tables, relations = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public'"
        )
        functions = cursor.fetchone()[0]
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [application_role()])
        role_exists = cursor.fetchone() is not None
    reasons = []
    if relations or functions:
        reasons.append(
            f"The database {conf['NAME']} is not empty (it has {tables} tables and "
            f"{functions} functions): a restore goes into an empty database only. "
            "Restore into a new one (set CPINSPECT_DB_NAME, or DATABASE_URL and "
            "DATABASE_OWNER_URL), or drop and create this one first."
        )
    if not role_exists:
        reasons.append(
            f"The application's role {application_role()} does not exist on this server: "
            "create it first."
        )
    return reasons


def _second_pass(handle, passphrase, manifest, key_plan, targets, bar: Bar) -> None:
    staged: list[tuple[Path, Path]] = []  # (temporary, final)
    made: list[Path] = []  # folders this restore created, deepest last
    progress = bar("restoring", os.fstat(handle.fileno()).st_size)
    try:
        for final, content in key_plan.writes.items():
            staged.append((_stage(final, [content], made), final))
        reader = archive.ArchiveReader(handle, passphrase, on_read=progress.update)
        for name, blocks in reader.members():
            if name in targets:
                final, sha = targets[name]
                temporary = _stage(final, blocks, made, expected=sha)
                staged.append((temporary, final))
            elif name == DUMP:
                _restore_dump(blocks, manifest["members"][DUMP]["sha256"])
        for temporary, final in staged:
            temporary.replace(final)
        staged.clear()
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):  # not empty: not only ours
                folder.rmdir()
        raise
    finally:
        progress.close()


def _make_folders(folder: Path, made: list[Path]) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700)
        path.chmod(0o700)  # whatever the umask
        made.append(path)


def _stage(final: Path, blocks, made: list[Path], expected: str | None = None) -> Path:
    """Write ``blocks`` beside ``final`` under a temporary name (0600); check its SHA-256."""
    _make_folders(final.parent, made)
    temporary = final.with_name(f".{final.name}.restoring")
    temporary.unlink(missing_ok=True)
    digest = hashlib.sha256()
    with archive.create_private(temporary) as out:
        for block in blocks:
            out.write(block)
            digest.update(block)
        out.flush()
        os.fsync(out.fileno())
    if expected and digest.hexdigest() != expected:
        temporary.unlink()
        raise RestoreFailed(f"{final.name} changed since the first pass; nothing was restored.")
    return temporary


def _restore_dump(blocks, expected_sha: str) -> None:
    for connection in connections.all():
        connection.close()
    with tempfile.TemporaryFile() as errors:
        process = postgres.restore_process(settings.DATABASES[OWNER], stderr=errors)
        digest, writing = hashlib.sha256(), True
        try:
            for block in blocks:
                digest.update(block)
                if writing:
                    try:
                        process.stdin.write(block)
                    except BrokenPipeError:  # it stopped reading: its exit status says why
                        writing = False
            if digest.hexdigest() != expected_sha:
                process.kill()  # before its input ends, so its transaction never commits
                raise RestoreFailed("The database changed since the first pass; not restored.")
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
        except BaseException:
            process.kill()
            process.wait()
            raise
        code = process.wait()
        if code != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()
            raise RestoreFailed(
                f"pg_restore failed (exit status {code}); the database is as it was: {message}"
            )


def _verify(manifest) -> tuple[int, int, int]:
    """Check the restored database against the manifest: (tables, rows, triggers)."""
    with connections[OWNER].cursor() as cursor:
        counts = _counts(cursor)
        triggers = _triggers(cursor)
    problems = []
    if counts != manifest["tables"]:
        differ = sorted(
            t
            for t in set(counts) | set(manifest["tables"])
            if counts.get(t) != manifest["tables"].get(t)
        )
        problems.append("rows differ in " + ", ".join(differ[:10]))
    if triggers != manifest["triggers"]:
        problems.append("the triggers differ from the backed-up database's")
    if problems:
        raise RestoreFailed(
            "The database was restored but does not match the backup: " + "; ".join(problems)
        )
    return len(counts), sum(counts.values()), len(triggers)
