"""The demo data set: one user per role, and a programme with inspections in several statuses.

Two inspections have a case-file audit (``assessments.demo``): Essex, in fieldwork, has one
under way; Staffordshire finished its fieldwork (every case examined, moderated where the rule
picked it, resolved and signed off) before moving on to moderation and reporting. The
Staffordshire fieldwork is done by ``finish_demo_fieldwork()``, after the year's plan is solved
(see there why); its report is published and then corrected (two versions). Kent, published,
has a whole graded fieldwork too (the same machinery) and a published report, so the demo can
publish a thematic report across Staffordshire and Kent through the same cross-publication
disclosure audit as any other report (ADR 0023). The Thurrock joint inspection, in fieldwork,
has its case files drawn and allocated to its partner inspector, with nothing examined yet.

Everything here is fictional and marked as demo data. Running it again changes nothing but the
demo users' passwords (which are printed, so that whoever runs the demo can sign in).
"""

import secrets
from dataclasses import dataclass
from datetime import date

import pghistory
from django.db import transaction
from django.test.utils import override_settings

from cpinspect.accounts.models import Role, User
from cpinspect.assessments.demo import add_demo_fieldwork
from cpinspect.casefiles.demo import add_demo_extract
from cpinspect.findings.demo import add_demo_findings
from cpinspect.programmes import services
from cpinspect.programmes.models import Inspection, InspectionType, Programme, Status, TeamRole
from cpinspect.registry.models import Council, Force, Inspectorate
from cpinspect.reports.demo import add_demo_correction, add_demo_report, add_demo_thematic

DEMO_DOMAIN = "demo.cpinspect.invalid"  # .invalid can never be a real mail domain


@dataclass(frozen=True)
class DemoPerson:
    key: str
    full_name: str
    role: str
    force_code: str | None = None
    inspectorate_code: str | None = None

    @property
    def email(self):
        return f"{self.key}@{DEMO_DOMAIN}"


# What each demo user can try, printed by ``cpinspect demo`` (and in the README's "Try it").
WHAT_TO_TRY = {
    "admin": "People: invite, change a role, set an expiry, deactivate; the audit trail (/audit/)",
    "planner": "Planning: create a programme, re-plan the year with a planning date",
    "lead": "Essex: draw a sample, allocate, reallocate a case, choose a moderator, findings",
    "lead2": "Staffordshire: its findings, report and the force's comments",
    "analyst": "the national picture; Essex's extract and fieldwork progress; the thematic "
    "report across Staffordshire and Kent (Reports, /reports/), and what its audit withheld",
    "inspector": "Essex fieldwork: your worklist, examine a case, escalate a child at risk",
    "inspector2": "Essex fieldwork: examine and moderate",
    "partner": "the Thurrock joint inspection's fieldwork",
    "liaison": "Essex's inspections, without the team or the case files",
    "liaison2": "Staffordshire's findings: send the action plan, report progress",
    "inspector3": "Staffordshire's finished fieldwork",
    "inspector4": "Staffordshire's finished fieldwork",
    "moderator": "Essex fieldwork: moderate the cases given to you, blind to the first",
}


def demo_guide() -> list[tuple[str, str, str]]:
    """(email, "name, role", what to try) for every demo user, in the order they are made."""
    from cpinspect.accounts.models import Role

    return [
        (p.email, f"{p.full_name}, {Role(p.role).label.lower()}", WHAT_TO_TRY.get(p.key, ""))
        for p in [*PEOPLE, *FIELDWORK_PEOPLE]
    ]


PEOPLE = [
    DemoPerson("admin", "Alex Admin (demo)", Role.ADMINISTRATOR),
    DemoPerson("planner", "Pat Planner (demo)", Role.PROGRAMME_MANAGER),
    DemoPerson("lead", "Lee Lead (demo)", Role.LEAD_INSPECTOR),
    DemoPerson("lead2", "Lou Lead (demo)", Role.LEAD_INSPECTOR),
    DemoPerson("inspector", "Ira Inspector (demo)", Role.INSPECTOR),
    DemoPerson("inspector2", "Ines Inspector (demo)", Role.INSPECTOR),
    DemoPerson("analyst", "Ana Analyst (demo)", Role.ANALYST),
    DemoPerson("partner", "Pia Partner (demo)", Role.PARTNER_INSPECTOR, inspectorate_code="ofsted"),
    DemoPerson("liaison", "Lia Liaison (demo)", Role.FORCE_LIAISON, force_code="E23000028"),
    # Staffordshire's officer: its report is published, so the action plan and progress are due
    DemoPerson("liaison2", "Sam Liaison (demo)", Role.FORCE_LIAISON, force_code="E23000015"),
]

