"""Writes of findings: one transaction each, keyword-only arguments, the access rule first.

Every write locks the inspection's row first, so that findings change one at a time and never
after the report is published (publishing locks the same row: ``inspection_transition``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cpinspect.accounts import access
from cpinspect.editing import versions
from cpinspect.findings import selectors
from cpinspect.findings.grading import INADEQUATE, suggested_grade
from cpinspect.findings.models import (
    ACTION_PLAN_DAYS,
    FOLLOW_UP_KINDS,
    OPEN_STATUSES,
    ActionPlan,
    ActionPlanStatus,
    AreaForImprovement,
    CauseOfConcern,
    FollowUpProposal,
    FollowUpReason,
    ForceUpdate,
    ForceUpdateKind,
    Judgement,
    ProposalStatus,
    Recommendation,
    RecommendationStatus,
    RecommendationStatusChange,
    Topic,
)
from cpinspect.programmes import lifecycle
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Inspection, InspectionType, Programme, Status
from cpinspect.registry.models import SCALE_GRADES, InspectionGrade


class FindingsRefused(Exception):
    """A change the rules do not allow; the message says why, for the person asking."""


# what a page or the API shows the person instead of saving: a rule, or a field's problem
REFUSALS = (FindingsRefused, ValidationError)

# Each edit names the version it started from (``expected_version``): someone else's save in
# between refuses it with ``versions.StaleEdit`` (ADR 0020). The inspection's row lock (taken
# first, in ``_locked``) already puts the writes of one inspection in a line.


@dataclass(frozen=True)
class NewRecommendation:
    text: str
    owner: str
    due_on: date


@dataclass(frozen=True)
class FollowUpRule:
    kind: str
    window_from_months: int
    window_to_months: int


# What each reason calls for (DOMAIN.md, "Follow-up of failing forces"): a post-inspection
# review is a few days of fieldwork months later; a re-inspection comes about a year later.
FOLLOW_UP_RULES = {
    FollowUpReason.INADEQUATE_JUDGEMENT: FollowUpRule(InspectionType.RE_INSPECTION, 9, 15),
    FollowUpReason.CAUSE_OF_CONCERN: FollowUpRule(InspectionType.POST_INSPECTION_REVIEW, 3, 6),
}

LAST_RECOMMENDATION = (
    "A cause of concern always carries at least one recommendation: add another to it first, "
    "or delete the cause of concern."
)


def _locked(inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("programme").get(pk=inspection.pk)


def _unpublished(inspection) -> Inspection:
    """The inspection, locked, if its findings may still change."""
    locked = _locked(inspection)
    if selectors.is_published(locked):
        raise FindingsRefused(
            "The report is published: its findings can no longer change. "
            "Track the recommendations and the action plan instead."
        )
    return locked


def _not_joint(inspection) -> None:
    if inspection.kind == InspectionType.JOINT_TARGETED_AREA:
        raise FindingsRefused(
            "A joint targeted area inspection ends in an ungraded letter: it records areas "
            "for improvement, not causes of concern or recommendations."
        )


def _require_edit(user, inspection) -> None:
    access.require(
        access.can_edit_findings(user, inspection),
        "Only the inspection's team records its findings.",
    )


def _topic(topic: str) -> str:
    if topic and topic not in Topic.values:
        raise ValidationError({"topic": f"{topic!r} is not a topic."})
    return topic


def _saved(obj):
    obj.full_clean()
    obj.save()
    return obj


def _refreshed(caller_copy, stored):
    """The caller's copy brought up to the saved row (the trigger raised its version)."""
    stored.refresh_from_db()
    for f in type(stored)._meta.concrete_fields:
        setattr(caller_copy, f.attname, getattr(stored, f.attname))
    return caller_copy


# --- judgements ----------------------------------------------------------------------------


