"""One row per submission of a create form, however often it is sent (ADR 0020).

Each create form carries a one-time token (an API client may send an ``Idempotency-Key``).
``once`` stores the token and runs the create in one transaction: a second submission with the
same token waits on the token's unique index until the first commits, then finds it and is
answered with what the first one created. If the first failed, its token went with it and the
second is carried out. A token sent again with different content is refused
(``SubmissionReused``), so nothing typed the second time is silently dropped.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from cpinspect.editing.models import SubmissionToken

# What a page's form sends that is not the person's content.
NOT_CONTENT = {"csrfmiddlewaretoken", "submission"}


class SubmissionReused(Exception):
    """The token was already used, for something else (another form, or other content)."""


@dataclass(frozen=True)
class Outcome:
    obj: Any  # what the first submission created (None if it has been deleted since)
    replayed: bool


def new_key() -> str:
    return secrets.token_urlsafe(24)


def fingerprint(content) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()


def post_fingerprint(post, files=None) -> str:
    """A page's POST, without the CSRF token and the one-time token itself; uploaded files
    by name and size."""
    content = {k: v for k, v in post.lists() if k not in NOT_CONTENT}
    if files:
        content["files"] = sorted((k, f.name, f.size) for k, f in files.items())
    return fingerprint(content)


def once(*, user, key: str, scope: str, content_hash: str, create: Callable[[], Any]) -> Outcome:
    """``create()`` once for ``key``: the first time it runs; after that the answer is what it
    created. Errors raised by ``create`` leave no token behind."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                token = SubmissionToken.objects.create(
                    user=user, key=key, scope=scope, fingerprint=content_hash
                )
        except IntegrityError:  # the first submission has committed (we waited for it)
            used = SubmissionToken.objects.get(user=user, key=key)
            if used.scope != scope or used.fingerprint != content_hash:
                raise SubmissionReused(key) from None
            return Outcome(obj=used.target, replayed=True)
        obj = create()
        if obj is not None and getattr(obj, "pk", None) is not None:
            token.target_type = ContentType.objects.get_for_model(type(obj))
            token.target_id = str(obj.pk)
            token.save(update_fields=["target_type", "target_id"])
        return Outcome(obj=obj, replayed=False)
