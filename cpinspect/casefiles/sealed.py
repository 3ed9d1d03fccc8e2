"""Files encrypted as they are written and decrypted as they are read, a chunk at a time, so
that neither side ever holds a whole file in memory (uploads of up to 2 GB, ADR 0022).

Layout: a header (MAGIC, the chunk size, a random 7-byte prefix), then chunks of
``chunk_size`` plaintext bytes, each sealed with AES-256-GCM (ciphertext + 16-byte tag). The
last chunk is always shorter than ``chunk_size`` (empty when the plaintext fills the chunks
before it), so a file's length alone gives its chunk count. Each chunk's nonce is the prefix,
its index (4 bytes) and a final flag (1 byte); the associated data is the caller's context
and the header. So a chunk moved, repeated, swapped in from another file, or a file cut short
(even at a chunk boundary: its last chunk then fails as "final") fails its tag.
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"CPSEAL1\n"
CHUNK = 1024 * 1024
TAG = 16
PREFIX = 7
HEADER = struct.Struct(">8sI7s")  # magic, chunk size, nonce prefix


class SealedFileError(Exception):
    """The encrypted file is damaged, cut short, reordered or not ours; never shows content."""


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if final else 0)


class SealedWriter:
    """Write plaintext in any pieces; ``close()`` seals the final chunk. The caller opens
    ``handle`` (binary, writable) and closes it after this."""

    def __init__(self, handle, key: bytes, context: bytes, chunk_size: int = CHUNK):
        self._handle = handle
        self._aead = AESGCM(key)
        self._chunk = chunk_size
        self._prefix = os.urandom(PREFIX)
        self._header = HEADER.pack(MAGIC, chunk_size, self._prefix)
        self._aad = context + self._header
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        handle.write(self._header)

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) >= self._chunk:
            self._seal(bytes(self._buffer[: self._chunk]), final=False)
            del self._buffer[: self._chunk]
        return len(data)

    def _seal(self, plain: bytes, *, final: bool) -> None:
        nonce = _nonce(self._prefix, self._index, final)
        self._handle.write(self._aead.encrypt(nonce, plain, self._aad))
        self._index += 1

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), final=True)
            self._buffer = bytearray()
            self._closed = True


class SealedReader(io.RawIOBase):
    """The plaintext of a sealed file as a seekable, read-only binary file: chunks are
    decrypted when read (one kept), so a zip reader can seek in it and a CSV reader can
    stream it. Any chunk that fails its check raises ``SealedFileError``."""

    def __init__(self, path: Path, key: bytes, context: bytes):
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 (closed by close())
        try:
            header = self._file.read(HEADER.size)
            if len(header) != HEADER.size:
                raise SealedFileError("The encrypted file is too short to have its header.")
            magic, chunk, prefix = HEADER.unpack(header)
            if magic != MAGIC or chunk <= 0:
                raise SealedFileError("The encrypted file does not start as a sealed file.")
            body = os.fstat(self._file.fileno()).st_size - HEADER.size
            full, rest = divmod(body, chunk + TAG)
            if rest < TAG:
                raise SealedFileError("The encrypted file is cut short (its last chunk is gone).")
        except BaseException:
            self._file.close()
            raise
        self._aead = AESGCM(key)
        self._aad = context + header
        self._chunk_size = chunk
        self._prefix = prefix
        self._chunks = full + 1
        self.size = full * chunk + rest - TAG
        self._pos = 0
        self._cached = (-1, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _plain(self, index: int) -> bytes:
        if self._cached[0] == index:
            return self._cached[1]
        final = index == self._chunks - 1
        self._file.seek(HEADER.size + index * (self._chunk_size + TAG))
        sealed = self._file.read(self._chunk_size + TAG)
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, index, final), sealed, self._aad)
        except InvalidTag:
            raise SealedFileError(
                f"Chunk {index + 1} of {self._chunks} of the encrypted file fails its check: "
                "the file was changed, cut short or reordered after it was written."
            ) from None
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self.size:
            index, offset = divmod(self._pos, self._chunk_size)
            plain = self._plain(index)
            piece = plain[offset : offset + len(view) - done]
            view[done : done + len(piece)] = piece
            done += len(piece)
            self._pos += len(piece)
        return done

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            self._cached = (-1, b"")
        super().close()


def open_reader(path: Path, key: bytes, context: bytes) -> io.BufferedReader:
    """A buffered, seekable reader of the plaintext (``.raw.size`` is its length)."""
    return io.BufferedReader(SealedReader(path, key, context), buffer_size=CHUNK)
