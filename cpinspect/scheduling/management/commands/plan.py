"""cpinspect plan --programme ID [--replan]: solve a programme's plan into a new draft version."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from cpinspect.accounts.models import User
from cpinspect.programmes.models import Programme
from cpinspect.scheduling import services
from cpinspect.scheduling.solver import SolveParams


class Command(BaseCommand):
    help = "Solve (or re-plan) a programme's schedule with CP-SAT into a new draft plan version."

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="Programme id or name")
        parser.add_argument("--replan", action="store_true", help="Keep the published plan")
        parser.add_argument("--time-limit", type=float, default=30.0)
        parser.add_argument("--seed", type=int, default=SolveParams().seed)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--max-concurrent", type=int, default=None)
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="The planning date, YYYY-MM-DD "
            "(default: the one the programme's plan was made as of)",
        )
        parser.add_argument("--reason", default="")
        parser.add_argument(
            "--deadline",
            action="append",
            default=[],
            metavar="INSPECTION_ID=YYYY-MM-DD",
            help="An inspection that must start by a date (repeatable)",
        )
        parser.add_argument("--user", help="E-mail of the programme manager asking (optional)")
        parser.add_argument("--publish", action="store_true", help="Publish the draft if solved")

    def handle(self, *args, **options):
        key = options["programme"]
        programme = (
            Programme.objects.filter(pk=int(key)).first()
            if key.isdigit()
            else Programme.objects.filter(name=key).first()
        )
        if programme is None:
            raise CommandError(f"No programme {key!r}.")
        user = None
        if options["user"]:
            user = User.objects.filter(email__iexact=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        deadlines = {}
        for item in options["deadline"]:
            try:
                key_text, _, day = item.partition("=")
                deadlines[int(key_text)] = date.fromisoformat(day)
            except ValueError as error:
                raise CommandError(f"--deadline {item!r}: use INSPECTION_ID=YYYY-MM-DD") from error
        params = SolveParams(
            time_limit=options["time_limit"], workers=options["workers"], seed=options["seed"]
        )
        limit = params.time_limit

        def progress(event):
            share = min(1.0, event["seconds"] / limit) if limit else 1.0
            bar = "#" * int(30 * share)
            self.stdout.write(
                f"\r[{bar:<30}] {event['seconds']:6.1f}s  solution {event['solution']:>3}  "
                f"objective {event['objective']:.0f}  bound {event['bound']:.0f}",
                ending="",
            )
            self.stdout.flush()

        self.stdout.write(
            f"Solving {programme} ({'re-plan' if options['replan'] else 'fresh'}), "
            f"time limit {limit:g}s, seed {params.seed}, {params.workers} workers"
        )
        try:
            version = services.plan_solve(
                user,
                programme=programme,
                replan=options["replan"],
                as_of=options["as_of"],
                params=params,
                reason=options["reason"],
                max_concurrent=options["max_concurrent"],
                deadlines=deadlines,
                progress=progress,
                via="cli",
            )
        except services.PlanError as error:
            raise CommandError(str(error)) from error
        self.stdout.write("")
        self.stdout.write(
            f"Plan version {version.number} (id {version.pk}): {version.get_state_display()}"
        )
        self.stdout.write(f"  solver:    {version.solver_version}")
        self.stdout.write(f"  status:    {version.solver_status}")
        if version.objective is not None:
            self.stdout.write(
                f"  objective: {version.objective:.0f} "
                f"(bound {version.bound:.0f}, gap {version.gap:.2%})"
            )
        self.stdout.write(f"  time:      {version.wall_time:.1f}s")
        self.stdout.write(
            f"  placed:    {len(version.plan)} inspections, "
            f"{version.assignments.count()} team places"
        )
        if version.changes:
            self.stdout.write(
                f"  moved:     {len(version.changes['moved'])} inspections, "
                f"{len(version.changes['left'])} people taken off, "
                f"{version.changes['assignments_moved']} assignments in all"
            )
        for item in version.explanation:
            self.stdout.write(f"  conflict:  {item['message']}")
        if options["publish"] and version.state == "draft":
            if user is None:
                raise CommandError("--publish needs --user (who publishes is recorded).")
            services.plan_publish(user, version=version)
            self.stdout.write(f"Published version {version.number}.")
        if version.state == "infeasible":
            raise CommandError("No plan is possible; see the conflicts above.")
