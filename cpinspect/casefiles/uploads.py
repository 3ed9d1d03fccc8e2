"""Uploaded extract files waiting for the background worker.

The file holds raw case references, so it is written encrypted (AES-GCM under the
inspection's encryption key, bound to its extract) and deleted as soon as the worker has
read it. Nothing else keeps the uploaded bytes."""

from pathlib import Path

from cpinspect.casefiles import conf, pseudonymise
from cpinspect.private_files import open_private, private_folder


def _path(extract) -> Path:
    return conf.uploads_dir() / f"extract-{extract.pk}.upload"


def _context(extract) -> bytes:
    return f"cpinspect/upload/extract/{extract.pk}".encode()


def store(extract, data: bytes) -> None:
    path = _path(extract)
    private_folder(path.parent, conf.casefiles_dir())
    blob = pseudonymise.encrypt(
        data, pseudonymise.encryption_key(extract.inspection_id), _context(extract)
    )
    temporary = path.with_suffix(".partial")
    with open_private(temporary) as handle:
        handle.write(blob)
    temporary.replace(path)


def take(extract) -> bytes | None:
    """The uploaded bytes, deleting the stored file; None when there is none (already taken)."""
    path = _path(extract)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return pseudonymise.decrypt(
            blob, pseudonymise.encryption_key(extract.inspection_id), _context(extract)
        )
    finally:
        path.unlink(missing_ok=True)
