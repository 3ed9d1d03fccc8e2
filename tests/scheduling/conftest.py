"""Fixtures for planning: a few forces, eight inspectors with profiles, and planned inspections
of Essex, Kent, the Metropolitan Police and Surrey in the 2026/27 programme."""

from datetime import date

import pytest

from cpinspect.accounts.models import Role
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import InspectionType
from cpinspect.registry.models import Force
from cpinspect.scheduling import services
from cpinspect.scheduling.solver import SolveParams
from tests.fixtures import make_user, programme_manager

AS_OF = date(2026, 3, 2)  # planning date: a month before the programme starts
FAST = SolveParams(time_limit=10.0, workers=2, seed=5)
# The planning date as the solve form's GOV.UK date input sends it.
AS_OF_TYPED = {"as_of_day": "2", "as_of_month": "3", "as_of_year": "2026"}


@pytest.fixture
def planning(reference, people, programme):
    met = Force.objects.create(code="E23000001", name="Metropolitan Police", country="england")
    surrey = Force.objects.create(code="E23000031", name="Surrey", country="england")
    staff = {
        "lead": people["lead"],
        "other_lead": people["other_lead"],
        "inspector": people["inspector"],
        "moderator": people["moderator"],
        "lead3": make_user("leadthree", Role.LEAD_INSPECTOR),
        "insp3": make_user("inspthree", Role.INSPECTOR),
        "insp4": make_user("inspfour", Role.INSPECTOR),
        "insp5": make_user("inspfive", Role.INSPECTOR),
    }
    profiles = {
        "lead": (["child_protection", "custody"], "London", 1, [reference["kent"]]),
        "other_lead": (["child_protection", "sex_offender_management"], "Eastern", 1, []),
        "lead3": (["online_exploitation"], "South East", 1, []),
        "inspector": (["online_exploitation", "custody"], "London", 1, []),
        "moderator": (["sex_offender_management"], "Eastern", 1, []),
        "insp3": (["custody", "child_protection"], "South East", 0.5, []),
        "insp4": (["online_exploitation", "sex_offender_management"], "London", 1, []),
        "insp5": (["child_protection"], "Eastern", 1, []),
    }
    for key, (themes, region, fraction, served) in profiles.items():
        services.inspector_profile_save(
            programme_manager(),
            person=staff[key],
            specialisms=themes,
            home_region=region,
            part_time_fraction=fraction,
            forces_served=served,
        )

    def planned(kind, force):
        return programme_services.inspection_create(
            programme_manager(),
            programme=programme,
            kind=kind,
            force=force,
            fieldwork_starts_on=date(2026, 9, 7),
        )

    inspections = {
        "essex": planned(InspectionType.CHILD_PROTECTION, reference["essex"]),
        "kent": planned(InspectionType.CHILD_PROTECTION, reference["kent"]),
        "met": planned(InspectionType.CHILD_PROTECTION, met),
        "surrey": planned(InspectionType.POST_INSPECTION_REVIEW, surrey),
    }
    # Kent's PEEL fieldwork: 1 to 12 June 2026, the fortnight with index 4.
    peel = programme_services.inspection_create(
        programme_manager(),
        programme=programme,
        kind=InspectionType.PEEL,
        force=reference["kent"],
        fieldwork_starts_on=date(2026, 6, 1),
        fieldwork_ends_on=date(2026, 6, 12),
    )
    return {
        "programme": programme,
        "staff": staff,
        "inspections": inspections,
        "peel": peel,
        "met": met,
        "surrey": surrey,
        "people": people,
    }


@pytest.fixture
def solved(planning):
    version = services.plan_solve(
        planning["people"]["programme_manager"],
        programme=planning["programme"],
        as_of=AS_OF,
        params=FAST,
    )
    return {**planning, "version": version}


@pytest.fixture
def published(solved):
    version = services.plan_publish(
        solved["people"]["programme_manager"],
        version=solved["version"],
    )
    return {**solved, "version": version}
