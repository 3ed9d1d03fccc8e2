"""cpinspect restore ARCHIVE [--check] [--no-progress]

Bring a backup back into an empty installation (ADR 0019): the database (owned by the owner
role, the application's role granted its privileges as after migrate), the keys and the
files. Refused, with nothing written, for a wrong passphrase, a damaged, altered or
incomplete archive, a database that is not empty, or a key or file here that differs.
``--check`` reads and checks the archive and restores nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cpinspect.backups import services
from cpinspect.backups.archive import ArchiveError
from cpinspect.backups.management.commands._passphrase import passphrase, progress_bar


class Command(BaseCommand):
    help = "Restore a backup made by `cpinspect backup` into an empty installation."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="check the archive only; restore nothing"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, archive=None, check=False, no_progress=False, **options):
        secret = passphrase(confirm=False)
        bar = progress_bar(no_progress)
        try:
            if check:
                manifest = services.backup_check(path=archive, passphrase=secret, bar=bar)
            else:
                restored = services.backup_restore(path=archive, passphrase=secret, bar=bar)
                manifest = restored.manifest
        except (services.RestoreRefused, ArchiveError) as exc:
            raise CommandError(str(exc)) from None
        except services.RestoreFailed as exc:
            raise CommandError(f"The restore failed: {exc}") from None
        rows = sum(manifest["tables"].values())
        summary = (
            f"made {manifest['created_at']} by CP Inspect {manifest['app_version']} from the "
            f"database {manifest['database']['name']}: {len(manifest['tables'])} tables, "
            f"{rows} rows, {len(manifest['files'])} case file(s)"
        )
        if check:
            self.stdout.write(self.style.SUCCESS(f"The backup is complete and intact ({summary})."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup {summary}. Every table has its rows back "
                f"({restored.rows}); {restored.triggers} triggers are as they were; the "
                "application's role has its privileges."
            )
        )
        for note in restored.notes:
            self.stdout.write(self.style.WARNING(note))
