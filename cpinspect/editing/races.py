"""Unique-constraint races turned into the message a person can act on (ADR 0020).

Two people adding the same thing at once both pass the service's own check (neither has
committed); the database's unique index lets one in and refuses the other. ``unique_as`` runs
the write in a savepoint and turns that refusal, found by the constraint's name, into the
``ValidationError`` the page or the API shows, instead of a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def constraint_of(error: IntegrityError) -> str | None:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


@contextmanager
def unique_as(messages: Mapping[str, Callable[[], ValidationError]]):
    """Inside: one write. A unique violation of a constraint named in ``messages`` raises the
    ``ValidationError`` its callable makes (called after the refusal, so it can read what the
    other person committed); any other violation is raised as it is."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        make = messages.get(constraint_of(error) or "")
        if make is None:
            raise
        raise make() from error