# The fieldwork team that joins Staffordshire's inspection once the year's plan is solved: the
# planner (scheduling.demo) gives every demo inspector there at the time a profile and plans
# them, and three more people make a different problem that takes the solver twice as long.
FIELDWORK_PEOPLE = [
    DemoPerson("inspector3", "Ivo Inspector (demo)", Role.INSPECTOR),
    DemoPerson("inspector4", "Isla Inspector (demo)", Role.INSPECTOR),
    DemoPerson("moderator", "Mo Moderator (demo)", Role.INSPECTOR),
]
# The inspection whose whole fieldwork the demo does (the force's code), and who joins its team.
FIELDWORK_COMPLETED = "E23000015"  # Staffordshire, in reporting
ESSEX = "E23000028"  # fieldwork under way; the demo's moderator has cases to moderate there
# Published with a whole graded fieldwork and a report, so a thematic report has two forces.
GRADED_AND_PUBLISHED = "E23000032"  # Kent
THEMATIC_TITLE = "[Demo data] Child protection in Staffordshire and Kent, 2026/27"
FIELDWORK_TEAM = [
    ("inspector3", TeamRole.INSPECTOR),
    ("inspector4", TeamRole.INSPECTOR),
    ("moderator", TeamRole.MODERATOR),
]
EMAIL_OFF = "django.core.mail.backends.dummy.EmailBackend"

# (kind, subject code, fieldwork start, status to reach, team as (person key, team role))
INSPECTIONS = [
    (
        InspectionType.CHILD_PROTECTION,
        "E23000028",
        date(2026, 10, 5),
        Status.FIELDWORK,
        [
            ("lead", TeamRole.LEAD),
            ("inspector", TeamRole.INSPECTOR),
            ("inspector2", TeamRole.MODERATOR),
            ("analyst", TeamRole.ANALYST),
        ],
    ),
    (
        InspectionType.CHILD_PROTECTION,
        "E23000031",
        date(2027, 1, 11),
        Status.NOTIFIED,
        [("lead2", TeamRole.LEAD), ("inspector2", TeamRole.INSPECTOR)],
    ),
    (
        InspectionType.CHILD_PROTECTION,
        "E23000026",
        date(2027, 3, 1),
        Status.PLANNED,
        [("lead", TeamRole.LEAD)],
    ),
    (
        InspectionType.CHILD_PROTECTION,
        "E23000015",
        date(2026, 6, 8),
        Status.REPORTING,
        [
            ("lead2", TeamRole.LEAD),
            ("inspector", TeamRole.INSPECTOR),
            ("analyst", TeamRole.ANALYST),
        ],
    ),
    (
        InspectionType.CHILD_PROTECTION,
        "E23000032",
        date(2026, 4, 20),
        Status.PUBLISHED,
        [("lead", TeamRole.LEAD), ("inspector2", TeamRole.INSPECTOR)],
    ),
    (
        InspectionType.JOINT_TARGETED_AREA,
        "E06000034",
        date(2026, 11, 9),
        Status.FIELDWORK,
        [("lead", TeamRole.LEAD), ("partner", TeamRole.PARTNER)],
    ),
    (
        InspectionType.POST_INSPECTION_REVIEW,
        "E23000028",
        date(2027, 5, 10),
        Status.PLANNED,
        [("lead", TeamRole.LEAD)],
    ),
]


def _path_to(target):
    """The statuses to pass through, in order, from planned to ``target``."""
    from cpinspect.programmes.lifecycle import MAIN_PATH

    return MAIN_PATH[1 : MAIN_PATH.index(target) + 1]


def _ensure_user(person: DemoPerson, password: str) -> User:
    user = User.objects.filter(email=person.email).first()
    if user is None:
        user = User.objects.create_user(
            person.email,
            password,
            full_name=person.full_name,
            role=person.role,
            is_demo=True,
            force=Force.objects.get(code=person.force_code) if person.force_code else None,
            inspectorate=(
                Inspectorate.objects.get(code=person.inspectorate_code)
                if person.inspectorate_code
                else None
            ),
        )
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def build_demo(password: str | None = None) -> dict[str, str]:
    """Create (or refresh) the demo; returns {email: password} for the demo users.

    No e-mail leaves the demo: its escalation would tell a lead at an .invalid address."""
    with override_settings(EMAIL_BACKEND=EMAIL_OFF):
        return _build_demo(password)


