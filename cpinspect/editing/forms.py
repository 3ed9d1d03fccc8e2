"""What pages need for safe editing: the hidden fields (the version a form was opened at, a
create form's one-time token) and the two things a view does with them.

- ``show_stale(form, stale)``: the refusal on the form, on top and on each field someone else
  changed, with the person's typed values kept and the version moved to the stored one, so that
  saving again (having seen theirs) replaces it deliberately.
- ``create_once(request, form, create)``: run a create once per token; ``None`` when the token
  is missing or was used for something else (the form then says so and carries a new one).

Templates draw the hidden fields with ``{% include "editing/_hidden_fields.html" %}`` and the
comparison with ``{% include "editing/_stale_edit.html" %}`` (``stale`` in the context).
"""

from __future__ import annotations

from django import forms

from cpinspect.editing import submissions
from cpinspect.editing.versions import StaleEdit

OUT_OF_DATE = (
    "This page was opened before a change to the service: nothing was saved. "
    "Check what you typed, then save again."
)
REUSED = (
    "This form was already sent once, with other values, and that was saved. "
    "Nothing was saved this time: to save these values as well, send the form again."
)


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=0, **kwargs)


class SubmissionField(forms.CharField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=100, **kwargs)


class EditsRecord(forms.Form):
    """A form on one stored record: carries the version it was opened at (set the initial)."""

    version = VersionField()

    def sent_version(self) -> int | None:
        return self.cleaned_data.get("version")


class CreatesRecord(forms.Form):
    """A form that creates a record: carries a one-time token, new for each blank form."""

    submission = SubmissionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission"] = submissions.new_key()

    def record_data(self) -> dict:
        """What was typed for the record: the cleaned data without the one-time token."""
        return {k: v for k, v in self.cleaned_data.items() if k != "submission"}

    def renew_submission(self) -> None:
        self.data = self.data.copy()
        self.data["submission"] = submissions.new_key()


def show_stale(form: forms.Form, stale: StaleEdit) -> None:
    """Put the refusal on ``form`` (bound, with the person's values) and move its version to
    the stored one."""
    form.add_error(None, stale.summary)
    for change in stale.changes:
        if change.field in form.fields and change.field not in form.errors:
            form.add_error(
                change.field,
                f"{stale.by} changed this to “{_short(change.theirs)}”. "
                "Yours is kept here: save again to replace theirs.",
            )
    if stale.current is not None and "version" in form.fields:
        form.data = form.data.copy()
        form.data["version"] = stale.current.version


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def create_once(request, form: CreatesRecord, create) -> submissions.Outcome | None:
    """``create()`` once per the form's token (its fields and any files' names and sizes
    are what "the same submission" means)."""
    key = form.cleaned_data.get("submission")
    if not key:
        form.add_error(None, OUT_OF_DATE)
        form.renew_submission()
        return None
    try:
        return submissions.once(
            user=request.user,
            key=key,
            scope=f"{request.method} {request.path}",
            content_hash=submissions.post_fingerprint(request.POST, request.FILES),
            create=create,
        )
    except submissions.SubmissionReused:
        form.add_error(None, REUSED)
        form.renew_submission()
        return None


def create_even_if_reused(request, create) -> submissions.Outcome:
    """For what must never be refused (a child at risk): once per token when the page sent
    one, so a second click makes no second record; without a token, or with one already used
    for other content, it is created all the same."""
    key = request.POST.get("submission", "")
    if key:
        try:
            return submissions.once(
                user=request.user,
                key=key[:100],
                scope=f"{request.method} {request.path}",
                content_hash=submissions.post_fingerprint(request.POST),
                create=create,
            )
        except submissions.SubmissionReused:
            pass
    return submissions.Outcome(obj=create(), replayed=False)
