"""A stale page, through Django's test client, for every record a person edits (ADR 0020).

Each test: one person opens the edit page; someone else saves; the first sends the page they
opened. The save is refused, the page names who changed it and what (theirs beside what was
typed), what was typed is still in the form, and the other person's save stands.
"""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cpinspect.findings import services
from cpinspect.findings.models import (
    ActionPlan,
    AreaForImprovement,
    CauseOfConcern,
    FollowUpProposal,
    Judgement,
    Recommendation,
)
from cpinspect.programmes.models import Inspection, Programme, TeamMember
from tests.findings.conftest import publish, rec
from tests.fixtures import programme_manager
from tests.forms import date_boxes, hidden_fields, opened, submit, typed_date
from tests.scheduling.conftest import AS_OF_TYPED

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refused(response, *, by, theirs=(), yours=(), status=409) -> str:
    """The page of a refused stale save: it names who saved and shows both versions."""
    body = response.content.decode()
    assert response.status_code == status, body[:2000]
    assert f"{by} changed this" in body or f"{by} published" in body, body[:4000]
    assert "after you opened the page" in body
    for value in (*theirs, *yours):
        assert value in body, value
    return body


def _cause(inspection, user, title="Delays in investigations"):
    return services.cause_of_concern_create(
        inspection=inspection,
        user=user,
        title=title,
        text="Cases wait weeks.",
        recommendations=[rec("Allocate every case within a day.")],
    )


# --- findings ----------------------------------------------------------------------------------


def test_a_stale_cause_of_concern_is_refused_with_both_versions(inspection, people):
    cause = _cause(inspection, people["lead"])
    url = reverse("findings-cause-edit", args=[inspection.pk, cause.pk])
    mine = signed_in(people["inspector"])
    hidden = opened(mine, url)
    theirs = submit(
        signed_in(people["lead"]),
        url,
        {"topic": "", "title": "Title saved by the lead", "text": "Cases wait weeks."},
    )
    assert theirs.status_code == 302
    typed = {"topic": "investigation", "title": "Title typed by the inspector", "text": "Late."}
    response = mine.post(url, {**hidden, **typed})
    body = refused(
        response,
        by="Lead",
        theirs=["Title saved by the lead"],
        yours=["Title typed by the inspector"],
    )
    assert "Lead changed this cause of concern" in body
    assert 'value="Title typed by the inspector"' in body and ">Late.</textarea>" in body
    assert '<a href="#stale-edit">' in body  # the error summary leads to the comparison
    assert "Lead changed this to “Title saved by the lead”" in body  # on the field itself
    stored = CauseOfConcern.objects.get(pk=cause.pk)
    assert (stored.title, stored.text, stored.version) == (
        "Title saved by the lead",
        "Cases wait weeks.",
        2,
    )
    # having seen theirs, saving again replaces it on purpose
    again = mine.post(url, {**hidden_fields(body), **typed})
    assert again.status_code == 302
    stored.refresh_from_db()
    assert (stored.title, stored.version) == ("Title typed by the inspector", 3)


def test_a_stale_recommendation_is_refused(inspection, people):
    made = services.recommendation_add(
        inspection=inspection,
        user=people["lead"],
        text="Train staff in risk assessment.",
        owner="Chief Constable",
        due_on=date(2027, 6, 30),
    )
    url = reverse("findings-recommendation-edit", args=[inspection.pk, made.pk])
    data = {"cause_of_concern": "", "recommendation": "Train staff in risk assessment."}
    mine = signed_in(people["analyst"])
    hidden = opened(mine, url)
    submit(
        signed_in(people["moderator"]),
        url,
        {**data, "owner": "Head of Public Protection", **date_boxes("due_on", "2027-03-31")},
    )
    response = mine.post(
        url, {**hidden, **data, "owner": "Deputy Chief", **date_boxes("due_on", "2027-09-30")}
    )
    body = refused(
        response,
        by="Moderator",
        theirs=["Head of Public Protection", "31 March 2027"],
        yours=["Deputy Chief", "30 September 2027"],
    )
    assert 'value="Deputy Chief"' in body and typed_date(body, "due_on") == ("30", "9", "2027")
    stored = Recommendation.objects.get(pk=made.pk)
    assert (stored.owner, stored.due_on) == ("Head of Public Protection", date(2027, 3, 31))