@transaction.atomic
def _build_demo(password: str | None) -> dict[str, str]:
    credentials = {}
    users = {}
    for person in PEOPLE:
        chosen = password or secrets.token_urlsafe(12)
        users[person.key] = _ensure_user(person, chosen)
        credentials[person.email] = chosen

    programme, created = Programme.objects.get_or_create(
        name="2026/27",
        defaults={
            "starts_on": date(2026, 4, 1),
            "ends_on": date(2027, 3, 31),
            "description": "Demo programme: fictional inspections for trying CP Inspect.",
        },
    )
    if not created:
        return credentials  # the inspections are already there; a re-run leaves them alone

    ofsted, cqc = Inspectorate.objects.get(code="ofsted"), Inspectorate.objects.get(code="cqc")
    for kind, subject, start, target, team in INSPECTIONS:
        joint = kind == InspectionType.JOINT_TARGETED_AREA
        inspection = services.inspection_create(
            users["planner"],
            programme=programme,
            kind=kind,
            fieldwork_starts_on=start,
            force=None if joint else Force.objects.get(code=subject),
            council=Council.objects.get(code=subject) if joint else None,
            partner_inspectorates=[ofsted, cqc] if joint else [],
        )
        for key, team_role in team:
            services.team_member_add(
                users["planner"], inspection=inspection, person=users[key], role=team_role
            )
        if subject == FIELDWORK_COMPLETED:
            # In fieldwork, from a synthetic extract; finish_demo_fieldwork() does the rest.
            _advance(inspection, Status.FIELDWORK, users)
            lead = inspection.team.get(role=TeamRole.LEAD).user
            with pghistory.context(user=lead.pk, source="demo"):
                add_demo_extract(inspection, lead, rows=1500, seed=2015)
            continue
        if subject == GRADED_AND_PUBLISHED:
            _publish_with_fieldwork(inspection, users)
            continue
        _advance(inspection, target, users)
        if target == Status.FIELDWORK and joint:
            # The joint inspection's case files, allocated: the team's examiner is the partner
            # inspector (ADR 0028), so the demo's partner has cases to examine.
            from cpinspect.assessments import services as audit_services

            with pghistory.context(user=users["lead"].pk, source="demo"):
                add_demo_extract(inspection, users["lead"], rows=600, seed=2034)
                audit_services.cases_allocate(inspection=inspection, user=users["lead"])
        if target == Status.FIELDWORK and kind == InspectionType.CHILD_PROTECTION:
            # Fieldwork starts from an imported (synthetic) extract and a drawn sample.
            with pghistory.context(user=users["lead"].pk, source="demo"):
                add_demo_extract(inspection, users["lead"])
            add_demo_fieldwork(inspection, complete=False)
    return credentials


def finish_demo_fieldwork(password: str | None = None) -> dict[str, str]:
    """Staffordshire's fieldwork, done: its fieldwork team joins, every case is examined,
    moderated where the rule picks it, resolved and signed off, one escalation acknowledged,
    and the inspection moves on through moderation to reporting. Returns {email: password}
    for the fieldwork team. Call it after ``build_demo`` and the year's plan (see
    ``FIELDWORK_PEOPLE``); a second run only sets new passwords."""
    with override_settings(EMAIL_BACKEND=EMAIL_OFF):
        return _finish_demo_fieldwork(password)


@transaction.atomic
def _finish_demo_fieldwork(password: str | None) -> dict[str, str]:
    credentials = {}
    users = {}
    for person in FIELDWORK_PEOPLE:
        chosen = password or secrets.token_urlsafe(12)
        users[person.key] = _ensure_user(person, chosen)
        credentials[person.email] = chosen
    inspection = Inspection.objects.filter(
        programme__name="2026/27",
        kind=InspectionType.CHILD_PROTECTION,
        force__code=FIELDWORK_COMPLETED,
        status=Status.FIELDWORK,
        case_audits__isnull=True,
    ).first()
    if inspection is None:
        return credentials  # done already
    planner = User.objects.get(email=next(p.email for p in PEOPLE if p.key == "planner"))
    for key, team_role in FIELDWORK_TEAM:
        services.team_member_add(planner, inspection=inspection, person=users[key], role=team_role)
    add_demo_fieldwork(inspection, complete=True)
    target = next(target for _, code, _, target, _ in INSPECTIONS if code == FIELDWORK_COMPLETED)
    _advance(inspection, target, {"planner": planner}, since=Status.FIELDWORK)
    # findings (its cause of concern proposes a follow-up), then the published report
    lead = inspection.team.get(role=TeamRole.LEAD).user
    with pghistory.context(user=lead.pk, source="demo"):
        add_demo_findings(inspection, lead)
        report = add_demo_report(
            inspection,
            lead,
            publisher=planner,
            comment="[Demo data] The force asks that the date of its new missing persons "
            "policy (March) be stated.",
        )
    with pghistory.context(user=planner.pk, source="demo"):
        add_demo_correction(report, planner)  # a second version, the first superseded
    _give_essex_moderations(users["moderator"])
    _publish_demo_thematic(planner)
    return credentials


