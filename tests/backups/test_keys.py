"""How backed-up keys come back: as files that give the same keys, or refused when this
installation's own keys would leave the restored data unreadable."""

import pytest
from cryptography.fernet import Fernet, MultiFernet

from cpinspect.assessments import encryption
from cpinspect.backups import keys
from cpinspect.casefiles import pseudonymise


@pytest.fixture
def here(tmp_path, monkeypatch):
    """An installation with nothing under var/ and no key in its environment."""
    monkeypatch.setenv("CPINSPECT_VAR_DIR", str(tmp_path))
    monkeypatch.delenv(keys.PSEUDONYM_ENV, raising=False)
    monkeypatch.delenv(keys.EVIDENCE_ENV, raising=False)
    return tmp_path / "keys"


def written(plan, path):
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(plan.writes[path])
    return path


def test_a_pseudonym_key_from_the_environment_comes_back_as_a_file_with_the_same_key(here):
    plan = keys.plan_restore({"environment/CPINSPECT_PSEUDONYM_KEY": b"the old secret"})
    assert plan.refusals == []
    path = written(plan, here / "casefiles.key")
    # what pseudonymise reads from the file is what it derived from the variable
    from_file = pseudonymise._master_from(None, str(path))
    assert from_file == pseudonymise._master_from("the old secret", "/nowhere")
    assert any("secrets store" in note for note in plan.notes)


def test_evidence_keys_from_the_environment_come_back_as_the_keys_file(here):
    old, older = Fernet.generate_key(), Fernet.generate_key()
    token = Fernet(older).encrypt(b"evidence note")
    value = f"{old.decode()},{older.decode()}"
    plan = keys.plan_restore({"environment/CPINSPECT_EVIDENCE_KEYS": value.encode()})
    path = written(plan, here / "evidence.keys")
    ring = encryption._keyring(path.read_text().strip())
    assert isinstance(ring, MultiFernet) and ring.decrypt(token) == b"evidence note"


def test_key_files_come_back_as_they_were(here):
    members = {"keys/casefiles.key": b"ab" * 32, "keys/evidence.keys": b"k1", "keys/other": b"x"}
    plan = keys.plan_restore(members)
    assert plan.refusals == [] and plan.notes == []
    assert plan.writes == {here / n.removeprefix("keys/"): v for n, v in members.items()}


def test_a_pseudonym_key_set_here_must_be_the_backed_up_one(here, monkeypatch):
    backed_up = {"keys/casefiles.key": pseudonymise._master_from("same", "/nowhere").hex().encode()}
    monkeypatch.setenv(keys.PSEUDONYM_ENV, "another")
    refused = keys.plan_restore(backed_up)
    assert refused.refusals and "CPINSPECT_PSEUDONYM_KEY is set here" in refused.refusals[0]
    monkeypatch.setenv(keys.PSEUDONYM_ENV, "same")
    assert keys.plan_restore(backed_up).refusals == []


def test_evidence_keys_set_here_must_hold_every_backed_up_key(here, monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    backed_up = {"keys/evidence.keys": old.encode()}
    monkeypatch.setenv(keys.EVIDENCE_ENV, new)
    refused = keys.plan_restore(backed_up)
    assert refused.refusals and "lacks 1 of the backed-up installation's 1" in refused.refusals[0]
    monkeypatch.setenv(keys.EVIDENCE_ENV, f"{new},{old}")  # rotated since: still every key
    assert keys.plan_restore(backed_up).refusals == []


def test_a_different_key_file_here_is_refused_and_the_same_one_is_not(here):
    here.mkdir()
    (here / "casefiles.key").write_bytes(b"cd" * 32)
    refused = keys.plan_restore({"keys/casefiles.key": b"ab" * 32})
    assert len(refused.refusals) == 1 and "holds a different key" in refused.refusals[0]
    (here / "casefiles.key").write_bytes(b"ab" * 32)
    assert keys.plan_restore({"keys/casefiles.key": b"ab" * 32}).refusals == []


def test_outside_demo_and_tests_the_evidence_keys_must_go_into_the_environment(
    here, settings, monkeypatch
):
    settings.CPINSPECT_DEMO = False
    settings.DEBUG = False
    settings.CPINSPECT_TESTING = False
    plan = keys.plan_restore({"keys/evidence.keys": b"k1"})
    assert plan.writes == {here / "evidence.keys": b"k1"}
    assert any("reads the evidence keys from CPINSPECT_EVIDENCE_KEYS only" in n for n in plan.notes)


def test_a_key_file_the_variable_overrode_is_not_restored(here):
    plan = keys.plan_restore(
        {"keys/casefiles.key": b"ab" * 32, "environment/CPINSPECT_PSEUDONYM_KEY": b"in use"}
    )
    assert plan.writes[here / "casefiles.key"] != b"ab" * 32
    assert any("was not in use" in note for note in plan.notes)


def test_a_backup_takes_every_key_file_and_each_key_variable(here, monkeypatch):
    here.mkdir()
    (here / "casefiles.key").write_bytes(b"ab" * 32)
    (here / "evidence.keys").write_bytes(b"k1")
    monkeypatch.setenv(keys.EVIDENCE_ENV, "k2,k1")
    members = keys.for_backup()
    assert members == [
        ("keys/casefiles.key", b"ab" * 32),
        ("keys/evidence.keys", b"k1"),
        ("environment/CPINSPECT_EVIDENCE_KEYS", b"k2,k1"),
    ]
    assert keys.sources([n for n, _ in members]) == {"pseudonym": "file", "evidence": "environment"}
