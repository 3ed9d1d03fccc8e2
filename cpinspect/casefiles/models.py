"""Case extracts, their frames and samples. No raw case reference is ever stored here, except
the encrypted references of sampled cases and reserves (``SampledCase.raw_ref_encrypted``),
which the change history does not copy."""

import pgtrigger
from django.conf import settings
from django.db import models

from cpinspect.audittrail.tracking import track_changes
from cpinspect.casefiles.schema import CATEGORIES
from cpinspect.programmes.closing import closed_audit_guard

# The inspection of a sampled case's row, from OLD and from NEW.
_VIA_SAMPLE = "(SELECT inspection_id FROM casefiles_sample WHERE id = {}.sample_id)"


class ExtractStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    NEEDS_CONFIRMATION = "needs_confirmation", "Waiting for confirmation"
    IMPORTED = "imported", "Imported"
    REFUSED = "refused", "Not imported: too many rows rejected"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    SUPERSEDED = "superseded", "Replaced by a later import"


@track_changes(exclude=["stage"])
class Extract(models.Model):
    """One import run of a force's file into an inspection, with its validation report."""

    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="extracts"
    )
    profile = models.CharField(max_length=100)
    file_name = models.CharField(
        max_length=255, blank=True, help_text="The uploaded file's name, as it was received."
    )
    file_format = models.CharField(max_length=10, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=4, blank=True, help_text="CSV: what separates fields.")
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_bytes = models.BigIntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    via = models.CharField(max_length=8, default="web")
    status = models.CharField(
        max_length=20, choices=ExtractStatus.choices, default=ExtractStatus.RUNNING
    )
    stage = models.CharField(
        max_length=20, blank=True, help_text="The pipeline step running now, for the status page."
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_accepted = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_warned = models.PositiveIntegerField(default=0)
    rows_out_of_scope = models.PositiveIntegerField(default=0)
    problem_counts = models.JSONField(default=dict, blank=True)
    problem_kinds = models.JSONField(
        default=list,
        blank=True,
        help_text="Per problem and field: rows, severity, the file's column, what was expected; "
        "the rows themselves are ExtractProblem rows.",
    )
    out_of_scope = models.JSONField(
        default=list, blank=True, help_text="Rows out of scope by reason: reason, rows, first line."
    )
    columns_kept = models.JSONField(default=list, blank=True)
    columns_dropped = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, help_text="Why the file could not be imported at all.")
    frame_path = models.CharField(max_length=500, blank=True)
    frame_sha256 = models.CharField(max_length=64, blank=True)
    vault_destroyed_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded"
    )
    seconds = models.FloatField(default=0, help_text="The whole import, to its last write.")

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"Extract {self.pk} ({self.get_status_display()})"

    @property
    def rows_in_scope(self) -> int:
        return self.rows_read - self.rows_out_of_scope

    @property
    def reject_share(self) -> float:
        """Rejected rows among the rows in scope (out-of-scope rows are no rejections)."""
        return self.rows_rejected / self.rows_in_scope if self.rows_in_scope else 0.0


class ExtractProblem(models.Model):
    """One row of an import's validation report. Written once, with the import, by COPY;
    never changed or deleted (a trigger refuses it). ``seq`` orders the whole report (by line)
    and ``kind_seq`` each problem's rows, so that any page is an index range. Not copied
    into the change history: the Extract's history records the counts, and its problem
    rows cannot change. ``found`` never holds a value that could be a reference."""

    extract = models.ForeignKey(Extract, on_delete=models.PROTECT, related_name="problems")
    seq = models.PositiveIntegerField()
    kind_seq = models.PositiveIntegerField()
    line = models.PositiveBigIntegerField()
    field = models.CharField(max_length=40)
    problem = models.CharField(max_length=30)
    found = models.CharField(max_length=80)

    class Meta:
        ordering = ["extract", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["extract", "seq"], name="problem_position"),
            models.UniqueConstraint(
                fields=["extract", "problem", "kind_seq"], name="problem_position_in_kind"
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self):
        return f"Line {self.line}: {self.problem}"


