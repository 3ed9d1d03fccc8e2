"""Background work of the case extract pipeline, run by ``cpinspect db_worker``.

The queue is django-tasks' database backend (a table in our PostgreSQL, claimed with
SELECT ... FOR UPDATE SKIP LOCKED), so no broker is needed. A task carries only the
extract's id: the file waits encrypted in ``uploads``."""

import logging

from django.utils import timezone

from cpinspect.casefiles import services, uploads
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
    data = uploads.take(extract)
    if data is None:
        Extract.objects.filter(pk=extract.pk).update(
            status=ExtractStatus.FAILED,
            error="The uploaded file was no longer there; nothing was imported. Upload it again.",
            finished_at=timezone.now(),
        )
        return ExtractStatus.FAILED
    try:
        extract = services.extract_run(
            extract,
            data,
            accept_rejections=accept_rejections,
            hold_for_confirmation=hold_for_confirmation,
        )
    except services.PermissionDenied:
        Extract.objects.filter(pk=extract.pk).update(
            status=ExtractStatus.FAILED,
            error="The person who uploaded the file is no longer on the inspection's team.",
            finished_at=timezone.now(),
        )
        return ExtractStatus.FAILED
    return extract.status
