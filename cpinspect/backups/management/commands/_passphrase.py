"""The archive's passphrase: from CPINSPECT_BACKUP_PASSPHRASE, or typed at a terminal."""

import getpass
import os
import sys

from django.core.management.base import CommandError

from cpinspect.backups.services import PASSPHRASE_ENV


def passphrase(*, confirm: bool) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CommandError(
            f"Give the backup's passphrase in {PASSPHRASE_ENV} (or run this at a terminal to "
            "type it). Keep it apart from the archive."
        )
    value = getpass.getpass("Backup passphrase: ")
    if confirm and getpass.getpass("The same passphrase again: ") != value:
        raise CommandError("The two passphrases differ; nothing was written.")
    return value


def progress_bar(disabled: bool):
    from tqdm import tqdm

    def bar(description, total):
        return tqdm(
            desc=description,
            total=total,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            disable=disabled,
        )

    return bar
