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

import contextlib
import gc
import hashlib
import hmac
import mmap
import os
import select
import signal
import threading
from functools import cache

import numpy as np
import polars as pl
import pyarrow as pa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cpinspect.casefiles import conf
from cpinspect.private_files import private_folder

PSEUDONYM_HEX = 32


@cache
def _master_from(env_value: str | None, path: str) -> bytes:
    if env_value:
        return hashlib.sha256(env_value.encode("utf-8")).digest()
    from pathlib import Path

    key_path = Path(path)
    if not key_path.exists():
        private_folder(key_path.parent, key_path.parent)
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


BATCH = 8192  # references hashed per batch (see _hash_batches)
PARALLEL_FROM = 200_000
CHILD_TIMEOUT_SECONDS = 120
DONE = b"done"  # what the child writes to the pipe when its half is in place


def _hmac_states(key: bytes):
    """SHA-256 states that have absorbed the padded key XOR ipad and XOR opad (RFC 2104).

    HMAC(k, m) = H((k ^ opad) || H((k ^ ipad) || m)). Copying these two states per reference
    (hashlib's C objects) saves hashing the two 64-byte key blocks again for every reference:
    about 0.65 µs a reference against 1.6 µs for ``hmac.digest`` in a loop. The result is
    HMAC-SHA256 exactly; the tests compare it with ``hmac.new``.
    """
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def _hash_batches(batches, out, row: int, inner, outer) -> None:
    """Write the pseudonym of each reference into ``out`` (32 ASCII bytes a row) from ``row``.

    ``batches`` yields lists of references as bytes. Batches, not one list of a million: the
    objects of one batch are freed before the next is made, so the same few hundred kilobytes
    are reused instead of fresh memory being touched for every reference (a first touch of a
    page is slow, markedly so on a virtual machine). Each batch's hex digests are joined and
    their first 32 characters copied out in one numpy step.
    """
    inner_copy, outer_copy = inner.copy, outer.copy
    rows = np.frombuffer(out, dtype=np.uint8).reshape(-1, PSEUDONYM_HEX)
    for values in batches:
        hexes = []
        append = hexes.append
        for value in values:
            i = inner_copy()
            i.update(value)
            o = outer_copy()
            o.update(i.digest())
            append(o.hexdigest())
        block = np.frombuffer("".join(hexes).encode("ascii"), dtype=np.uint8).reshape(-1, 64)
        rows[row : row + len(hexes)] = block[:, :PSEUDONYM_HEX]
        row += len(hexes)


def _series_batches(binary, lo: int, hi: int):
    """Rows lo..hi of a polars Binary Series, as lists of bytes of BATCH rows."""
    for start in range(lo, hi, BATCH):
        yield binary.slice(start, min(BATCH, hi - start)).to_list()


def _arrow_buffers(binary):
    """The offsets (int64) and data (uint8) of a polars Binary Series, as numpy views."""
    arrow = binary.to_arrow()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = pa.concat_arrays(arrow.chunks) if arrow.num_chunks != 1 else arrow.chunk(0)
    if arrow.type != pa.large_binary():  # what polars gives; a cast loads pyarrow.compute
        arrow = arrow.cast(pa.large_binary())
    _, offsets, data = arrow.buffers()
    offsets = np.frombuffer(offsets, dtype=np.int64)[arrow.offset : arrow.offset + len(arrow) + 1]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    return offsets, data


def _buffer_batches(offsets, data, lo: int, hi: int):
    """Rows lo..hi of Arrow binary buffers, as lists of bytes of BATCH rows, without polars.

    A batch's references are copied out joined by the byte 0xFF, which never occurs in UTF-8
    text, and split there: two C calls a batch instead of a Python slice a reference.
    """
    for start in range(lo, hi, BATCH):
        ends = offsets[start : min(start + BATCH, hi) + 1]
        block = data[ends[0] : ends[-1]]
        yield np.insert(block, ends[1:-1] - ends[0], 0xFF).tobytes().split(b"\xff")


