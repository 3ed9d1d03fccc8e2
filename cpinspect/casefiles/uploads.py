"""Uploaded extract files waiting for the background worker.

The file holds raw case references, so it is written encrypted as it arrives (``sealed``:
chunked AES-GCM under the inspection's encryption key), into the private uploads folder, and
never whole in memory (ADR 0022). It arrives as ``incoming-<random>.partial``; once its
Extract row exists it becomes ``extract-<id>.upload``, and it is deleted as soon as the
worker has read it. The SHA-256 of the plaintext, taken while it arrived, is the Extract's
``file_sha256``: the worker checks the file against it before reading a row, which also ties
the file to its Extract (two uploads of one inspection share a key). Nothing else keeps the
uploaded bytes."""

from __future__ import annotations

import hashlib
import io
import secrets
import time
from pathlib import Path

from cpinspect.casefiles import conf, pseudonymise, sealed
from cpinspect.private_files import open_private, private_folder

INCOMING = "incoming-"
ABANDONED_AFTER_SECONDS = 24 * 3600


def _path(extract) -> Path:
    return conf.uploads_dir() / f"extract-{extract.pk}.upload"


def context(inspection_id: int) -> bytes:
    return f"cpinspect/upload/inspection/{inspection_id}".encode()


class Receiving:
    """One file being received: written encrypted to a partial file as its pieces arrive,
    counted and hashed. ``adopt`` gives it to an Extract; anything else ends in ``discard``
    (the partial file deleted), which is safe to call again."""

    def __init__(self, inspection_id: int):
        folder = private_folder(conf.uploads_dir(), conf.casefiles_dir())
        self.path = folder / f"{INCOMING}{secrets.token_hex(16)}.partial"
        self._handle = open_private(self.path)
        self._writer = sealed.SealedWriter(
            self._handle, pseudonymise.encryption_key(inspection_id), context(inspection_id)
        )
        self._sha256 = hashlib.sha256()
        self.size = 0
        self.sha256 = ""
        self.adopted = False

    def write(self, data) -> None:
        self._sha256.update(data)
        self._writer.write(data)
        self.size += len(data)

    def finish(self) -> None:
        """Seal the last chunk and close the file (``sha256`` is then the file's)."""
        if not self._handle.closed:
            self._writer.close()
            self._handle.close()
            self.sha256 = self._sha256.hexdigest()

    def adopt(self, extract) -> Path:
        self.finish()
        path = _path(extract)
        self.path.replace(path)
        self.adopted = True
        return path

    def discard(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        if not self.adopted:
            self.path.unlink(missing_ok=True)


def store(extract, data: bytes) -> None:
    """Store ``data`` (already in memory: the command line, tests) for ``extract``."""
    receiving = Receiving(extract.inspection_id)
    try:
        for start in range(0, len(data), sealed.CHUNK):
            receiving.write(data[start : start + sealed.CHUNK])
        receiving.adopt(extract)
    finally:
        receiving.discard()


def open_upload(extract) -> io.BufferedReader | None:
    """The stored upload as a seekable binary file decrypted as it is read; None when there
    is none (already taken)."""
    key = pseudonymise.encryption_key(extract.inspection_id)
    try:
        return sealed.open_reader(_path(extract), key, context(extract.inspection_id))
    except FileNotFoundError:
        return None


def sha256_of(stream) -> str:
    """Read ``stream`` from its start to its end, checking every chunk; its SHA-256."""
    digest = hashlib.sha256()
    stream.seek(0)
    while block := stream.read(sealed.CHUNK * 4):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def discard(extract) -> None:
    _path(extract).unlink(missing_ok=True)


def sweep_abandoned(now: float | None = None) -> int:
    """Delete partial files left by a web process that died while receiving (older than a
    day: none can still be arriving). Returns how many."""
    folder = conf.uploads_dir()
    if not folder.is_dir():
        return 0
    now = time.time() if now is None else now
    swept = 0
    for path in folder.glob(f"{INCOMING}*.partial"):
        try:
            if now - path.stat().st_mtime > ABANDONED_AFTER_SECONDS:
                path.unlink()
                swept += 1
        except FileNotFoundError:
            pass
    return swept