@transaction.atomic
def judgement_record(
    *, inspection, user, topic: str, grade: str, rationale: str, expected_version: int | None
) -> Judgement:
    """Record (or change) the lead's grade for a topic, with the suggestion it was made
    against; an inadequate grade proposes a re-inspection. ``expected_version``: the
    judgement's version the lead started from (0: there was none)."""
    access.require(
        access.can_decide_judgements(user, inspection),
        "Only the inspection's lead inspector records its judgements.",
    )
    locked = _unpublished(inspection)
    if not selectors.is_graded(locked):
        raise FindingsRefused(f"A {locked.get_kind_display().lower()} is not graded.")
    if topic not in Topic.values:
        raise ValidationError({"topic": f"{topic!r} is not a graded topic."})
    scale = selectors.scale_of(locked)
    if grade not in SCALE_GRADES[scale]:
        allowed = ", ".join(InspectionGrade(g).label.lower() for g in SCALE_GRADES[scale])
        raise ValidationError(
            {"grade": f"The {locked.programme} programme grades on this scale: {allowed}."}
        )
    if not rationale.strip():
        raise ValidationError({"rationale": "Give the rationale for the grade."})
    evidence = selectors.topic_evidence(locked)[topic]
    suggestion = suggested_grade(scale, evidence)
    judgement = Judgement.objects.select_for_update().filter(inspection=locked, topic=topic).first()
    if judgement is None:
        judgement = Judgement(inspection=locked, topic=topic)
    else:
        versions.check(
            judgement,
            version=expected_version,
            yours={"grade": grade, "rationale": rationale.strip()},
            what="this judgement",
        )
    judgement.scale = scale
    judgement.grade = grade
    judgement.rationale = rationale.strip()
    judgement.suggested_grade = suggestion.grade or ""
    judgement.evidence = evidence.as_dict()
    judgement.decided_by = user
    judgement.decided_at = timezone.now()
    _saved(judgement)
    _follow_up_sync(
        locked,
        FollowUpReason.INADEQUATE_JUDGEMENT,
        Judgement.objects.filter(inspection=locked, grade=INADEQUATE).exists(),
    )
    return judgement


# --- causes of concern and recommendations -------------------------------------------------


@transaction.atomic
def cause_of_concern_create(
    *,
    inspection,
    user,
    title: str,
    text: str,
    recommendations: Sequence[NewRecommendation],
    topic: str = "",
) -> CauseOfConcern:
    """A cause of concern together with its recommendations (at least one); it proposes a
    post-inspection review."""
    _require_edit(user, inspection)
    locked = _unpublished(inspection)
    _not_joint(locked)
    if not recommendations:
        raise FindingsRefused(
            "A cause of concern always carries at least one recommendation: give its first "
            "recommendation with it."
        )
    cause = _saved(
        CauseOfConcern(inspection=locked, topic=_topic(topic), title=title.strip(), text=text)
    )
    for new in recommendations:
        _recommendation_save(Recommendation(inspection=locked, cause_of_concern=cause), new)
    _follow_up_sync(locked, FollowUpReason.CAUSE_OF_CONCERN, True)
    return cause


@transaction.atomic
def cause_of_concern_update(
    *, cause: CauseOfConcern, user, title: str, text: str, topic: str = "", expected_version
) -> CauseOfConcern:
    _require_edit(user, cause.inspection)
    _unpublished(cause.inspection)
    values = {"title": title.strip(), "text": text, "topic": _topic(topic)}
    stored = versions.locked_for_edit(
        CauseOfConcern,
        cause.pk,
        version=expected_version,
        yours=values,
        what="this cause of concern",
    )
    for name, value in values.items():
        setattr(stored, name, value)
    return _refreshed(cause, _saved(stored))


@transaction.atomic
def cause_of_concern_delete(*, cause: CauseOfConcern, user, expected_version) -> None:
    """Delete a cause of concern and its recommendations with it."""
    _require_edit(user, cause.inspection)
    locked = _unpublished(cause.inspection)
    cause = versions.locked_for_edit(
        CauseOfConcern, cause.pk, version=expected_version, yours=None, what="this cause of concern"
    )
    Recommendation.objects.filter(cause_of_concern=cause).delete()
    cause.delete()
    _follow_up_sync(
        locked,
        FollowUpReason.CAUSE_OF_CONCERN,
        CauseOfConcern.objects.filter(inspection=locked).exists(),
    )


def _recommendation_save(rec: Recommendation, new: NewRecommendation) -> Recommendation:
    rec.text, rec.owner, rec.due_on = new.text.strip(), new.owner.strip(), new.due_on
    return _saved(rec)


def _cause_of(inspection, cause) -> CauseOfConcern | None:
    if cause is not None and cause.inspection_id != inspection.pk:
        raise ValidationError(
            {"cause_of_concern": "That cause of concern belongs to another inspection."}
        )
    return cause


@transaction.atomic
def recommendation_add(
    *, inspection, user, text: str, owner: str, due_on: date, cause_of_concern=None
) -> Recommendation:
    _require_edit(user, inspection)
    locked = _unpublished(inspection)
    _not_joint(locked)
    rec = Recommendation(inspection=locked, cause_of_concern=_cause_of(locked, cause_of_concern))
    return _recommendation_save(rec, NewRecommendation(text, owner, due_on))


