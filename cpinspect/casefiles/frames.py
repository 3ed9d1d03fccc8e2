"""The sampling frame: the pseudonymised extract as a Parquet file, with its SHA-256.

Frames live under ``<CPINSPECT_CASEFILES_DIR>/frames/`` (by default ``var/casefiles``, which is
git-ignored). Beside it, until the sample is drawn, the *reference vault*: the raw references
in frame order, encrypted with AES-GCM under the inspection's encryption key. Drawing the sample
copies the references of sampled cases and reserves (encrypted) into the database and deletes
the vault, so every other raw reference is gone.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import polars as pl

from cpinspect.casefiles import conf, pseudonymise
from cpinspect.casefiles.schema import AGE_BANDS, FRAME_COLUMNS
from cpinspect.private_files import open_private, private_file, private_folder


def frame_path(inspection_id: int, extract_id: int) -> Path:
    return conf.frames_dir() / f"inspection-{inspection_id}" / f"extract-{extract_id}.parquet"


def vault_path(inspection_id: int, extract_id: int) -> Path:
    return conf.vault_dir() / f"inspection-{inspection_id}" / f"extract-{extract_id}.vault"


def build(accepted: pl.DataFrame, *, inspection_key: bytes):
    """Return (frame without raw references, list of raw references in frame order).

    The frame holds the inspection pseudonym only; the force pseudonym (for matching cases
    across inspections of a force) is computed from the vault when the sample is drawn."""
    refs = accepted.get_column("_ref")
    frame = accepted.drop("_ref", "_line").with_columns(
        pseudonymise.pseudonym_series(refs, inspection_key),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
    )
    attrs = sorted(c for c in frame.columns if c.startswith("attr_"))
    return frame.select(*FRAME_COLUMNS, *attrs), refs


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write(frame: pl.DataFrame, path: Path) -> str:
    private_folder(path.parent, conf.casefiles_dir())
    tmp = private_file(path.with_suffix(".tmp"))
    frame.write_parquet(tmp, compression="zstd", compression_level=1, statistics=False)
    tmp.replace(path)
    return sha256_of(path)


def read(path: Path, columns: list[str] | None = None) -> pl.DataFrame:
    return pl.read_parquet(path, columns=columns)


def write_vault(refs, path: Path, *, key: bytes, context: bytes) -> None:
    """``refs``: a polars Series (or list) of the raw references, in frame order.

    Arrow IPC at the oldest compatibility level (offsets and bytes, no string views) with
    LZ4 compression: 11.5 MB for a million references instead of 32 MB, which costs less to
    encrypt and to write than it costs to compress (about 60 ms in all instead of 90). The
    file is the 12-byte nonce then the AES-GCM ciphertext (``pseudonymise.encrypt``'s
    layout), written in two parts rather than joined in memory first.
    """
    buffer = io.BytesIO()
    pl.DataFrame({"ref": pl.Series("ref", refs, dtype=pl.String)}).write_ipc(
        buffer, compat_level=pl.CompatLevel.oldest(), compression="lz4"
    )
    nonce, sealed = pseudonymise.encrypt_parts(buffer.getbuffer(), key, context)
    private_folder(path.parent, conf.casefiles_dir())
    with open_private(path) as handle:
        handle.write(nonce)
        handle.write(sealed)


def read_vault(path: Path, *, key: bytes, context: bytes) -> list[str]:
    plain = pseudonymise.decrypt(path.read_bytes(), key, context)
    return pl.read_ipc(io.BytesIO(plain))["ref"].to_list()


def summary(frame: pl.DataFrame) -> dict:
    """Counts by category, council, month and age band (the frame summary).

    Months and age bands are folded in Python from the counts by day and by age (a few
    hundred and a few dozen values), which is cheaper than computing a month and a band
    for each of a million rows. The four counts are one lazy query each, collected
    together: about 30 ms for a million rows, where eager ``group_by`` took 80."""
    columns = ["category", "council_code", "recorded_on", "child_age"]
    queries = [frame.lazy().group_by(c).len().sort(c, nulls_last=True) for c in columns]
    # [(value, count)] in order of value, missing last
    by_category, by_council, by_day, by_age = (t.rows() for t in pl.collect_all(queries))

    def named(pairs):
        return {("not given" if k is None else str(k)): int(v) for k, v in pairs}

    def folded(pairs, key_of):
        out: dict = {}
        for value, count in pairs:
            key = key_of(value)
            out[key] = out.get(key, 0) + count
        return sorted(out.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))

    def band_of(age):
        for low, high, label in AGE_BANDS:
            if age is not None and low <= age <= high:
                return label
        return None

    return {
        "total": frame.height,
        "by_category": named(by_category),
        "by_council": named(by_council),
        "by_month": named(folded(by_day, lambda day: None if day is None else day.isoformat()[:7])),
        "by_age_band": named(folded(by_age, band_of)),
    }
