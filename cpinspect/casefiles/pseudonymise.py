"""Keyed pseudonyms (HMAC-SHA256) and encryption of the few raw references that are kept.

Keys never touch the database. A master secret comes from ``CPINSPECT_PSEUDONYM_KEY`` or, when
that is unset, from ``var/keys/casefiles.key`` (32 random bytes, created on first use with
permissions 0600). From it, per purpose:

* inspection key  HMAC(master, "cpinspect/pseudonym/inspection/<id>"): the pseudonym shown
  for a case in one inspection; the same reference gets unrelated pseudonyms in two
  inspections;
* force key       HMAC(master, "cpinspect/pseudonym/force/<code>"): the *force pseudonym*,
  used only to recognise a case examined in an earlier inspection of the same force;
* encryption key  HMAC(master, "cpinspect/encryption/inspection/<id>"): AES-256-GCM key for
  the raw references of sampled cases and the short-lived reference vault.

A pseudonym is the first 128 bits (32 hex characters) of the HMAC-SHA256 of the reference.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cpinspect.casefiles import conf

PSEUDONYM_HEX = 32


@cache
def _master_from(env_value: str | None, path: str) -> bytes:
    if env_value:
        return hashlib.sha256(env_value.encode("utf-8")).digest()
    from pathlib import Path

    key_path = Path(path)
    if not key_path.exists():
        key_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(os.urandom(32).hex())
    return bytes.fromhex(key_path.read_text().strip())


def master_key() -> bytes:
    return _master_from(os.environ.get("CPINSPECT_PSEUDONYM_KEY"), str(conf.key_file()))


def _derive(label: str) -> bytes:
    return hmac.digest(master_key(), label.encode("utf-8"), "sha256")


def inspection_key(inspection_id: int) -> bytes:
    return _derive(f"cpinspect/pseudonym/inspection/{inspection_id}")


def force_key(force_code: str) -> bytes:
    return _derive(f"cpinspect/pseudonym/force/{force_code}")


def encryption_key(inspection_id: int) -> bytes:
    return _derive(f"cpinspect/encryption/inspection/{inspection_id}")


def _digests(refs, key: bytes) -> list[bytes]:
    """HMAC-SHA256 of each reference (str or UTF-8 bytes), as raw 32-byte digests.

    The standard HMAC construction written out with hashlib's C objects: the keyed inner and
    outer states are computed once and copied per reference (about 0.65 µs a reference, two
    to three times faster than ``hmac.digest`` in a loop; equal to it, as the tests check).
    """
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner_copy = hashlib.sha256(bytes(b ^ 0x36 for b in key)).copy
    outer_copy = hashlib.sha256(bytes(b ^ 0x5C for b in key)).copy
    out = []
    append = out.append
    for ref in refs:
        i = inner_copy()
        i.update(ref if isinstance(ref, bytes) else ref.encode("utf-8"))
        o = outer_copy()
        o.update(i.digest())
        append(o.digest())
    return out


PARALLEL_FROM = 200_000
CHILD_TIMEOUT_SECONDS = 120


def _inner_outer(key: bytes):
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner.copy, outer.copy


def _digest_range(offsets, data, lo: int, hi: int, key: bytes) -> bytes:
    inner_copy, outer_copy = _inner_outer(key)
    out = []
    append = out.append
    for j in range(lo, hi):
        i = inner_copy()
        i.update(data[offsets[j] : offsets[j + 1]])
        o = outer_copy()
        o.update(i.digest())
        append(o.digest())
    return b"".join(out)


def _digests_forked(series, key: bytes) -> bytes | None:
    """Digests of a large String Series, half in a forked child process (two cores).

    The references are read from the Arrow buffers (one bytes block and its offsets), not as
    a million Python objects, and the garbage collector is frozen, so neither process copies
    the other's memory. The child uses only hashlib and os (never polars), writes its
    digests to a pipe and leaves with ``os._exit``. None when anything goes wrong: the caller
    then does the work in one process. CPINSPECT_HMAC_PROCESSES=1 turns this off.
    """
    import gc
    import select

    import numpy as np
    import polars as pl
    import pyarrow as pa

    arrow = series.cast(pl.Binary).to_arrow()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = pa.concat_arrays(arrow.chunks) if arrow.num_chunks != 1 else arrow.chunk(0)
    if arrow.null_count:
        return None
    arrow = arrow.cast(pa.large_binary())
    _, offsets_buffer, data_buffer = arrow.buffers()
    start = arrow.offset
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[start : start + len(arrow) + 1]
    offsets = offsets.tolist()
    data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
    count = len(offsets) - 1
    mid = count // 2
    read_fd, write_fd = os.pipe()
    gc.freeze()
    try:
        pid = os.fork()
    except OSError:
        gc.unfreeze()
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child
        status = 0
        try:
            os.close(read_fd)
            block = memoryview(_digest_range(offsets, data, mid, count, key))
            while block:
                block = block[os.write(write_fd, block) :]
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    try:
        os.close(write_fd)
        first = _digest_range(offsets, data, 0, mid, key)
        chunks = []
        with os.fdopen(read_fd, "rb", buffering=0) as pipe:
            while True:
                ready, _, _ = select.select([pipe], [], [], CHILD_TIMEOUT_SECONDS)
                if not ready:
                    os.kill(pid, 9)
                    break
                chunk = pipe.read(1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
    finally:
        gc.unfreeze()
    second = b"".join(chunks)
    if status != 0 or len(second) != (count - mid) * 32:
        return None
    return first + second


def pseudonym_series(refs, key: bytes, name: str = "pseudonym"):
    """Pseudonyms of ``refs`` (a list, or a polars String Series) as a polars Series.

    A Python loop over the references (hashlib's C code per row, about 0.7 µs a row); for a
    large Series, half of it in a forked child process. The digests are joined into one
    buffer and hex-encoded in bulk.
    """
    import polars as pl
    import pyarrow as pa

    blob = None
    if isinstance(refs, pl.Series):
        if (
            refs.len() >= PARALLEL_FROM
            and int(os.environ.get("CPINSPECT_HMAC_PROCESSES", "2")) >= 2
            and (os.cpu_count() or 1) >= 2
            and hasattr(os, "fork")
        ):
            blob = _digests_forked(refs, key)
        if blob is None:
            refs = refs.cast(pl.Binary).to_list()
    if blob is None:
        blob = b"".join(_digests(refs, key))
        count = len(refs)
    else:
        count = len(blob) // 32
    array = pa.FixedSizeBinaryArray.from_buffers(pa.binary(32), count, [None, pa.py_buffer(blob)])
    digests = pl.Series(name, array).cast(pl.Binary)
    return digests.bin.encode("hex").str.slice(0, PSEUDONYM_HEX).alias(name)


def pseudonyms(refs: list[str], key: bytes) -> list[str]:
    """HMAC-SHA256 of each reference, as its first 32 hex characters (128 bits)."""
    return pseudonym_series(refs, key).to_list()


def pseudonym(ref: str, key: bytes) -> str:
    return hmac.new(key, ref.encode("utf-8"), "sha256").hexdigest()[:PSEUDONYM_HEX]


def encrypt(plaintext: bytes, key: bytes, context: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def decrypt(blob: bytes, key: bytes, context: bytes) -> bytes:
    return AESGCM(key).decrypt(bytes(blob[:12]), bytes(blob[12:]), context)
