"""Uploads cannot exhaust the machine (ADR 0022): the file is received encrypted to disk as it
arrives, refused at the size limit while it arrives (413, nothing left behind), and the
worker refuses a stored copy that was changed, before it reads a row."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cpinspect.casefiles import sealed, services, uploads
from cpinspect.casefiles.models import Extract, ExtractStatus, FrameSummary
from tests.casefiles.conftest import synthetic_csv
from tests.forms import opened

pytestmark = pytest.mark.django_db

LIMIT = 100_000


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setenv("CPINSPECT_MAX_FILE_BYTES", str(LIMIT))
    return LIMIT


def _left_behind(casefiles_env) -> list[Path]:
    folder = Path(casefiles_env, "uploads")
    return sorted(folder.iterdir()) if folder.exists() else []


def _upload_page(client, inspection):
    home = reverse("casefiles-extract", args=[inspection.pk])
    url = reverse("casefiles-upload", args=[inspection.pk])
    return url, opened(client, home, url)


def _post_file(client, inspection, data: bytes, **extra):
    url, hidden = _upload_page(client, inspection)
    fields = {**hidden, "profile": "canonical", "file": SimpleUploadedFile("cases.csv", data)}
    return client.post(url, fields, **extra)


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def test_a_request_declaring_more_than_the_limit_is_refused_before_its_body_is_read(
    client, inspection, people, casefiles_env, small_limit
):
    client.force_login(people["lead"])
    url, _ = _upload_page(client, inspection)
    response = client.generic(
        "POST",
        url,
        b"",
        CONTENT_TYPE="multipart/form-data; boundary=B",
        CONTENT_LENGTH=str(3 * 1024**3),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "The file is too large" in page and "govuk-error-summary" in page
    assert "3 GB (3,221,225,472 bytes)" in page  # what the request said
    assert "the largest file accepted is 97.7 KB (100,000 bytes)" in page
    assert not Extract.objects.exists()
    assert _left_behind(casefiles_env) == []


def test_a_file_over_the_limit_is_refused_while_it_arrives_and_nothing_is_kept(
    client, inspection, people, casefiles_env, small_limit
):
    # the request's length is within what the form's other fields may add to the limit,
    # so only counting the file's bytes as they arrive can refuse it
    client.force_login(people["lead"])
    response = _post_file(client, inspection, b"case_ref\n" + b"A" * (LIMIT + 10_000))
    assert response.status_code == 413
    page = response.content.decode()
    assert "The file was refused after its first" in page
    assert "the largest file accepted is 97.7 KB (100,000 bytes)" in page
    assert not Extract.objects.exists()
    assert _left_behind(casefiles_env) == []


def test_a_file_at_the_limit_is_taken(
    client, inspection, people, casefiles_env, monkeypatch, django_capture_on_commit_callbacks
):
    data = synthetic_csv(300)
    monkeypatch.setenv("CPINSPECT_MAX_FILE_BYTES", str(len(data)))
    client.force_login(people["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_file(client, inspection, data)
    assert response.status_code == 302
    extract = Extract.objects.get()
    assert extract.status == ExtractStatus.QUEUED and extract.file_bytes == len(data)
    assert extract.file_sha256 == hashlib.sha256(data).hexdigest()


def test_a_request_without_a_length_reads_nothing_and_keeps_nothing(
    client, inspection, people, casefiles_env, small_limit
):
    # Django reads no more of a body than its Content-Length says: without one, nothing
    client.force_login(people["lead"])
    url, hidden = _upload_page(client, inspection)
    body = b"--B\r\n" + b"x" * (LIMIT * 3) + b"\r\n--B--\r\n"
    response = client.generic(
        "POST", url, body, content_type="multipart/form-data; boundary=B", CONTENT_LENGTH=""
    )
    assert response.status_code == 400
    assert "Choose the force&#x27;s extract file" in response.content.decode()
    assert not Extract.objects.exists()
    assert _left_behind(casefiles_env) == []


def test_a_request_claiming_less_than_it_sends_keeps_nothing(
    client, inspection, people, casefiles_env, small_limit
):
    client.force_login(people["lead"])
    url, hidden = _upload_page(client, inspection)
    boundary = "BoUnDaRy"
    fields = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in {**hidden, "profile": "canonical"}.items()
    )
    body = (
        fields
        + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + b"A" * (LIMIT * 3)
    body += f"\r\n--{boundary}--\r\n".encode()
    response = client.generic(
        "POST",
        url,
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        CONTENT_LENGTH=str(len(fields) + 5000),  # the file cut off after a few bytes
    )
    assert response.status_code in (400, 413)
    assert not Extract.objects.exists()
    assert _left_behind(casefiles_env) == []


def test_an_upload_arrives_encrypted_and_the_worker_imports_it(
    client, inspection, people, casefiles_env, run_worker, django_capture_on_commit_callbacks
):
    data = synthetic_csv(300, seed=5)
    client.force_login(people["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        _post_file(client, inspection, data)
    extract = Extract.objects.get()
    (stored,) = _left_behind(casefiles_env)
    assert stored.name == f"extract-{extract.pk}.upload"
    assert oct(stored.stat().st_mode)[-3:] == "600"
    blob = stored.read_bytes()
    assert blob.startswith(sealed.MAGIC) and b"case_ref" not in blob and b"SYN/" not in blob
    assert run_worker() == 1
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.IMPORTED and extract.rows_accepted == 300
    assert _left_behind(casefiles_env) == []


def test_a_refused_csrf_token_keeps_no_file(inspection, people, casefiles_env):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["lead"])
    url = reverse("casefiles-upload", args=[inspection.pk])
    response = client.post(
        url, {"profile": "canonical", "file": SimpleUploadedFile("cases.csv", synthetic_csv(50))}
    )
    assert response.status_code == 403
    assert not Extract.objects.exists()
    assert _left_behind(casefiles_env) == []


@pytest.mark.parametrize("who", ["other_lead", "programme_manager", "administrator"])
def test_someone_outside_the_team_is_refused_before_the_body_is_read(
    client, inspection, people, casefiles_env, who
):
    client.force_login(people[who])
    url = reverse("casefiles-upload", args=[inspection.pk])
    response = client.generic(
        "POST",
        url,
        b"",
        CONTENT_TYPE="multipart/form-data; boundary=B",
        CONTENT_LENGTH="1000",
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code in (403, 404)
    assert _left_behind(casefiles_env) == []


def test_the_api_refuses_a_file_over_the_limit_with_413(
    client, inspection, people, casefiles_env, small_limit
):
    client.force_login(people["lead"])
    url = reverse("api-casefiles-extracts", args=[inspection.pk])
    response = client.post(
        url,
        {"profile": "canonical", "file": SimpleUploadedFile("a.csv", b"x" * (LIMIT + 1))},
    )
    assert response.status_code == 413
    assert "the largest file accepted is 97.7 KB (100,000 bytes)" in response.json()["detail"]
    response = client.generic(
        "POST",
        url,
        b"",
        CONTENT_TYPE="multipart/form-data; boundary=B",
        CONTENT_LENGTH=str(LIMIT * 10),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert not Extract.objects.exists()
    assert _left_behind(casefiles_env) == []


def test_the_api_takes_a_file_streamed_to_disk(
    client, inspection, people, casefiles_env, run_worker, django_capture_on_commit_callbacks
):
    data = synthetic_csv(120, seed=9)
    client.force_login(people["lead"])
    url = reverse("api-casefiles-extracts", args=[inspection.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile("a.csv", data)})
    assert response.status_code == 202, response.content
    extract = Extract.objects.get()
    assert extract.file_sha256 == hashlib.sha256(data).hexdigest()
    assert run_worker() == 1
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.IMPORTED and extract.rows_accepted == 120


def test_the_api_refuses_someone_outside_the_team_without_keeping_their_file(
    client, inspection, people, casefiles_env
):
    client.force_login(people["other_lead"])
    url = reverse("api-casefiles-extracts", args=[inspection.pk])
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", synthetic_csv(20))})
    assert response.status_code == 404
    assert _left_behind(casefiles_env) == []


def _queued(inspection, people, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.extract_queue(
            inspection=inspection, user=people["lead"], data=data, profile_name="canonical"
        )


def _assert_refused_untouched(extract, casefiles_env):
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.FAILED
    assert "failed its integrity check" in extract.error and "nothing was imported" in extract.error
    assert extract.frame_path == "" and extract.rows_read == 0
    assert not FrameSummary.objects.filter(extract=extract).exists()
    assert _left_behind(casefiles_env) == []
    assert list(Path(casefiles_env).rglob("*.parquet")) == []


def test_a_stored_upload_changed_on_disk_is_refused_before_a_row_is_read(
    inspection, people, casefiles_env, run_worker, django_capture_on_commit_callbacks, caplog
):
    extract = _queued(inspection, people, synthetic_csv(2000), django_capture_on_commit_callbacks)
    path = uploads._path(extract)
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x20
    path.write_bytes(bytes(blob))
    assert run_worker() == 1
    _assert_refused_untouched(extract, casefiles_env)
    assert "failed its integrity check" in caplog.text


def test_a_stored_upload_cut_short_is_refused(
    inspection, people, casefiles_env, run_worker, django_capture_on_commit_callbacks
):
    data = synthetic_csv(40_000)  # several chunks
    assert len(data) > 2 * sealed.CHUNK
    extract = _queued(inspection, people, data, django_capture_on_commit_callbacks)
    path = uploads._path(extract)
    blob = path.read_bytes()
    path.write_bytes(blob[: sealed.HEADER.size + sealed.CHUNK + sealed.TAG])  # one whole chunk
    assert run_worker() == 1
    _assert_refused_untouched(extract, casefiles_env)


def test_another_uploads_file_in_its_place_is_refused(
    inspection, people, casefiles_env, run_worker, django_capture_on_commit_callbacks
):
    # same inspection, same key, a valid sealed file: only the SHA-256 recorded on the
    # Extract when the file arrived tells them apart
    first = _queued(
        inspection, people, synthetic_csv(100, seed=1), django_capture_on_commit_callbacks
    )
    second = _queued(
        inspection, people, synthetic_csv(100, seed=2), django_capture_on_commit_callbacks
    )
    uploads._path(second).replace(uploads._path(first))
    assert run_worker() == 2
    _assert_refused_untouched(first, casefiles_env)
    second.refresh_from_db()
    assert second.status == ExtractStatus.FAILED and "no longer there" in second.error


def test_abandoned_partial_files_are_swept(casefiles_env):
    import os
    import time

    folder = Path(casefiles_env, "uploads")
    folder.mkdir(parents=True)
    old, new = folder / "incoming-old.partial", folder / "incoming-new.partial"
    for path in (old, new):
        path.write_bytes(b"x")
    day_ago = time.time() - uploads.ABANDONED_AFTER_SECONDS - 60
    os.utime(old, (day_ago, day_ago))
    assert uploads.sweep_abandoned() == 1
    assert sorted(p.name for p in folder.iterdir()) == ["incoming-new.partial"]
