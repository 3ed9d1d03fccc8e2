"""cpinspect generate_extract --force CODE --rows N --seed S --out FILE [--bad-rows K]"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cpinspect.casefiles import generator
from cpinspect.registry.models import Council, Force


class Command(BaseCommand):
    help = "Write a synthetic extract in the canonical schema (no real personal data)."

    def add_arguments(self, parser):
        parser.add_argument("--force", required=True, help="force code, e.g. E23000028")
        parser.add_argument("--rows", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", required=True)
        parser.add_argument("--bad-rows", type=int, default=0)
        parser.add_argument("--until", default="2026-09-30", help="latest date (YYYY-MM-DD)")
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--format", choices=["csv", "xlsx", "parquet"])

    def handle(self, *args, **options):
        try:
            force = Force.objects.get(code=options["force"])
        except Force.DoesNotExist:
            raise CommandError(f"No force with code {options['force']}.") from None
        councils = list(force.councils.order_by("code").values_list("code", flat=True))
        outside = Council.objects.exclude(force=force).order_by("code").first()
        out = Path(options["out"])
        fmt = options["format"] or {".xlsx": "xlsx", ".parquet": "parquet"}.get(
            out.suffix.lower(), "csv"
        )
        frame = generator.generate(
            rows=options["rows"],
            seed=options["seed"],
            councils=councils,
            until=dt.date.fromisoformat(options["until"]),
            months=options["months"],
            bad_rows=options["bad_rows"],
            outside_council=outside.code if outside else "W06000001",
        )
        generator.write(frame, out, fmt)
        self.stdout.write(
            f"Wrote {frame.height} rows ({options['bad_rows']} deliberately bad) for "
            f"{force.name} to {out}"
        )