def test_a_stale_status_change_of_a_recommendation_is_refused(inspection, people):
    made = _cause(inspection, people["lead"]).recommendations.get()
    publish(inspection, people)
    url = reverse("findings-recommendation", args=[inspection.pk, made.pk])
    mine = signed_in(people["inspector"])
    hidden = opened(mine, url)
    submit(signed_in(people["programme_manager"]), url, {"status": "completed", "note": "Done."})
    response = mine.post(url, {**hidden, "status": "in_progress", "note": "Plan agreed."})
    body = refused(response, by="Planner", theirs=["Completed"], yours=["In progress"])
    assert ">Plan agreed.</textarea>" in body
    stored = Recommendation.objects.get(pk=made.pk)
    assert stored.status == "completed"
    assert [c.note for c in stored.status_changes.all()] == ["Done."]


def test_a_stale_area_for_improvement_is_refused(inspection, people):
    area = services.area_for_improvement_add(
        inspection=inspection, user=people["lead"], text="Record what the child says."
    )
    url = reverse("findings-area-edit", args=[inspection.pk, area.pk])
    mine = signed_in(people["lead"])
    hidden = opened(mine, url)
    submit(signed_in(people["inspector"]), url, {"topic": "leadership", "text": "Text by them."})
    response = mine.post(url, {**hidden, "topic": "", "text": "Text by me."})
    body = refused(response, by="Inspector", theirs=["Text by them.", "Leadership"])
    assert ">Text by me.</textarea>" in body
    assert AreaForImprovement.objects.get(pk=area.pk).text == "Text by them."


def test_a_judgement_recorded_meanwhile_is_not_replaced(inspection, people):
    url = reverse("findings-judgement", args=[inspection.pk, "leadership"])
    first_tab, second_tab = signed_in(people["lead"]), signed_in(people["lead"])
    hidden = opened(first_tab, url)
    assert hidden["version"] == "0"  # none recorded when the page was opened
    submit(second_tab, url, {"grade": "good", "rationale": "Strong oversight."})
    response = first_tab.post(url, {**hidden, "grade": "inadequate", "rationale": "Weak."})
    body = refused(response, by="Lead", theirs=["Good", "Strong oversight."], yours=["Weak."])
    assert 'value="inadequate" checked' in body and ">Weak.</textarea>" in body
    stored = Judgement.objects.get(inspection=inspection, topic="leadership")
    assert (stored.grade, stored.rationale) == ("good", "Strong oversight.")


def test_a_stale_action_plan_is_refused(inspection, people):
    publish(inspection, people)
    today = timezone.localdate().isoformat()
    url = reverse("findings-action-plan", args=[inspection.pk])
    mine = signed_in(people["inspector"])
    hidden = opened(mine, url)
    submit(
        signed_in(people["programme_manager"]),
        url,
        {"status": "accepted", **date_boxes("received_on", today), "note": "Accepted in full."},
    )
    response = mine.post(
        url,
        {**hidden, "status": "received", **date_boxes("received_on", today), "note": "Received."},
    )
    body = refused(response, by="Planner", theirs=["Accepted", "Accepted in full."])
    assert ">Received.</textarea>" in body
    assert ActionPlan.objects.get().status == "accepted"


def test_accepting_a_follow_up_declined_meanwhile_is_refused(inspection, people, next_programme):
    _cause(inspection, people["lead"])
    proposal = FollowUpProposal.objects.get()
    accept = reverse("findings-follow-up-accept", args=[inspection.pk, proposal.pk])
    decline = reverse("findings-follow-up-decline", args=[inspection.pk, proposal.pk])
    mine = signed_in(people["programme_manager"])
    hidden = opened(mine, accept)
    submit(signed_in(people["programme_manager"]), decline, {"note": "Covered by Engage."})
    response = mine.post(
        accept,
        {
            **hidden,
            "kind": "post_inspection_review",
            **date_boxes("fieldwork_starts_on", "2027-05-10"),
        },
    )
    refused(response, by="Planner", theirs=["Declined", "Covered by Engage."], yours=["Accepted"])
    assert not Inspection.objects.filter(programme=next_programme).exists()
    assert FollowUpProposal.objects.get().status == "declined"


