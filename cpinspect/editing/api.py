"""The API's side of safe editing (ADR 0020).

- A change to an existing record names the version the client read: ``"version"`` in the body
  or an ``If-Match`` header (``"3"``, ``3`` or ``W/"3"``; both may be sent if they agree).
  Without one the answer is 428; a stale one gets 409 with who changed what and the record as
  it is now (``stale_response``).
- A create may send an ``Idempotency-Key`` header (1 to 100 visible characters, unique per
  user): the same key again gets the first answer (the created record, as it is now) with
  ``Idempotent-Replayed: true``; the same key with other content or on another endpoint gets
  422. Without the header each request is carried out.
"""

from __future__ import annotations

import re

from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from cpinspect.editing import submissions
from cpinspect.editing.versions import StaleEdit

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = (
        'Send the version you read, as "version" in the body or as an If-Match header: '
        "without it this change could overwrite someone else's."
    )
    default_code = "precondition_required"


class KeyReused(APIException):
    status_code = 422
    default_detail = (
        "This Idempotency-Key was already used for another request (other content or another "
        "endpoint). Use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


def sent_version(request, *, required: bool = True) -> int | None:
    """The version the client read: the body's ``version`` or ``If-Match``."""
    body = request.data.get("version") if hasattr(request.data, "get") else None
    header = request.headers.get("If-Match")
    from_header = None
    if header is not None:
        match = _ETAG.match(header.strip())
        if match is None:
            raise ValidationError({"version": 'If-Match must be a version number, e.g. "3".'})
        from_header = int(match.group(1))
    from_body = None
    if body not in (None, ""):
        try:
            from_body = int(body)
        except (TypeError, ValueError):
            raise ValidationError({"version": "The version is a whole number."}) from None
        if from_body < 0:
            raise ValidationError({"version": "The version is a whole number."})
    if from_body is not None and from_header is not None and from_body != from_header:
        raise ValidationError({"version": "The body and If-Match name different versions."})
    version = from_body if from_body is not None else from_header
    if version is None and required:
        raise PreconditionRequired()
    return version


def stale_response(stale: StaleEdit, current: dict | None) -> Response:
    body = stale.as_dict()
    body["current"] = current
    return Response(body, status=status.HTTP_409_CONFLICT)


def with_version(response: Response, version: int) -> Response:
    """An ``ETag`` with the record's version, for clients that prefer ``If-Match``."""
    response["ETag"] = f'"{version}"'
    return response


def _content(request) -> dict:
    data = request.data
    files = getattr(data, "files", None) or getattr(request, "FILES", {})
    if hasattr(data, "lists"):
        content = {k: v for k, v in data.lists() if k not in files}
    else:
        content = dict(data) if isinstance(data, dict) else {"body": data}
    content["files"] = sorted((name, f.name, f.size) for name, f in files.items())
    return content


def create_once(request, create) -> submissions.Outcome:
    """``create()`` once per ``Idempotency-Key`` (or every time, without one)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return submissions.Outcome(obj=create(), replayed=False)
    if not _KEY.match(key):
        raise ValidationError(
            {"Idempotency-Key": "Use 1 to 100 visible characters (no spaces), e.g. a UUID."}
        )
    try:
        return submissions.once(
            user=request.user,
            key=key,
            scope=f"{request.method} {request.path}",
            content_hash=submissions.fingerprint(_content(request)),
            create=create,
        )
    except submissions.SubmissionReused:
        raise KeyReused() from None


def created(body, outcome: submissions.Outcome) -> Response:
    response = Response(body, status=status.HTTP_201_CREATED)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
