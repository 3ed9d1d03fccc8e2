"""The keys without which the database cannot be read, in a backup and back.

* the pseudonym master key: ``CPINSPECT_PSEUDONYM_KEY`` or ``var/keys/casefiles.key``
  (``casefiles/pseudonymise.py``): pseudonyms, kept references, vaults and uploads;
* the evidence keys: ``CPINSPECT_EVIDENCE_KEYS`` or ``var/keys/evidence.keys`` (demo, tests
  and debug only; ``assessments/encryption.py``): evidence notes, rationales, concerns.

A backup holds every file of ``var/keys/`` as ``keys/<name>`` and each of the two variables
that is set as ``environment/<NAME>``. A restore writes the files back (0600, in a 0700
folder). A key that was a variable is written as the file that gives the same key when the
variable is unset here; when it is set here it must give the same key (the pseudonym key) or
hold every backed-up key (the evidence keys), or the restore is refused: the restored data
could not be read.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from cpinspect import database

PSEUDONYM_ENV = "CPINSPECT_PSEUDONYM_KEY"
EVIDENCE_ENV = "CPINSPECT_EVIDENCE_KEYS"
PSEUDONYM_FILE = "casefiles.key"
EVIDENCE_FILE = "evidence.keys"
FILE_OF = {PSEUDONYM_ENV: PSEUDONYM_FILE, EVIDENCE_ENV: EVIDENCE_FILE}


def keys_dir() -> Path:
    return database.var_dir() / "keys"


def local_evidence_keys() -> bool:
    """Whether this installation reads the evidence keys from var/keys when the variable is
    unset (``encryption.configured_keys``): demo, tests and debug only."""
    from django.conf import settings

    return bool(settings.CPINSPECT_DEMO or settings.CPINSPECT_TESTING or settings.DEBUG)


def for_backup() -> list[tuple[str, bytes]]:
    """(member name, content) of every key this installation has."""
    members = []
    folder = keys_dir()
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.is_symlink():
                members.append((f"keys/{path.name}", path.read_bytes()))
    for name in (PSEUDONYM_ENV, EVIDENCE_ENV):
        value = os.environ.get(name, "").strip()
        if value:
            members.append((f"environment/{name}", value.encode("utf-8")))
    return members


def sources(names: list[str]) -> dict:
    """Where each key came from, for the manifest: "environment", "file" or "missing"."""

    def source(env, file):
        if f"environment/{env}" in names:
            return "environment"
        return "file" if f"keys/{file}" in names else "missing"

    return {
        "pseudonym": source(PSEUDONYM_ENV, PSEUDONYM_FILE),
        "evidence": source(EVIDENCE_ENV, EVIDENCE_FILE),
    }


def _pseudonym_master(env_value: str | None, file_value: bytes | None) -> bytes | None:
    """The master key as ``pseudonymise.master_key`` derives it."""
    if env_value:
        return hashlib.sha256(env_value.encode("utf-8")).digest()
    if file_value is not None:
        return bytes.fromhex(file_value.decode().strip())
    return None


def _evidence_keys(text: str | None) -> list[str]:
    return [k.strip() for k in (text or "").split(",") if k.strip()]


@dataclass
class KeyPlan:
    """What a restore writes under var/keys, what it must tell, and why it must refuse."""

    writes: dict[Path, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


def plan_restore(members: dict[str, bytes]) -> KeyPlan:
    """Decide, before anything is written, how the backed-up keys come back here."""
    plan = KeyPlan()
    folder = keys_dir()
    env_members = {
        n.removeprefix("environment/"): v.decode()
        for n, v in members.items()
        if n.startswith("environment/")
    }
    for name, content in members.items():
        if not name.startswith("keys/"):
            continue
        file_name = name.removeprefix("keys/")
        overridden = [env for env, f in FILE_OF.items() if f == file_name and env in env_members]
        if overridden:
            plan.notes.append(
                f"var/keys/{file_name} of the backed-up installation was not in use "
                f"({overridden[0]} was), so it is not restored."
            )
            continue
        plan.writes[folder / file_name] = content
    for env, value in env_members.items():
        if not os.environ.get(env, "").strip():
            content = hashlib.sha256(value.encode()).hexdigest() if env == PSEUDONYM_ENV else value
            plan.writes[folder / FILE_OF[env]] = content.encode() + b"\n"
            plan.notes.append(
                f"The backed-up installation had its key in {env}; it is now in "
                f"var/keys/{FILE_OF[env]}. Keep it in your secrets store instead (set {env}) "
                "and delete the file."
            )
    _check_pseudonym(members, env_members, plan)
    _check_evidence(members, env_members, plan)
    for path, content in plan.writes.items():
        if path.exists() and path.read_bytes() != content:
            plan.refusals.append(
                f"{path} exists and holds a different key. Restore into an installation "
                "without it (moving it away would make whatever it encrypts unreadable)."
            )
    return plan


def _check_pseudonym(members, env_members, plan: KeyPlan) -> None:
    backed_up = _pseudonym_master(
        env_members.get(PSEUDONYM_ENV), members.get(f"keys/{PSEUDONYM_FILE}")
    )
    here = os.environ.get(PSEUDONYM_ENV, "").strip()
    if backed_up is not None and here and _pseudonym_master(here, None) != backed_up:
        plan.refusals.append(
            f"{PSEUDONYM_ENV} is set here to another key than the backed-up installation's: "
            "its pseudonyms and kept references could not be read. Unset it (the backup's key "
            f"is then written to var/keys/{PSEUDONYM_FILE}) or set it to the backed-up value."
        )


def _check_evidence(members, env_members, plan: KeyPlan) -> None:
    text = env_members.get(EVIDENCE_ENV)
    if text is None and f"keys/{EVIDENCE_FILE}" in members:
        text = members[f"keys/{EVIDENCE_FILE}"].decode()
    backed_up = _evidence_keys(text)
    here = _evidence_keys(os.environ.get(EVIDENCE_ENV))
    if here:
        missing = [k for k in backed_up if k not in here]
        if missing:
            plan.refusals.append(
                f"{EVIDENCE_ENV} here lacks {len(missing)} of the backed-up installation's "
                f"{len(backed_up)} evidence key(s): its notes could not be read. Unset it (the "
                f"backup's keys are then written to var/keys/{EVIDENCE_FILE}) or add them."
            )
    elif backed_up and not local_evidence_keys():
        plan.notes.append(
            f"This installation reads the evidence keys from {EVIDENCE_ENV} only: set it to "
            f"the content of var/keys/{EVIDENCE_FILE} (then delete the file)."
        )