def test_a_proposal_withdrawn_by_another_change_is_not_accepted_from_a_stale_page(
    inspection, people, next_programme
):
    """The lead deleting the cause of concern withdraws its proposal: the planner's page,
    opened before, names the lead."""
    cause = _cause(inspection, people["lead"])
    proposal = FollowUpProposal.objects.get()
    accept = reverse("findings-follow-up-accept", args=[inspection.pk, proposal.pk])
    mine = signed_in(people["programme_manager"])
    hidden = opened(mine, accept)
    lead = signed_in(people["lead"])
    edit = reverse("findings-cause-edit", args=[inspection.pk, cause.pk])
    delete = reverse("findings-cause-delete", args=[inspection.pk, cause.pk])
    submit(lead, delete, {}, page=edit, action=delete)
    assert not CauseOfConcern.objects.exists()
    response = mine.post(
        accept,
        {
            **hidden,
            "kind": "post_inspection_review",
            **date_boxes("fieldwork_starts_on", "2027-05-10"),
        },
    )
    refused(response, by="Lead", theirs=["Withdrawn: the reason no longer holds"])
    assert not Inspection.objects.filter(programme=next_programme).exists()


def test_declining_a_follow_up_accepted_meanwhile_is_refused(inspection, people, next_programme):
    _cause(inspection, people["lead"])
    proposal = FollowUpProposal.objects.get()
    accept = reverse("findings-follow-up-accept", args=[inspection.pk, proposal.pk])
    decline = reverse("findings-follow-up-decline", args=[inspection.pk, proposal.pk])
    mine = signed_in(people["programme_manager"])
    hidden = opened(mine, decline)
    submit(
        signed_in(people["programme_manager"]),
        accept,
        {"kind": "post_inspection_review", **date_boxes("fieldwork_starts_on", "2027-05-10")},
    )
    response = mine.post(decline, {**hidden, "note": "Monitored through Engage."})
    body = refused(response, by="Planner", theirs=["Accepted"], yours=["Declined"])
    assert ">Monitored through Engage.</textarea>" in body
    assert FollowUpProposal.objects.get().status == "accepted"


def test_deleting_from_a_stale_page_is_refused_and_says_what_changed(inspection, people):
    cause = _cause(inspection, people["lead"])
    edit = reverse("findings-cause-edit", args=[inspection.pk, cause.pk])
    delete = reverse("findings-cause-delete", args=[inspection.pk, cause.pk])
    mine = signed_in(people["inspector"])
    hidden = opened(mine, edit, action=delete)
    submit(signed_in(people["lead"]), edit, {"topic": "", "title": "Renamed", "text": "Still."})
    response = mine.post(delete, hidden, follow=True)
    body = response.content.decode()
    assert "Lead changed this cause of concern" in body and "(title, text)" in body
    assert "nothing was deleted" in body
    assert response.redirect_chain[-1][0] == edit  # back to its page, showing theirs
    assert CauseOfConcern.objects.get(pk=cause.pk).title == "Renamed"


def test_saving_a_record_deleted_meanwhile_names_who_and_keeps_the_text(inspection, people):
    area = services.area_for_improvement_add(
        inspection=inspection, user=people["lead"], text="Record supervision."
    )
    edit = reverse("findings-area-edit", args=[inspection.pk, area.pk])
    delete = reverse("findings-area-delete", args=[inspection.pk, area.pk])
    mine = signed_in(people["inspector"])
    hidden = opened(mine, edit)
    submit(signed_in(people["lead"]), delete, {}, page=edit, action=delete)
    response = mine.post(edit, {**hidden, "topic": "", "text": "Record supervision weekly."})
    body = response.content.decode()
    assert response.status_code == 409
    assert "Lead deleted this area for improvement" in body
    assert ">Record supervision weekly.</textarea>" in body  # what was typed, to copy
    assert ">Save</button>" not in body  # it cannot be saved into a deleted record
    assert not AreaForImprovement.objects.exists()


