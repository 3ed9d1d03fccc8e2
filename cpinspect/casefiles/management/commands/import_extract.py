"""cpinspect import_extract --inspection ID --profile NAME --user EMAIL FILE [--json]"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cpinspect.casefiles import conf, services
from cpinspect.casefiles.models import ExtractStatus
from cpinspect.casefiles.report import report_rows
from cpinspect.casefiles.schema import category_label

from ._common import acting_user, team_inspection

STEPS = ["read", "validate", "pseudonymise", "write"]


class Command(BaseCommand):
    help = "Import a force's extract into an inspection: validate, pseudonymise, write the frame."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--inspection", required=True, type=int)
        parser.add_argument("--profile", default="canonical", help="built-in name or YAML path")
        parser.add_argument("--user", help="e-mail of the team member importing")
        parser.add_argument(
            "--accept-rejections",
            action="store_true",
            help=f"import even when more than {conf.max_reject_share() * 100:g}%% of rows are "
            "rejected",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        user = acting_user(options)
        inspection = team_inspection(options["inspection"], user)
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        bar = None
        if not options["json"] and not options["no_progress"]:
            from tqdm import tqdm

            bar = tqdm(total=len(STEPS), desc="import", unit="step", file=sys.stderr)

        def progress(label):
            if bar is not None:
                bar.set_postfix_str(label)
                bar.update(1)

        extract = services.extract_import(
            inspection=inspection,
            user=user,
            data=data,
            profile_name=options["profile"],
            accept_rejections=options["accept_rejections"],
            via="cli",
            progress=progress,
        )
        if bar is not None:
            bar.close()
        result = {
            "extract": extract.pk,
            "status": extract.status,
            "error": extract.error or None,
            "rows_read": extract.rows_read,
            "rows_accepted": extract.rows_accepted,
            "rows_rejected": extract.rows_rejected,
            "rows_with_warnings": extract.rows_warned,
            "problems": extract.problem_counts,
            "frame_sha256": extract.frame_sha256 or None,
            "seconds": round(extract.seconds, 3),
        }
        if options["json"]:
            result["report"] = extract.report
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self._print(extract)
        if extract.status == ExtractStatus.FAILED:
            raise CommandError("Nothing was imported.")
        if extract.status == ExtractStatus.REFUSED:
            raise CommandError(
                f"{extract.reject_share:.1%} of rows were rejected (more than "
                f"{conf.max_reject_share():.0%}): nothing was imported. Check the report, then "
                "run again with --accept-rejections to import the rest."
            )

    def _print(self, extract):
        out = self.stdout.write
        out(f"Extract {extract.pk}: {extract.get_status_display()}")
        if extract.error:
            out(f"  {extract.error}")
            return
        out(
            f"  {extract.rows_read} rows read, {extract.rows_accepted} accepted, "
            f"{extract.rows_rejected} rejected, {extract.rows_warned} accepted with warnings "
            f"({extract.file_format}, {extract.encoding})"
        )
        for problem, count in sorted(extract.problem_counts.items()):
            out(f"  {count:>7}  {problem.replace('_', ' ')}")
        for row in report_rows(extract.report[:20]):
            out(
                f"  line {row['line']}: {row['field']}: {row['label']}; found {row['found']!r}, "
                f"expected {row['expected']}"
            )
        if len(extract.report) > 20:
            out(f"  ... {len(extract.report) - 20} more (use --json for all)")
        if hasattr(extract, "summary"):
            for category, count in extract.summary.by_category.items():
                out(f"  {count:>7}  {category_label(category)}")
