"""Optimistic concurrency for every record a person edits (ADR 0020).

A page or an API client sends back the version of the record it read. The service re-reads
the row with a lock (``locked_for_edit``, or ``check`` on a row it has locked) and, if the
version has moved on, refuses with ``StaleEdit``: who saved since and when (from the change
history: each change's event row carries the new version and the request's user), and each
field they changed, theirs beside what this person sent. Nothing is saved, and the caller
shows the person's values again.

``version`` is the one the person started from; 0 means they saw no record yet (a form that
creates or changes, such as a judgement); ``None`` means it is not known (an old page): then
only a save that changes nothing stored gets through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from cpinspect.web.templatetags.ukdates import uk_date, uk_datetime, uk_time

NOT_A_PERSON = "The system"  # a change made outside a signed-in request (a command, a script)


@dataclass(frozen=True)
class Change:
    """One field someone else changed: their stored value beside the one this person sent."""

    field: str
    label: str
    theirs: str
    yours: str


@dataclass(frozen=True)
class Save:
    by: str
    at: datetime


@dataclass(eq=False)
class StaleEdit(Exception):
    """The record changed (or went) after the person read it; nothing was saved."""

    current: models.Model | None
    saves: list[Save] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    gone: bool = False
    what: str = "this"
    deleted: models.Model | None = None  # a deleted record's last values (its history row)

    def __post_init__(self):
        super().__init__(self.summary)

    @property
    def by(self) -> str:
        names = list(dict.fromkeys(s.by for s in self.saves)) or ["Someone"]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def at(self) -> datetime | None:
        return self.saves[-1].at if self.saves else None

    @property
    def when(self) -> str:
        return when_text(self.at) if self.at else "since"

    @property
    def not_deleted(self) -> str:
        """The refusal of a deletion from a page opened before the change."""
        changed = ", ".join(c.label.lower() for c in self.changes)
        return (
            f"{self.by} changed {self.what} {self.when}{f' ({changed})' if changed else ''}, "
            "after you opened the page: nothing was deleted. Look at their version, then "
            "delete it again if you still want to."
        )

    @property
    def summary(self) -> str:
        return self.said("nothing was saved" if self.gone else "nothing of yours was saved")

    def said(self, outcome: str) -> str:
        """The refusal in one sentence, ending with what became of this person's request."""
        verb = "deleted" if self.gone else "changed"
        return f"{self.by} {verb} {self.what} {self.when}, after you opened the page: {outcome}."

    def as_dict(self) -> dict:
        """The API's account of the refusal (the caller adds the current representation)."""
        return {
            "detail": self.summary,
            "changed_by": [{"name": s.by, "at": s.at} for s in self.saves],
            "changes": [
                {"field": c.field, "label": c.label, "theirs": c.theirs, "yours": c.yours}
                for c in self.changes
            ],
            "version": getattr(self.current, "version", None),
        }


def when_text(at: datetime) -> str:
    local = timezone.localtime(at)
    if local.date() == timezone.localdate():
        return f"at {uk_time(local)}"
    return f"on {uk_datetime(local)}"


# --- the check ---------------------------------------------------------------------------------


def locked_for_edit(
    model: type[models.Model],
    pk,
    *,
    version: int | None,
    yours: Mapping[str, Any] | None,
    what: str = "this",
):
    """The stored row, locked until the transaction ends, if it is still at ``version`` (or
    already holds ``yours``: the same save twice loses nothing). Otherwise ``StaleEdit``.
    ``yours=None`` (a deletion, a decision): the version alone decides."""
    current = model.objects.select_for_update().filter(pk=pk).first()
    if current is None:
        raise deletion(model, pk, what=what)
    return check(current, version=version, yours=yours, what=what)


def check(
    current: models.Model, *, version: int | None, yours: Mapping[str, Any] | None, what="this"
):
    """``current`` (locked by the caller) if ``version`` is its version or it already holds
    ``yours``; otherwise ``StaleEdit``."""
    if version is not None and version == current.version:
        return current
    if yours is not None and holds(current, yours):
        return current
    raise stale(current, version=version, yours=yours, what=what)


def holds(instance: models.Model, values: Mapping[str, Any]) -> bool:
    return all(_same(_stored(instance, name), value) for name, value in values.items())


