"""cpinspect backup [--output FILE] [--no-progress]

One encrypted archive of the database, its keys and the files it points to (ADR 0019). The
passphrase comes from CPINSPECT_BACKUP_PASSPHRASE, or is typed at a terminal.
"""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cpinspect.backups import postgres, services
from cpinspect.backups.management.commands._passphrase import passphrase, progress_bar


def default_name() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"cpinspect-{settings.DATABASES['owner']['NAME']}-{stamp}.backup"


class Command(BaseCommand):
    help = (
        "Write one encrypted archive of the database, its keys, frames, vaults and uploads, "
        "with a manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help="the archive to write (default: a dated name here)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, output=None, no_progress=False, **options):
        output = output or Path(default_name())
        secret = passphrase(confirm=True)
        path, source = postgres.tool("pg_dump")
        self.stdout.write(f"pg_dump: {path} ({source})")
        try:
            manifest = services.backup_create(
                path=output, passphrase=secret, bar=progress_bar(no_progress)
            )
        except services.BackupRefused as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["tables"].values())
        size = output.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {output} ({size / 1024**2:.1f} MB, readable by you only): "
                f"the database ({len(manifest['tables'])} tables, {rows} rows), "
                f"{len(manifest['files'])} case file(s), keys: "
                f"pseudonym {manifest['keys']['pseudonym']}, "
                f"evidence {manifest['keys']['evidence']}."
            )
        )
        for warning in missing_keys(manifest):
            self.stdout.write(self.style.WARNING(warning))
        self.stdout.write(
            "The archive holds the keys: keep its passphrase in another place than the archive."
        )


def missing_keys(manifest) -> list[str]:
    """Warnings for data whose key this installation does not have (it was lost before)."""
    tables, found = manifest["tables"], manifest["keys"]
    out = []
    if found["pseudonym"] == "missing" and tables.get("casefiles_extract"):
        out.append(
            "No pseudonym key was found (CPINSPECT_PSEUDONYM_KEY or var/keys/casefiles.key), "
            "yet there are case extracts: their kept references cannot be read."
        )
    if found["evidence"] == "missing" and tables.get("assessments_assessment"):
        out.append(
            "No evidence key was found (CPINSPECT_EVIDENCE_KEYS or var/keys/evidence.keys), "
            "yet there are assessments: their notes cannot be read."
        )
    return out