# --- teams and inspections ---------------------------------------------------------------------


def test_adding_someone_already_added_meanwhile_is_a_clear_field_error(inspection, people):
    url = reverse("team-add", args=[inspection.pk])
    mine = signed_in(people["programme_manager"])
    hidden = opened(mine, url)
    added = {"user": people["other_lead"].pk, "role": "moderator"}
    assert submit(signed_in(people["lead"]), url, added).status_code == 302
    response = mine.post(url, {**hidden, **added})
    body = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_user">Otherlead is already on this team as a moderator.</a>' in body
    assert f'<option value="{people["other_lead"].pk}" selected>' in body  # the choice is kept
    assert TeamMember.objects.filter(inspection=inspection, user=people["other_lead"]).count() == 1


def test_removing_someone_removed_meanwhile_says_who_removed_them(inspection, people):
    member = TeamMember.objects.get(inspection=inspection, user=people["moderator"])
    page = reverse("inspection-detail", args=[inspection.pk])
    remove = reverse("team-remove", args=[inspection.pk, member.pk])
    mine = signed_in(people["lead"])
    assert mine.get(page).status_code == 200
    assert signed_in(people["programme_manager"]).post(remove).status_code == 302
    response = mine.post(remove, follow=True)
    body = response.content.decode()
    assert response.status_code == 200  # not a 404
    assert "Planner removed Moderator (moderator) from the team" in body
    assert "after you opened the page" in body


def test_a_status_move_from_a_stale_inspection_page_is_refused(planned_inspection, people):
    """Between opening the page and pressing "Notify", someone notified and postponed it:
    the status is planned again, but not as this person saw it."""
    page = reverse("inspection-detail", args=[planned_inspection.pk])
    move = reverse("inspection-transition", args=[planned_inspection.pk])
    mine = signed_in(people["programme_manager"])
    assert f"{move}?target=notified" in mine.get(page).content.decode()  # the move's page
    hidden = opened(mine, f"{move}?target=notified", action=move)
    other = signed_in(people["programme_manager"])
    for target in ("notified", "planned"):
        sent = submit(
            other,
            move,
            {"target": target, "reason": "The force asked for a later date."},
            page=f"{move}?target={target}",
            action=move,
        )
        assert sent.status_code == 302
    response = mine.post(move, {**hidden, "target": "notified", "note": "Letter sent today."})
    body = response.content.decode()
    assert response.status_code == 409
    assert "Planner changed this inspection" in body and "nothing was changed" in body
    assert "Letter sent today." in body  # the note is shown back, not lost
    planned_inspection.refresh_from_db()
    assert planned_inspection.status == "planned"
    assert planned_inspection.status_changes.count() == 2


def test_a_double_click_on_a_status_move_moves_once(inspection, people):
    page = reverse("inspection-detail", args=[inspection.pk])
    move = reverse("inspection-transition", args=[inspection.pk])
    lead = signed_in(people["lead"])
    assert f"{move}?target=moderation" in lead.get(page).content.decode()
    hidden = opened(lead, f"{move}?target=moderation", action=move)
    data = {
        **hidden,
        "target": "moderation",
        "note": "All cases examined.",
        "reason": "The force asked for fieldwork to end on the agreed date.",
    }
    assert lead.post(move, data).status_code == 302
    assert lead.post(move, data).status_code == 302  # the second click: already done
    assert list(inspection.status_changes.values_list("to_status", flat=True)) == ["moderation"]


# --- the Django admin --------------------------------------------------------------------------


def _admin_stale(people, url, typed, theirs, *, others):
    mine = signed_in(people["administrator"])
    page = mine.get(url).content.decode()
    hidden = hidden_fields(page, containing="seen_version")
    other = signed_in(people["administrator"])
    other_page = other.get(url).content.decode()
    saved = other.post(url, {**hidden_fields(other_page, containing="seen_version"), **theirs})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    response = mine.post(url, {**hidden, **typed, **others})
    body = response.content.decode()
    assert response.status_code == 200  # the admin shows the form again with the errors
    assert "Administrator changed this" in body and "after you opened the page" in body
    return body


