"""cpinspect check_question_set [FILE ...]: check question set files; errors name file and line."""

from django.core.management.base import BaseCommand, CommandError

from cpinspect.assessments import questionsets
from cpinspect.casefiles.schema import CATEGORY_SLUGS


class Command(BaseCommand):
    help = (
        "Check question set files (YAML). With no FILE, check every question set in the "
        "repository. Exits with status 1 if any file has a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE")

    def handle(self, *args, **options):
        shipped = [questionsets.CORE, *CATEGORY_SLUGS]
        files = options["files"] or [
            str(questionsets.QUESTION_SETS_DIR / f"{name}.yaml") for name in shipped
        ]
        problems = 0
        failed = 0
        for path in files:
            try:
                qs = questionsets.check_file(path)
            except questionsets.QuestionSetError as exc:
                failed += 1
                problems += len(exc.problems)
                for problem in exc.problems:
                    self.stderr.write(str(problem))
                continue
            self.stdout.write(f"OK {path}: {qs.summary()}")
        if failed:
            raise CommandError(
                f"{problems} problem{'s' if problems != 1 else ''} in "
                f"{failed} file{'s' if failed != 1 else ''}."
            )
