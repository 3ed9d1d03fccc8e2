"""Settings of the case extract pipeline, read from the environment when needed (with defaults).

CPINSPECT_PSEUDONYM_KEY      master secret for pseudonyms and encryption keys; when unset, a
                             random key is created on first use in var/keys/casefiles.key (0600)
CPINSPECT_CASEFILES_DIR      where frames and encrypted reference vaults live (var/casefiles)
CPINSPECT_MAX_REJECT_SHARE   share of rejected rows above which an import needs confirmation (0.2)
CPINSPECT_MAX_FIELD_BYTES    longest field accepted (100000 bytes)
CPINSPECT_MAX_FILE_BYTES     largest file accepted (2 GB), enforced while it is received
CPINSPECT_MAX_ROWS           most rows a file may have (1,000,000), counted as it is read
CPINSPECT_MAX_UNPACKED_BYTES most bytes a workbook may unpack to (1 GB), from its zip directory
CPINSPECT_IMPORT_TIME_LIMIT  seconds an import may run before it is stopped (600)
CPINSPECT_SAMPLE_BASE        default sample size for a force (70)
CPINSPECT_SAMPLE_BASE_FRAME  frame size up to which the base size applies (20000)
CPINSPECT_SAMPLE_MAX         largest default sample (400)
CPINSPECT_HMAC_PROCESSES     2 (default): pseudonymise 200,000+ rows in two processes (fork);
                             1: one process
"""

import os
from pathlib import Path

from cpinspect import database


def _float(name, default):
    return float(os.environ.get(name, default))


def _int(name, default):
    return int(os.environ.get(name, default))


def casefiles_dir() -> Path:
    folder = os.environ.get("CPINSPECT_CASEFILES_DIR")
    return Path(folder) if folder else database.var_dir() / "casefiles"


def frames_dir() -> Path:
    return casefiles_dir() / "frames"


def vault_dir() -> Path:
    return casefiles_dir() / "vault"


def uploads_dir() -> Path:
    """Encrypted uploads waiting for the background worker (see uploads.py)."""
    return casefiles_dir() / "uploads"


def key_file() -> Path:
    return database.var_dir() / "keys" / "casefiles.key"


def max_reject_share() -> float:
    return _float("CPINSPECT_MAX_REJECT_SHARE", "0.2")


def max_field_bytes() -> int:
    return _int("CPINSPECT_MAX_FIELD_BYTES", "100000")


def max_file_bytes() -> int:
    return _int("CPINSPECT_MAX_FILE_BYTES", str(2 * 1024**3))


def max_rows() -> int:
    return _int("CPINSPECT_MAX_ROWS", "1000000")


def max_unpacked_bytes() -> int:
    return _int("CPINSPECT_MAX_UNPACKED_BYTES", str(1024**3))


def import_time_limit() -> float:
    return _float("CPINSPECT_IMPORT_TIME_LIMIT", "600")


def sample_base() -> int:
    return _int("CPINSPECT_SAMPLE_BASE", "70")


def sample_base_frame() -> int:
    return _int("CPINSPECT_SAMPLE_BASE_FRAME", "20000")


def sample_max() -> int:
    return _int("CPINSPECT_SAMPLE_MAX", "400")
