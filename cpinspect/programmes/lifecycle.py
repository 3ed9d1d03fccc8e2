"""The inspection lifecycle: which status may follow which, and who may make each move.

Who may move is expressed as *actors* (see ``cpinspect.accounts.access.ACTOR_TESTS``) so that
every access rule stays in one module. What must be finished before a move is in
``readiness.py`` (each app registers its own checks); a move with work outstanding, and every
reopening, needs a reason (ADR 0021).
"""

from dataclasses import dataclass

from cpinspect.programmes.models import Status


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str
    actors: tuple[str, ...]
    # a reopening: always needs a reason, whatever is outstanding
    needs_reason: bool = False


TRANSITIONS = [
    Transition(
        Status.PLANNED,
        Status.NOTIFIED,
        "Notify the force",
        ("programme_manager", "inspection_lead"),
    ),
    Transition(
        Status.NOTIFIED, Status.PLANNED, "Postpone (back to planned)", ("programme_manager",)
    ),
    Transition(Status.NOTIFIED, Status.FIELDWORK, "Start fieldwork", ("inspection_lead",)),
    Transition(Status.FIELDWORK, Status.MODERATION, "Start moderation", ("inspection_lead",)),
    Transition(Status.MODERATION, Status.REPORTING, "Start reporting", ("inspection_lead",)),
    Transition(
        Status.REPORTING,
        Status.MODERATION,
        "Reopen the case-file audit",
        ("inspection_lead", "programme_manager"),
        needs_reason=True,
    ),
    Transition(
        Status.REPORTING,
        Status.FACTUAL_ACCURACY,
        "Send for factual accuracy check",
        ("inspection_lead",),
    ),
    Transition(
        Status.FACTUAL_ACCURACY, Status.REPORTING, "Return to reporting", ("inspection_lead",)
    ),
    Transition(Status.FACTUAL_ACCURACY, Status.PUBLISHED, "Publish", ("programme_manager",)),
    Transition(
        Status.PUBLISHED,
        Status.FOLLOW_UP,
        "Start follow-up",
        ("programme_manager", "inspection_lead"),
    ),
    Transition(Status.PUBLISHED, Status.CLOSED, "Close", ("programme_manager",)),
    Transition(Status.FOLLOW_UP, Status.CLOSED, "Close", ("programme_manager",)),
]

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def transition_between(source: str, target: str) -> Transition | None:
    return _BY_PAIR.get((source, target))


def transitions_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


# Once the inspection has moved on from moderation, the case-file audit (allocations,
# examinations, moderations, resolutions, sign-offs, unusable cases) is read only, in the
# services and in the database (the function ``cpinspect_case_audit_closed``, migration
# programmes 0004, which also holds this list); reopening it is the move back from reporting to
# moderation, recorded with its reason. Escalations of a child at risk are never closed.
CASE_AUDIT_CLOSED = [
    Status.REPORTING,
    Status.FACTUAL_ACCURACY,
    Status.PUBLISHED,
    Status.FOLLOW_UP,
    Status.CLOSED,
]


# The main path, in order, for the task list on an inspection's page.
MAIN_PATH = [
    Status.PLANNED,
    Status.NOTIFIED,
    Status.FIELDWORK,
    Status.MODERATION,
    Status.REPORTING,
    Status.FACTUAL_ACCURACY,
    Status.PUBLISHED,
    Status.FOLLOW_UP,
    Status.CLOSED,
]


def stage_list(current: str) -> list[tuple[str, str]]:
    """Each stage with "completed", "in progress" or "not yet started"."""
    position = MAIN_PATH.index(current)
    states = []
    for index, status in enumerate(MAIN_PATH):
        if current == Status.CLOSED or index < position:
            state = "Completed"
        elif index == position:
            state = "In progress"
        else:
            state = "Not yet started"
        states.append((Status(status).label, state))
    return states
