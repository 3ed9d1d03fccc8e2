"""The findings pages through Django's test client: what each person sees, the forms with
their error summaries, and the changes they make."""

from datetime import date, timedelta

import pytest
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
from cpinspect.programmes.models import Inspection
from tests.findings.conftest import publish, rec
from tests.forms import date_boxes, submit

pytestmark = pytest.mark.django_db


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def findings_url(inspection):
    return reverse("findings-inspection", args=[inspection.pk])


def add_cause(inspection, user, title="Delays in investigations"):
    return services.cause_of_concern_create(
        inspection=inspection,
        user=user,
        topic="investigation",
        title=title,
        text="Cases wait weeks to be allocated.",
        recommendations=[rec("Allocate every case within 24 hours.")],
    )


def test_the_inspection_page_links_to_the_findings_for_those_who_may_see_them(
    client, inspection, people
):
    client.force_login(people["analyst"])
    assert findings_url(inspection) in page(
        client, reverse("inspection-detail", args=[inspection.pk])
    )
    client.force_login(people["liaison"])  # sees the inspection, not yet its findings
    assert findings_url(inspection) not in page(
        client, reverse("inspection-detail", args=[inspection.pk])
    )
    publish(inspection, people)
    assert findings_url(inspection) in page(
        client, reverse("inspection-detail", args=[inspection.pk])
    )


