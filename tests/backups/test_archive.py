"""The encrypted archive format on its own: round trips, and every way of breaking it."""

import hashlib
import io
import os
import tracemalloc

import pytest

from cpinspect.backups import archive

PASSPHRASE = "a passphrase of some length"
CHUNK = 4096  # the smallest chunk a reader accepts, so that a few KB make many chunks
SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + CHUNK // 2]
CHEAP = 14  # scrypt's log2(N) for the many archives made here: the least a reader accepts


def build(members, passphrase=PASSPHRASE, chunk=CHUNK) -> bytes:
    out = io.BytesIO()
    writer = archive.ArchiveWriter(out, passphrase, chunk=chunk, log2_n=CHEAP)
    for name, data in members:
        # in uneven blocks, as a pipe gives them
        writer.add(name, [data[i : i + 1000] for i in range(0, len(data), 1000)] or [b""])
    writer.close()
    return out.getvalue()


def read_all(blob: bytes, passphrase=PASSPHRASE) -> dict[str, bytes]:
    reader = archive.ArchiveReader(io.BytesIO(blob), passphrase)
    return {name: b"".join(blocks) for name, blocks in reader.members()}


@pytest.fixture(scope="module")
def members():
    return [(f"member-{size}", os.urandom(size)) for size in SIZES]


@pytest.fixture(scope="module")
def blob(members):
    return build(members)


def chunk_offsets(blob: bytes) -> list[int]:
    return list(range(archive.HEADER.size, len(blob), CHUNK + archive.TAG))


def test_members_come_back_byte_for_byte_with_their_sha256(members, blob):
    out = io.BytesIO()
    writer = archive.ArchiveWriter(out, PASSPHRASE, chunk=CHUNK)  # the real scrypt cost
    big = ("big", os.urandom(archive.BLOCK + 5))  # more than one block of member data
    recorded = {name: writer.add(name, [data]) for name, data in [*members, big]}
    writer.close()
    assert out.getvalue()[17] == archive.LOG2_N == 17
    assert read_all(out.getvalue()) == dict([*members, big])
    assert recorded == {
        name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in [*members, big]
    }
    assert read_all(blob) == dict(members)


def test_nothing_of_the_plaintext_shows_in_the_archive():
    secret = b"child reference ESX-2026-000123 " * 200
    blob = build([("notes", secret)])
    assert b"ESX-2026" not in blob and b"notes" not in blob
    # two archives of the same content share nothing but the fixed start of the header
    again = build([("notes", secret)])
    assert blob[:20] == again[:20] and blob[40:] != again[40:]


def test_an_archive_ending_on_a_chunk_boundary_reads_back():
    for size in (CHUNK - 5, 2 * CHUNK - 5):  # member framing makes these land on a boundary
        data = os.urandom(size)
        assert read_all(build([("x", data)])) == {"x": data}


def test_a_wrong_passphrase_is_refused_as_such(blob):
    with pytest.raises(archive.WrongPassphrase, match="passphrase does not open"):
        read_all(blob, "another passphrase entirely")


def test_a_file_that_is_not_an_archive_is_refused():
    with pytest.raises(archive.NotAnArchive, match="not a CP Inspect backup"):
        read_all(b"PGDMP" + os.urandom(200))
    with pytest.raises(archive.NotAnArchive):
        read_all(b"")


@pytest.mark.parametrize("field", ["log2n", "r", "p", "chunk", "salt", "check"])
def test_a_changed_header_is_refused(blob, field):
    offsets = {"log2n": 17, "r": 18, "p": 19, "chunk": 22, "salt": 30, "check": 50}
    forged = bytearray(blob)
    forged[offsets[field]] ^= 0x01
    with pytest.raises(archive.ArchiveError) as refused:
        read_all(bytes(forged))
    assert isinstance(refused.value, archive.WrongPassphrase | archive.ArchiveDamaged)


def test_a_header_asking_for_unbounded_memory_is_refused_before_any_work(blob):
    forged = bytearray(blob)
    forged[17] = 40  # scrypt with N = 2**40
    with pytest.raises(archive.ArchiveDamaged, match="parameters are impossible"):
        read_all(bytes(forged))


def test_every_changed_byte_is_found(blob):
    # one byte changed in each chunk's body and in each tag, and in the very last byte
    for start in chunk_offsets(blob):
        for offset in (start + 7, min(start + CHUNK + 3, len(blob) - 1)):
            forged = bytearray(blob)
            forged[offset] ^= 0x20
            with pytest.raises(archive.ArchiveDamaged, match="altered or damaged"):
                read_all(bytes(forged))
    forged = bytearray(blob)
    forged[-1] ^= 0x01
    with pytest.raises(archive.ArchiveDamaged):
        read_all(bytes(forged))


def test_a_cut_off_archive_is_refused_as_incomplete(blob):
    offsets = chunk_offsets(blob)
    assert len(offsets) > 4
    for cut in offsets[1:]:  # whole chunks missing at the end
        with pytest.raises(archive.ArchiveIncomplete, match="incomplete"):
            read_all(blob[:cut])
    with pytest.raises(archive.ArchiveIncomplete):
        read_all(blob[: archive.HEADER.size])  # the header and nothing else
    for cut in (len(blob) - 1, len(blob) // 2 + 3):  # cut inside a chunk
        with pytest.raises(archive.ArchiveError):
            read_all(blob[:cut])


def test_reordered_dropped_or_added_chunks_are_refused(blob):
    starts = chunk_offsets(blob)
    size = CHUNK + archive.TAG
    pieces = [blob[s : s + size] for s in starts]
    header = blob[: archive.HEADER.size]
    swapped = header + pieces[1] + pieces[0] + b"".join(pieces[2:])
    dropped = header + pieces[0] + b"".join(pieces[2:])
    repeated = header + pieces[0] + b"".join(pieces)
    for forged in (swapped, dropped, repeated, blob + pieces[0], blob + b"\0"):
        with pytest.raises(archive.ArchiveDamaged):
            read_all(forged)


def test_chunks_of_another_archive_with_the_same_passphrase_are_refused(members, blob):
    other = build(members)
    spliced = blob[: archive.HEADER.size] + other[archive.HEADER.size :]
    with pytest.raises(archive.ArchiveDamaged):
        read_all(spliced)


def test_a_large_member_streams_through_a_bounded_amount_of_memory(tmp_path):
    """32 MiB through the writer and the reader with 1 MiB chunks: the peak of Python's
    allocations stays a few chunks, not the member's size."""
    block = os.urandom(1 << 20)
    path = tmp_path / "big.backup"
    tracemalloc.start()
    try:
        with archive.create_private(path) as handle:
            writer = archive.ArchiveWriter(handle, PASSPHRASE)
            writer.add("big", (block for _ in range(32)))
            writer.close()
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as handle:
            for _, blocks in archive.ArchiveReader(handle, PASSPHRASE).members():
                for part in blocks:
                    digest.update(part)
                    size += len(part)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == 32 << 20
    assert digest.hexdigest() == hashlib.sha256(block * 32).hexdigest()
    assert path.stat().st_size > 32 << 20
    assert write_peak < 8 << 20, write_peak
    assert read_peak < 8 << 20, read_peak


def test_an_archive_file_is_made_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "x.backup"
    os.umask(0o022)
    with archive.create_private(path) as handle:
        handle.write(b"x")
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        archive.create_private(path)