def _is_last_of_its_cause(rec: Recommendation) -> bool:
    if rec.cause_of_concern_id is None:
        return False
    others = Recommendation.objects.filter(cause_of_concern_id=rec.cause_of_concern_id)
    return not others.exclude(pk=rec.pk).exists()


@transaction.atomic
def recommendation_update(
    *,
    recommendation: Recommendation,
    user,
    text: str,
    owner: str,
    due_on: date,
    cause_of_concern=None,
    expected_version,
) -> Recommendation:
    """Change a recommendation; moving the last one away from its cause is refused."""
    _require_edit(user, recommendation.inspection)
    locked = _unpublished(recommendation.inspection)
    cause = _cause_of(locked, cause_of_concern)
    stored = versions.locked_for_edit(
        Recommendation,
        recommendation.pk,
        version=expected_version,
        yours={
            "cause_of_concern": cause,
            "text": text.strip(),
            "owner": owner.strip(),
            "due_on": due_on,
        },
        what="this recommendation",
    )
    moving = (cause.pk if cause else None) != stored.cause_of_concern_id
    if moving and _is_last_of_its_cause(stored):
        raise FindingsRefused(LAST_RECOMMENDATION)
    stored.cause_of_concern = cause
    _recommendation_save(stored, NewRecommendation(text, owner, due_on))
    return _refreshed(recommendation, stored)


@transaction.atomic
def recommendation_delete(*, recommendation: Recommendation, user, expected_version) -> None:
    _require_edit(user, recommendation.inspection)
    _unpublished(recommendation.inspection)
    recommendation = versions.locked_for_edit(
        Recommendation,
        recommendation.pk,
        version=expected_version,
        yours=None,
        what="this recommendation",
    )
    if _is_last_of_its_cause(recommendation):
        raise FindingsRefused(LAST_RECOMMENDATION)
    recommendation.delete()


@transaction.atomic
def recommendation_set_status(
    *, recommendation: Recommendation, user, status: str, note: str = "", expected_version
) -> RecommendationStatusChange:
    """Track a published recommendation: open, in progress, completed or not accepted."""
    access.require(
        access.can_track_findings(user, recommendation.inspection),
        "Only the inspection's team or a programme manager tracks its recommendations.",
    )
    locked = _locked(recommendation.inspection)
    if not selectors.is_published(locked):
        raise FindingsRefused(
            "A recommendation's status is tracked once the report is published; until then "
            "it is open."
        )
    if status not in RecommendationStatus.values:
        raise ValidationError({"status": f"{status!r} is not a recommendation status."})
    rec = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if rec.version != expected_version:
        last = rec.status_changes.last()
        if (
            last is not None
            and (last.changed_by_id, last.to_status, last.note) == (user.pk, status, note)
            and rec.status == status
        ):
            return last  # the same change sent twice (a second click): it is recorded once
        raise versions.stale(
            rec, version=expected_version, yours={"status": status}, what="this recommendation"
        )
    if rec.status == status:
        raise FindingsRefused(
            f"The recommendation is already {RecommendationStatus(status).label.lower()}."
        )
    change = RecommendationStatusChange.objects.create(
        recommendation=rec, from_status=rec.status, to_status=status, changed_by=user, note=note
    )
    rec.status = status
    rec.save(update_fields=["status"])
    _refreshed(recommendation, rec)
    return change


# --- areas for improvement -----------------------------------------------------------------


@transaction.atomic
def area_for_improvement_add(*, inspection, user, text: str, topic: str = ""):
    _require_edit(user, inspection)
    locked = _unpublished(inspection)
    return _saved(AreaForImprovement(inspection=locked, topic=_topic(topic), text=text.strip()))


@transaction.atomic
def area_for_improvement_update(
    *, area: AreaForImprovement, user, text: str, topic: str = "", expected_version
):
    _require_edit(user, area.inspection)
    _unpublished(area.inspection)
    values = {"text": text.strip(), "topic": _topic(topic)}
    stored = versions.locked_for_edit(
        AreaForImprovement,
        area.pk,
        version=expected_version,
        yours=values,
        what="this area for improvement",
    )
    stored.text, stored.topic = values["text"], values["topic"]
    return _refreshed(area, _saved(stored))


