"""Opening an assessment (its form, or a GET of the API) writes nothing; the first save stores
it, with the same version check as every save (issue #11 item 6)."""

import pytest
from django.urls import reverse
from pghistory.models import Events

from cpinspect.assessments import services
from cpinspect.assessments.models import Assessment
from tests.assessments.test_pages import _post_data

pytestmark = pytest.mark.django_db


def _form_url(inspection, audit):
    return reverse("assessments-assess", args=[inspection.pk, audit.case_id]) + "?all=1"


def _api_url(inspection, audit):
    return reverse("api-fieldwork-assessment", args=[inspection.pk, audit.case_id])


def _changes() -> int:
    """Every change recorded in the history, of every tracked table."""
    return Events.objects.count()


@pytest.fixture
def mine(inspection, people, allocated):
    services.question_sets_fix(inspection)  # as the move to fieldwork does
    return next(a for a in allocated if a.examiner_id == people["inspector"].pk)


def test_opening_the_form_or_the_api_writes_no_assessment(client, inspection, people, mine):
    client.force_login(people["inspector"])
    before = _changes()
    page = client.get(_form_url(inspection, mine))
    assert page.status_code == 200 and 'name="version" value="1"' in page.content.decode()
    # the sections, too (ADR 0031): the task list, a section and check your answers
    args = [inspection.pk, mine.case_id]
    for url in (
        reverse("assessments-tasks", args=args),
        reverse("assessments-section", args=[*args, "initial_response"]),
        reverse("assessments-check", args=args),
    ):
        assert client.get(url).status_code == 200, url
    body = client.get(_api_url(inspection, mine)).json()
    assert (body["id"], body["version"], body["status"]) == (None, 1, "draft")
    assert Assessment.objects.filter(audit=mine).count() == 0
    assert _changes() == before


def test_the_first_save_stores_it_and_autosave_carries_on(client, inspection, people, mine):
    client.force_login(people["inspector"])
    url = _form_url(inspection, mine)
    client.get(url)
    first = services.Draft(answers={"child_seen": "yes"}, notes={}, texts={})
    saved = client.post(url, _post_data(first, 1, "save"), headers={"X-Autosave": "1"})
    assert saved.status_code == 200 and saved.json() == {"saved": True, "version": 2}
    again = services.Draft(answers={"child_seen": "no"}, notes={}, texts={})
    saved = client.post(url, _post_data(again, 2, "save"), headers={"X-Autosave": "1"})
    assert saved.json() == {"saved": True, "version": 3}
    stored = Assessment.objects.get(audit=mine)
    assert (stored.version, stored.answers, stored.examiner_id) == (
        3,
        {"child_seen": "no"},
        people["inspector"].pk,
    )


def test_two_tabs_opened_before_the_first_save_cannot_overwrite_each_other(
    client, inspection, people, mine
):
    """Both pages start from the unstored version 1: the first save wins, the second is
    refused with both versions shown, as for any stale page."""
    client.force_login(people["inspector"])
    url = _form_url(inspection, mine)
    client.get(url)
    client.get(url)
    theirs = services.Draft(
        answers={"child_seen": "no"}, notes={"child_seen": "Mother only."}, texts={}
    )
    assert client.post(url, _post_data(theirs, 1, "save")).status_code == 302
    mine_now = services.Draft(answers={"child_seen": "yes"}, notes={}, texts={})
    refused = client.post(url, _post_data(mine_now, 1, "save"))
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Your changes were not saved" in page and "Mother only." in page
    api = client.put(
        _api_url(inspection, mine),
        {"version": 1, "answers": {"child_seen": "yes"}},
        content_type="application/json",
    )
    assert api.status_code == 409
    assert Assessment.objects.get(audit=mine).answers == {"child_seen": "no"}


def test_a_case_given_to_someone_else_after_the_form_was_opened_is_not_saved(
    people, mine, second_inspector
):
    """The first save decides on the stored allocation, not on the one the page was made from."""
    opened = services.assessment_open(audit=mine, user=people["inspector"])
    type(mine).objects.filter(pk=mine.pk).update(examiner=second_inspector)
    draft = services.Draft(answers={"child_seen": "yes"}, notes={}, texts={})
    with pytest.raises(services.AuditRefused, match="just been given to someone else"):
        services.assessment_save(
            assessment=opened, user=people["inspector"], draft=draft, expected_version=1
        )
    assert Assessment.objects.filter(audit=mine).count() == 0
