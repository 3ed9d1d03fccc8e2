"""What must be finished before each lifecycle move, and what is outstanding now (ADR 0021).

Each app owns the checks on its own records, in its own ``readiness.py``: a small function of
the inspection that returns what is outstanding (an ``Outstanding``, several, or nothing),
registered for the moves it gates with ``@before(...)``. ``autodiscover()`` (run when the
programmes app is ready) imports every app's module, so this one imports no other app.

A check reads counts without a user, as the report's figures do: what it returns names no case
and holds nothing anyone wrote, and only the people who may make the move are shown it (the
confirmation page and the API). A move with anything outstanding needs a reason, which is kept
on the ``StatusChange`` with what was outstanding, and named in the report's methodology.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

from cpinspect.programmes import lifecycle
from cpinspect.programmes.models import Status, TeamMember


@dataclass(frozen=True)
class Outstanding:
    """One kind of unfinished work before a move."""

    code: str  # stable, for the API and the record: e.g. "first_examinations"
    title: str  # what is unfinished, with no figure (published in the methodology annex)
    detail: str  # with the figures, for the person about to move
    count: int = 0  # how many things are unfinished (0: not countable)
    link: str = ""  # the page where it is done

    def as_dict(self) -> dict:
        return asdict(self)


Check = Callable[[object], "Outstanding | Iterable[Outstanding] | None"]

# The forward moves, by name, for the checks to register against.
NOTIFY = (Status.PLANNED, Status.NOTIFIED)
START_FIELDWORK = (Status.NOTIFIED, Status.FIELDWORK)
START_MODERATION = (Status.FIELDWORK, Status.MODERATION)
START_REPORTING = (Status.MODERATION, Status.REPORTING)
SEND_FOR_CHECK = (Status.REPORTING, Status.FACTUAL_ACCURACY)
PUBLISH = (Status.FACTUAL_ACCURACY, Status.PUBLISHED)
START_FOLLOW_UP = (Status.PUBLISHED, Status.FOLLOW_UP)
CLOSE = [(Status.PUBLISHED, Status.CLOSED), (Status.FOLLOW_UP, Status.CLOSED)]
# Every forward move once cases are being examined (an unacknowledged child at risk matters
# at each of them).
FROM_FIELDWORK_ON = [
    START_MODERATION,
    START_REPORTING,
    SEND_FOR_CHECK,
    PUBLISH,
    START_FOLLOW_UP,
    *CLOSE,
]

_CHECKS: dict[tuple[str, str], list[Check]] = {}


def before(*moves) -> Callable[[Check], Check]:
    """Register a check for the moves given, each a (source, target) pair or a list of them."""
    pairs = []
    for move in moves:
        pairs.extend(move if isinstance(move, list) else [move])

    def register(check: Check) -> Check:
        for source, target in pairs:
            if lifecycle.transition_between(source, target) is None:
                raise ValueError(f"{check.__name__}: {source} to {target} is not a move.")
            checks = _CHECKS.setdefault((source, target), [])
            if check not in checks:
                checks.append(check)
        return check

    return register


def checks_for(source: str, target: str) -> list[Check]:
    return list(_CHECKS.get((source, target), []))


def outstanding(inspection, target: str) -> list[Outstanding]:
    """What is unfinished before ``inspection`` moves from its status to ``target``."""
    found: list[Outstanding] = []
    for check in checks_for(inspection.status, target):
        result = check(inspection)
        if result is None:
            continue
        found.extend([result] if isinstance(result, Outstanding) else result)
    return found


def fingerprint(items: Iterable[Outstanding]) -> str:
    """A short digest of a list of outstanding work: a confirmation made on a page that showed
    another list (a stale page) is refused rather than recorded against the wrong list."""
    canonical = json.dumps(
        [[i.code, i.count, i.detail] for i in items], separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


# Checks of the reason given for a move (it is published in the report's methodology annex):
# each returns a problem to show the person, or None.
ReasonCheck = Callable[[object, str], "str | None"]
_REASON_CHECKS: list[ReasonCheck] = []


def reason_check(check: ReasonCheck) -> ReasonCheck:
    if check not in _REASON_CHECKS:
        _REASON_CHECKS.append(check)
    return check


def reason_problems(inspection, reason: str) -> list[str]:
    return [p for check in _REASON_CHECKS if (p := check(inspection, reason))]


def autodiscover() -> None:
    """Import every installed app's ``readiness`` module, which registers its checks."""
    autodiscover_modules("readiness")


# --- the programmes app's own checks -----------------------------------------------------------


@before(NOTIFY, START_FIELDWORK)
def lead_appointed(inspection):
    if not TeamMember.objects.filter(inspection=inspection, role="lead").exists():
        return Outstanding(
            "lead",
            "No lead inspector on the team",
            "No lead inspector is on the team.",
            1,
            reverse("team-add", args=[inspection.pk]),
        )
    return None
