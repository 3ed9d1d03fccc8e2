"""``cpinspect load_reference_data [--source DIR]``: load forces, councils and published grades."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cpinspect.registry.reference_data import DATA_DIR, ReferenceDataError, load


class Command(BaseCommand):
    help = (
        "Load inspectorates, forces, councils and published PEEL grades from the reference data "
        "files, changing only what differs. A bad file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            type=Path,
            default=None,
            help=f"folder holding the reference data files (default: {DATA_DIR})",
        )

    def handle(self, *args, source=None, **options):
        try:
            report = load(source)
        except ReferenceDataError as error:
            # CommandError prints the message to stderr and exits non-zero, without a traceback.
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
        if not report.changed:
            self.stdout.write("Nothing changed: the database already matches the files.")
