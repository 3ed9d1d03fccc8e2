"""Every access rule in CP Inspect, in one place.

Views, the API and selectors ask these functions; none of them decides access on its own.

* Reference data and published results are public.
* Staff of the police inspectorate see every inspection's plan (programme, subject, dates,
  status, team). Only the inspection's team sees its case-level data.
* A partner inspector sees only the joint inspections whose team they are on.
* A force liaison officer sees only their own force's inspections, and only once the force has
  been notified; never case-level data nor the inspectorate's working notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from cpinspect.accounts.models import INSPECTORATE_ROLES, Role
from cpinspect.programmes.models import Status, TeamRole, in_force_area
from cpinspect.reports.models import FINAL_STATUSES, ReportKind, ReportStatus

if TYPE_CHECKING:
    from typing import TypeGuard

    from django.contrib.auth.models import AnonymousUser
    from typing_extensions import TypeIs

    from cpinspect.accounts.models import User
    from cpinspect.assessments.models import Assessment, CaseAudit
    from cpinspect.programmes.lifecycle import Transition
    from cpinspect.programmes.models import Inspection
    from cpinspect.reports.models import Report

    # whoever makes the request: a signed-in person, or a visitor (AnonymousUser)
    Visitor = User | AnonymousUser

# Statuses in which an inspection is known to the force (it has been notified).
KNOWN_TO_FORCE = [s for s in Status.values if s != Status.PLANNED]
PUBLIC_STATUSES = [Status.PUBLISHED, Status.FOLLOW_UP, Status.CLOSED]
CASE_DATA_TEAM_ROLES = set(TeamRole)  # every place on the team
# Places on the team that examine or moderate cases (everyone but the analyst).
EXAMINING_ROLES = CASE_DATA_TEAM_ROLES - {TeamRole.ANALYST}


@dataclass(frozen=True)
class Decision:
    """A rule's answer, carrying its refusal in words: ``require`` raises it, pages and API
    endpoints show it, so no view or serializer writes the message again. Truthy when
    allowed, so templates and ``if`` read it as the yes or no it is."""

    allowed: bool
    refusal: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def decide(allowed: bool, refusal: str) -> Decision:
    return Decision(True) if allowed else Decision(False, refusal)


def is_signed_in(user: Visitor) -> TypeIs[User]:
    return bool(user and user.is_authenticated and user.is_active)


def has_role(user: Visitor, *roles: str) -> TypeGuard[User]:
    return is_signed_in(user) and user.role in roles


def inspection_filter(user: Visitor) -> Q | None:
    """A filter on Inspection selecting what ``user`` may see; None means nothing."""
    if not is_signed_in(user):
        return None
    if user.role in INSPECTORATE_ROLES:
        return Q()
    if user.role == Role.PARTNER_INSPECTOR:
        return Q(team__user=user)
    if user.role == Role.FORCE_LIAISON:
        return in_force_area(user.force_id) & Q(status__in=KNOWN_TO_FORCE)
    return None


def case_data_inspection_filter(user: Visitor) -> Q | None:
    """A filter on Inspection for those whose case-level data ``user`` may see (as
    ``can_see_case_data``: the inspections whose team they are on); None means nothing. Used
    as ``Inspection.objects.filter(rule)`` in a subquery, so two places on one team are one."""
    if not is_signed_in(user) or user.role == Role.FORCE_LIAISON:
        return None
    return Q(team__user=user)


def led_inspection_filter(user: Visitor) -> Q | None:
    """A filter on Inspection for those ``user`` leads (as ``is_inspection_lead``)."""
    if case_data_inspection_filter(user) is None:
        return None
    return Q(team__user=user, team__role=TeamRole.LEAD)


def reporting_inspection_filter(user: Visitor) -> Q | None:
    """A filter on Inspection for those whose force report ``user`` builds (as
    ``can_build_report``: the lead or the team's analyst)."""
    if case_data_inspection_filter(user) is None:
        return None
    return Q(team__user=user, team__role__in=[TeamRole.LEAD, TeamRole.ANALYST])


def force_updates_inspection_filter(user: Visitor) -> Q | None:
    """A filter on Inspection for those whose force's action plan and progress ``user`` sends
    (as ``can_send_force_updates``); None means nothing."""
    if not has_role(user, Role.FORCE_LIAISON) or user.force_id is None:
        return None
    return in_force_area(user.force_id) & Q(status__in=PUBLIC_STATUSES)


def force_check_inspection_filter(user: Visitor) -> Q | None:
    """A filter on Inspection for those whose draft report ``user`` comments on during the
    factual accuracy check (as ``can_comment_on_report``); None means nothing."""
    if not has_role(user, Role.FORCE_LIAISON) or user.force_id is None:
        return None
    return in_force_area(user.force_id) & Q(status=Status.FACTUAL_ACCURACY)


def public_inspection_filter() -> Q:
    """Inspections anyone may know about: those whose report is published."""
    return Q(status__in=PUBLIC_STATUSES)


def team_roles(user: Visitor, inspection: Inspection | None) -> set[str]:
    if not is_signed_in(user) or inspection is None:
        return set()
    return {m.role for m in inspection.team.all() if m.user_id == user.pk}


def can_see_case_data(user: Visitor, inspection: Inspection) -> bool:
    """Case-level data belongs to the inspection's team and no one else."""
    if not is_signed_in(user) or user.role == Role.FORCE_LIAISON:
        return False
    return bool(team_roles(user, inspection) & CASE_DATA_TEAM_ROLES)


def can_see_team(user: Visitor, inspection: Inspection) -> bool:
    return is_signed_in(user) and user.role != Role.FORCE_LIAISON


def can_manage_team(user: Visitor, inspection: Inspection) -> Decision:
    return decide(
        has_role(user, Role.PROGRAMME_MANAGER) or TeamRole.LEAD in team_roles(user, inspection),
        "Only a programme manager or the inspection's lead can change its team.",
    )


def can_plan_programmes(user: Visitor) -> Decision:
    """Programmes, their inspections and their plans are the programme managers' work."""
    return decide(
        has_role(user, Role.PROGRAMME_MANAGER),
        "Only a programme manager can plan programmes, inspections and their teams.",
    )


PEOPLE_REFUSAL = "Only an administrator can manage people."


def can_manage_people(user: Visitor) -> bool:
    """Inviting, changing and deactivating people is the administrators' work."""
    return has_role(user, Role.ADMINISTRATOR)


def self_change_refusal(
    admin: User, person: User, *, role: str | None = None, deactivating: bool = False
) -> str:
    """Why an administrator may not make this change to their own account, or "" if they may:
    nobody locks themselves out of the people pages."""
    if admin.pk != person.pk:
        return ""
    if deactivating:
        return "You cannot deactivate your own account. Ask another administrator."
    if role is not None and role != Role.ADMINISTRATOR:
        return "You cannot change your own role. Ask another administrator."
    return ""


def can_browse_audit_trail(user: Visitor) -> bool:
    return has_role(user, Role.ADMINISTRATOR)


# Who may make a lifecycle transition: each actor named in lifecycle.TRANSITIONS is a test.
ACTOR_TESTS = {
    "programme_manager": lambda user, inspection: has_role(user, Role.PROGRAMME_MANAGER),
    "inspection_lead": lambda user, inspection: (
        has_role(user, Role.LEAD_INSPECTOR) and TeamRole.LEAD in team_roles(user, inspection)
    ),
}


def may_make_transition(user: Visitor, inspection: Inspection, transition: Transition) -> bool:
    return any(ACTOR_TESTS[actor](user, inspection) for actor in transition.actors)


DEFAULT_REFUSAL = "You do not have access to this."


def require(allowed: Decision | bool, message: str = "") -> None:
    """Refuse (403) unless ``allowed``: the one guard views and services use for a rule above.
    A ``Decision`` brings its own words; a plain yes or no takes ``message``."""
    if not allowed:
        raise PermissionDenied(message or getattr(allowed, "refusal", "") or DEFAULT_REFUSAL)


def describe_actors(transition: Transition) -> str:
    names = {
        "programme_manager": "a programme manager",
        "inspection_lead": "the inspection's lead inspector",
    }
    return " or ".join(names[a] for a in transition.actors)


# --- case extracts and samples (cpinspect.casefiles) ---------------------------------------
# Importing a force's file, drawing the sample and revealing a force's own reference are all
# case-level work: the inspection's team only, exactly as can_see_case_data.


def can_manage_case_data(user: Visitor, inspection: Inspection) -> bool:
    """Import an extract, confirm or cancel it, draw the sample, mark a case unusable."""
    return can_see_case_data(user, inspection)


def can_reveal_case_reference(user: Visitor, inspection: Inspection) -> bool:
    """See the force's own reference of a sampled case (each reveal is access-logged)."""
    return can_see_case_data(user, inspection)


# ---------------------------------------------------------------------------------------------
# Programme planning and scheduling (cpinspect.scheduling)
#
# The plan of a year names forces and fortnights before the forces are told, so only staff of
# the police inspectorate see it; partners and force liaison officers never do (404). Only
# programme managers solve, re-plan and publish (can_plan_programmes above).
# ---------------------------------------------------------------------------------------------


def can_see_plans(user: Visitor) -> bool:
    return is_signed_in(user) and user.role in INSPECTORATE_ROLES


def can_fetch_calendar_of(user: Visitor, person: User) -> bool:
    """An inspector's own calendar feed; a programme manager may fetch anyone's."""
    if not can_see_plans(user):
        return False
    return user.pk == person.pk or has_role(user, Role.PROGRAMME_MANAGER)


# ---------------------------------------------------------------------------------------------
# Case-file audit and moderation (cpinspect.assessments)
#
# All of it is case-level: the inspection's team only (can_see_case_data). Within the team:
# each assessment is written by the person it belongs to; the lead allocates, resolves
# disagreements, signs off and unlocks; a moderator examines blind, so the first examination
# stays hidden from them until their own is submitted.
# ---------------------------------------------------------------------------------------------


def is_inspection_lead(user: Visitor, inspection: Inspection | None) -> bool:
    if inspection is None:  # a thematic report's: no inspection, no lead
        return False
    return can_see_case_data(user, inspection) and TeamRole.LEAD in team_roles(user, inspection)


def can_examine(user: Visitor, inspection: Inspection) -> bool:
    """Be allocated cases or moderations (not analysts: they read, they do not grade)."""
    return bool(team_roles(user, inspection) & EXAMINING_ROLES)


def can_write_assessment(user: Visitor, assessment: Assessment) -> bool:
    return (
        can_see_case_data(user, assessment.audit.inspection) and assessment.examiner_id == user.pk
    )


def can_see_first_examination(user: Visitor, audit: CaseAudit, moderation_submitted: bool) -> bool:
    """Blind moderation: the moderator sees the first answers only after submitting."""
    if not can_see_case_data(user, audit.inspection):
        return False
    return not (audit.moderator_id == user.pk and not moderation_submitted)


def can_see_moderation(user: Visitor, audit: CaseAudit, first_submitted: bool) -> bool:
    """Symmetrically, the first examiner does not see the moderation until they submitted."""
    if not can_see_case_data(user, audit.inspection):
        return False
    return not (audit.examiner_id == user.pk and not first_submitted)


def can_escalate(user: Visitor, inspection: Inspection) -> bool:
    """Anyone examining a case may record that a child is at risk."""
    return can_see_case_data(user, inspection)


# ---------------------------------------------------------------------------------------------
# Findings: judgements, causes of concern, recommendations, areas for improvement, action
# plans and follow-up proposals (cpinspect.findings; docs/findings.md)
#
# Findings are force-level outcomes, not case-level data. Inspectorate staff read every
# inspection's findings; a partner inspector reads those of the inspections whose team they
# are on. The team writes them (the lead alone decides the graded judgements) until the report
# is published. A force liaison officer sees their own force's findings only once published,
# and never the working side: rationale, suggested grades, evidence, who decided, follow-ups.
# ---------------------------------------------------------------------------------------------


def _of_own_force(user: User, inspection: Inspection | None) -> bool:
    """Whether the inspection is of the person's force (a thematic report has none)."""
    return (
        inspection is not None
        and user.force_id is not None
        and user.force_id == inspection.subject_force.pk
    )


def can_see_findings(user: Visitor, inspection: Inspection) -> bool:
    if not is_signed_in(user):
        return False
    if user.role in INSPECTORATE_ROLES:
        return True
    if user.role == Role.PARTNER_INSPECTOR:
        return bool(team_roles(user, inspection))
    if user.role == Role.FORCE_LIAISON:
        return inspection.status in PUBLIC_STATUSES and _of_own_force(user, inspection)
    return False


def can_see_findings_working(user: Visitor, inspection: Inspection) -> bool:
    """Rationale, suggested grades and evidence, who decided, and follow-up proposals."""
    return can_see_findings(user, inspection) and not has_role(user, Role.FORCE_LIAISON)


def can_edit_findings(user: Visitor, inspection: Inspection) -> bool:
    """Causes of concern, recommendations and areas for improvement: the team."""
    return can_see_findings(user, inspection) and bool(team_roles(user, inspection))


def can_decide_judgements(user: Visitor, inspection: Inspection) -> bool:
    return has_role(user, Role.LEAD_INSPECTOR) and TeamRole.LEAD in team_roles(user, inspection)


def can_track_findings(user: Visitor, inspection: Inspection) -> bool:
    """After publication: recommendation statuses and the action plan's receipt."""
    return can_edit_findings(user, inspection) or has_role(user, Role.PROGRAMME_MANAGER)


def can_send_force_updates(user: Visitor, inspection: Inspection) -> bool:
    """After publication, the force's liaison officer sends its action plan and progress on
    the recommendations (of their own force only)."""
    return (
        has_role(user, Role.FORCE_LIAISON)
        and inspection.status in PUBLIC_STATUSES
        and _of_own_force(user, inspection)
    )


def can_decide_follow_up(user: Visitor, inspection: Inspection) -> Decision:
    """Accepting a follow-up plans an inspection, which is a programme manager's job."""
    return decide(
        has_role(user, Role.PROGRAMME_MANAGER),
        "Only a programme manager decides follow-up inspections.",
    )


def recommendation_filter(user: Visitor) -> Q | None:
    """A filter on Recommendation for the national board; None means nothing."""
    if not is_signed_in(user):
        return None
    if user.role in INSPECTORATE_ROLES:
        return Q()
    if user.role == Role.PARTNER_INSPECTOR:
        return Q(inspection__team__user=user)
    if user.role == Role.FORCE_LIAISON:
        return in_force_area(user.force_id, through="inspection__") & Q(
            inspection__status__in=PUBLIC_STATUSES
        )
    return None


# ---------------------------------------------------------------------------------------------
# Reports (cpinspect.reports; docs/reports.md)
#
# A published or superseded version is public: anyone, signed in or not. A force report's
# draft is for the inspection's team and inspectorate staff; during the factual accuracy check
# also for the subject force's liaison officer (their own force only: any other force's
# liaison gets 404), who alone comments on it; the lead answers each comment. A thematic draft
# is for inspectorate staff.
# The lead (or the team's analyst) builds; the lead sends for the check (the lifecycle's
# actor); whoever may publish the inspection publishes, and corrects, its report.
# ---------------------------------------------------------------------------------------------


def can_see_report(user: Visitor, report: Report) -> bool:
    if report.status in FINAL_STATUSES:
        return True
    if not is_signed_in(user):
        return False
    if report.kind == ReportKind.THEMATIC:
        return user.role in INSPECTORATE_ROLES
    inspection = report.inspection
    if user.role in INSPECTORATE_ROLES or team_roles(user, inspection):
        return True
    return (
        user.role == Role.FORCE_LIAISON
        and report.status == ReportStatus.FACTUAL_ACCURACY
        and _of_own_force(user, inspection)
    )


def can_see_report_comments(user: Visitor, report: Report) -> bool:
    """The factual accuracy comments: the team, inspectorate staff, and the liaison officer
    who may see the report (their own force's comments); never the public."""
    if report.kind != ReportKind.FORCE or not is_signed_in(user):
        return False
    if user.role == Role.FORCE_LIAISON:
        return can_see_report(user, report) and _of_own_force(user, report.inspection)
    return user.role in INSPECTORATE_ROLES or bool(team_roles(user, report.inspection))


def can_comment_on_report(user: Visitor, report: Report) -> bool:
    return (
        report.kind == ReportKind.FORCE
        and report.status == ReportStatus.FACTUAL_ACCURACY
        and has_role(user, Role.FORCE_LIAISON)
        and _of_own_force(user, report.inspection)
    )


def can_answer_report_comments(user: Visitor, report: Report) -> bool:
    """The inspectorate's answer to each factual accuracy comment: the inspection's lead."""
    return report.kind == ReportKind.FORCE and is_inspection_lead(user, report.inspection)


def can_build_report(user: Visitor, inspection: Inspection) -> bool:
    return is_signed_in(user) and bool(
        team_roles(user, inspection) & {TeamRole.LEAD, TeamRole.ANALYST}
    )


def can_send_report_for_check(user: Visitor, inspection: Inspection) -> bool:
    return is_inspection_lead(user, inspection)


def can_publish_report(user: Visitor, report: Report) -> bool:
    if report.kind == ReportKind.THEMATIC:
        return has_role(user, Role.PROGRAMME_MANAGER)
    from cpinspect.programmes import lifecycle

    publish = lifecycle.transition_between(Status.FACTUAL_ACCURACY, Status.PUBLISHED)
    if report.inspection is None or publish is None:
        return False
    return may_make_transition(user, report.inspection, publish)


def can_correct_report(user: Visitor, report: Report) -> bool:
    return can_publish_report(user, report)


def can_build_thematic(user: Visitor) -> bool:
    return is_signed_in(user) and user.role in INSPECTORATE_ROLES


def report_filter(user: Visitor) -> Q:
    """A filter on Report for the versions ``user`` may list (as ``can_see_report``)."""
    public = Q(status__in=FINAL_STATUSES)
    if not is_signed_in(user):
        return public
    if user.role in INSPECTORATE_ROLES:
        return Q()
    if user.role == Role.PARTNER_INSPECTOR:
        return public | Q(kind=ReportKind.FORCE, inspection__team__user=user)
    if user.role == Role.FORCE_LIAISON and user.force_id is not None:
        own = in_force_area(user.force_id, through="inspection__")
        return public | (Q(kind=ReportKind.FORCE, status=ReportStatus.FACTUAL_ACCURACY) & own)
    return public
