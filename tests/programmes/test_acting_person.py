"""Every programmes service asks the access rules itself, of the person acting (ADR 0034): a
caller that skips the page (the shell, the API, another service) is refused alike, with the
rule's own words, and nothing is written."""

from datetime import date
from html import escape

import pytest
from django.core.exceptions import PermissionDenied

from cpinspect.accounts import access
from cpinspect.programmes import services
from cpinspect.programmes.models import Inspection, InspectionType, Programme, TeamMember, TeamRole

PLANNERS_ONLY = "Only a programme manager can plan programmes, inspections and their teams."
TEAM_CHANGERS = "Only a programme manager or the inspection's lead can change its team."
NOT_PLANNERS = ["administrator", "lead", "inspector", "analyst", "partner", "liaison"]
# the inspection's lead may change its team; another lead, or anyone else but a planner, not
NOT_TEAM_CHANGERS = ["administrator", "other_lead", "inspector", "moderator", "partner"]


def _refused(call) -> str:
    with pytest.raises(PermissionDenied) as refusal:
        call()
    return str(refusal.value)


@pytest.mark.django_db
@pytest.mark.parametrize("who", NOT_PLANNERS)
def test_only_a_programme_manager_plans_an_inspection_whoever_calls(who, people, programme):
    before = Inspection.objects.count()
    said = _refused(
        lambda: services.inspection_create(
            people[who],
            programme=programme,
            kind=InspectionType.CHILD_PROTECTION,
            force=people["liaison"].force,
            fieldwork_starts_on=date(2026, 11, 2),
        )
    )
    assert said == PLANNERS_ONLY
    assert Inspection.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", NOT_PLANNERS)
def test_only_a_programme_manager_creates_a_programme_in_the_rules_words(who, people):
    said = _refused(
        lambda: services.programme_create(
            people[who], name="2030/31", starts_on=date(2030, 4, 1), ends_on=date(2031, 3, 31)
        )
    )
    assert said == PLANNERS_ONLY
    assert not Programme.objects.filter(name="2030/31").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", NOT_TEAM_CHANGERS)
def test_a_team_is_changed_only_by_a_planner_or_its_lead(who, people, inspection):
    places = set(inspection.team.values_list("user_id", "role"))
    said = _refused(
        lambda: services.team_member_add(
            people[who], inspection=inspection, person=people["other_lead"], role=TeamRole.INSPECTOR
        )
    )
    assert said == TEAM_CHANGERS
    member = inspection.team.get(role=TeamRole.INSPECTOR)
    assert _refused(lambda: services.team_member_remove(people[who], member=member)) == (
        TEAM_CHANGERS
    )
    assert set(inspection.team.values_list("user_id", "role")) == places


@pytest.mark.django_db
def test_the_inspections_lead_changes_its_team_and_a_deactivated_lead_cannot(people, inspection):
    lead = people["lead"]
    added = services.team_member_add(
        lead, inspection=inspection, person=people["other_lead"], role=TeamRole.INSPECTOR
    )
    lead.is_active = False
    lead.save()
    assert _refused(lambda: services.team_member_remove(lead, member=added)) == TEAM_CHANGERS
    assert TeamMember.objects.filter(pk=added.pk).exists()


@pytest.mark.django_db
def test_the_page_shows_the_rules_words_and_nothing_else(people, client, inspection):
    """The 403 page says what the rule says: no view writes its own message."""
    client.force_login(people["inspector"])
    for url in ("/inspections/new/", "/programmes/new/", f"/inspections/{inspection.pk}/team/"):
        page = client.get(url)
        assert page.status_code == 403
        expected = TEAM_CHANGERS if "team" in url else PLANNERS_ONLY
        assert escape(expected) in page.content.decode(), url


def test_a_decision_is_truthy_only_when_allowed_and_carries_its_refusal():
    yes, no = access.decide(True, "never shown"), access.decide(False, "Not yours.")
    assert bool(yes) and yes.refusal == ""
    assert not no and no.refusal == "Not yours."
    with pytest.raises(PermissionDenied, match="^Not yours.$"):
        access.require(no)
    with pytest.raises(PermissionDenied, match="^Said by the caller.$"):
        access.require(False, "Said by the caller.")
    access.require(yes)  # allowed: no refusal