@transaction.atomic
def area_for_improvement_delete(*, area: AreaForImprovement, user, expected_version) -> None:
    _require_edit(user, area.inspection)
    _unpublished(area.inspection)
    area = versions.locked_for_edit(
        AreaForImprovement,
        area.pk,
        version=expected_version,
        yours=None,
        what="this area for improvement",
    )
    area.delete()


# --- follow-up -----------------------------------------------------------------------------


def _follow_up_sync(inspection, reason: str, holds: bool) -> None:
    """Propose a follow-up once per inspection and reason while the reason holds; withdraw
    a proposal nobody has decided when it stops holding (and propose it again if it returns).
    A decided proposal stays as decided."""
    proposal = FollowUpProposal.objects.filter(inspection=inspection, reason=reason).first()
    if holds and proposal is None:
        rule = FOLLOW_UP_RULES[reason]
        _saved(
            FollowUpProposal(
                inspection=inspection,
                reason=reason,
                kind=rule.kind,
                window_from_months=rule.window_from_months,
                window_to_months=rule.window_to_months,
            )
        )
    elif holds and proposal.status == ProposalStatus.WITHDRAWN:
        proposal.status = ProposalStatus.PROPOSED
        proposal.save(update_fields=["status"])
    elif not holds and proposal is not None and proposal.status == ProposalStatus.PROPOSED:
        proposal.status = ProposalStatus.WITHDRAWN
        proposal.save(update_fields=["status"])


def _undecided(proposal: FollowUpProposal, expected_version, yours) -> FollowUpProposal:
    locked = versions.locked_for_edit(
        FollowUpProposal,
        proposal.pk,
        version=expected_version,
        yours=yours,
        what="this follow-up proposal",
    )
    if locked.status != ProposalStatus.PROPOSED:
        if locked.version != expected_version:  # decided the same way by someone since
            raise versions.stale(
                locked, version=expected_version, yours=yours, what="this follow-up proposal"
            )
        raise FindingsRefused(f"This follow-up is {locked.get_status_display().lower()}.")
    return locked


@transaction.atomic
def follow_up_accept(
    *,
    proposal: FollowUpProposal,
    user,
    fieldwork_starts_on: date,
    kind: str | None = None,
    expected_version,
) -> Inspection:
    """Plan the follow-up inspection in the programme that covers ``fieldwork_starts_on``."""
    access.require(access.can_decide_follow_up(user, proposal.inspection))
    locked = _undecided(proposal, expected_version, {"status": ProposalStatus.ACCEPTED})
    kind = kind or locked.kind
    if kind not in FOLLOW_UP_KINDS:
        raise ValidationError(
            {"kind": "A follow-up is a post-inspection review or a re-inspection."}
        )
    origin = locked.inspection
    if fieldwork_starts_on <= origin.fieldwork_ends_on:
        raise ValidationError(
            {
                "fieldwork_starts_on": "A follow-up starts after the inspection's fieldwork "
                f"(which ended on {origin.fieldwork_ends_on:%d %B %Y})."
            }
        )
    programme = Programme.objects.filter(
        starts_on__lte=fieldwork_starts_on, ends_on__gte=fieldwork_starts_on
    ).first()
    if programme is None:
        raise FindingsRefused(
            f"No programme covers {fieldwork_starts_on:%d %B %Y}: "
            "set up that year's programme first, or choose another date."
        )
    follow_up = programme_services.inspection_create(
        user,
        programme=programme,
        kind=kind,
        force=origin.subject_force,
        fieldwork_starts_on=fieldwork_starts_on,
    )
    locked.status = ProposalStatus.ACCEPTED
    locked.follow_up = follow_up
    locked.decided_by = user
    locked.decided_at = timezone.now()
    _saved(locked)
    proposal.refresh_from_db()
    return follow_up


@transaction.atomic
def follow_up_decline(
    *, proposal: FollowUpProposal, user, note: str, expected_version
) -> FollowUpProposal:
    access.require(access.can_decide_follow_up(user, proposal.inspection))
    if not note.strip():
        raise ValidationError({"note": "Say why no follow-up is needed."})
    declined = {
        "status": ProposalStatus.DECLINED,
        "decision_note": note.strip(),
        "decided_by": user,
    }
    stored = FollowUpProposal.objects.get(pk=proposal.pk)
    if stored.version != expected_version and versions.holds(stored, declined):
        return stored  # the same decision sent twice: it stands once
    locked = _undecided(proposal, expected_version, declined)
    locked.status = ProposalStatus.DECLINED
    locked.decision_note = note.strip()
    locked.decided_by = user
    locked.decided_at = timezone.now()
    _saved(locked)
    proposal.refresh_from_db()
    return locked


