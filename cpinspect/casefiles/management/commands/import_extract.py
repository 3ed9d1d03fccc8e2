"""cpinspect import_extract --inspection ID --profile NAME --user EMAIL FILE [--json]
[--report FILE]

Prints a summary (counts by kind of problem, rows out of scope, columns dropped, the first
problems); the whole validation report is on the import's page, in the API, and in the CSV
file ``--report`` writes."""

import csv
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cpinspect.casefiles import conf, report, services
from cpinspect.casefiles.models import ExtractStatus
from cpinspect.casefiles.schema import category_label

from ._common import acting_user, team_inspection

FIRST = 20  # problems printed (the rest: the page, the API or --report)

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
        parser.add_argument(
            "--report", metavar="CSV", help="write every row of the validation report to CSV"
        )
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

        try:
            extract = services.extract_import(
                inspection=inspection,
                user=user,
                data=data,
                profile_name=options["profile"],
                accept_rejections=options["accept_rejections"],
                via="cli",
                progress=progress,
                file_name=path.name,
            )
        except services.ImportRefused as refusal:
            raise CommandError(str(refusal)) from None
        finally:
            if bar is not None:
                bar.close()
        first = report.report_rows(extract, extract.problems.order_by("seq")[:FIRST].values())
        result = {
            "extract": extract.pk,
            "file_name": extract.file_name,
            "status": extract.status,
            "error": extract.error or None,
            "rows_read": extract.rows_read,
            "rows_accepted": extract.rows_accepted,
            "rows_rejected": extract.rows_rejected,
            "rows_with_warnings": extract.rows_warned,
            "rows_out_of_scope": extract.rows_out_of_scope,
            "out_of_scope": extract.out_of_scope,
            "problems": extract.problem_counts,
            "problem_kinds": extract.problem_kinds,
            "first_problems": [
                {k: row[k] for k in ("line", "field", "column", "problem", "found", "expected")}
                for row in first
            ],
            "columns_kept": extract.columns_kept,
            "columns_dropped": extract.columns_dropped,
            "frame_sha256": extract.frame_sha256 or None,
            "seconds": round(extract.seconds, 3),
        }
        if options["report"]:
            result["report_file"] = self._write_report(extract, Path(options["report"]))
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self._print(extract, first)
        if extract.status == ExtractStatus.FAILED:
            raise CommandError("Nothing was imported.")
        if extract.status == ExtractStatus.REFUSED:
            raise CommandError(
                f"{extract.reject_share:.1%} of rows were rejected (more than "
                f"{conf.max_reject_share():.0%}): nothing was imported. Check the report, then "
                "run again with --accept-rejections to import the rest."
            )

    def _write_report(self, extract, path: Path) -> str:
        """Every row of the report, in line order, read from the database in batches."""
        keys = ["line", "column", "field", "problem", "label", "severity", "found", "expected"]
        try:
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(keys)
                rows = extract.problems.order_by("seq").values("line", "field", "problem", "found")
                batch = []
                for row in rows.iterator(chunk_size=5000):
                    batch.append(row)
                    if len(batch) == 5000:
                        writer.writerows(
                            [r[k] for k in keys] for r in report.report_rows(extract, batch)
                        )
                        batch = []
                writer.writerows([r[k] for k in keys] for r in report.report_rows(extract, batch))
        except OSError as exc:
            raise CommandError(f"Cannot write the report to {path}: {exc.strerror}") from None
        return str(path)

    def _print(self, extract, first):
        out = self.stdout.write
        out(f"Extract {extract.pk} ({report.file_words(extract)}): {extract.get_status_display()}")
        if extract.error:
            out(f"  {extract.error}")
            return
        out(
            f"  {extract.rows_read} rows read, {extract.rows_accepted} accepted, "
            f"{extract.rows_rejected} rejected, {extract.rows_warned} accepted with warnings, "
            f"{extract.rows_out_of_scope} out of scope"
        )
        for row in extract.out_of_scope:
            out(
                f"  {row['rows']:>7}  out of scope: {row['reason']} "
                f"(first on line {row['first_line']})"
            )
        for kind in report.kind_rows(extract):
            out(f"  {kind['rows']:>7}  {kind['label']}: {kind['column_words']}")
        if extract.columns_dropped:
            out(f"  columns dropped: {', '.join(extract.columns_dropped)}")
        for row in first:
            out(
                f"  line {row['line']}: {row['column_words']}: {row['label']}; "
                f"found {row['found']!r}, expected {row['expected']}"
            )
        total = sum(extract.problem_counts.values())
        if total > len(first):
            out(
                f"  ... {total - len(first)} more: see the import's page, or write them all "
                "with --report FILE"
            )
        if hasattr(extract, "summary"):
            for category, count in extract.summary.by_category.items():
                out(f"  {count:>7}  {category_label(category)}")
