"""cpinspect check_profile FILE: check an import profile; errors name file, line and problem."""

from django.core.management.base import BaseCommand, CommandError

from cpinspect.casefiles.profiles import ProfileError, get_profile


class Command(BaseCommand):
    help = "Check an import profile (a YAML file or a built-in name)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            profile = get_profile(options["file"])
        except ProfileError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(exc.problems)} problem(s) in the profile.") from None
        self.stdout.write(f"{profile.source}: profile {profile.name!r} is valid.")