def test_a_stale_programme_in_the_admin_is_refused(people, programme):
    url = f"/admin/programmes/programme/{programme.pk}/change/"
    dates = {"starts_on": "2026-04-01", "ends_on": "2027-03-31"}
    body = _admin_stale(
        people,
        url,
        {"name": "2026/27", "description": "Typed by me."},
        {"name": "2026/27", "description": "Saved by them.", **dates},
        others=dates,
    )
    assert "Description: theirs “Saved by them.”, yours “Typed by me.”" in body
    assert Programme.objects.get(pk=programme.pk).description == "Saved by them."


def test_a_stale_absence_and_profile_in_the_admin_are_refused(people):
    from cpinspect.scheduling import services as scheduling
    from cpinspect.scheduling.models import Absence, InspectorProfile

    absence = scheduling.absence_create(
        programme_manager(),
        person=people["inspector"],
        kind="leave",
        starts_on=date(2026, 8, 3),
        ends_on=date(2026, 8, 14),
    )
    url = f"/admin/scheduling/absence/{absence.pk}/change/"
    same = {"user": people["inspector"].pk, "kind": "leave", "starts_on": "2026-08-03"}
    body = _admin_stale(
        people, url, {"ends_on": "2026-08-21"}, {**same, "ends_on": "2026-08-07"}, others=same
    )
    assert "theirs “7 August 2026”, yours “21 August 2026”" in body
    assert Absence.objects.get().ends_on == date(2026, 8, 7)

    profile = scheduling.inspector_profile_save(
        programme_manager(),
        person=people["inspector"],
        specialisms=["custody"],
        home_region="London",
    )
    url = f"/admin/scheduling/inspectorprofile/{profile.pk}/change/"
    same = {"user": people["inspector"].pk, "specialisms": "custody"}
    body = _admin_stale(
        people,
        url,
        {"home_region": "Eastern", "part_time_fraction": "1"},
        {**same, "home_region": "South East", "part_time_fraction": "0.5"},
        others=same,
    )
    assert "theirs “South East”, yours “Eastern”" in body
    assert InspectorProfile.objects.get().home_region == "South East"


# --- reports -----------------------------------------------------------------------------------

# quick_inspection records no judgements: each move past reporting needs its reason (ADR 0021)
UNJUDGED = "The judgements are not part of this test."


def test_sending_a_draft_built_again_meanwhile_is_refused(quick_inspection, people):
    from cpinspect.programmes.services import team_member_add
    from cpinspect.reports import services as reports

    team_member_add(
        programme_manager(), inspection=quick_inspection, person=people["analyst"], role="analyst"
    )
    report = reports.report_build(inspection=quick_inspection, user=people["lead"])
    page = reverse("report-detail", args=[report.pk])
    send = reverse("report-send", args=[report.pk])
    lead = signed_in(people["lead"])
    hidden = opened(lead, page, action=send)
    services.area_for_improvement_add(
        inspection=quick_inspection, user=people["lead"], text="Record supervision."
    )
    rebuilt = reports.report_build(inspection=quick_inspection, user=people["analyst"])
    assert rebuilt.pk == report.pk and rebuilt.data_sha256 != report.data_sha256
    body = lead.post(send, hidden, follow=True).content.decode()
    assert "Analyst built this report again" in body and "nothing was sent" in body
    report.refresh_from_db()
    quick_inspection.refresh_from_db()
    assert (report.status, quick_inspection.status) == ("draft", "reporting")
    # having read it, the lead sends the draft as it is now; with judgements still to record,
    # the move is confirmed with its reason on the inspection's status page (ADR 0021)
    sent = lead.post(send, opened(lead, page, action=send))
    assert sent.status_code == 302 and "?target=factual_accuracy" in sent.url
    move = reverse("inspection-transition", args=[quick_inspection.pk])
    confirm = opened(lead, sent.url, action=move)
    reason = {"reason": "The force checks the facts while the judgements are settled."}
    assert lead.post(move, {**confirm, **reason}).status_code == 302
    report.refresh_from_db()
    assert report.status == "factual_accuracy"


