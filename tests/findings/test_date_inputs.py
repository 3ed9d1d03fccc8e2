"""The findings forms' dates are GOV.UK date inputs (day, month and year boxes), and each wrong
date gets its own message, in the error summary linked to the day box, with what was typed
kept in the boxes (issue 15: the browser's picker showed mm/dd/yyyy and took ISO text)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cpinspect.findings.models import FollowUpProposal, Recommendation
from cpinspect.programmes.models import Inspection
from tests.findings.conftest import publish
from tests.findings.test_pages import add_cause, page
from tests.forms import submit, typed_date

pytestmark = pytest.mark.django_db

DUE = "the date the recommendation is due by"


def _boxes(name, day, month, year):
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def _summary(body: str) -> str:
    assert "govuk-error-summary" in body, "no error summary"
    start = body.index("govuk-error-summary")
    return body[start : body.index("</ul>", start)]


def _refused(response, name: str, message: str, typed: tuple[str, str, str]):
    """The form came back with ``message`` in the summary, linked to the day box, beside the
    boxes, and the boxes hold what was typed."""
    __tracebackhide__ = True
    assert response.status_code == 400, response.status_code
    body = response.content.decode()
    assert f'<a href="#id_{name}_day">{message}</a>' in _summary(body), _summary(body)
    assert f'id="id_{name}-error" class="govuk-error-message">' in body
    assert message in body[body.index(f'id="id_{name}-error"') :][:300]
    assert typed_date(body, name) == typed
    return body


def test_every_date_of_the_findings_forms_is_a_date_input(
    client, inspection, people, next_programme
):
    made = add_cause(inspection, people["lead"])
    only = made.recommendations.get()
    client.force_login(people["lead"])
    forms = {
        reverse("findings-cause-new", args=[inspection.pk]): "due_on",
        reverse("findings-recommendation-new", args=[inspection.pk]): "due_on",
        reverse("findings-recommendation-edit", args=[inspection.pk, only.pk]): "due_on",
    }
    for url, name in forms.items():
        body = page(client, url)
        assert 'type="date"' not in body, url
        assert typed_date(body, name) is not None
        assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Due by' in body
    # an edit shows the stored date in the boxes
    body = page(client, reverse("findings-recommendation-edit", args=[inspection.pk, only.pk]))
    assert typed_date(body, "due_on") == ("30", "6", "2027")
    # the hint's example is a date the form would take
    example = timezone.localdate() + timedelta(days=182)
    assert f"For example, {example.day} {example.month} {example.year}" in body

    client.force_login(people["programme_manager"])
    proposal = FollowUpProposal.objects.get()
    body = page(client, reverse("findings-follow-up-accept", args=[inspection.pk, proposal.pk]))
    assert 'type="date"' not in body and typed_date(body, "fieldwork_starts_on") == ("", "", "")
    publish(inspection, people)
    body = page(client, reverse("findings-action-plan", args=[inspection.pk]))
    assert 'type="date"' not in body and typed_date(body, "received_on") == ("", "", "")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (("31", "2", "2027"), f"{DUE.capitalize()} must be a real date"),
        (("30", "13", "2027"), f"{DUE.capitalize()} must be a real date"),
        (("ab", "cd", "efgh"), f"{DUE.capitalize()} must be a real date"),
        (("1", "May", "20x7"), f"{DUE.capitalize()} must be a real date"),
        (("12", "5", ""), f"{DUE.capitalize()} must include a year"),
        (("", "5", ""), f"{DUE.capitalize()} must include a day and a year"),
        (("12", "5", "27"), "Year must include 4 numbers"),
        (("", "", ""), f"Enter {DUE}"),
    ],
)
def test_a_wrong_due_date_is_named_and_kept(client, inspection, people, typed, message):
    client.force_login(people["lead"])
    url = reverse("findings-recommendation-new", args=[inspection.pk])
    response = submit(
        client,
        url,
        {"recommendation": "Audit referrals.", "owner": "CC", **_boxes("due_on", *typed)},
    )
    _refused(response, "due_on", message, typed)
    assert not Recommendation.objects.exists()


def test_a_past_due_date_is_refused_with_what_was_typed_kept(client, inspection, people):
    client.force_login(people["lead"])
    yesterday = timezone.localdate() - timedelta(days=1)
    typed = (str(yesterday.day), str(yesterday.month), str(yesterday.year))
    response = submit(
        client,
        reverse("findings-recommendation-new", args=[inspection.pk]),
        {"recommendation": "Audit referrals.", "owner": "CC", **_boxes("due_on", *typed)},
    )
    body = _refused(
        response,
        "due_on",
        "The date the recommendation is due by must be today or in the future.",
        typed,
    )
    assert 'value="Audit referrals."' in body or ">Audit referrals.</textarea>" in body
    assert not Recommendation.objects.exists()


def test_a_month_typed_as_a_word_is_taken(client, inspection, people):
    client.force_login(people["lead"])
    year = str(timezone.localdate().year + 1)
    response = submit(
        client,
        reverse("findings-recommendation-new", args=[inspection.pk]),
        {
            "recommendation": "Audit referrals.",
            "owner": "CC",
            **_boxes("due_on", "7", "Sept", year),
        },
    )
    assert response.status_code == 302
    assert Recommendation.objects.get().due_on.isoformat() == f"{year}-09-07"


def test_the_cause_of_concern_form_names_a_wrong_due_date(client, inspection, people):
    client.force_login(people["inspector"])
    response = submit(
        client,
        reverse("findings-cause-new", args=[inspection.pk]),
        {
            "title": "Delays",
            "text": "Cases wait.",
            "recommendation": "Allocate within 24 hours.",
            "owner": "Chief Constable",
            **_boxes("due_on", "31", "2", "2027"),
        },
    )
    _refused(response, "due_on", f"{DUE.capitalize()} must be a real date", ("31", "2", "2027"))


def test_the_action_plan_names_a_wrong_received_date(client, inspection, people):
    add_cause(inspection, people["lead"])
    publish(inspection, people)
    client.force_login(people["inspector"])
    url = reverse("findings-action-plan", args=[inspection.pk])
    what = "The date the action plan was received"
    for typed, message in (
        (("31", "2", "2027"), f"{what} must be a real date"),
        (("3", "x", "2026"), f"{what} must be a real date"),
        (("3", "12", ""), f"{what} must include a year"),
    ):
        response = submit(client, url, {"status": "received", **_boxes("received_on", *typed)})
        _refused(response, "received_on", message, typed)
    # the service's rule, on the field: a date after today
    tomorrow = timezone.localdate() + timedelta(days=1)
    typed = (str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))
    response = submit(client, url, {"status": "received", **_boxes("received_on", *typed)})
    assert response.status_code == 400
    assert "The date received cannot be in the future." in response.content.decode()


def test_the_follow_up_names_a_wrong_fieldwork_date(client, inspection, people, next_programme):
    add_cause(inspection, people["lead"])
    proposal = FollowUpProposal.objects.get()
    client.force_login(people["programme_manager"])
    url = reverse("findings-follow-up-accept", args=[inspection.pk, proposal.pk])
    typed = ("29", "2", "2027")  # 2027 is not a leap year
    response = submit(
        client, url, {"kind": "post_inspection_review", **_boxes("fieldwork_starts_on", *typed)}
    )
    _refused(
        response, "fieldwork_starts_on", "The date fieldwork starts must be a real date", typed
    )
    assert not Inspection.objects.filter(programme=next_programme).exists()
