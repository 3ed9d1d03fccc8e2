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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    frame.write_parquet(tmp, compression="zstd", compression_level=1, statistics=False)
    tmp.replace(path)
    return sha256_of(path)


def read(path: Path, columns: list[str] | None = None) -> pl.DataFrame:
    return pl.read_parquet(path, columns=columns)


def write_vault(refs, path: Path, *, key: bytes, context: bytes) -> None:
    """``refs``: a polars Series (or list) of the raw references, in frame order."""
    buffer = io.BytesIO()
    pl.DataFrame({"ref": pl.Series("ref", refs, dtype=pl.String)}).write_ipc(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pseudonymise.encrypt(buffer.getvalue(), key, context))
    path.chmod(0o600)


def read_vault(path: Path, *, key: bytes, context: bytes) -> list[str]:
    plain = pseudonymise.decrypt(path.read_bytes(), key, context)
    return pl.read_ipc(io.BytesIO(plain))["ref"].to_list()


def summary(frame: pl.DataFrame) -> dict:
    """Counts by category, council, month and age band (the frame summary)."""

    def counts(expr, name):
        rows = (
            frame.select(expr.alias(name)).group_by(name).len().sort(name, nulls_last=True).rows()
        )
        return {("not given" if k is None else str(k)): int(v) for k, v in rows}

    band = pl.lit(None, dtype=pl.String)
    for low, high, label in reversed(AGE_BANDS):
        band = (
            pl.when(pl.col("child_age").is_between(low, high)).then(pl.lit(label)).otherwise(band)
        )
    return {
        "total": frame.height,
        "by_category": counts(pl.col("category"), "category"),
        "by_council": counts(pl.col("council_code"), "council"),
        "by_month": {
            k[:7]: v for k, v in counts(pl.col("recorded_on").dt.truncate("1mo"), "month").items()
        },
        "by_age_band": counts(band, "band"),
    }
