"""Planning an inspection and managing its team through the pages."""

from datetime import date

import pytest
from django.urls import reverse
from pghistory.models import Events

from cpinspect.programmes.models import Inspection, TeamMember
from tests.forms import submit

pytestmark = pytest.mark.django_db


def _date(name: str, typed: str) -> dict:
    """A GOV.UK date input's three boxes, as typed ("27 3 2027")."""
    day, month, year = typed.split()
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def test_programme_manager_plans_a_child_protection_inspection(
    programme, people, reference, client
):
    client.force_login(people["programme_manager"])
    response = submit(
        client,
        reverse("inspection-new"),
        {
            "programme": programme.pk,
            "kind": "child_protection",
            "force": reference["kent"].pk,
            **_date("fieldwork_starts_on", "1 2 2027"),
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspection-detail", args=[inspection.pk])
    assert (inspection.force, inspection.status) == (reference["kent"], "planned")
    # 10 working days from Monday 1 February 2027 end on Friday 12 February.
    assert inspection.fieldwork_ends_on == date(2027, 2, 12)


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"kind": "joint_targeted_area"},
            "Choose the council for a joint targeted area inspection.",
        ),
        ({"kind": "child_protection"}, "Choose the force to inspect."),
        (
            {"kind": "child_protection", "force": "kent", **_date("fieldwork_ends_on", "1 1 2027")},
            "Fieldwork must end on or after the day it starts.",
        ),
        (
            {"kind": "child_protection", "force": "kent", "council": "thurrock"},
            "Only a joint targeted area inspection has a council and partner inspectorates.",
        ),
        (
            {
                "kind": "child_protection",
                "force": "kent",
                **_date("fieldwork_starts_on", "31 2 2027"),
            },
            "The date fieldwork starts must be a real date",
        ),
    ],
)
def test_planning_errors_are_summarised_and_nothing_is_saved(
    data, message, programme, people, reference, client
):
    client.force_login(people["programme_manager"])
    post = {"programme": programme.pk, **_date("fieldwork_starts_on", "1 2 2027"), **data}
    for key in ("force", "council"):
        if key in post:
            post[key] = reference[post[key]].pk
    response = submit(client, reverse("inspection-new"), post)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert not Inspection.objects.exists()


def test_fieldwork_dates_are_typed_in_uk_order(programme, people, reference, client):
    client.force_login(people["programme_manager"])
    page = client.get(reverse("inspection-new")).content.decode()
    assert 'name="fieldwork_starts_on_day"' in page and 'type="date"' not in page
    response = submit(
        client,
        reverse("inspection-new"),
        {
            "programme": programme.pk,
            "kind": "child_protection",
            "force": reference["kent"].pk,
            **_date("fieldwork_starts_on", "27 3 2027"),
        },
    )
    assert response.status_code == 302
    assert Inspection.objects.get().fieldwork_starts_on == date(2027, 3, 27)


def test_an_impossible_fieldwork_date_is_in_the_error_summary_linked_to_its_day_box(
    programme, people, reference, client
):
    client.force_login(people["programme_manager"])
    post = {
        "programme": programme.pk,
        "kind": "child_protection",
        "force": reference["kent"].pk,
        **_date("fieldwork_starts_on", "31 2 2027"),
    }
    response = submit(client, reverse("inspection-new"), post)
    page = response.content.decode()
    assert response.status_code == 400
    summary = page[page.index("govuk-error-summary") :]
    assert '<a href="#id_fieldwork_starts_on_day">' in summary
    assert "The date fieldwork starts must be a real date" in summary
    assert not Inspection.objects.exists()


def test_lead_adds_and_removes_a_team_member_and_both_are_recorded(inspection, people, client):
    client.force_login(people["lead"])
    response = submit(
        client,
        reverse("team-add", args=[inspection.pk]),
        {"user": people["other_lead"].pk, "role": "moderator"},
    )
    assert response.status_code == 302
    member = TeamMember.objects.get(inspection=inspection, user=people["other_lead"])
    response = client.post(reverse("team-remove", args=[inspection.pk, member.pk]))
    assert response.status_code == 302
    assert not TeamMember.objects.filter(pk=member.pk).exists()
    labels = set(
        Events.objects.filter(
            pgh_obj_model="programmes.TeamMember", pgh_obj_id=str(member.pk)
        ).values_list("pgh_label", flat=True)
    )
    assert labels == {"insert", "delete"}


def test_team_form_offers_only_partners_of_this_inspection(
    joint_inspection, inspection, people, client
):
    client.force_login(people["programme_manager"])
    offered = client.get(reverse("team-add", args=[inspection.pk])).context["form"]
    assert people["partner"] not in offered.fields["user"].queryset
    assert people["liaison"] not in offered.fields["user"].queryset
    offered = client.get(reverse("team-add", args=[joint_inspection.pk])).context["form"]
    assert people["partner"] in offered.fields["user"].queryset
    # CQC is a partner in the joint inspection too, so its inspector may join the team:
    assert people["other_partner"] in offered.fields["user"].queryset
    response = submit(
        client,
        reverse("team-add", args=[joint_inspection.pk]),
        {"user": people["other_partner"].pk, "role": "partner"},
    )
    assert response.status_code == 302


def test_a_wrong_place_is_refused_with_a_clear_message(inspection, people, client):
    client.force_login(people["programme_manager"])
    response = submit(
        client,
        reverse("team-add", args=[inspection.pk]),
        {"user": people["analyst"].pk, "role": "lead"},
    )
    assert response.status_code == 400
    assert "An analyst cannot be the lead inspector on an inspection." in (
        response.content.decode()
    )


def test_team_links_show_only_to_those_who_may_change_the_team(inspection, people, client):
    for who, shown in [
        ("lead", True),
        ("programme_manager", True),
        ("inspector", False),
        ("analyst", False),
    ]:
        client.force_login(people[who])
        page = client.get(reverse("inspection-detail", args=[inspection.pk])).content.decode()
        assert ("Add someone to the team" in page) is shown, who
        assert ('class="app-link-button">Remove' in page) is shown, who


def test_the_team_is_listed_lead_first(inspection, people, client):
    client.force_login(people["analyst"])
    team = client.get(reverse("inspection-detail", args=[inspection.pk])).context["team"]
    assert [m.role for m in team] == ["lead", "inspector", "moderator", "analyst"]
