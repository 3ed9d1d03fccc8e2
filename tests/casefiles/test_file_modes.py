"""Files the application writes under var/ (frames, reference vaults, uploads, keys) are the
service's alone: files 0600 in folders 0700, whatever the process's umask (issue #11 item 6)."""

import os
import stat
from pathlib import Path

import pytest

from cpinspect.assessments import encryption
from cpinspect.casefiles import frames, pseudonymise, uploads
from tests.casefiles.conftest import synthetic_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def usual_umask():
    """The common default: without explicit modes, files would be 0644 in 0755 folders."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def folders_between(root: Path, path: Path) -> list[Path]:
    """The folders from ``path``'s own up to ``root``."""
    folders = [path.parent]
    while folders[-1] != root:
        folders.append(folders[-1].parent)
    return folders


def assert_private(root: Path, path: Path) -> None:
    assert path.exists(), path
    assert oct(mode(path)) == oct(0o600), path
    for folder in folders_between(root, path):
        assert oct(mode(folder)) == oct(0o700), folder


def test_the_frame_and_the_reference_vault_are_private(import_csv, casefiles_env):
    extract = import_csv(synthetic_csv(60, seed=4))
    frame = Path(extract.frame_path)
    assert_private(casefiles_env, frame)
    vault = frames.vault_path(extract.inspection_id, extract.pk)
    assert_private(casefiles_env, vault)
    others = [p for p in casefiles_env.rglob("*") if p.is_file() and p not in (frame, vault)]
    assert others == []  # no temporary file is left behind


def test_a_folder_made_before_this_rule_is_made_private(import_csv, casefiles_env):
    (casefiles_env / "frames").mkdir(parents=True, mode=0o755)
    os.chmod(casefiles_env, 0o755)
    extract = import_csv(synthetic_csv(30, seed=5))
    assert_private(casefiles_env, Path(extract.frame_path))


def test_an_upload_waiting_for_the_worker_is_private(inspection, people, casefiles_env):
    from cpinspect.casefiles.models import Extract

    extract = Extract.objects.create(
        inspection=inspection, profile="canonical", imported_by=people["lead"]
    )
    uploads.store(extract, b"case_ref\nA1\n")
    stored = casefiles_env / "uploads" / f"extract-{extract.pk}.upload"
    assert_private(casefiles_env, stored)


def test_keys_made_on_first_use_are_private(tmp_path, monkeypatch):
    keys = tmp_path / "var" / "keys"
    pseudonymise._master_from(None, str(keys / "casefiles.key"))
    assert_private(keys, keys / "casefiles.key")
    monkeypatch.setenv("CPINSPECT_VAR_DIR", str(tmp_path / "var"))
    encryption._local_keys()
    assert_private(keys, keys / "evidence.keys")
