"""The encrypted archive: named members in one stream, encrypted in chunks (ADR 0019).

On disk::

    header  "CPINSPECT-BACKUP" (16 bytes), format version, scrypt's log2(N), r and p (one
            byte each), plaintext bytes per chunk (4 bytes), salt (16 bytes), passphrase check
            (16 bytes)
    chunks  AES-256-GCM, each CHUNK bytes of plaintext (the last one shorter, maybe empty)
            followed by its 16-byte tag

scrypt turns the passphrase and the archive's random salt into 64 bytes: an AES key and a key
for the passphrase check (an HMAC of the header), so that a wrong passphrase is told apart from
a damaged archive. Every chunk is authenticated with the whole header as associated data and
its number in the nonce, the last one marked as last: a changed, reordered, dropped, added or
cut-off chunk fails its tag. A key is used for one archive only (fresh salt), so a counter is a
safe nonce.

Inside, the plaintext is a sequence of members, each a name and its data in blocks, read and
written as streams: no member, and never the whole archive, is held in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"CPINSPECT-BACKUP"
FORMAT = 1
HEADER = struct.Struct(">16sBBBBI16s16s")
TAG = 16
CHUNK = 1 << 20
# scrypt with N = 2**17, r = 8, p = 1: 128 MiB and about 0.4 s for each try of a passphrase
LOG2_N, R, P = 17, 8, 1
MEMBER, END = b"M", b"E"
BLOCK = 1 << 20  # bytes per block of a member's data


class ArchiveError(Exception):
    """The archive cannot be read; the message says why, in words an operator can act on."""


class NotAnArchive(ArchiveError):
    pass


class WrongPassphrase(ArchiveError):
    pass


class ArchiveDamaged(ArchiveError):
    pass


class ArchiveIncomplete(ArchiveError):
    pass


def _keys(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> tuple[bytes, bytes]:
    derived = Scrypt(salt=salt, length=64, n=2**log2_n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return derived[:32], derived[32:]


def _check(check_key: bytes, header_start: bytes) -> bytes:
    return hmac.digest(check_key, header_start, "sha256")[:16]


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class _ChunkWriter:
    """Plaintext in, encrypted chunks out to ``handle``."""

    def __init__(self, handle, passphrase: str, chunk: int, log2_n: int):
        salt = os.urandom(16)
        cipher_key, check_key = _keys(passphrase, salt, log2_n, R, P)
        start = HEADER.pack(MAGIC, FORMAT, log2_n, R, P, chunk, salt, b"\0" * 16)[:-16]
        self.header = start + _check(check_key, start)
        self._aes = AESGCM(cipher_key)
        self._handle = handle
        self._chunk = chunk
        self._buffer = bytearray()
        self._number = 0
        handle.write(self.header)

    def write(self, data) -> None:
        self._buffer += data
        while len(self._buffer) > self._chunk:  # keep one back: it may be the last
            self._seal(bytes(self._buffer[: self._chunk]), last=False)
            del self._buffer[: self._chunk]

    def _seal(self, plain: bytes, *, last: bool) -> None:
        self._handle.write(self._aes.encrypt(_nonce(self._number, last), plain, self.header))
        self._number += 1

    def close(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()


class _ChunkReader:
    """Encrypted chunks in, plaintext out: ``read(n)`` gives exactly n bytes or raises."""

    def __init__(self, handle, passphrase: str, on_read: Callable[[int], None] | None = None):
        raw = handle.read(HEADER.size)
        if len(raw) < HEADER.size or not raw.startswith(MAGIC):
            raise NotAnArchive(
                "This file is not a CP Inspect backup (its first bytes are not). Nothing was "
                "written."
            )
        _, version, log2_n, r, p, chunk, salt, check = HEADER.unpack(raw)
        if version != FORMAT:
            raise NotAnArchive(
                f"This backup is in format {version}; this version of CP Inspect reads format "
                f"{FORMAT} only. Nothing was written."
            )
        # bounds, so that a forged header cannot make scrypt or a chunk take all the memory
        if not (14 <= log2_n <= 22 and 1 <= r <= 32 and 1 <= p <= 16 and 4096 <= chunk <= 1 << 26):
            raise ArchiveDamaged(
                "The backup's header is damaged (its parameters are impossible). Nothing was "
                "written."
            )
        cipher_key, check_key = _keys(passphrase, salt, log2_n, r, p)
        if not hmac.compare_digest(_check(check_key, raw[:-16]), check):
            raise WrongPassphrase(
                "The passphrase does not open this backup (or its header has been changed). "
                "Nothing was written."
            )
        self._aes = AESGCM(cipher_key)
        self._header = raw
        self._handle = handle
        self._size = chunk + TAG
        self._on_read = on_read or (lambda n: None)
        self._number = 0
        self._next = self._read_sealed()
        self._plain = bytearray()
        self._ended = False
        self._on_read(len(raw))

    def _read_sealed(self) -> bytes:
        sealed = self._handle.read(self._size)
        self._on_read(len(sealed))
        return sealed

    def _open_next(self) -> None:
        sealed, self._next = self._next, self._read_sealed()
        last = not self._next
        if not sealed:  # the previous chunk was the last one
            raise ArchiveIncomplete(self._incomplete())
        try:
            plain = self._aes.decrypt(_nonce(self._number, last), sealed, self._header)
        except InvalidTag:
            if last and self._opens_as_middle(sealed):
                raise ArchiveIncomplete(self._incomplete()) from None
            raise ArchiveDamaged(
                f"The backup has been altered or damaged: part {self._number + 1} fails its "
                "check. Nothing was written."
            ) from None
        self._number += 1
        self._ended = last
        self._plain += plain

    def _opens_as_middle(self, sealed: bytes) -> bool:
        try:
            self._aes.decrypt(_nonce(self._number, False), sealed, self._header)
        except InvalidTag:
            return False
        return True

    def _incomplete(self) -> str:
        return (
            f"The backup is incomplete: it ends after part {self._number} (was it copied or "
            "written only in part?). Nothing was written."
        )

    def read(self, n: int) -> bytes:
        while len(self._plain) < n:
            if self._ended:
                raise ArchiveIncomplete(self._incomplete())
            self._open_next()
        out = bytes(self._plain[:n])
        del self._plain[:n]
        return out

    def at_end(self) -> bool:
        """True once the last chunk is read and every byte of it consumed."""
        while not self._plain and not self._ended:
            self._open_next()
        return self._ended and not self._plain


class ArchiveWriter:
    """Write members one after another; ``close`` ends the archive. (The tests make many
    archives with a cheaper scrypt, ``log2_n``; a reader accepts from 14.)"""

    def __init__(self, handle, passphrase: str, *, chunk: int = CHUNK, log2_n: int = LOG2_N):
        self._out = _ChunkWriter(handle, passphrase, chunk, log2_n)
        self.members: dict[str, dict] = {}

    def add(self, name: str, blocks, on_block: Callable[[int], None] | None = None) -> dict:
        """Add a member from ``blocks`` (an iterable of bytes); return its size and SHA-256."""
        if name in self.members:
            raise ValueError(f"The archive already has a member {name!r}.")
        header = json.dumps({"name": name}).encode("utf-8")
        self._out.write(MEMBER + struct.pack(">I", len(header)) + header)
        digest, size = hashlib.sha256(), 0
        for block in blocks:
            for start in range(0, len(block), BLOCK):
                part = block[start : start + BLOCK]
                self._out.write(struct.pack(">I", len(part)))
                self._out.write(part)
                digest.update(part)
                size += len(part)
            if on_block:
                on_block(len(block))
        self._out.write(struct.pack(">I", 0))
        self.members[name] = {"bytes": size, "sha256": digest.hexdigest()}
        return self.members[name]

    def close(self) -> None:
        self._out.write(END)
        self._out.close()


class ArchiveReader:
    """Read the members of an archive in order, each as a stream of blocks."""

    def __init__(self, handle, passphrase: str, on_read: Callable[[int], None] | None = None):
        self._in = _ChunkReader(handle, passphrase, on_read)

    def members(self) -> Iterator[tuple[str, Iterator[bytes]]]:
        """(name, blocks) for each member. Each member's blocks must be read (or left) before
        the next member is asked for; the end of the archive is checked after the last."""
        while True:
            kind = self._in.read(1)
            if kind == END:
                if not self._in.at_end():
                    raise ArchiveDamaged("The backup has data after its end.")
                return
            if kind != MEMBER:
                raise ArchiveDamaged("The backup's contents are not in the expected layout.")
            (length,) = struct.unpack(">I", self._in.read(4))
            if length > 65536:
                raise ArchiveDamaged("The backup's contents are not in the expected layout.")
            name = json.loads(self._in.read(length))["name"]
            blocks = self._blocks()
            yield name, blocks
            for _ in blocks:  # the caller did not read it all: skip the rest
                pass

    def _blocks(self) -> Iterator[bytes]:
        while True:
            (length,) = struct.unpack(">I", self._in.read(4))
            if length == 0:
                return
            if length > BLOCK:
                raise ArchiveDamaged("The backup's contents are not in the expected layout.")
            yield self._in.read(length)


def create_private(path: Path):
    """Open a new file for writing, readable and writable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")