def test_a_correction_published_meanwhile_is_not_corrected_again(quick_inspection, people):
    from cpinspect.reports import services as reports
    from cpinspect.reports.models import Report

    report = reports.report_build(inspection=quick_inspection, user=people["lead"])
    report = reports.report_send_for_factual_accuracy(
        report=report, user=people["lead"], reason=UNJUDGED
    )
    report = reports.report_publish(
        report=report, user=people["programme_manager"], reason=UNJUDGED
    )
    url = reverse("report-correct", args=[report.pk])
    mine = signed_in(people["programme_manager"])
    hidden = opened(mine, url)
    assert (
        submit(signed_in(people["programme_manager"]), url, {"note": "Table 2 corrected."})
    ).status_code == 302
    response = mine.post(url, {**hidden, "note": "The date of fieldwork corrected."})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Planner published version 2 (a correction)" in body and "nothing was published" in body
    assert ">The date of fieldwork corrected.</textarea>" in body  # the note is kept
    assert Report.objects.filter(inspection=quick_inspection).count() == 2


def test_a_comment_that_is_not_taken_keeps_what_was_typed(quick_inspection, people):
    from cpinspect.reports import services as reports
    from cpinspect.reports.models import ReportComment

    report = reports.report_build(inspection=quick_inspection, user=people["lead"])
    reports.report_send_for_factual_accuracy(report=report, user=people["lead"], reason=UNJUDGED)
    page = reverse("report-detail", args=[report.pk])
    comment = reverse("report-comment", args=[report.pk])
    liaison = signed_in(people["liaison"])
    hidden = opened(liaison, page, action=comment)
    typed = "Table 2 counts cases from another year."
    response = liaison.post(comment, {**hidden, "section": "no-such-section", "text": typed})
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in body and '<a href="#id_section">' in body
    assert f">{typed}</textarea>" in body
    assert not ReportComment.objects.exists()


# --- plans -------------------------------------------------------------------------------------


def _replan(world):
    from cpinspect.scheduling import services as scheduling
    from tests.scheduling.conftest import AS_OF, FAST

    return scheduling.plan_solve(
        world["people"]["programme_manager"],
        programme=world["programme"],
        replan=True,
        as_of=AS_OF,
        params=FAST,
    )


def test_publishing_from_a_stale_page_does_not_replace_a_plan_published_meanwhile(published):
    from cpinspect.scheduling.models import PlanVersion

    second, third = _replan(published), _replan(published)
    manager = published["people"]["programme_manager"]
    mine = signed_in(manager)
    url = reverse("plan-publish", args=[second.pk])
    hidden = opened(mine, url)
    assert hidden["published"] == str(published["version"].pk)  # what the page said it replaces
    other = reverse("plan-publish", args=[third.pk])
    assert submit(signed_in(manager), other, {}).status_code == 302
    response = mine.post(url, hidden)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Planner published plan version 3" in body and "nothing was published" in body
    states = dict(PlanVersion.objects.values_list("number", "state"))
    assert states == {1: "superseded", 2: "draft", 3: "published"}


def test_replanning_from_a_stale_page_is_refused(published):
    from cpinspect.scheduling.models import PlanVersion

    second = _replan(published)
    manager = published["people"]["programme_manager"]
    url = reverse("plan-solve", args=[published["programme"].pk])
    mine = signed_in(manager)
    hidden = opened(mine, url)
    submit(signed_in(manager), reverse("plan-publish", args=[second.pk]), {})
    response = mine.post(
        url,
        {
            **hidden,
            **AS_OF_TYPED,
            **{"replan": "on", "time_limit": "5", "max_concurrent": "3", "reason": "x"},
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Planner published plan version 2" in body and "nothing was re-planned" in body
    assert PlanVersion.objects.count() == 2
