"""Programmes of inspections, each inspection's team and its status history."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from cpinspect.audittrail.tracking import track_changes
from cpinspect.editing.models import Versioned


class Status(models.TextChoices):
    PLANNED = "planned", "Planned"
    NOTIFIED = "notified", "Notified"
    FIELDWORK = "fieldwork", "Fieldwork"
    MODERATION = "moderation", "Moderation"
    REPORTING = "reporting", "Reporting"
    FACTUAL_ACCURACY = "factual_accuracy", "Factual accuracy check"
    PUBLISHED = "published", "Published"
    FOLLOW_UP = "follow_up", "Follow-up"
    CLOSED = "closed", "Closed"


class InspectionType(models.TextChoices):
    PEEL = "peel", "PEEL"
    CHILD_PROTECTION = "child_protection", "Child protection inspection"
    POST_INSPECTION_REVIEW = "post_inspection_review", "Post-inspection review"
    RE_INSPECTION = "re_inspection", "Re-inspection"
    JOINT_TARGETED_AREA = "joint_targeted_area", "Joint targeted area inspection"
    THEMATIC = "thematic", "Thematic"


class TeamRole(models.TextChoices):
    LEAD = "lead", "Lead inspector"
    INSPECTOR = "inspector", "Inspector"
    MODERATOR = "moderator", "Moderator"
    ANALYST = "analyst", "Analyst"
    PARTNER = "partner", "Partner inspector"


# Fieldwork length in working days when none is given.
DEFAULT_FIELDWORK_DAYS = {
    InspectionType.CHILD_PROTECTION: 10,
    InspectionType.RE_INSPECTION: 10,
    InspectionType.POST_INSPECTION_REVIEW: 3,
    InspectionType.JOINT_TARGETED_AREA: 5,
    InspectionType.PEEL: 10,
    InspectionType.THEMATIC: 10,
}


@track_changes()
class Programme(Versioned):
    name = models.CharField(max_length=60, unique=True, help_text='e.g. "2016/17"')
    starts_on = models.DateField()
    ends_on = models.DateField()
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="programme_ends_after_it_starts",
            ),
            # "2027/28" and "2027/28" in another case are one programme, also in a race
            models.UniqueConstraint(Lower("name"), name="programme_name_unique_in_any_case"),
        ]

    def __str__(self):
        return self.name


def in_force_area(force, through: str = "") -> models.Q:
    """Inspections of this force, directly or through one of its councils (a joint inspection
    is of a council in a force area). ``through`` is the path from another model, such as
    ``"inspection__"``; ``force`` is a Force or its primary key."""
    force_id = getattr(force, "pk", force)
    return models.Q(**{f"{through}force_id": force_id}) | models.Q(
        **{f"{through}council__force_id": force_id}
    )


@track_changes()
class Inspection(Versioned):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="inspections")
    kind = models.CharField(max_length=32, choices=InspectionType.choices)
    force = models.ForeignKey(
        "registry.Force",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    council = models.ForeignKey(
        "registry.Council",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        help_text="Joint targeted area inspections only: the council area inspected.",
    )
    partner_inspectorates = models.ManyToManyField(
        "registry.Inspectorate", blank=True, related_name="joint_inspections"
    )
    fieldwork_starts_on = models.DateField()
    fieldwork_ends_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["fieldwork_starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind=InspectionType.JOINT_TARGETED_AREA,
                        council__isnull=False,
                        force__isnull=True,
                    )
                    | (
                        ~models.Q(kind=InspectionType.JOINT_TARGETED_AREA)
                        & models.Q(force__isnull=False, council__isnull=True)
                    )
                ),
                name="inspection_subject_is_force_or_joint_council",
            ),
            models.CheckConstraint(
                condition=models.Q(fieldwork_ends_on__gte=models.F("fieldwork_starts_on")),
                name="fieldwork_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject_name} ({self.programme})"

    @property
    def subject_name(self):
        return self.council.name if self.council_id else self.force.name

    @property
    def subject_force(self):
        """The force whose area is inspected (for a joint inspection, the council's force)."""
        return self.council.force if self.council_id else self.force


# The many-to-many table of partner inspectorates has no model of its own; track it as well.
track_changes(model_name="InspectionPartnerEvent", app_label="programmes")(
    Inspection.partner_inspectorates.through
)


@track_changes()
class TeamMember(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_places"
    )
    role = models.CharField(max_length=12, choices=TeamRole.choices)

    class Meta:
        ordering = ["role", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "user", "role"], name="one_place_per_role"
            ),
            models.UniqueConstraint(
                fields=["inspection"],
                condition=models.Q(role="lead"),
                name="one_lead_per_inspection",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


@track_changes()
class StatusChange(models.Model):
    """Every lifecycle transition, with who made it and when; a move made with work
    outstanding keeps what was outstanding and the reason given (a reopening always has a
    reason). Never changed once written."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    outstanding = models.JSONField(
        default=list,
        blank=True,
        help_text="What was unfinished at the move (readiness.Outstanding, as dicts).",
    )
    reason = models.TextField(
        blank=True,
        help_text="Why the move was made with work outstanding, or why the audit was reopened "
        "(published in the report's methodology annex).",
    )

    class Meta:
        ordering = ["changed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outstanding=[]) | ~models.Q(reason=""),
                name="status_change_outstanding_has_reason",
            ),
            # lifecycle.TRANSITIONS' reopening (needs_reason)
            models.CheckConstraint(
                condition=~models.Q(from_status=Status.REPORTING, to_status=Status.MODERATION)
                | ~models.Q(reason=""),
                name="status_change_reopening_has_reason",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="status_change_append_only", operation=pgtrigger.Update),
        ]

    def __str__(self):
        return f"{self.get_from_status_display()} to {self.get_to_status_display()}"

    @property
    def with_work_outstanding(self) -> bool:
        return bool(self.outstanding)
