"""The case-file audit through the web client: a whole assessment (draft, submit), a
conflict, blind moderation, resolution, sign-off, escalation, and access logging."""

import pytest
from django.urls import reverse

from cpinspect.assessments import services
from cpinspect.assessments.models import Assessment, CaseAudit
from cpinspect.audittrail.models import AccessLogEntry
from tests.assessments.conftest import complete_draft

pytestmark = pytest.mark.django_db


def _post_data(draft, version, action):
    data = {"version": version, "action": action}
    data["rationale"] = draft.rationale
    for qid, value in {**draft.answers, **draft.texts}.items():
        data[f"answer-{qid}"] = value
    for qid, note in draft.notes.items():
        data[f"note-{qid}"] = note
    return data


def _url(name, inspection, audit=None):
    args = [inspection.pk] + ([audit.case_id] if audit else [])
    return reverse(name, args=args)


def test_a_whole_assessment_through_the_pages(client, inspection, people, allocated):
    user = people["inspector"]
    audit = next(a for a in allocated if a.examiner_id == user.pk)
    client.force_login(user)
    page = client.get(_url("assessments-worklist", inspection)).content.decode()
    assert f"Case {audit.case_id}" in page and "Start" in page
    form_url = _url("assessments-assess", inspection, audit)
    page = client.get(form_url + "?all=1").content.decode()  # the one-page form, kept
    assert "Was the child seen and spoken to?" in page and 'name="version" value="1"' in page
    draft = complete_draft(audit, "requires_improvement")
    # a draft with half the answers
    half = services.Draft(answers=dict(list(draft.answers.items())[:5]), notes={}, texts={})
    response = client.post(form_url, _post_data(half, 1, "save"))
    assert response.status_code == 302
    assert Assessment.objects.get(audit=audit).version == 2
    # submitting the half-done draft lists what is missing in an error summary
    response = client.post(form_url, _post_data(half, 2, "submit"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and 'href="#answer-overall_grade"' in page
    assert "govuk-form-group--error" in page
    # the whole thing
    response = client.post(form_url, _post_data(draft, 2, "submit"))
    assert response.status_code == 302 and response.url == _url("assessments-worklist", inspection)
    stored = Assessment.objects.get(audit=audit)
    assert stored.submitted and stored.overall_grade == "requires_improvement"
    assert stored.answers == draft.answers
    page = client.get(_url("assessments-case", inspection, audit)).content.decode()
    assert "Requires improvement" in page and "Overall requires_improvement: the reasons" in page
    # every view of the case was access-logged
    assert (
        AccessLogEntry.objects.filter(
            user=user, object_type="assessments.caseaudit", object_id=str(audit.pk)
        ).count()
        >= 3
    )


def test_autosave_and_a_conflict_shows_both_versions(client, inspection, people, allocated):
    user = people["inspector"]
    audit = next(a for a in allocated if a.examiner_id == user.pk)
    client.force_login(user)
    form_url = _url("assessments-assess", inspection, audit)
    client.get(form_url)
    theirs = services.Draft(
        answers={"child_seen": "no"}, notes={"child_seen": "Only the mother."}, texts={}
    )
    response = client.post(form_url, _post_data(theirs, 1, "save"), headers={"X-Autosave": "1"})
    assert response.status_code == 200 and response.json() == {"saved": True, "version": 2}
    # a second tab still at version 1
    mine = services.Draft(answers={"child_seen": "yes"}, notes={}, texts={})
    response = client.post(form_url, _post_data(mine, 1, "save"), headers={"X-Autosave": "1"})
    assert response.status_code == 409 and response.json()["version"] == 2
    response = client.post(form_url, _post_data(mine, 1, "save"))
    assert response.status_code == 409
    page = response.content.decode()
    assert "Your changes were not saved" in page and "Only the mother." in page
    assert 'name="version" value="2"' in page  # saving again is a deliberate choice
    assert Assessment.objects.get(audit=audit).answers == {"child_seen": "no"}


def test_moderation_is_blind_until_the_moderator_submits(client, inspection, people, allocated):
    inspector, moderator = people["inspector"], people["moderator"]
    audit = next(a for a in allocated if a.examiner_id == inspector.pk)
    first = complete_draft(audit, "good")
    first.rationale = "FIRST-EXAMINER-RATIONALE"
    assessment = services.assessment_open(audit=audit, user=inspector)
    services.assessment_save(
        assessment=assessment, user=inspector, draft=first, expected_version=1, submit=True
    )
    audit.refresh_from_db()
    assert audit.moderator == moderator
    client.force_login(moderator)
    for name in ("assessments-case", "assessments-assess"):
        page = client.get(_url(name, inspection, audit)).content.decode()
        assert "FIRST-EXAMINER-RATIONALE" not in page
    assert (
        "first examination stays hidden"
        in client.get(_url("assessments-case", inspection, audit)).content.decode()
    )
    page = client.get(_url("assessments-moderation", inspection)).content.decode()
    assert "FIRST-EXAMINER-RATIONALE" not in page
    second = complete_draft(audit, "inadequate")
    response = client.post(
        _url("assessments-assess", inspection, audit), _post_data(second, 1, "submit")
    )
    assert response.status_code == 302
    page = client.get(_url("assessments-case", inspection, audit)).content.decode()
    assert "FIRST-EXAMINER-RATIONALE" in page
    # the disagreement reaches the lead, who resolves it on the moderation page
    client.force_login(people["lead"])
    page = client.get(_url("assessments-moderation", inspection)).content.decode()
    assert "Disagreements (1)" in page and "To resolve" in page
    response = client.post(
        reverse("assessments-resolve", args=[inspection.pk, audit.case_id]),
        {"grade": "requires_improvement", "rationale": "Between the two.", "next": "moderation"},
    )
    assert response.url == _url("assessments-moderation", inspection)
    audit.refresh_from_db()
    assert audit.final_grade == "requires_improvement"
    page = client.get(_url("assessments-moderation", inspection)).content.decode()
    assert "Resolved" in page and "Between the two." in page


def test_sign_off_then_the_form_is_read_only(client, inspection, people, allocated, settings):
    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 0, "random_share": 0.0}
    inspector = people["inspector"]
    audit = next(a for a in allocated if a.examiner_id == inspector.pk)
    assessment = services.assessment_open(audit=audit, user=inspector)
    services.assessment_save(
        assessment=assessment,
        user=inspector,
        draft=complete_draft(audit),
        expected_version=1,
        submit=True,
    )
    client.force_login(people["lead"])
    action = reverse("assessments-sign-off", args=[inspection.pk, audit.case_id])
    client.post(action)
    assert CaseAudit.objects.get(pk=audit.pk).locked
    client.force_login(inspector)
    for url in (
        _url("assessments-assess", inspection, audit) + "?all=1",
        _url("assessments-tasks", inspection, audit),
        _url("assessments-check", inspection, audit),
        reverse("assessments-section", args=[inspection.pk, audit.case_id, "outcome"]),
    ):
        page = client.get(url).content.decode()
        assert "signed off and locked" in page and "Submit the assessment" not in page, url
        assert "Save and continue" not in page
    client.force_login(people["lead"])
    unlock = reverse("assessments-unlock", args=[inspection.pk, audit.case_id])
    response = client.post(unlock, {"reason": ""}, follow=True)
    assert "Give the reason" in response.content.decode()
    client.post(unlock, {"reason": "Rationale to be rewritten."})
    assert not CaseAudit.objects.get(pk=audit.pk).locked


def test_escalation_from_the_case_page_reaches_the_lead_dashboard(
    client, inspection, people, allocated, django_capture_on_commit_callbacks
):
    from django.core import mail

    audit = allocated[0]
    client.force_login(audit.examiner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("assessments-escalate", args=[inspection.pk, audit.case_id]),
            {"concern": "Bruising not followed up; child still at home."},
        )
    assert len(mail.outbox) == 1
    client.force_login(people["lead"])
    page = client.get(reverse("dashboard")).content.decode()
    assert "Children at risk" in page and f"case {audit.case_id}" in page
    page = client.get(_url("assessments-escalations", inspection)).content.decode()
    assert "Bruising not followed up" in page
    escalation = audit.case.escalations.get()
    client.post(
        reverse("assessments-escalation-acknowledge", args=[inspection.pk, escalation.pk]),
        {"by_whom": "DS Jones, Essex child abuse team"},
    )
    escalation.refresh_from_db()
    assert escalation.status == "acknowledged"
    assert "Children at risk" not in client.get(reverse("dashboard")).content.decode()


def test_pages_are_for_the_team_only(client, inspection, people, allocated):
    audit = allocated[0]
    urls = [
        _url("assessments-home", inspection),
        _url("assessments-worklist", inspection),
        _url("assessments-moderation", inspection),
        _url("assessments-escalations", inspection),
        _url("assessments-case", inspection, audit),
        _url("assessments-assess", inspection, audit),
        _url("assessments-tasks", inspection, audit),
        _url("assessments-check", inspection, audit),
        reverse("assessments-section", args=[inspection.pk, audit.case_id, "outcome"]),
    ]
    for key in ("other_lead", "programme_manager", "liaison", "partner", "administrator"):
        client.force_login(people[key])
        for url in urls:
            assert client.get(url).status_code == 404, (key, url)
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302  # to sign in
    client.force_login(people["analyst"])
    for url in urls[:5]:
        assert client.get(url).status_code == 200, url


def test_an_empty_unusable_reason_is_in_the_error_summary(client, inspection, people, allocated):
    audit = allocated[0]
    client.force_login(audit.examiner)
    url = reverse("assessments-unusable", args=[inspection.pk, audit.case_id])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert '<a href="#unusable-reason">Say why the case cannot be used.</a>' in (
        response.content.decode()
    )
    audit.case.refresh_from_db()
    assert audit.case.status == "sampled"


def test_the_moderator_does_not_learn_why_the_case_was_chosen(
    client, inspection, people, allocated, settings
):
    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 0, "random_share": 0.0}
    from tests.assessments.conftest import submit

    audit = next(a for a in allocated if a.examiner_id == people["inspector"].pk)
    submit(audit, people["inspector"], "inadequate")  # chosen because graded inadequate
    client.force_login(people["moderator"])
    page = client.get(_url("assessments-case", inspection, audit)).content.decode()
    assert "Graded inadequate" not in page and "Inadequate" not in page
    assert "you are the moderator" in page
