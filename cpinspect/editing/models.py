"""A version on every record a person edits, and the one-time tokens of create forms."""

from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import class_prepared


class Versioned(models.Model):
    """A record people edit. ``version`` starts at 1 and a database trigger adds one on every
    change of its other columns, whoever makes it (a page, the API, the admin, a service or
    SQL), so a page that sends back the version it read can be told it is out of date."""

    # Columns whose change is not an edit of the record (e.g. a user's last sign-in).
    version_ignores: tuple[str, ...] = ()

    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised by one on every change (a trigger)."
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, then read back the version the trigger gave the row, so that this copy can
        be sent on (a page's hidden field, the next edit) without looking stale."""
        updating = not self._state.adding and self.pk is not None
        super().save(*args, **kwargs)
        if updating:
            self.version = (
                type(self)._base_manager.filter(pk=self.pk).values_list("version", flat=True).get()
            )


def _bump_sql(model) -> str:
    """Raise the version when another column changes; never let a save lower it (a stale copy
    saved unchanged writes its old version: the stored one is kept)."""
    meta = model._meta
    ignored = {"version", *model.version_ignores}
    ignored |= {f.name for f in meta.local_fields if getattr(f, "auto_now", False)}
    columns = sorted(meta.get_field(name).column for name in ignored)
    keys = "ARRAY[" + ", ".join(f"'{c}'" for c in columns) + "]"
    return (
        f"IF (to_jsonb(NEW.*) - {keys}) IS DISTINCT FROM (to_jsonb(OLD.*) - {keys}) THEN "
        "NEW.version := OLD.version + 1; "
        "ELSE NEW.version := OLD.version; END IF; RETURN NEW;"
    )


def _bump_version_trigger(sender, **kwargs):
    """Every concrete ``Versioned`` model gets the trigger; its changes come to the history
    tables with the new version, which is how a refusal names who saved since."""
    meta = sender._meta
    if not issubclass(sender, Versioned) or meta.abstract or meta.proxy:
        return
    pgtrigger.register(
        pgtrigger.Trigger(
            name="bump_version",
            when=pgtrigger.Before,
            operation=pgtrigger.Update,
            func=_bump_sql(sender),
        )
    )(sender)


class_prepared.connect(_bump_version_trigger)


class SubmissionToken(models.Model):
    """A create form's one-time token (or an API client's ``Idempotency-Key``), stored in the
    transaction that creates the record: a second submission of the same form waits for the
    first, finds its token and is answered with what the first one created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=300, help_text="Where it was used (method and path).")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of what was sent.")
    created_at = models.DateTimeField(auto_now_add=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="submission_token_used_once")
        ]

    def __str__(self):
        return f"Submission {self.pk} by user {self.user_id}"
