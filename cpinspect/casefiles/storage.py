"""The files an extract's database row points to, by the extract's status: what a backup must
carry besides the database (``cpinspect backup``, ADR 0019).

* the frame (Parquet, its SHA-256 in ``frame_sha256``) while the extract is imported, waits
  for confirmation or has been superseded by a later import;
* the encrypted reference vault until the sample is drawn, the import is superseded
  (``vault_destroyed_at``) or it is cancelled;
* the encrypted upload while the extract waits for the worker (``queued``).

A running import's files are half-written and belong to no state a restore could resume, so
they are not listed; a restored running import stays unfinished.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cpinspect.casefiles import conf, frames, uploads
from cpinspect.casefiles.models import Extract, ExtractStatus

# A superseded import keeps its frame (a sample drawn from it may still be in use); only its
# vault is destroyed when it is superseded (ADR 0024).
WITH_FRAME = {ExtractStatus.IMPORTED, ExtractStatus.NEEDS_CONFIRMATION, ExtractStatus.SUPERSEDED}


@dataclass(frozen=True)
class StoredFile:
    kind: str  # "frame", "vault" or "upload"
    extract_id: int
    path: Path
    sha256: str | None  # what the database recorded, when it records one

    @property
    def relative(self) -> str:
        """The path under the case files folder (CPINSPECT_CASEFILES_DIR)."""
        return self.path.relative_to(conf.casefiles_dir()).as_posix()


def files_of(extract: Extract) -> list[StoredFile]:
    out = []
    if extract.status in WITH_FRAME:
        path = frames.frame_path(extract.inspection_id, extract.pk)
        out.append(StoredFile("frame", extract.pk, path, extract.frame_sha256 or None))
        if extract.vault_destroyed_at is None:
            path = frames.vault_path(extract.inspection_id, extract.pk)
            out.append(StoredFile("vault", extract.pk, path, None))
    elif extract.status == ExtractStatus.QUEUED:
        out.append(StoredFile("upload", extract.pk, uploads._path(extract), None))
    return out


def referenced_files(using: str = "default") -> list[StoredFile]:
    """Every file the database (as seen through ``using``) points to, in extract order."""
    extracts = (
        Extract.objects.using(using)
        .order_by("pk")
        .only("pk", "inspection_id", "status", "frame_sha256", "vault_destroyed_at")
    )
    return [f for extract in extracts for f in files_of(extract)]
