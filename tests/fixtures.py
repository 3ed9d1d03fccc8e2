"""Named fixtures shared by the whole suite: a little reference data, one person per role and
a few inspections that differ in force, status and team."""

from datetime import date

import pytest
from django.contrib.auth.hashers import make_password

from cpinspect.accounts.models import Role, User
from cpinspect.programmes import services
from cpinspect.programmes.models import InspectionType, Programme, Status, TeamRole
from cpinspect.registry.models import Council, Force, Inspectorate

PASSWORD = "correct horse battery staple"
# One real Argon2 hash, computed once: hashing is deliberately slow, and every fixture user
# shares this password.
PASSWORD_HASH = make_password(PASSWORD)


@pytest.fixture
def reference(db):
    lead = Inspectorate.objects.create(
        code="hmicfrs",
        name="HM Inspectorate of Constabulary and Fire & Rescue Services",
        short_name="HMICFRS",
        is_lead=True,
    )
    ofsted = Inspectorate.objects.create(code="ofsted", name="Ofsted", short_name="Ofsted")
    cqc = Inspectorate.objects.create(code="cqc", name="Care Quality Commission", short_name="CQC")
    essex = Force.objects.create(code="E23000028", name="Essex", country="england")
    kent = Force.objects.create(code="E23000032", name="Kent", country="england")
    thurrock = Council.objects.create(
        code="E06000034", name="Thurrock", country="england", force=essex
    )
    Council.objects.create(code="E10000012", name="Essex", country="england", force=essex)
    Council.objects.create(code="E10000016", name="Kent", country="england", force=kent)
    return {
        "lead": lead,
        "ofsted": ofsted,
        "cqc": cqc,
        "essex": essex,
        "kent": kent,
        "thurrock": thurrock,
    }


def make_user(key, role, **extra):
    user = User(
        email=f"{key}@example.test",
        password=PASSWORD_HASH,
        full_name=key.title(),
        role=role,
        **extra,
    )
    user.full_clean()
    user.save()
    return user


def programme_manager():
    """The programme manager who plans what a test sets up (inspections, teams): the
    ``people`` fixture's when there is one, or a new one."""
    existing = User.objects.filter(role=Role.PROGRAMME_MANAGER, is_active=True).order_by("pk")
    return existing.first() or make_user("programmemanager", Role.PROGRAMME_MANAGER)


@pytest.fixture
def people(reference):
    return {
        "administrator": make_user("administrator", Role.ADMINISTRATOR),
        "programme_manager": make_user("planner", Role.PROGRAMME_MANAGER),
        "lead": make_user("lead", Role.LEAD_INSPECTOR),
        "other_lead": make_user("otherlead", Role.LEAD_INSPECTOR),
        "inspector": make_user("inspector", Role.INSPECTOR),
        "moderator": make_user("moderator", Role.INSPECTOR),
        "analyst": make_user("analyst", Role.ANALYST),
        "partner": make_user("partner", Role.PARTNER_INSPECTOR, inspectorate=reference["ofsted"]),
        "other_partner": make_user(
            "otherpartner", Role.PARTNER_INSPECTOR, inspectorate=reference["cqc"]
        ),
        "liaison": make_user("liaison", Role.FORCE_LIAISON, force=reference["essex"]),
        "other_liaison": make_user("otherliaison", Role.FORCE_LIAISON, force=reference["kent"]),
    }


@pytest.fixture
def programme(db):
    return Programme.objects.create(
        name="2026/27", starts_on=date(2026, 4, 1), ends_on=date(2027, 3, 31)
    )


def _inspection(programme, status=Status.PLANNED, **kwargs):
    inspection = services.inspection_create(programme_manager(), programme=programme, **kwargs)
    if status != Status.PLANNED:
        inspection.status = status
        inspection.save()
    return inspection


@pytest.fixture
def inspection(programme, people, reference):
    """Essex child protection inspection in fieldwork, with a full team."""
    inspection = _inspection(
        programme,
        Status.FIELDWORK,
        kind=InspectionType.CHILD_PROTECTION,
        force=reference["essex"],
        fieldwork_starts_on=date(2026, 10, 5),
    )
    for key, role in [
        ("lead", TeamRole.LEAD),
        ("inspector", TeamRole.INSPECTOR),
        ("moderator", TeamRole.MODERATOR),
        ("analyst", TeamRole.ANALYST),
    ]:
        services.team_member_add(
            programme_manager(), inspection=inspection, person=people[key], role=role
        )
    return inspection


@pytest.fixture
def planned_inspection(programme, people, reference):
    """Essex post-inspection review, planned: the force has not been told yet."""
    inspection = _inspection(
        programme,
        kind=InspectionType.POST_INSPECTION_REVIEW,
        force=reference["essex"],
        fieldwork_starts_on=date(2027, 5, 10),
    )
    services.team_member_add(
        programme_manager(), inspection=inspection, person=people["lead"], role=TeamRole.LEAD
    )
    return inspection


@pytest.fixture
def joint_inspection(programme, people, reference):
    """Joint targeted area inspection of Thurrock with Ofsted and CQC; the Ofsted partner and
    the lead are on the team."""
    inspection = _inspection(
        programme,
        Status.FIELDWORK,
        kind=InspectionType.JOINT_TARGETED_AREA,
        council=reference["thurrock"],
        fieldwork_starts_on=date(2026, 11, 9),
        partner_inspectorates=[reference["ofsted"], reference["cqc"]],
    )
    services.team_member_add(
        programme_manager(), inspection=inspection, person=people["lead"], role=TeamRole.LEAD
    )
    services.team_member_add(
        programme_manager(), inspection=inspection, person=people["partner"], role=TeamRole.PARTNER
    )
    return inspection


@pytest.fixture
def kent_inspection(programme, people, reference):
    """Kent child protection inspection, notified; led by the other lead."""
    inspection = _inspection(
        programme,
        Status.NOTIFIED,
        kind=InspectionType.CHILD_PROTECTION,
        force=reference["kent"],
        fieldwork_starts_on=date(2027, 1, 11),
    )
    services.team_member_add(
        programme_manager(), inspection=inspection, person=people["other_lead"], role=TeamRole.LEAD
    )
    return inspection