# --- the action plan -----------------------------------------------------------------------


@transaction.atomic
def action_plan_open(*, status_change) -> ActionPlan | None:
    """On publication: the force's action plan, due six weeks after the day of publication.

    Called for the move to published (``signals.py``; or call it from the publish service).
    A joint targeted area inspection has none: its partnership's plan is not the force's.
    Calling it twice changes nothing.
    """
    inspection = status_change.inspection
    if status_change.to_status != Status.PUBLISHED:
        raise ValueError("An action plan opens only when the report is published.")
    publish = lifecycle.transition_between(Status.FACTUAL_ACCURACY, Status.PUBLISHED)
    access.require(
        access.may_make_transition(status_change.changed_by, inspection, publish),
        f"Only {access.describe_actors(publish)} can publish a report.",
    )
    if inspection.kind == InspectionType.JOINT_TARGETED_AREA:
        return None
    published = timezone.localdate(status_change.changed_at)
    plan, _ = ActionPlan.objects.get_or_create(
        inspection=inspection,
        defaults={
            "published_on": published,
            "due_on": published + timedelta(days=ACTION_PLAN_DAYS),
        },
    )
    return plan


@transaction.atomic
def action_plan_record(
    *,
    plan: ActionPlan,
    user,
    status: str,
    received_on: date | None,
    note: str = "",
    expected_version,
) -> ActionPlan:
    """Record the plan's receipt (and whether the inspectorate accepted it)."""
    access.require(
        access.can_track_findings(user, plan.inspection),
        "Only the inspection's team or a programme manager records the action plan.",
    )
    locked = versions.locked_for_edit(
        ActionPlan,
        plan.pk,
        version=expected_version,
        yours={
            "status": status,
            "received_on": None if status == ActionPlanStatus.AWAITED else received_on,
            "note": note.strip(),
        },
        what="the action plan",
    )
    if status not in ActionPlanStatus.values:
        raise ValidationError({"status": f"{status!r} is not an action plan status."})
    if status == ActionPlanStatus.AWAITED:
        received_on = None
    elif received_on is None:
        raise ValidationError({"received_on": "Give the date the action plan was received."})
    elif received_on < locked.published_on:
        raise ValidationError(
            {"received_on": "The action plan cannot arrive before the report was published."}
        )
    elif received_on > timezone.localdate():
        raise ValidationError({"received_on": "The date received cannot be in the future."})
    locked.status, locked.received_on, locked.note = status, received_on, note.strip()
    _saved(locked)
    plan.refresh_from_db()
    return locked


# --- what the force sends: its action plan and progress ------------------------------------

FORCE_ONLY = (
    "Only the force's liaison officer sends its action plan and progress, once the report is "
    "published."
)


def _force_text(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({"text": f"Write {what}"})
    return text


@transaction.atomic
def action_plan_submit(*, plan: ActionPlan, user, text: str) -> ForceUpdate:
    """The force sends its action plan: on record as sent, and the plan is received that day
    if it was awaited. A later plan is a new version; the team still accepts it."""
    access.require(access.can_send_force_updates(user, plan.inspection), FORCE_ONLY)
    text = _force_text(text, "the action plan, or a summary of it with where it is held")
    locked = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    update = ForceUpdate.objects.create(
        inspection=locked.inspection,
        kind=ForceUpdateKind.ACTION_PLAN,
        text=text,
        submitted_by=user,
    )
    if locked.status == ActionPlanStatus.AWAITED:
        locked.status, locked.received_on = ActionPlanStatus.RECEIVED, timezone.localdate()
        _saved(locked)
    plan.refresh_from_db()
    return update


@transaction.atomic
def recommendation_progress_add(
    *, recommendation: Recommendation, user, text: str, considers_done: bool = False
) -> ForceUpdate:
    """The force's account of its progress on one recommendation; the team decides its status."""
    access.require(access.can_send_force_updates(user, recommendation.inspection), FORCE_ONLY)
    text = _force_text(text, "what the force has done on this recommendation")
    rec = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if rec.status not in OPEN_STATUSES:
        raise FindingsRefused(
            f"This recommendation is {rec.get_status_display().lower()}: progress is sent on "
            "open recommendations only."
        )
    return ForceUpdate.objects.create(
        inspection=rec.inspection,
        recommendation=rec,
        kind=ForceUpdateKind.PROGRESS,
        text=text,
        considers_done=considers_done,
        submitted_by=user,
    )
