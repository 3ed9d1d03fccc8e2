"""The scheduling services ask the rules themselves, of the person acting (ADR 0034): an
absence or an inspector's profile was refused only by the page before; now a caller that
skips it (the shell, another service) is refused alike, in the rule's words."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from cpinspect.scheduling import services
from cpinspect.scheduling.models import Absence, InspectorProfile

PLANNERS_ONLY = "Only a programme manager can plan programmes, inspections and their teams."


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["inspector", "lead", "analyst", "administrator", "liaison"])
def test_only_a_programme_manager_records_an_absence_or_a_profile(who, people):
    person = people["inspector"]
    with pytest.raises(PermissionDenied, match=f"^{PLANNERS_ONLY}$"):
        services.absence_create(
            people[who],
            person=person,
            kind="leave",
            starts_on=date(2026, 8, 3),
            ends_on=date(2026, 8, 14),
        )
    with pytest.raises(PermissionDenied, match=f"^{PLANNERS_ONLY}$"):
        services.inspector_profile_save(
            people[who], person=person, specialisms=["custody"], home_region="London"
        )
    assert not Absence.objects.exists() and not InspectorProfile.objects.exists()


@pytest.mark.django_db
def test_a_programme_manager_records_them_for_the_person_named(people):
    planner, person = people["programme_manager"], people["inspector"]
    absence = services.absence_create(
        planner, person=person, kind="leave", starts_on=date(2026, 8, 3), ends_on=date(2026, 8, 14)
    )
    profile = services.inspector_profile_save(
        planner, person=person, specialisms=["custody"], home_region="London"
    )
    assert (absence.user, profile.user) == (person, person)
