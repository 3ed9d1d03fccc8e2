"""cpinspect rotate_evidence_keys [--dry-run] [--no-progress]

Re-encrypt every encrypted value (evidence notes, free-text answers, rationales, escalation
concerns: ``encryption.encrypted_fields()``) under the first key of CPINSPECT_EVIDENCE_KEYS.

Rotation: put the new key first and keep the old ones, run this, then drop the old keys.

The stored tokens are read and written as they are, with SQL, so nothing is decrypted into
the application's objects, nothing else in the row changes (``Assessment.version``,
``updated_at``) and the change history records nothing (these fields are excluded from it).
A value already under the newest key is left alone, so a second run changes nothing. Each
write names the token it replaces: a value saved meanwhile by someone (necessarily under the
newest key) is never overwritten with an older one.
"""

import sys

from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction

from cpinspect.assessments import encryption

BATCH = 500


class Command(BaseCommand):
    help = (
        "Re-encrypt every evidence note, free text, rationale and concern under the newest "
        f"key (the first in {encryption.ENV})."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would change; write nothing"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, dry_run=False, no_progress=False, **options):
        try:
            encryption.keyring()  # a missing key, or one that is not a Fernet key, fails here
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        newest = Fernet(encryption.configured_keys().split(",")[0].strip())
        columns = []
        for model, names in encryption.encrypted_fields():
            for name in names:
                field = model._meta.get_field(name)
                total = model._base_manager.filter(**{f"{name}__isnull": False}).count()
                columns.append((model, field, total))
        from tqdm import tqdm

        bar = tqdm(
            total=sum(total for *_, total in columns),
            desc="dry run" if dry_run else "re-encrypting",
            unit="value",
            file=sys.stderr,
            disable=no_progress,
        )
        rotated = current = unreadable = 0
        problems = []
        try:
            for model, field, _ in columns:
                r, c, bad = self._column(model, field, newest, dry_run, bar)
                rotated, current, unreadable = rotated + r, current + c, unreadable + len(bad)
                label = f"{model._meta.label}.{field.name}"
                problems.extend(f"{label} id {pk}" for pk in bad)
        finally:
            bar.close()
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(
            f"{verb} {rotated} value{'s' * (rotated != 1)} under the newest key; "
            f"{current} already under it; {unreadable} unreadable; "
            f"{len(columns)} encrypted column{'s' * (len(columns) != 1)}."
        )
        if problems:
            shown = ", ".join(problems[:20]) + (" ..." if len(problems) > 20 else "")
            raise CommandError(
                f"{unreadable} value{'s' * (unreadable != 1)} cannot be decrypted with any key "
                f"in {encryption.ENV} (was an old key dropped too early?): {shown}"
            )

    def _column(self, model, field, newest, dry_run, bar):
        """Rotate one column; returns (rotated, already current, [unreadable ids])."""
        alias = router.db_for_write(model) or DEFAULT_DB_ALIAS
        connection = connections[alias]
        quote = connection.ops.quote_name
        table, column = quote(model._meta.db_table), quote(field.column)
        pk = quote(model._meta.pk.column)
        ids = list(
            model._base_manager.using(alias)
            .filter(**{f"{field.name}__isnull": False})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rotated = current = 0
        unreadable = []
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {pk}, {column} FROM {table} WHERE {pk} = ANY(%s)",  # noqa: S608
                    [chunk],
                )
                for row_id, token in cursor.fetchall():
                    bar.update(1)
                    if token is None:
                        continue
                    token = bytes(token)
                    try:
                        newest.decrypt(token)
                    except InvalidToken:
                        pass
                    else:
                        current += 1
                        continue
                    try:
                        fresh = encryption.rotate(token)
                    except InvalidToken:
                        unreadable.append(row_id)
                        continue
                    if dry_run:
                        rotated += 1
                        continue
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s "  # noqa: S608
                        f"WHERE {pk} = %s AND {column} = %s",
                        [fresh, row_id, token],
                    )
                    if cursor.rowcount:
                        rotated += 1
                    else:  # saved meanwhile, so already under the newest key
                        current += 1
        return rotated, current, unreadable
