"""The chunked encryption of uploads (``sealed``): what is written reads back exactly, at any
position, and any change to the file (a byte, a chunk moved, repeated, swapped in from
another file, the file cut short, even at a chunk boundary) is refused, never read."""

import io
import os

import pytest

from cpinspect.casefiles import sealed

KEY = bytes(range(32))
CONTEXT = b"cpinspect/upload/inspection/1"
CHUNK = 16  # small chunks, so that a few bytes make many of them
SIZE = CHUNK + sealed.TAG


def _seal(path, data: bytes, *, chunk=CHUNK, key=KEY, context=CONTEXT, pieces=7) -> None:
    with open(path, "wb") as handle:
        writer = sealed.SealedWriter(handle, key, context, chunk_size=chunk)
        for start in range(0, len(data), pieces):  # written in pieces unlike the chunks
            writer.write(data[start : start + pieces])
        writer.close()


def _read(path, *, key=KEY, context=CONTEXT) -> bytes:
    with sealed.open_reader(path, key, context) as stream:
        return stream.read()


@pytest.mark.parametrize("length", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 3])
def test_what_is_written_reads_back_whole_and_its_size_is_known(tmp_path, length):
    data = os.urandom(length)
    path = tmp_path / "f"
    _seal(path, data)
    assert _read(path) == data
    with sealed.open_reader(path, KEY, CONTEXT) as stream:
        assert stream.raw.size == length
    # the last chunk is always short: the file's length alone says how many chunks it has
    body = path.stat().st_size - sealed.HEADER.size
    assert body == (length // CHUNK) * SIZE + (length % CHUNK) + sealed.TAG


def test_it_reads_from_any_position_as_a_file_does(tmp_path):
    data = os.urandom(10 * CHUNK + 5)
    path = tmp_path / "f"
    _seal(path, data)
    with sealed.open_reader(path, KEY, CONTEXT) as stream:
        for start, count in [(0, 3), (CHUNK - 2, 5), (7 * CHUNK, CHUNK * 2), (len(data) - 1, 9)]:
            stream.seek(start)
            assert stream.read(count) == data[start : start + count]
        assert stream.seek(-4, io.SEEK_END) == len(data) - 4
        assert stream.read() == data[-4:]
        assert stream.read() == b""


def test_the_default_chunk_size_round_trips_a_file_of_several_chunks(tmp_path):
    data = os.urandom(2 * sealed.CHUNK + 12345)
    path = tmp_path / "f"
    _seal(path, data, chunk=sealed.CHUNK, pieces=100_000)
    assert _read(path) == data


def _sealed_file(tmp_path, name="f", chunks=4):
    data = bytes(range(256))[: chunks * CHUNK + 5]
    path = tmp_path / name
    _seal(path, data)
    return path, data


def _refused(path, **kwargs):
    with pytest.raises(sealed.SealedFileError) as refusal:
        _read(path, **kwargs)
    assert "\\x" not in str(refusal.value)  # no content in the message
    return str(refusal.value)


def test_a_changed_byte_is_refused(tmp_path):
    path, _ = _sealed_file(tmp_path)
    blob = bytearray(path.read_bytes())
    blob[sealed.HEADER.size + SIZE + 3] ^= 1  # in the second chunk
    path.write_bytes(bytes(blob))
    assert "Chunk 2 of 5" in _refused(path)


def test_two_chunks_swapped_are_refused(tmp_path):
    path, _ = _sealed_file(tmp_path)
    blob = path.read_bytes()
    head, body = blob[: sealed.HEADER.size], blob[sealed.HEADER.size :]
    first, second = body[:SIZE], body[SIZE : 2 * SIZE]
    path.write_bytes(head + second + first + body[2 * SIZE :])
    assert "Chunk 1 of 5" in _refused(path)


def test_a_chunk_repeated_in_place_of_another_is_refused(tmp_path):
    path, _ = _sealed_file(tmp_path)
    blob = path.read_bytes()
    head, body = blob[: sealed.HEADER.size], blob[sealed.HEADER.size :]
    path.write_bytes(head + body[:SIZE] + body[:SIZE] + body[2 * SIZE :])
    assert "Chunk 2 of 5" in _refused(path)


def test_a_file_cut_at_a_chunk_boundary_is_refused(tmp_path):
    # the chunks left are each whole and authentic: the layout (the last chunk is always
    # short) and the final flag of the last one tell
    path, _ = _sealed_file(tmp_path)
    blob = path.read_bytes()
    cut = sealed.HEADER.size + 3 * SIZE
    path.write_bytes(blob[:cut])
    message = _refused(path)
    assert "cut short" in message or "Chunk 3 of 3" in message


def test_a_file_cut_inside_a_chunk_or_its_header_is_refused(tmp_path):
    path, _ = _sealed_file(tmp_path)
    blob = path.read_bytes()
    for cut in (sealed.HEADER.size + 2 * SIZE + 20, sealed.HEADER.size + 5, 3):
        path.write_bytes(blob[:cut])
        _refused(path)


def test_a_chunk_from_another_file_under_the_same_key_is_refused(tmp_path):
    path, _ = _sealed_file(tmp_path, "a")
    other, _ = _sealed_file(tmp_path, "b")
    blob, foreign = path.read_bytes(), other.read_bytes()
    at = sealed.HEADER.size + SIZE
    path.write_bytes(blob[:at] + foreign[at : at + SIZE] + blob[at + SIZE :])
    assert "Chunk 2 of 5" in _refused(path)


def test_another_files_header_on_these_chunks_is_refused(tmp_path):
    path, _ = _sealed_file(tmp_path, "a")
    other, _ = _sealed_file(tmp_path, "b")
    size = sealed.HEADER.size
    path.write_bytes(other.read_bytes()[:size] + path.read_bytes()[size:])
    _refused(path)


def test_the_wrong_key_or_context_is_refused(tmp_path):
    path, data = _sealed_file(tmp_path)
    _refused(path, key=bytes(32))
    _refused(path, context=b"cpinspect/upload/inspection/2")
    assert _read(path) == data


def test_a_file_that_was_never_sealed_is_refused(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_bytes(b"case_ref,recorded_on\n" * 10)
    assert "does not start as a sealed file" in _refused(path)
