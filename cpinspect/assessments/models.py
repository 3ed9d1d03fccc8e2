"""The case-file audit: each sampled case examined against the inspection's fixed question
sets, re-examined blind by a moderator when the rule picks it, resolved, signed off.

What inspectors write (notes, free text, rationales, concerns) is encrypted at rest
(``encryption.py``) and left out of the change history, which records everything else."""

import pgtrigger
from django.conf import settings
from django.db import models

from cpinspect.assessments.encryption import EncryptedJSONField, EncryptedTextField
from cpinspect.assessments.questionsets import GRADES
from cpinspect.audittrail.tracking import track_changes
from cpinspect.programmes.closing import closed_audit_guard


class CaseGrade(models.TextChoices):
    """A case file's grade: three points (the registry's ``InspectionGrade`` is a force's, on
    its programme's four- or five-point scale)."""

    GOOD = GRADES[0]
    REQUIRES_IMPROVEMENT = GRADES[1]
    INADEQUATE = GRADES[2]


class Kind(models.TextChoices):
    FIRST = "first", "First examination"
    MODERATION = "moderation", "Moderation"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "In progress"
    SUBMITTED = "submitted", "Submitted"


class ModerationReason(models.TextChoices):
    FIRST_OF_INSPECTOR = "first_of_inspector", "Among the inspector's first cases"
    INADEQUATE = "inadequate", "Graded inadequate"
    RANDOM = "random", "Chosen at random"
    LEAD = "lead", "Chosen by the lead inspector"


USER = settings.AUTH_USER_MODEL

# The inspection of an assessment's or an unlock's row, from OLD and from NEW.
_VIA_AUDIT = "(SELECT inspection_id FROM assessments_caseaudit WHERE id = {}.audit_id)"


@track_changes()
class FieldworkSetup(models.Model):
    """The question sets fixed on an inspection when its fieldwork starts; a later change to
    the files makes a new version and never alters these."""

    inspection = models.OneToOneField(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="fieldwork_setup"
    )
    question_sets = models.JSONField(help_text="questionsets.snapshot() when fixed.")
    versions = models.JSONField(help_text="Question set id -> version.")
    fixed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Question sets of inspection {self.inspection_id}"


@track_changes(exclude=["resolution_rationale"])
class CaseAudit(models.Model):
    """One sampled case in fieldwork: who examines it, whether it is moderated, its final
    grade and whether the lead has signed it off (which locks it)."""

    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="case_audits"
    )
    case = models.OneToOneField(
        "casefiles.SampledCase", on_delete=models.PROTECT, related_name="audit"
    )
    examiner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    moderator = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderation_reason = models.CharField(
        max_length=20, choices=ModerationReason.choices, blank=True
    )
    final_grade = models.CharField(max_length=20, choices=CaseGrade.choices, blank=True)
    resolution_rationale = EncryptedTextField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case__stratum", "case__order"]
        indexes = [models.Index(fields=["inspection", "examiner"])]
        triggers = [
            closed_audit_guard(
                old_inspection="OLD.inspection_id", new_inspection="NEW.inspection_id"
            )
        ]

    def __str__(self):
        return f"Case audit {self.pk}"

    @property
    def moderated(self) -> bool:
        return bool(self.moderation_reason)

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


@track_changes(exclude=["writing"])
class Assessment(models.Model):
    """One examination of a case: the answers (codes, in the clear) and the writing (notes,
    free text, rationale: encrypted). ``version`` guards against silent overwrites: a save
    names the version it started from and is refused if someone saved in between."""

    audit = models.ForeignKey(CaseAudit, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    examiner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    answers = models.JSONField(default=dict, blank=True, help_text="Question id -> answer code.")
    writing = EncryptedJSONField(
        null=True, blank=True, help_text='{"notes": {id: text}, "text": {id: text}, "rationale"}'
    )
    overall_grade = models.CharField(max_length=20, choices=CaseGrade.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["audit_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "kind"], name="one_assessment_per_kind")
        ]
        triggers = [
            closed_audit_guard(
                old_inspection=_VIA_AUDIT.format("OLD"), new_inspection=_VIA_AUDIT.format("NEW")
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of case audit {self.audit_id}"

    @property
    def submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Waiting for the force"
    ACKNOWLEDGED = "acknowledged", "Acknowledged by the force"


@track_changes(exclude=["concern"])
class Escalation(models.Model):
    """A child at risk: the case must go back to the force at once. Never deleted, and never
    closed: it can be raised and acknowledged at every stage of the inspection."""

    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="escalations"
    )
    case = models.ForeignKey(
        "casefiles.SampledCase", on_delete=models.PROTECT, related_name="escalations"
    )
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    concern = EncryptedTextField()
    status = models.CharField(
        max_length=14, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_force = models.CharField(
        max_length=200, blank=True, help_text="Who at the force acknowledged it (name, role)."
    )
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["status", "-raised_at"]
        triggers = [pgtrigger.Protect(name="escalations_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"Escalation {self.pk} ({self.get_status_display()})"


class CaseUnlock(models.Model):
    """Each unlocking of a signed-off case, with its reason; append-only."""

    audit = models.ForeignKey(CaseAudit, on_delete=models.PROTECT, related_name="unlocks")
    unlocked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    unlocked_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    class Meta:
        ordering = ["-unlocked_at"]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            closed_audit_guard(
                old_inspection=_VIA_AUDIT.format("OLD"), new_inspection=_VIA_AUDIT.format("NEW")
            ),
        ]

    def __str__(self):
        return f"Unlock of case audit {self.audit_id}"
