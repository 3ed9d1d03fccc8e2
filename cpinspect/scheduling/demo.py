"""The demo's solved programme for the year: call ``build_demo_plan()`` after the demo is built.

It adds fictional demo inspectors (with specialisms, home regions, part-time patterns and
leave) and a planned child protection inspection of every force that has none in the
programme, then solves the year with CP-SAT and publishes the plan as a programme manager.
Running it again returns the published plan and changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from cpinspect.accounts.models import Role, User
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Inspection, InspectionType, Programme
from cpinspect.registry.models import Force
from cpinspect.scheduling import services
from cpinspect.scheduling.models import InspectorProfile, PlanVersion
from cpinspect.scheduling.problem import REGION_CENTRES, THEMES, force_regions, fortnights
from cpinspect.scheduling.solver import SolveParams

DEMO_DOMAIN = "demo.cpinspect.invalid"
DEMO_INSPECTORS = 36


@transaction.atomic
def _prepare(planner, programme: Programme, inspectors: int, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible fictional data, not security
    regions = sorted(REGION_CENTRES)
    slots = fortnights(programme.starts_on, programme.ends_on)
    staff = list(
        User.objects.filter(role__in=[Role.LEAD_INSPECTOR, Role.INSPECTOR], is_active=True)
        .filter(is_demo=True)
        .order_by("pk")
    )
    for n in range(1, inspectors + 1):
        email = f"planning-inspector-{n:02d}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                None,  # no password: these accounts exist to be planned, not to sign in
                full_name=f"Demo inspector {n:02d} (demo)",
                role=Role.LEAD_INSPECTOR if n % 4 == 1 else Role.INSPECTOR,
                is_demo=True,
            )
        staff.append(user)
    forces = list(Force.objects.all())
    for i, user in enumerate(staff):
        if InspectorProfile.objects.filter(user=user).exists():
            continue
        themes = {THEMES[i % len(THEMES)]}
        if rng.random() < 0.5:
            themes.add(rng.choice(THEMES))
        profile = services.inspector_profile_save(
            planner,
            person=user,
            specialisms=sorted(themes),
            home_region=rng.choice(regions),
            part_time_fraction=0.5 if rng.random() < 0.2 else 1,
            forces_served=[rng.choice(forces)] if forces else [],
        )
        if len(slots) > 12:
            summer = slots[rng.randrange(7, 11)]
            services.absence_create(
                planner,
                person=profile.user,
                kind="leave",
                starts_on=summer.starts_on,
                ends_on=summer.starts_on + timedelta(days=18),
                note="Summer leave (demo)",
            )
    have = set(
        Inspection.objects.filter(
            programme=programme, kind=InspectionType.CHILD_PROTECTION
        ).values_list("force_id", flat=True)
    )
    for force in forces:
        if force.pk not in have and force.code in force_regions():
            programme_services.inspection_create(
                planner,
                programme=programme,
                kind=InspectionType.CHILD_PROTECTION,
                force=force,
                fieldwork_starts_on=programme.starts_on,
            )


def build_demo_plan(
    *,
    programme: Programme | None = None,
    as_of: date | None = None,
    inspectors: int = DEMO_INSPECTORS,
    time_limit: float = 30.0,
    seed: int = 20260401,
) -> PlanVersion:
    """Solve and publish the demo programme's plan (the latest programme unless given).

    The plan is made as of a month before the programme starts (``as_of``), as a planner
    would, so the whole year is open whatever today's date is.
    """
    programme = programme or Programme.objects.order_by("-starts_on").first()
    if programme is None:
        raise services.PlanError("Build the demo first: there is no programme.")
    existing = services.published_plan(programme)
    if existing is not None:
        return existing
    planner = (
        User.objects.filter(role=Role.PROGRAMME_MANAGER, is_active=True)
        .order_by("-is_demo", "pk")
        .first()
    )
    if planner is None:
        raise services.PlanError("The demo needs a programme manager to publish the plan.")
    _prepare(planner, programme, inspectors, seed)
    version = services.plan_solve(
        planner,
        programme=programme,
        as_of=as_of or programme.starts_on - timedelta(days=30),
        params=SolveParams(time_limit=time_limit, seed=seed),
        reason="Demo: the year's plan",
        via="demo",
    )
    if version.state != "draft":
        raise services.PlanError(
            "The demo plan could not be solved: "
            + "; ".join(item["message"] for item in version.explanation)
        )
    return services.plan_publish(planner, version=version)
