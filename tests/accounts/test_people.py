"""Invariants of people: partners belong to a partner inspectorate, liaisons to a force."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cpinspect.accounts.models import Role, User
from cpinspect.programmes import services
from cpinspect.programmes.models import TeamRole
from tests.fixtures import programme_manager

pytestmark = pytest.mark.django_db


def test_a_partner_inspector_needs_a_partner_inspectorate(reference):
    with pytest.raises(ValidationError, match="partner inspectorate"):
        User(email="p@x.test", full_name="P", role=Role.PARTNER_INSPECTOR).full_clean(
            exclude=["password"]
        )
    with pytest.raises(ValidationError, match="partner inspectorate"):
        User(
            email="p@x.test",
            full_name="P",
            role=Role.PARTNER_INSPECTOR,
            inspectorate=reference["lead"],
        ).full_clean(exclude=["password"])


def test_the_database_refuses_a_force_liaison_without_a_force(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="l@x.test", full_name="L", role=Role.FORCE_LIAISON)])


@pytest.mark.parametrize(
    "who,place",
    [
        ("analyst", TeamRole.LEAD),
        ("liaison", TeamRole.INSPECTOR),
        ("partner", TeamRole.ANALYST),
        ("inspector", TeamRole.PARTNER),
    ],
)
def test_team_places_need_the_right_role(who, place, inspection, people):
    with pytest.raises(ValidationError, match="cannot be the"):
        services.team_member_add(
            programme_manager(), inspection=inspection, person=people[who], role=place
        )


def test_a_partner_from_an_inspectorate_not_in_the_inspection_is_refused(
    joint_inspection, inspection, people
):
    with pytest.raises(ValidationError, match="is not a partner in this inspection"):
        services.team_member_add(
            programme_manager(),
            inspection=inspection,
            person=people["partner"],
            role=TeamRole.PARTNER,
        )


def test_an_inspection_has_one_lead(inspection, people):
    with pytest.raises(ValidationError):
        services.team_member_add(
            programme_manager(),
            inspection=inspection,
            person=people["other_lead"],
            role=TeamRole.LEAD,
        )
