"""Every create form makes one row however often it is sent (ADR 0020).

A form sent twice (the back button and send again, a retry after a slow answer, a double
click) carries the same one-time token: the second is answered with what the first created.
The same token with other content is refused and nothing is saved (the person is told, and a
new token lets them send it deliberately). Escalations of a child at risk are never refused.
"""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cpinspect.findings.models import AreaForImprovement, CauseOfConcern, Recommendation
from cpinspect.programmes.models import Inspection, TeamMember
from cpinspect.scheduling.models import Absence
from tests.forms import date_boxes, hidden_fields, opened

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def twice(client, url, data, page=None, action=None):
    """The same page's form sent two times, as a browser resends it."""
    hidden = opened(client, page or url, action)
    return [client.post(url, {**hidden, **data}) for _ in range(2)]


CREATE_FORMS = [
    (
        "cause of concern",
        "lead",
        lambda w: reverse("findings-cause-new", args=[w["inspection"].pk]),
        {
            "topic": "",
            "title": "Backlog",
            "text": "Cases wait.",
            "recommendation": "Clear it.",
            "owner": "Chief Constable",
            **date_boxes("due_on", "2027-06-30"),
        },
        lambda: (CauseOfConcern.objects.count(), Recommendation.objects.count()),
        (1, 1),
    ),
    (
        "recommendation",
        "inspector",
        lambda w: reverse("findings-recommendation-new", args=[w["inspection"].pk]),
        {
            "cause_of_concern": "",
            "recommendation": "Supervise referrals.",
            "owner": "Chief Constable",
            **date_boxes("due_on", "2027-06-30"),
        },
        lambda: Recommendation.objects.count(),
        1,
    ),
    (
        "area for improvement",
        "analyst",
        lambda w: reverse("findings-area-new", args=[w["inspection"].pk]),
        {"topic": "", "text": "Record supervision."},
        lambda: AreaForImprovement.objects.count(),
        1,
    ),
    (
        "inspection",
        "programme_manager",
        lambda w: reverse("inspection-new"),
        {
            "kind": "post_inspection_review",
            "fieldwork_starts_on_day": "1",
            "fieldwork_starts_on_month": "2",
            "fieldwork_starts_on_year": "2027",
        },
        lambda: Inspection.objects.filter(kind="post_inspection_review").count(),
        1,
    ),
    (
        "team member",
        "lead",
        lambda w: reverse("team-add", args=[w["inspection"].pk]),
        {"role": "moderator"},
        lambda: TeamMember.objects.filter(role="moderator").count(),
        2,  # the fixture's moderator, and this one
    ),
    (
        "absence",
        "programme_manager",
        lambda w: reverse("plan-people"),
        {
            "kind": "leave",
            "starts_on_day": "3",
            "starts_on_month": "8",
            "starts_on_year": "2026",
            "ends_on_day": "14",
            "ends_on_month": "8",
            "ends_on_year": "2026",
        },
        lambda: Absence.objects.count(),
        1,
    ),
]


@pytest.mark.parametrize("row", CREATE_FORMS, ids=[row[0] for row in CREATE_FORMS])
def test_a_create_form_sent_twice_makes_one_row(row, inspection, people, programme, reference):
    _, who, url, data, count, expected = row
    world = {"inspection": inspection}
    data = dict(data)
    if row[0] == "inspection":
        data |= {"programme": programme.pk, "force": reference["kent"].pk}
    if row[0] in ("team member", "absence"):
        data["user"] = people["other_lead"].pk
    responses = twice(signed_in(people[who]), url(world), data)
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0].url == responses[1].url  # the second goes where the first went
    assert count() == expected


def test_the_same_token_with_other_content_saves_nothing_and_says_so(inspection, people):
    url = reverse("findings-area-new", args=[inspection.pk])
    client = signed_in(people["lead"])
    hidden = opened(client, url)
    assert client.post(url, {**hidden, "text": "First area."}).status_code == 302
    response = client.post(url, {**hidden, "text": "Second area, typed after going back."})
    body = response.content.decode()
    assert response.status_code == 400
    assert "This form was already sent once, with other values" in body
    assert ">Second area, typed after going back.</textarea>" in body  # kept
    assert list(AreaForImprovement.objects.values_list("text", flat=True)) == ["First area."]
    fresh = hidden_fields(body)["submission"]
    assert fresh != hidden["submission"]  # sending it now is a new, deliberate submission
    again = client.post(
        url, {**hidden_fields(body), "text": "Second area, typed after going back."}
    )
    assert again.status_code == 302 and AreaForImprovement.objects.count() == 2


def test_a_form_without_its_token_saves_nothing_and_gives_one(inspection, people):
    url = reverse("findings-area-new", args=[inspection.pk])
    client = signed_in(people["lead"])
    response = client.post(url, {"text": "From a page opened before tokens."})
    body = response.content.decode()
    assert response.status_code == 400 and "This page was opened before a change" in body
    assert not AreaForImprovement.objects.exists()
    assert hidden_fields(body)["submission"]
    again = client.post(url, {**hidden_fields(body), "text": "From a page opened before tokens."})
    assert again.status_code == 302 and AreaForImprovement.objects.count() == 1


def test_a_token_is_one_persons(inspection, people):
    """Another person sending someone's token creates their own row (tokens are per user)."""
    url = reverse("findings-area-new", args=[inspection.pk])
    lead, inspector = signed_in(people["lead"]), signed_in(people["inspector"])
    hidden = opened(lead, url)
    for client in (lead, inspector):
        assert client.post(url, {**hidden, "text": "Record supervision."}).status_code == 302
    assert AreaForImprovement.objects.count() == 2


def test_an_escalation_sent_twice_is_recorded_once_and_never_refused(
    inspection, people, settings, sample, django_capture_on_commit_callbacks
):
    """A second click records no second escalation and sends no second e-mail; a form with no
    token, or a token already used for another concern, still records it."""
    from cpinspect.assessments import services
    from cpinspect.assessments.models import Escalation

    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 0, "random_share": 0.0}
    audit = services.cases_allocate(inspection=inspection, user=people["lead"])[0]
    examiner = signed_in(audit.examiner)
    case = reverse("assessments-case", args=[inspection.pk, audit.case_id])
    url = reverse("assessments-escalate", args=[inspection.pk, audit.case_id])
    hidden = opened(examiner, case, action=url)

    def send(data):
        with django_capture_on_commit_callbacks(execute=True):  # the e-mail goes on commit
            response = examiner.post(url, data)
        assert response.status_code == 302

    for _ in range(2):
        send({**hidden, "concern": "Bruising not followed up."})
    assert Escalation.objects.count() == 1 and len(mail.outbox) == 1
    send({**hidden, "concern": "A second child in the household."})
    send({"concern": "Sent from a page without a token."})
    assert Escalation.objects.count() == 3 and len(mail.outbox) == 3
