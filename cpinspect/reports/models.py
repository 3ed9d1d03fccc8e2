"""Reports: a force inspection report or a thematic report across inspections, each version
with its built HTML, its PDF and their SHA-256 (docs/reports.md, ADR 0015).

A report is built as a *snapshot* (``data``): every figure already through disclosure control
and every published text, never a case, pseudonym or evidence note. The HTML is rendered from
the snapshot and the PDF from the HTML. Once published a version never changes (a database
trigger refuses it); a correction is a new version that supersedes it.
"""

import pgtrigger
from django.conf import settings
from django.db import models

from cpinspect.audittrail.tracking import track_changes

USER = settings.AUTH_USER_MODEL


class ReportKind(models.TextChoices):
    FORCE = "force", "Force inspection report"
    THEMATIC = "thematic", "Thematic report"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FACTUAL_ACCURACY = "factual_accuracy", "Factual accuracy check"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded by a correction"


OPEN_STATUSES = [ReportStatus.DRAFT, ReportStatus.FACTUAL_ACCURACY]
FINAL_STATUSES = [ReportStatus.PUBLISHED, ReportStatus.SUPERSEDED]

# Columns a published or superseded version never changes. ``status`` may still go from
# published to superseded (with ``superseded_at``), once.
CONTENT_COLUMNS = [
    "kind",
    "inspection_id",
    "version",
    "title",
    "data",
    "html",
    "pdf",
    "content_sha256",
    "pdf_sha256",
    "data_sha256",
    "built_at",
    "built_by_id",
    "sent_for_check_at",
    "published_at",
    "published_by_id",
    "corrects_id",
    "correction_note",
]
_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CONTENT_COLUMNS)
IMMUTABLE_MESSAGE = "A published report cannot be changed: correct it, which makes a new version."

_REPORT_IMMUTABLE = f"""
IF TG_OP = 'DELETE' THEN
    IF OLD.status IN ('published', 'superseded') THEN
        RAISE EXCEPTION '{IMMUTABLE_MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
END IF;
IF OLD.status IN ('published', 'superseded') THEN
    IF {_CHANGED}
       OR NOT (NEW.status = OLD.status
               OR (OLD.status = 'published' AND NEW.status = 'superseded'))
       OR (OLD.status = 'superseded' AND NEW.superseded_at IS DISTINCT FROM OLD.superseded_at)
    THEN
        RAISE EXCEPTION '{IMMUTABLE_MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
END IF;
RETURN NEW;
"""

_SET_IMMUTABLE = """
IF EXISTS (
    SELECT 1 FROM reports_report
    WHERE id IN (NEW.report_id, OLD.report_id) AND status IN ('published', 'superseded')
) THEN
    RAISE EXCEPTION 'The inspections of a published report cannot change.'
        USING ERRCODE = 'check_violation';
END IF;
IF TG_OP = 'DELETE' THEN
    RETURN OLD;
END IF;
RETURN NEW;
"""


@track_changes(exclude=["html", "pdf", "data"])
class Report(models.Model):
    """One version of a report. The change history keeps the hashes, not the content (the
    content of a published version is kept here for good)."""

    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    inspection = models.ForeignKey(
        "programmes.Inspection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        help_text="The inspection reported on (force reports only).",
    )
    inspections = models.ManyToManyField(
        "programmes.Inspection",
        through="ReportInspection",
        related_name="thematic_reports",
        blank=True,
        help_text="The inspections a thematic report draws on.",
    )
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    title = models.CharField(max_length=300)
    data = models.JSONField(
        default=dict, help_text="The snapshot the HTML is rendered from: published values only."
    )
    html = models.TextField(help_text="The final HTML that WeasyPrint rendered.")
    pdf = models.BinaryField(editable=False)
    content_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the HTML (UTF-8).")
    pdf_sha256 = models.CharField(max_length=64)
    data_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the snapshot as canonical JSON."
    )
    built_at = models.DateTimeField()
    built_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    sent_for_check_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    corrects = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
        help_text="The published version this one corrects (and supersedes).",
    )
    correction_note = models.TextField(blank=True, help_text="What the correction changed.")

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=ReportKind.FORCE, inspection__isnull=False)
                | models.Q(kind=ReportKind.THEMATIC, inspection__isnull=True),
                name="report_force_has_inspection",
            ),
            models.UniqueConstraint(
                fields=["inspection", "version"],
                condition=models.Q(kind=ReportKind.FORCE),
                name="report_version_once_per_inspection",
            ),
            models.UniqueConstraint(
                fields=["inspection"],
                condition=models.Q(status__in=OPEN_STATUSES, kind=ReportKind.FORCE),
                name="report_one_open_per_inspection",
            ),
            models.UniqueConstraint(
                fields=["inspection"],
                condition=models.Q(status=ReportStatus.PUBLISHED, kind=ReportKind.FORCE),
                name="report_one_current_per_inspection",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=FINAL_STATUSES)
                | models.Q(published_at__isnull=False, published_by__isnull=False),
                name="report_published_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(corrects__isnull=True, correction_note="")
                | (models.Q(corrects__isnull=False) & ~models.Q(correction_note="")),
                name="report_correction_has_note",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ReportStatus.SUPERSEDED)
                | models.Q(superseded_at__isnull=False),
                name="report_superseded_has_date",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="published_report_immutable",
                when=pgtrigger.Before,
                operation=pgtrigger.Update | pgtrigger.Delete,
                func=_REPORT_IMMUTABLE,
            )
        ]

    def __str__(self):
        return f"{self.title} (version {self.version}, {self.get_status_display().lower()})"

    @property
    def is_public(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def pdf_file_name(self) -> str:
        from django.utils.text import slugify

        return f"{slugify(self.title)[:80]}-v{self.version}.pdf"


@track_changes()
class ReportInspection(models.Model):
    """One inspection a thematic report draws on."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="coverage")
    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["report", "inspection__fieldwork_starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "inspection"], name="report_inspection_once")
        ]
        triggers = [
            pgtrigger.Trigger(
                name="published_report_set_immutable",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=_SET_IMMUTABLE,
            )
        ]

    def __str__(self):
        return f"Inspection {self.inspection_id} in report {self.report_id}"


@track_changes()
class ReportComment(models.Model):
    """A comment of the force's liaison officer during the factual accuracy check, and the
    lead inspector's response to it (every comment is answered before publication, or the
    move to published records why not: ADR 0021)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    section = models.CharField(max_length=40, help_text="The report's section it is about.")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    response = models.TextField(blank=True, help_text="The inspectorate's answer to the force.")
    responded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="report_comment_has_text"),
            models.CheckConstraint(
                condition=models.Q(
                    response="", responded_by__isnull=True, responded_at__isnull=True
                )
                | (
                    ~models.Q(response="")
                    & models.Q(responded_by__isnull=False, responded_at__isnull=False)
                ),
                name="report_comment_response_has_author",
            ),
        ]

    def __str__(self):
        return f"Comment {self.pk} on report {self.report_id}"

    @property
    def answered(self) -> bool:
        return bool(self.response)