def test_the_lead_records_a_judgement_against_the_evidence(client, inspection, people):
    add_cause(inspection, people["inspector"])
    client.force_login(people["lead"])
    body = page(client, findings_url(inspection))
    assert "Judgements" in body and "Investigation" in body and "Not decided" in body
    assert 'Record<span class="govuk-visually-hidden"> the judgement on investigation' in body
    url = reverse("findings-judgement", args=[inspection.pk, "investigation"])
    body = page(client, url)
    assert "Suggested grade: Requires improvement" in body
    assert "1 cause of concern in this topic: at best requires improvement" in body
    assert body.count('type="radio"') == 5  # 2026/27: the five-point scale
    assert " checked" not in body  # shown, not chosen for the lead
    # no rationale: an error summary and the field's message, nothing saved
    response = submit(client, url, {"grade": "good", "rationale": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "Enter the rationale." in body
    assert '<a href="#id_rationale">Enter the rationale.</a>' in body
    assert body.startswith("<!DOCTYPE html>") and "<title>Error: " in body
    assert not Judgement.objects.exists()
    response = submit(client, url, {"grade": "inadequate", "rationale": "Children left at risk."})
    assert response.status_code == 302 and response.url == findings_url(inspection)
    judgement = Judgement.objects.get()
    assert (judgement.grade, judgement.suggested_grade) == ("inadequate", "requires_improvement")
    body = page(client, findings_url(inspection))
    assert "Judgement recorded: Investigation." in body
    assert "Children left at risk." in body and "Re-inspection" in body
    assert 'value="inadequate" checked' in page(client, url)  # changing keeps the grade


def test_only_the_lead_may_open_the_judgement_form(client, inspection, people):
    url = reverse("findings-judgement", args=[inspection.pk, "leadership"])
    client.force_login(people["inspector"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"grade": "good", "rationale": "x"}).status_code == 403
    client.force_login(people["lead"])
    assert (
        client.get(reverse("findings-judgement", args=[inspection.pk, "custody"])).status_code
        == 404
    )


def test_a_cause_of_concern_is_added_with_its_first_recommendation(client, inspection, people):
    client.force_login(people["inspector"])
    url = reverse("findings-cause-new", args=[inspection.pk])
    body = page(client, url)
    assert "always carries at least one recommendation" in body
    assert 'for="id_owner">Owner at the force' in body
    response = submit(
        client, url, {"title": "Delays", "text": "Cases wait.", "recommendation": "", "owner": ""}
    )
    assert response.status_code == 400
    body = response.content.decode()
    for message in (
        "Enter the recommendation.",
        "Enter who at the force owns the recommendation.",
        "Enter the date the recommendation is due by",  # the GOV.UK date input's message
    ):
        assert message in body
    assert not CauseOfConcern.objects.exists()
    response = submit(
        client,
        url,
        {
            "topic": "investigation",
            "title": "Delays",
            "text": "Cases wait.",
            "recommendation": "Allocate within 24 hours.",
            "owner": "Chief Constable",
            **date_boxes("due_on", "2027-06-30"),
        },
    )
    assert response.status_code == 302
    made = CauseOfConcern.objects.get()
    assert [(r.text, r.owner, r.due_on) for r in made.recommendations.all()] == [
        ("Allocate within 24 hours.", "Chief Constable", date(2027, 6, 30))
    ]
    body = page(client, findings_url(inspection))
    assert "Delays" in body and "Allocate within 24 hours." in body
    assert "Post-inspection review" in body and "3 to 6 months after publication" in body


def test_the_last_recommendation_of_a_cause_cannot_be_deleted_on_the_page(
    client, inspection, people
):
    made = add_cause(inspection, people["lead"])
    only = made.recommendations.get()
    client.force_login(people["lead"])
    edit = page(client, reverse("findings-recommendation-edit", args=[inspection.pk, only.pk]))
    assert "Delete the recommendation" in edit
    edit_url = reverse("findings-recommendation-edit", args=[inspection.pk, only.pk])
    delete_url = reverse("findings-recommendation-delete", args=[inspection.pk, only.pk])
    response = submit(client, delete_url, {}, page=edit_url, action=delete_url, follow=True)
    assert "always carries at least one recommendation" in response.content.decode()
    assert Recommendation.objects.filter(pk=only.pk).exists()
    # moving it off its cause is refused on the form, with the reason in the summary
    response = submit(
        client,
        edit_url,
        {
            "cause_of_concern": "",
            "recommendation": "x",
            "owner": "CC",
            **date_boxes("due_on", "2027-01-01"),
        },
    )
    assert response.status_code == 400
    assert "always carries at least one recommendation" in response.content.decode()
    # a second recommendation, then the first can go
    response = submit(
        client,
        reverse("findings-recommendation-new", args=[inspection.pk]),
        {
            "cause_of_concern": made.pk,
            "recommendation": "Review the backlog weekly.",
            "owner": "Head of Public Protection",
            **date_boxes("due_on", "2027-03-31"),
        },
    )
    assert response.status_code == 302
    submit(client, delete_url, {}, page=edit_url, action=delete_url)
    assert [r.text for r in made.recommendations.all()] == ["Review the backlog weekly."]
    cause_delete = reverse("findings-cause-delete", args=[inspection.pk, made.pk])
    cause_edit = reverse("findings-cause-edit", args=[inspection.pk, made.pk])
    submit(client, cause_delete, {}, page=cause_edit, action=cause_delete)
    assert not CauseOfConcern.objects.exists() and not Recommendation.objects.exists()


def test_areas_for_improvement_on_the_page(client, inspection, people):
    client.force_login(people["moderator"])
    url = reverse("findings-area-new", args=[inspection.pk])
    body = page(client, url)
    assert "no owner, due date or status" in body
    assert "Owner" not in body and "Due by" not in body
    assert submit(client, url, {"text": ""}).status_code == 400
    assert submit(client, url, {"text": "Record supervision."}).status_code == 302
    area = AreaForImprovement.objects.get()
    assert "Record supervision." in page(client, findings_url(inspection))
    edit = reverse("findings-area-edit", args=[inspection.pk, area.pk])
    assert (
        submit(client, edit, {"text": "Record supervision.", "topic": "leadership"}).status_code
        == 302
    )
    area.refresh_from_db()
    assert area.topic == "leadership"
    delete_url = reverse("findings-area-delete", args=[inspection.pk, area.pk])
    submit(client, delete_url, {}, page=edit, action=delete_url)
    assert not AreaForImprovement.objects.exists()


def test_a_programme_manager_accepts_a_follow_up_into_the_programme(
    client, inspection, people, next_programme
):
    add_cause(inspection, people["lead"])
    proposal = FollowUpProposal.objects.get()
    client.force_login(people["lead"])
    assert "Accept<span" not in page(client, findings_url(inspection))
    url = reverse("findings-follow-up-accept", args=[inspection.pk, proposal.pk])
    assert client.get(url).status_code == 403
    client.force_login(people["programme_manager"])
    assert "Accept<span" in page(client, findings_url(inspection))
    body = page(client, url)
    assert "3 to 6 months after publication (the report is not published yet)" in body
    response = submit(
        client,
        url,
        {"kind": "post_inspection_review", **date_boxes("fieldwork_starts_on", "2030-01-07")},
    )
    assert response.status_code == 400
    assert "No programme covers 07 January 2030" in response.content.decode()
    response = submit(
        client,
        url,
        {"kind": "post_inspection_review", **date_boxes("fieldwork_starts_on", "2027-05-10")},
    )
    follow_up = Inspection.objects.get(programme=next_programme)
    assert response.status_code == 302
    assert response.url == reverse("inspection-detail", args=[follow_up.pk])
    assert follow_up.kind == "post_inspection_review" and follow_up.force == inspection.force
    body = page(client, findings_url(inspection))
    assert "Post-inspection review from 10 May 2027 (2027/28)" in body


def test_declining_a_follow_up_asks_why(client, inspection, people):
    add_cause(inspection, people["lead"])
    proposal = FollowUpProposal.objects.get()
    client.force_login(people["programme_manager"])
    url = reverse("findings-follow-up-decline", args=[inspection.pk, proposal.pk])
    response = submit(client, url, {"note": ""})
    assert response.status_code == 400
    assert '<a href="#id_note">Say why no follow-up is needed.</a>' in response.content.decode()
    assert submit(client, url, {"note": "Monitored through Engage."}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "declined"
    assert "Monitored through Engage." in page(client, findings_url(inspection))


def test_after_publication_the_force_sees_its_findings_without_the_working(
    client, inspection, people
):
    people["lead"].full_name = "Priya Okafor"  # a name no heading contains
    people["lead"].save()
    made = add_cause(inspection, people["lead"])
    services.judgement_record(
        inspection=inspection,
        user=people["lead"],
        topic="investigation",
        grade="inadequate",
        rationale="Internal reasoning of the team.",
        expected_version=0,
    )
    services.area_for_improvement_add(
        inspection=inspection, user=people["lead"], text="Record supervision."
    )
    client.force_login(people["liaison"])
    assert client.get(findings_url(inspection)).status_code == 404
    publish(inspection, people)
    body = page(client, findings_url(inspection))
    assert "Inadequate" in body and "Delays in investigations" in body
    assert "Allocate every case within 24 hours." in body and "Record supervision." in body
    assert "Awaited" in body and "Due by" in body
    for hidden in ("Internal reasoning of the team.", "Suggested", "Follow-up", "Re-inspection"):
        assert hidden not in body, hidden
    assert "Priya Okafor" not in body
    only = made.recommendations.get()
    body = page(client, reverse("findings-recommendation", args=[inspection.pk, only.pk]))
    assert "Allocate every case within 24 hours." in body and "Change the status" not in body
    assert (
        client.post(
            reverse("findings-recommendation", args=[inspection.pk, only.pk]),
            {"status": "completed"},
        ).status_code
        == 403
    )
    # the other force's officer never sees it
    client.force_login(people["other_liaison"])
    assert client.get(findings_url(inspection)).status_code == 404


def test_tracking_a_recommendation_and_the_action_plan(client, inspection, people):
    made = add_cause(inspection, people["lead"])
    only = made.recommendations.get()
    publish(inspection, people)
    client.force_login(people["inspector"])
    url = reverse("findings-recommendation", args=[inspection.pk, only.pk])
    body = page(client, url)
    assert "Change the status" in body and "Change this recommendation" not in body
    response = submit(client, url, {"status": "in_progress", "note": "Plan agreed with the ACC."})
    assert response.status_code == 302
    body = page(client, url)
    assert "Open to In progress" in body and "Plan agreed with the ACC." in body
    assert people["inspector"].full_name in body
    # the action plan
    plan = ActionPlan.objects.get()
    body = page(client, findings_url(inspection))
    assert f"{plan.due_on:%-d %B %Y} (six weeks after publication" in body
    url = reverse("findings-action-plan", args=[inspection.pk])
    response = submit(client, url, {"status": "received", **date_boxes("received_on", "")})
    assert response.status_code == 400
    assert "Enter the date the action plan was received." in response.content.decode()
    today = timezone.localdate()
    assert (
        submit(
            client, url, {"status": "received", **date_boxes("received_on", today.isoformat())}
        ).status_code
        == 302
    )
    plan.refresh_from_db()
    assert (plan.status, plan.received_on) == ("received", today)


def test_an_overdue_action_plan_is_shown(client, inspection, people):
    publish(inspection, people)
    ActionPlan.objects.update(
        published_on=timezone.localdate() - timedelta(days=60),
        due_on=timezone.localdate() - timedelta(days=18),
    )
    client.force_login(people["liaison"])
    assert "Overdue" in page(client, findings_url(inspection))


def test_the_board_page_filters_and_puts_overdue_first(client, inspection, kent_inspection, people):
    today = timezone.localdate()
    for text, days in (("Due later", 90), ("Already late", -10)):
        services.recommendation_add(
            inspection=inspection,
            user=people["lead"],
            text=text,
            owner="Chief Constable",
            due_on=today + timedelta(days=days),
        )
    publish(inspection, people)
    client.force_login(people["analyst"])
    body = page(client, reverse("recommendations-board"))
    assert "2 recommendations" in body
    assert body.index("Already late") < body.index("Due later")
    assert body.count("Overdue") == 1
    body = page(client, reverse("recommendations-board") + "?force=E23000032")
    assert "No recommendations match." in body
    body = page(client, reverse("recommendations-board") + "?status=completed")
    assert "No recommendations match." in body
    response = client.get(reverse("recommendations-board") + "?force=nowhere")
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    client.force_login(people["other_liaison"])
    assert "No recommendations match." in page(client, reverse("recommendations-board"))


def test_a_past_due_date_is_refused_but_an_overdue_one_can_be_kept(client, inspection, people):
    client.force_login(people["lead"])
    new_url = reverse("findings-recommendation-new", args=[inspection.pk])
    yesterday = timezone.localdate() - timedelta(days=1)
    response = submit(
        client,
        new_url,
        {
            "recommendation": "Audit referrals.",
            "owner": "CC",
            **date_boxes("due_on", yesterday.isoformat()),
        },
    )
    page_text = response.content.decode()
    assert response.status_code == 400
    summary = page_text[page_text.index("govuk-error-summary") :]
    assert "The date the recommendation is due by must be today or in the future." in summary
    assert not Recommendation.objects.filter(text="Audit referrals.").exists()
    today = timezone.localdate().isoformat()
    response = submit(
        client,
        new_url,
        {"recommendation": "Audit referrals.", "owner": "CC", **date_boxes("due_on", today)},
    )
    assert response.status_code == 302
    # an overdue recommendation (its date set before it passed) is edited and keeps its date
    overdue = Recommendation.objects.get(text="Audit referrals.")
    Recommendation.objects.filter(pk=overdue.pk).update(due_on=yesterday)
    edit_url = reverse("findings-recommendation-edit", args=[inspection.pk, overdue.pk])
    response = submit(
        client,
        edit_url,
        {
            "recommendation": "Audit all referrals.",
            "owner": "CC",
            **date_boxes("due_on", yesterday.isoformat()),
        },
    )
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert (overdue.text, overdue.due_on) == ("Audit all referrals.", yesterday)
