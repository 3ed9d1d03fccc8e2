"""Background work of the case extract pipeline, run by ``cpinspect db_worker``.

The queue is django-tasks' database backend (a table in our PostgreSQL, claimed with
SELECT ... FOR UPDATE SKIP LOCKED), so no broker is needed. A task carries only the
extract's id: the file waits encrypted in ``uploads``. The worker opens it and at once
deletes its name (the open file stays readable, and nothing is left if the worker dies),
checks every chunk and the file's SHA-256 against the Extract before reading a row, then
reads it as a stream (ADR 0022)."""

import logging

from django.utils import timezone

from cpinspect.casefiles import sealed, services, uploads
from cpinspect.casefiles.models import Extract, ExtractStatus

try:  # Django 6 has the tasks framework built in; on 5.2 the django-tasks backport
    from django.tasks import task
except ImportError:
    from django_tasks import task

log = logging.getLogger(__name__)


@task()
def run_queued_import(extract_id: int, *, accept_rejections: bool, hold_for_confirmation: bool):
    extract = Extract.objects.select_related("inspection", "imported_by").get(pk=extract_id)
    if extract.status != ExtractStatus.QUEUED:
        log.warning("extract %s is %s, not queued: not run again", extract_id, extract.status)
        return extract.status
    uploads.sweep_abandoned()
    try:
        stream = uploads.open_upload(extract)
    except sealed.SealedFileError:
        stream = BROKEN
    finally:
        uploads.discard(extract)  # an open file stays readable; its name goes now
    if stream is None:
        return _failed(extract, MISSING)
    if stream is BROKEN:
        return _failed(extract, TAMPERED, loudly=True)
    with stream:
        try:
            if uploads.sha256_of(stream) != extract.file_sha256:
                return _failed(extract, TAMPERED, loudly=True)
        except sealed.SealedFileError:
            return _failed(extract, TAMPERED, loudly=True)
        try:
            extract = services.extract_run(
                extract,
                stream,
                accept_rejections=accept_rejections,
                hold_for_confirmation=hold_for_confirmation,
            )
        except services.PermissionDenied:
            return _failed(extract, LEFT_TEAM)
    return extract.status


BROKEN = object()
MISSING = "The uploaded file was no longer there; nothing was imported. Upload it again."
TAMPERED = (
    "The stored copy of the uploaded file failed its integrity check (it was changed, cut "
    "short or replaced after it was received); nothing was imported. Upload it again."
)
LEFT_TEAM = "The person who uploaded the file is no longer on the inspection's team."


def _failed(extract, error: str, *, loudly: bool = False) -> str:
    Extract.objects.filter(pk=extract.pk).update(
        status=ExtractStatus.FAILED, stage="", error=error, finished_at=timezone.now()
    )
    if loudly:
        log.error("extract %s: its stored upload failed its integrity check", extract.pk)
    return ExtractStatus.FAILED
