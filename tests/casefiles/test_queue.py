"""The background queue of web and API imports: the upload waits encrypted, the worker runs
it, and nothing raw is left anywhere (the queue's own table included)."""

from pathlib import Path

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cpinspect.casefiles import services
from cpinspect.casefiles.models import Extract, ExtractStatus
from cpinspect.programmes.models import TeamMember
from tests.casefiles.conftest import synthetic_csv
from tests.casefiles.test_no_raw_references import _find_in_database, _refs_of

pytestmark = pytest.mark.django_db


def _queue(inspection, user, data, profile="canonical"):
    return services.extract_queue(
        inspection=inspection, user=user, data=data, profile_name=profile, via="web"
    )


def test_the_upload_waits_encrypted_and_is_deleted_once_read(
    inspection, people, casefiles_env, run_worker, django_capture_on_commit_callbacks
):
    data = synthetic_csv(250, seed=3)
    refs = _refs_of(data)
    with django_capture_on_commit_callbacks(execute=True):
        extract = _queue(inspection, people["lead"], data)
    waiting = [p for p in Path(casefiles_env, "uploads").iterdir()]
    assert len(waiting) == 1 and oct(waiting[0].stat().st_mode)[-3:] == "600"
    blob = waiting[0].read_bytes()
    assert len(blob) > len(data)  # the whole file, encrypted (nonce and tag added)
    assert not any(ref.encode() in blob for ref in refs)
    assert b"case_ref" not in blob
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [extract.pk]  # the queue holds an id, no data
    assert _find_in_database(refs) == []

    assert run_worker() == 1
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.IMPORTED and extract.rows_accepted == 250
    assert extract.stage == ""  # cleared: no step is running any more
    assert list(Path(casefiles_env, "uploads").iterdir()) == []
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert _find_in_database(refs) == []


def test_nothing_is_queued_when_the_request_fails(inspection, people, run_worker):
    # no on-commit: the request's transaction never committed, so nothing reaches the worker
    _queue(inspection, people["lead"], synthetic_csv(20))
    assert run_worker() == 0
    assert Extract.objects.get().status == ExtractStatus.QUEUED


def test_unknown_profile_is_refused_before_queueing(inspection, people):
    from cpinspect.casefiles.profiles import ProfileError

    with pytest.raises(ProfileError):
        _queue(inspection, people["lead"], synthetic_csv(20), profile="no-such-profile")
    assert not Extract.objects.exists()


def test_an_uploader_who_left_the_team_does_not_import(
    inspection, people, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        extract = _queue(inspection, people["inspector"], synthetic_csv(50))
    TeamMember.objects.filter(inspection=inspection, user=people["inspector"]).delete()
    assert run_worker() == 1
    extract.refresh_from_db()
    assert extract.status == ExtractStatus.FAILED
    assert "no longer on the inspection's team" in extract.error
    assert extract.frame_path == ""


def test_a_task_run_twice_does_not_import_twice(
    inspection, people, run_worker, django_capture_on_commit_callbacks
):
    from cpinspect.casefiles.tasks import run_queued_import

    with django_capture_on_commit_callbacks(execute=True):
        extract = _queue(inspection, people["lead"], synthetic_csv(50))
    run_worker()
    again = run_queued_import.call(extract.pk, accept_rejections=False, hold_for_confirmation=True)
    assert again == ExtractStatus.IMPORTED
    assert Extract.objects.filter(status=ExtractStatus.IMPORTED).count() == 1


def test_the_status_page_names_the_running_step(client, inspection, people):
    extract = Extract.objects.create(
        inspection=inspection,
        profile="canonical",
        imported_by=people["lead"],
        status=ExtractStatus.RUNNING,
        stage="pseudonymise",
    )
    client.force_login(people["lead"])
    page = client.get(
        reverse("casefiles-extract-detail", args=[inspection.pk, extract.pk])
    ).content.decode()
    step = page.index("Replacing case references with pseudonyms")
    assert "In progress" in page[step : step + 200]
    assert 'http-equiv="refresh"' in page