def _hash_forked(binary, out, inner, outer) -> bool:
    """Fill ``out`` (a shared anonymous mmap) with the pseudonyms, the second half in a child.

    The machine has two cores and hashlib holds the GIL for short inputs, so a forked process
    is the way to use the second one. The child must not call polars (its thread pool does
    not survive a fork): it reads its half from the Arrow buffers, which neither process
    writes, so no page of them is copied; the garbage collector is frozen so that neither
    process walks (and so copies) the other's objects. The child writes straight into the
    shared mapping, then DONE to the pipe, and leaves with ``os._exit``. Without DONE within
    CHILD_TIMEOUT_SECONDS (the child failed, or is stuck) it is killed and the result is
    False: the caller then does all the work in one process.
    """
    count = binary.len()
    mid = count // 2
    offsets, data = _arrow_buffers(binary.slice(mid))
    read_fd, write_fd = os.pipe()
    gc.freeze()
    try:
        pid = os.fork()
    except OSError:
        gc.unfreeze()
        os.close(read_fd)
        os.close(write_fd)
        return False
    if pid == 0:  # the child
        try:
            os.close(read_fd)
            _hash_batches(_buffer_batches(offsets, data, 0, count - mid), out, mid, inner, outer)
            os.write(write_fd, DONE)
        finally:
            os._exit(0)
    done = False
    try:
        os.close(write_fd)
        _hash_batches(_series_batches(binary, 0, mid), out, 0, inner, outer)
        if select.select([read_fd], [], [], CHILD_TIMEOUT_SECONDS)[0]:
            done = os.read(read_fd, len(DONE)) == DONE
    finally:
        os.close(read_fd)
        gc.unfreeze()
        if done:
            # the child has written its half; its exit (unmapping its copy of this process's
            # memory, about 20 ms) need not be waited for, only reaped
            threading.Thread(target=_reap, args=(pid,), daemon=True).start()
        else:
            os.kill(pid, signal.SIGKILL)
            _reap(pid)
    return done


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):  # already reaped (SIGCHLD ignored)
        os.waitpid(pid, 0)


def _use_fork(count: int) -> bool:
    return (
        count >= PARALLEL_FROM
        and int(os.environ.get("CPINSPECT_HMAC_PROCESSES", "2")) >= 2
        and (os.cpu_count() or 1) >= 2
        and hasattr(os, "fork")
    )


def pseudonym_series(refs, key: bytes, name: str = "pseudonym"):
    """Pseudonyms of ``refs`` (a polars String Series, or a list of str) as a polars Series.

    A Python loop over the references (hashlib's C code per row, about 0.65 µs a row), in
    batches; from PARALLEL_FROM references, half of it in a forked child process. The
    pseudonyms are written as ASCII into one buffer, which becomes the Series' string data
    without another copy.
    """
    if not isinstance(refs, pl.Series):
        refs = pl.Series(name, refs, dtype=pl.String)
    if refs.null_count():
        raise ValueError("A reference to pseudonymise is missing (null).")
    count = refs.len()
    if count == 0:
        return pl.Series(name, [], dtype=pl.String)
    binary = refs.cast(pl.Binary)
    inner, outer = _hmac_states(key)
    # MAP_SHARED (mmap's default), so that a forked child can write its half in place
    out = mmap.mmap(-1, PSEUDONYM_HEX * count)
    if not (_use_fork(count) and _hash_forked(binary, out, inner, outer)):
        _hash_batches(_series_batches(binary, 0, count), out, 0, inner, outer)
    offsets = np.arange(0, PSEUDONYM_HEX * count + 1, PSEUDONYM_HEX, dtype=np.int64)
    array = pa.LargeStringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(out))
    # through a table: pl.Series(pyarrow array) imports pyarrow.compute (25 ms the first time)
    return pl.DataFrame(pa.table({name: array})).get_column(name)


def pseudonyms(refs: list[str], key: bytes) -> list[str]:
    """HMAC-SHA256 of each reference, as its first 32 hex characters (128 bits)."""
    return pseudonym_series(refs, key).to_list()


def pseudonym(ref: str, key: bytes) -> str:
    return hmac.new(key, ref.encode("utf-8"), "sha256").hexdigest()[:PSEUDONYM_HEX]


def encrypt_parts(plaintext, key: bytes, context: bytes) -> tuple[bytes, bytes]:
    """(random 12-byte nonce, AES-256-GCM ciphertext with its tag) of ``plaintext``."""
    nonce = os.urandom(12)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, context)


def encrypt(plaintext: bytes, key: bytes, context: bytes) -> bytes:
    """The nonce followed by the ciphertext, as ``decrypt`` reads them."""
    nonce, sealed = encrypt_parts(plaintext, key, context)
    return nonce + sealed


def decrypt(blob: bytes, key: bytes, context: bytes) -> bytes:
    return AESGCM(key).decrypt(bytes(blob[:12]), bytes(blob[12:]), context)