@track_changes()
class FrameSummary(models.Model):
    extract = models.OneToOneField(Extract, on_delete=models.CASCADE, related_name="summary")
    total = models.PositiveIntegerField()
    by_category = models.JSONField(default=dict)
    by_council = models.JSONField(default=dict)
    by_month = models.JSONField(default=dict)
    by_age_band = models.JSONField(default=dict)

    def __str__(self):
        return f"Frame summary of extract {self.extract_id}"


class Allocation(models.TextChoices):
    PROPORTIONAL = "proportional", "Proportional, with a minimum per category"
    EQUAL = "equal", "Equal per category"
    FIXED = "fixed", "Fixed counts"


@track_changes()
class Sample(models.Model):
    """A stratified draw from a frame, with everything needed to draw it again."""

    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="samples"
    )
    extract = models.OneToOneField(Extract, on_delete=models.PROTECT, related_name="sample")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    drawn_at = models.DateTimeField(auto_now_add=True)
    seed = models.BigIntegerField()
    frame_sha256 = models.CharField(max_length=64)
    allocation_method = models.CharField(max_length=12, choices=Allocation.choices)
    design = models.JSONField(help_text="Inputs: size, minimum, fixed counts, exclusions, rule.")
    allocation = models.JSONField(help_text="Cases drawn per category.")
    reserves = models.JSONField(help_text="Reserves drawn per category.")
    population = models.JSONField(help_text="Frame rows per category after exclusions.")
    excluded = models.JSONField(default=dict, help_text="Rows excluded, by reason.")
    total_size = models.PositiveIntegerField()
    software = models.JSONField(default=dict)
    redraw_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="redrawn_as"
    )
    redraw_reason = models.TextField(blank=True, help_text="Why the sample was drawn again.")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-drawn_at", "-pk"]
        constraints = [
            # one sample in use per inspection; a redraw withdraws the one it replaces
            models.UniqueConstraint(
                fields=["inspection"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_sample_in_use_per_inspection",
            ),
        ]

    def __str__(self):
        return f"Sample of {self.total_size} (seed {self.seed})"


class CaseStatus(models.TextChoices):
    SAMPLED = "sampled", "In the sample"
    RESERVE = "reserve", "Reserve"
    UNUSABLE = "unusable", "Unusable"
    WITHDRAWN = "withdrawn", "Withdrawn with its sample"


@track_changes(exclude=["raw_ref_encrypted"])
class SampledCase(models.Model):
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="cases")
    pseudonym = models.CharField(max_length=32)
    force_pseudonym = models.CharField(max_length=32)
    stratum = models.CharField(max_length=32, choices=CATEGORIES)
    order = models.PositiveIntegerField(help_text="Position in the category's random order.")
    is_reserve = models.BooleanField(default=False, help_text="Drawn as a reserve.")
    status = models.CharField(max_length=10, choices=CaseStatus.choices)
    unusable_reason = models.TextField(blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )
    recorded_on = models.DateField()
    child_age = models.PositiveSmallIntegerField(null=True, blank=True)
    council_code = models.CharField(max_length=9, blank=True)
    frame_row = models.PositiveIntegerField()
    raw_ref_encrypted = models.BinaryField(editable=False)

    class Meta:
        ordering = ["stratum", "order"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "pseudonym"], name="case_once_per_sample"),
            models.UniqueConstraint(
                fields=["sample", "stratum", "order"], name="one_case_per_stratum_position"
            ),
        ]
        # the sample is the audit's record too: no case is marked unusable, replaced or
        # drawn once the audit is closed (ADR 0021)
        triggers = [
            closed_audit_guard(
                old_inspection=_VIA_SAMPLE.format("OLD"), new_inspection=_VIA_SAMPLE.format("NEW")
            )
        ]

    def __str__(self):
        return f"{self.pseudonym[:12]} ({self.get_status_display()})"