def _publish_with_fieldwork(inspection: Inspection, users) -> None:
    """Kent: a synthetic extract and sample, every case examined, moderated where the rule
    picks it and signed off (the machinery Staffordshire's fieldwork uses), findings, and a
    report published through disclosure control like any other. Done before the year's plan,
    as Kent is published by then either way."""
    _advance(inspection, Status.FIELDWORK, users)
    lead = inspection.team.get(role=TeamRole.LEAD).user
    with pghistory.context(user=lead.pk, source="demo"):
        add_demo_extract(inspection, lead, rows=1500, seed=2032)
    add_demo_fieldwork(inspection, complete=True)
    with pghistory.context(user=lead.pk, source="demo"):
        add_demo_findings(inspection, lead)
        add_demo_report(inspection, lead, publisher=users["planner"])


def _publish_demo_thematic(publisher) -> None:
    """A thematic report across the two graded, published forces (Staffordshire and Kent),
    built by the demo's analyst and published through the normal service: the disclosure
    audit runs over everything already public (ADR 0023), so what it withholds is shown."""
    forces = [FIELDWORK_COMPLETED, GRADED_AND_PUBLISHED]
    inspections = list(
        Inspection.objects.filter(
            programme__name="2026/27",
            kind=InspectionType.CHILD_PROTECTION,
            force__code__in=forces,
        ).order_by("force__code")
    )
    analyst = User.objects.get(email=next(p.email for p in PEOPLE if p.key == "analyst"))
    with pghistory.context(user=analyst.pk, source="demo"):
        add_demo_thematic(inspections, analyst, publisher=publisher, title=THEMATIC_TITLE)


def _give_essex_moderations(moderator, cases: int = 3) -> None:
    """The demo's moderator joins Essex's fieldwork (under way) as its moderator, and its lead
    gives them submitted cases whose moderation has not begun, so the account has work."""
    from cpinspect.assessments import services as audit_services
    from cpinspect.assessments.models import Kind

    essex = Inspection.objects.get(
        programme__name="2026/27",
        kind=InspectionType.CHILD_PROTECTION,
        force__code=ESSEX,
    )
    lead = essex.team.get(role=TeamRole.LEAD).user
    services.team_member_add(lead, inspection=essex, person=moderator, role=TeamRole.MODERATOR)
    waiting = (
        essex.case_audits.filter(assessments__kind=Kind.FIRST, assessments__status="submitted")
        .exclude(assessments__kind=Kind.MODERATION)
        .exclude(examiner=moderator)
        .order_by("case_id")
        .distinct()[:cases]
    )
    with pghistory.context(user=lead.pk, source="demo"):
        for audit in waiting:
            audit_services.moderation_choose(audit=audit, user=lead, moderator=moderator)


# Why the demo moves an inspection on with its stage unfinished (its fieldwork and report are
# not part of the demo); recorded with the move, as a person would have to.
UNFINISHED_REASON = (
    "[Demo data] This inspection's case files, findings and report are not part of the demo."
)


def _advance(inspection: Inspection, target: str, users, since: str = Status.PLANNED) -> None:
    """Reach ``target`` through the lifecycle from ``since``, each move made by someone
    allowed to make it; a move with work outstanding records why (ADR 0021)."""
    from cpinspect.programmes.lifecycle import MAIN_PATH, transition_between

    lead = inspection.team.get(role=TeamRole.LEAD).user
    current = since
    path = _path_to(target) if target != Status.PLANNED else []
    for status in path[MAIN_PATH.index(since) :]:
        move = transition_between(current, status)
        actor = lead if "inspection_lead" in move.actors else users["planner"]
        preview = services.transition_preview(actor, inspection=inspection, target=status)
        with pghistory.context(user=actor.pk, source="demo"):
            services.inspection_transition(
                actor,
                inspection=inspection,
                target=status,
                note="Demo data.",
                reason=UNFINISHED_REASON if preview.needs_reason else "",
            )
        current = status