def stale(
    current: models.Model, *, version: int | None, yours: Mapping[str, Any] | None, what="this"
) -> StaleEdit:
    """The refusal: who saved since ``version`` and, for each field in ``yours`` (or, with no
    ``yours``, each field), what they changed. Without the starting version in the history,
    a field counts as changed where theirs and yours differ."""
    model = type(current)
    events = _events(model, current.pk)
    started = None
    if version:
        started = next((e for e in reversed(events) if e.version == version), None)
    since = [e for e in events if version is None or e.version > version] or events[-1:]
    if yours is None:  # nothing sent: report what changed since the version they saw
        yours = {
            name: _stored(started, name, model=model)
            for name in _editable(model)
            if started is not None and hasattr(started, _attname(model, name))
        }
    changes = []
    for name, value in yours.items():
        theirs = _stored(current, name)
        if started is not None and hasattr(started, _attname(model, name)):
            changed = not _same(_stored(started, name, model=model), theirs)
        else:
            changed = not _same(theirs, value)
        if changed:
            changes.append(
                Change(
                    field=name,
                    label=_label(model, name),
                    theirs=shown(model, name, theirs),
                    yours=shown(model, name, value),
                )
            )
    if started is not None:  # what else they changed, that this form does not hold
        for name in _editable(model):
            if name in yours or not hasattr(started, _attname(model, name)):
                continue
            theirs = _stored(current, name)
            if not _same(_stored(started, name, model=model), theirs):
                changes.append(
                    Change(name, _label(model, name), shown(model, name, theirs), NOT_ON_FORM)
                )
    return StaleEdit(current=current, saves=_saves(since), changes=changes, what=what)


NOT_ON_FORM = "(not on this page)"


def _editable(model) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and not getattr(f, "auto_now_add", False)
    ]


def deletion(model: type[models.Model], pk, *, what="this", **belongs) -> StaleEdit:
    """``StaleEdit`` for a record deleted since it was read, naming who deleted it. ``belongs``
    (e.g. ``inspection_id=...``) restricts the history to rows the caller may speak of."""
    events = [e for e in _events(model, pk, **belongs) if e.pgh_label == "delete"]
    return StaleEdit(
        current=None,
        saves=_saves(events[-1:]),
        gone=True,
        what=what,
        deleted=events[-1] if events else None,
    )


def was_deleted(model: type[models.Model], pk, **belongs) -> bool:
    event_model = getattr(model, "pgh_event_model", None)
    if event_model is None:
        return False
    return event_model.objects.filter(pgh_obj_id=pk, pgh_label="delete", **belongs).exists()


# --- reading the history ---------------------------------------------------------------------


def _events(model, pk, **belongs) -> list:
    event_model = getattr(model, "pgh_event_model", None)
    if event_model is None:  # not tracked: no one to name
        return []
    return list(
        event_model.objects.filter(pgh_obj_id=pk, **belongs)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )


def _saves(events) -> list[Save]:
    ids = {_user_id(e) for e in events} - {None}
    names = {u.pk: u.full_name for u in get_user_model().objects.filter(pk__in=ids)}
    return [Save(by=names.get(_user_id(e), NOT_A_PERSON), at=e.pgh_created_at) for e in events]


def _user_id(event):
    context = event.pgh_context
    user = (context.metadata or {}).get("user") if context is not None else None
    try:
        return int(user) if user is not None else None
    except (TypeError, ValueError):
        return None


# --- values as stored and as shown -----------------------------------------------------------


def _attname(instance_or_model, name: str) -> str:
    model = instance_or_model if isinstance(instance_or_model, type) else type(instance_or_model)
    return model._meta.get_field(name).attname


def _stored(instance, name: str, model=None):
    return getattr(instance, _attname(model or instance, name))


def _same(a, b) -> bool:
    a, b = _plain(a), _plain(b)
    return a == b


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, tuple):
        return list(value)
    if value is None:
        return ""
    return value


def _label(model, name: str) -> str:
    label = str(model._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def shown(model, name: str, value) -> str:
    """A stored value in words: a choice's label, a related record's name, a date as a date."""
    f = model._meta.get_field(name)
    if value in (None, "", []):
        return "(empty)"
    if isinstance(value, models.Model):
        return str(value)
    if f.is_relation:
        related = f.related_model.objects.filter(pk=value).first()
        return str(related) if related is not None else "(deleted)"
    choices = dict(f.flatchoices) if f.choices else None
    base = getattr(f, "base_field", None)
    if choices is None and base is not None and base.choices:
        choices = dict(base.flatchoices)
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) if choices else str(v) for v in value)
    if choices:
        return str(choices.get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return uk_datetime(value)
    if isinstance(value, date):
        return uk_date(value)
    return str(value)
