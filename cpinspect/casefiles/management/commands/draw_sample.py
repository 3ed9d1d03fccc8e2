"""cpinspect draw_sample --inspection ID --user EMAIL [--size N] [--seed S] [...]
[--redraw REASON]

An inspection has one sample in use: drawing again, from an import newer than the sample's,
needs ``--redraw`` with the reason, which is recorded."""

import json

from django.core.management.base import BaseCommand, CommandError

from cpinspect.casefiles import precision, sampling, selectors, services
from cpinspect.casefiles.models import Allocation
from cpinspect.casefiles.schema import category_label

from ._common import acting_user, team_inspection


class Command(BaseCommand):
    help = "Draw the stratified sample (and reserves) from the inspection's latest extract."

    def add_arguments(self, parser):
        parser.add_argument("--inspection", required=True, type=int)
        parser.add_argument("--user", help="e-mail of the team member drawing")
        parser.add_argument("--size", type=int, help="total sample size (default: the rule)")
        parser.add_argument("--seed", type=int, help="random seed (default: a fresh one)")
        parser.add_argument("--method", choices=Allocation.values, default=Allocation.PROPORTIONAL)
        parser.add_argument("--minimum", type=int, default=5, help="minimum per category")
        parser.add_argument("--fixed", help='fixed counts as JSON, e.g. {"custody": 10}')
        parser.add_argument("--exclude-older-than-months", type=int)
        parser.add_argument(
            "--redraw",
            metavar="REASON",
            help="replace the sample in use with one drawn from the newest import, for REASON",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        user = acting_user(options)
        inspection = team_inspection(options["inspection"], user)
        in_use = selectors.sample_for(user, inspection)
        if in_use is not None:
            extract = selectors.newer_import(user, inspection, in_use)
            if extract is None:
                raise CommandError(
                    f"Inspection {inspection.pk} already has a sample ({in_use.total_size} cases "
                    f"from import {in_use.extract_id}); to draw again, import the file again, "
                    "then run with --redraw REASON."
                )
            if not options["redraw"]:
                raise CommandError(
                    f"Inspection {inspection.pk} already has a sample ({in_use.total_size} cases "
                    f"from import {in_use.extract_id}). To replace it with one drawn from import "
                    f"{extract.pk}, run again with --redraw REASON (the reason is recorded)."
                )
        else:
            extract = selectors.current_extract(user, inspection)
        if extract is None:
            raise CommandError("The inspection has no imported extract to sample.")
        try:
            fixed = json.loads(options["fixed"]) if options["fixed"] else {}
        except ValueError:
            raise CommandError('--fixed must be JSON, e.g. {"custody": 10}') from None
        design = sampling.Design(
            size=options["size"],
            method=options["method"],
            minimum=options["minimum"],
            fixed=fixed,
            exclude_older_than_months=options["exclude_older_than_months"],
        )
        try:
            sample = services.sample_draw(
                extract=extract,
                user=user,
                design=design,
                seed=options["seed"],
                redraw_reason=options["redraw"] or "" if in_use else "",
            )
        except (services.SampleRefused, ValueError) as exc:
            raise CommandError(str(exc)) from None
        rows = precision.table(sample.allocation, sample.population)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "sample": sample.pk,
                        "seed": sample.seed,
                        "frame_sha256": sample.frame_sha256,
                        "total": sample.total_size,
                        "allocation": sample.allocation,
                        "reserves": sample.reserves,
                        "population": sample.population,
                        "excluded": sample.excluded,
                        "precision": rows,
                    },
                    indent=2,
                )
            )
            return
        self.stdout.write(
            f"Sample {sample.pk}: {sample.total_size} cases, seed {sample.seed}, "
            f"frame {sample.frame_sha256[:12]}"
        )
        for row in rows:
            margin = "-" if row["margin"] is None else f"±{row['margin_points']} points"
            self.stdout.write(
                f"  {category_label(row['stratum']):<40} {row['sample']:>4} of "
                f"{row['population']:>7}  reserves {sample.reserves.get(row['stratum'], 0):>3}"
                f"  {margin}"
            )
