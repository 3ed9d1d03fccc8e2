"""Writes to programmes and inspections: one transaction each, the acting person first and
the rest keyword-only (ADR 0034)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from cpinspect.accounts import access
from cpinspect.accounts.models import Role
from cpinspect.editing import races, versions
from cpinspect.programmes import lifecycle, readiness
from cpinspect.programmes.models import (
    DEFAULT_FIELDWORK_DAYS,
    Inspection,
    InspectionType,
    Programme,
    Status,
    StatusChange,
    TeamMember,
    TeamRole,
)
from cpinspect.programmes.readiness import Outstanding
from cpinspect.registry.models import Council, Force, Inspectorate

if TYPE_CHECKING:
    from cpinspect.accounts.models import User


class TransitionRefused(Exception):
    """A lifecycle move that is not allowed; the message says why, for the person asking."""


class NotAnActor(TransitionRefused):
    """The person may not make this move (the API answers 403)."""


class ReasonRequired(TransitionRefused):
    """A reopening, or a move with work outstanding, was asked for without a reason.

    ``outstanding`` is what is unfinished now and ``fingerprint`` its digest, for the page or
    the client to show and confirm."""

    def __init__(
        self, message: str, outstanding: Sequence[Outstanding] = (), fingerprint: str = ""
    ) -> None:
        super().__init__(message)
        self.outstanding = list(outstanding)
        self.fingerprint = fingerprint


class OutstandingChanged(ReasonRequired):
    """The reason was written against a list of outstanding work that is no longer the list:
    what is unfinished changed since the page (or the client) read it."""


MAX_REASON = 2000


def add_working_days(start: date, days: int) -> date:
    """The date of the last of ``days`` working days starting on ``start`` (Mon-Fri)."""
    current = start
    while current.weekday() >= 5:
        current += timedelta(days=1)
    counted = 1
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            counted += 1
    return current


# A programme is a year's inspections; the planner's solver counts its fortnights, so a
# programme of many years would be a mistake, not a plan.
PROGRAMME_MOST_DAYS = 2 * 366


def _programme_name_taken(name: str) -> ValidationError:
    return ValidationError({"name": f"There is already a programme called {name}"})


@transaction.atomic
def programme_create(
    actor: User, *, name: str, starts_on: date, ends_on: date, description: str = ""
) -> Programme:
    """A new programme, made by a programme manager (``actor``). Its insert
    is recorded in the audit trail, with the request's person, like every other change.

    Names are compared without regard to case or repeated spaces ("2027/28" and "2027/28 "
    are one programme); two people creating the same name at once get the same message
    (the unique index, ``editing.races``)."""
    access.require(access.can_plan_programmes(actor))
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = "Enter a name for the programme"
    elif Programme.objects.filter(name__iexact=name).exists():
        errors["name"] = _programme_name_taken(name).message_dict["name"][0]
    if starts_on and ends_on and ends_on <= starts_on:
        errors["ends_on"] = "The programme must end after the day it starts"
    elif starts_on and ends_on and (ends_on - starts_on).days > PROGRAMME_MOST_DAYS:
        errors["ends_on"] = "A programme can be at most 2 years long"
    if errors:
        raise ValidationError(errors)
    programme = Programme(
        name=name, starts_on=starts_on, ends_on=ends_on, description=(description or "").strip()
    )
    # (the rules above in words; the unique index below, in a race)
    programme.full_clean(validate_unique=False, validate_constraints=False)
    taken = {
        key: lambda: _programme_name_taken(name)
        for key in ("programme_name_unique_in_any_case", "programmes_programme_name_key")
    }
    with races.unique_as(taken):
        programme.save()
    return programme


@transaction.atomic
def inspection_create(
    actor: User,
    *,
    programme: Programme,
    kind: str,
    fieldwork_starts_on: date,
    force: Force | None = None,
    council: Council | None = None,
    fieldwork_ends_on: date | None = None,
    partner_inspectorates: Iterable[Inspectorate] = (),
) -> Inspection:
    """An inspection planned in ``programme`` by a programme manager (``actor``)."""
    access.require(access.can_plan_programmes(actor))
    if fieldwork_ends_on is None:
        fieldwork_ends_on = add_working_days(
            fieldwork_starts_on, DEFAULT_FIELDWORK_DAYS[InspectionType(kind)]
        )
    if kind != InspectionType.JOINT_TARGETED_AREA and partner_inspectorates:
        raise ValidationError("Only a joint targeted area inspection has partner inspectorates.")
    inspection = Inspection(
        programme=programme,
        kind=kind,
        force=force,
        council=council,
        fieldwork_starts_on=fieldwork_starts_on,
        fieldwork_ends_on=fieldwork_ends_on,
    )
    inspection.full_clean()
    inspection.save()
    inspection.partner_inspectorates.set(partner_inspectorates)
    return inspection


# Which account roles may take each place on a team.
TEAM_PLACE_ROLES = {
    TeamRole.LEAD: {Role.LEAD_INSPECTOR},
    TeamRole.INSPECTOR: {Role.LEAD_INSPECTOR, Role.INSPECTOR},
    TeamRole.MODERATOR: {Role.LEAD_INSPECTOR, Role.INSPECTOR},
    TeamRole.ANALYST: {Role.ANALYST},
    TeamRole.PARTNER: {Role.PARTNER_INSPECTOR},
}


@transaction.atomic
def team_member_add(actor: User, *, inspection: Inspection, person: User, role: str) -> TeamMember:
    """``person`` takes the place ``role`` on the team, put there by ``actor`` (a programme
    manager, or the inspection's lead)."""
    access.require(access.can_manage_team(actor, inspection))
    if person.role not in TEAM_PLACE_ROLES[TeamRole(role)]:
        held = person.get_role_display().lower()
        article = "An" if held[0] in "aeiou" else "A"
        raise ValidationError(
            f"{article} {held} cannot be the {TeamRole(role).label.lower()} on an inspection."
        )
    if role == TeamRole.PARTNER and (
        person.inspectorate_id is None
        or not inspection.partner_inspectorates.filter(pk=person.inspectorate_id).exists()
    ):
        raise ValidationError(f"{person.inspectorate} is not a partner in this inspection.")
    _refuse_taken_place(inspection, person, role)
    member = TeamMember(inspection=inspection, user=person, role=role)
    # the places are checked above and by the index below, each with a message in words
    member.full_clean(validate_unique=False, validate_constraints=False)
    # Two people adding at once both pass the checks above; the unique index lets one in.
    with races.unique_as(
        {
            "one_place_per_role": lambda: _already_there(person, role),
            "one_lead_per_inspection": lambda: _lead_taken(inspection),
        }
    ):
        member.save()
    return member


def _refuse_taken_place(inspection: Inspection, user: User, role: str) -> None:
    if TeamMember.objects.filter(inspection=inspection, user=user, role=role).exists():
        raise _already_there(user, role)
    if (
        role == TeamRole.LEAD
        and TeamMember.objects.filter(inspection=inspection, role=TeamRole.LEAD).exists()
    ):
        raise _lead_taken(inspection)


def _already_there(user: User, role: str) -> ValidationError:
    place = TeamRole(role).label.lower()
    article = "an" if place[0] in "aeiou" else "a"
    return ValidationError(
        {"user": f"{user.full_name} is already on this team as {article} {place}."}
    )


def _lead_taken(inspection: Inspection) -> ValidationError:
    lead = TeamMember.objects.select_related("user").filter(
        inspection=inspection, role=TeamRole.LEAD
    )
    name = lead[0].user.full_name if lead else "Someone"
    return ValidationError(
        {
            "role": f"{name} is already the lead inspector of this inspection: "
            "remove them from the team first to change the lead."
        }
    )


@transaction.atomic
def team_member_remove(actor: User, *, member: TeamMember) -> None:
    access.require(access.can_manage_team(actor, member.inspection))
    member.delete()  # recorded by the audit trail's delete trigger


@dataclass(frozen=True)
class MovePreview:
    """What a move would need now: what is outstanding, and the digest of that list the
    confirmation sends back (``outstanding_seen``)."""

    move: lifecycle.Transition
    outstanding: list[Outstanding]
    fingerprint: str

    @property
    def needs_reason(self) -> bool:
        return self.move.needs_reason or bool(self.outstanding)


def _allowed_move(actor: User, inspection: Inspection, target: str) -> lifecycle.Transition:
    move = lifecycle.transition_between(inspection.status, target)
    if move is None:
        raise TransitionRefused(_no_such_move_message(inspection.status, target))
    if not access.may_make_transition(actor, inspection, move):
        raise NotAnActor(f"Only {access.describe_actors(move)} can {_lower_first(move.label)}.")
    return move


def transition_preview(actor: User, *, inspection: Inspection, target: str) -> MovePreview:
    """What the move to ``target`` would need, without making it: refused exactly as the move
    would be (no such move, not the person's to make). Changes nothing."""
    move = _allowed_move(actor, inspection, target)
    outstanding = readiness.outstanding(inspection, target)
    return MovePreview(move, outstanding, readiness.fingerprint(outstanding))


@transaction.atomic
def inspection_transition(
    actor: User,
    *,
    inspection: Inspection,
    target: str,
    note: str = "",
    reason: str = "",
    outstanding_seen: str | None = None,
    seen_version: int | None = None,
) -> StatusChange:
    """Move an inspection to ``target``, or refuse with a clear message and change nothing.

    The move's stage must be complete (``readiness``): with anything outstanding the move
    needs a ``reason``, kept on the ``StatusChange`` with what was outstanding. A reopening
    always needs a reason. ``outstanding_seen`` is the ``readiness.fingerprint`` of the list
    the person saw when they wrote their reason; if the list is different now the move is
    refused (``OutstandingChanged``), so a reason is never recorded against work it was not
    written about. Without it (the demo, the shell) the reason covers what is outstanding.

    ``seen_version``: the inspection's version on the page the person moved it from; if it
    has changed since, the move is refused with ``versions.StaleEdit`` naming who changed it.
    Moves made by the services themselves (a report's publication, the demo) pass none."""
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if seen_version is not None:
        versions.check(locked, version=seen_version, yours=None, what="this inspection")
    source = locked.status
    preview = transition_preview(actor, inspection=locked, target=target)
    move, outstanding = preview.move, preview.outstanding
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"Keep the reason under {MAX_REASON:,} characters."})
    if reason and (problems := readiness.reason_problems(locked, reason)):
        raise ValidationError({"reason": problems})
    if move.needs_reason and not reason:
        raise ReasonRequired(
            f"Give the reason to {_lower_first(move.label)}: it is recorded with the move.",
            outstanding,
            preview.fingerprint,
        )
    if outstanding and outstanding_seen is not None and outstanding_seen != preview.fingerprint:
        raise OutstandingChanged(
            "What is outstanding has changed since you looked: check the list again before "
            "you confirm.",
            outstanding,
            preview.fingerprint,
        )
    if outstanding and not reason:
        raise ReasonRequired(
            f"{_lower_first(move.label, capital=True)} with work outstanding needs a reason: "
            + "; ".join(item.detail.rstrip(".") for item in outstanding)
            + ".",
            outstanding,
            preview.fingerprint,
        )
    locked.status = target
    locked.save(update_fields=["status", "updated_at"])
    inspection.status = target
    return StatusChange.objects.create(
        inspection=locked,
        from_status=source,
        to_status=target,
        changed_by=actor,
        note=note,
        outstanding=[item.as_dict() for item in outstanding],
        reason=reason,
    )


def _lower_first(label: str, capital: bool = False) -> str:
    first = label[0].upper() if capital else label[0].lower()
    return first + label[1:]


def _no_such_move_message(source: str, target: str) -> str:
    labels = dict(Status.choices)
    message = (
        f"An inspection cannot move from {labels[source].lower()} to "
        f"{str(labels.get(target, target)).lower()}."
    )
    allowed = [str(labels[t.target]).lower() for t in lifecycle.transitions_from(source)]
    if allowed:
        message += f" From {labels[source].lower()} it can move to: {', '.join(allowed)}."
    return message
