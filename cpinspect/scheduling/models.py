"""Planning data: inspectors' availability and skills, and every solved plan with provenance."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from cpinspect.audittrail.tracking import track_changes
from cpinspect.editing.models import Versioned
from cpinspect.scheduling.problem import REGION_CENTRES, THEME_LABELS

SPECIALISM_CHOICES = list(THEME_LABELS.items())
REGION_CHOICES = [(r, r) for r in REGION_CENTRES]


@track_changes()
class InspectorProfile(Versioned):
    """What the planner needs to know about an inspector (lead inspectors lead)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspector_profile"
    )
    specialisms = ArrayField(
        models.CharField(max_length=32, choices=SPECIALISM_CHOICES), default=list, blank=True
    )
    home_region = models.CharField(max_length=40, choices=REGION_CHOICES)
    part_time_fraction = models.DecimalField(
        max_digits=3, decimal_places=2, default=1, help_text="1.00 is full time"
    )
    forces_served = models.ManyToManyField(
        "registry.Force", blank=True, related_name="+", help_text="Forces the person served in."
    )

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(part_time_fraction__gt=0, part_time_fraction__lte=1),
                name="part_time_fraction_in_range",
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.home_region})"


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", "Annual leave"
    TRAINING = "training", "Training"
    OTHER = "other", "Other commitment"


@track_changes()
class Absence(Versioned):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences"
    )
    kind = models.CharField(max_length=10, choices=AbsenceKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="absence_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()} {self.starts_on} to {self.ends_on}"


class PlanState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"
    INFEASIBLE = "infeasible", "No plan possible"


@track_changes()
class PlanVersion(models.Model):
    """One solve of a programme: its exact input, the solver's provenance and the plan.

    A stored plan is never re-solved: solving again always makes a new version.
    """

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="plan_versions"
    )
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=PlanState.choices, default=PlanState.DRAFT)
    replan_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replans"
    )
    reason = models.CharField(max_length=300, blank=True)
    as_of = models.DateField(help_text="The planning date (notice periods count from it).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_via = models.CharField(max_length=12, default="web")
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Provenance of the solve.
    solver_version = models.CharField(max_length=60)
    parameters = models.JSONField()
    seed = models.BigIntegerField()
    solver_status = models.CharField(max_length=12)
    objective = models.FloatField(null=True, blank=True)
    bound = models.FloatField(null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    wall_time = models.FloatField()
    problem = models.JSONField(help_text="The exact problem solved.")
    plan = models.JSONField(default=list, blank=True)
    priorities = models.JSONField(default=list, blank=True)
    explanation = models.JSONField(default=list, blank=True)
    changes = models.JSONField(
        default=dict, blank=True, help_text="What moved compared with the plan it re-plans."
    )
    published_diff = models.JSONField(
        default=dict, blank=True, help_text="On publication: what moved from the last published."
    )

    class Meta:
        ordering = ["programme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="one_plan_number"),
            models.UniqueConstraint(
                fields=["programme"],
                condition=models.Q(state="published"),
                name="one_published_plan_per_programme",
            ),
        ]

    def __str__(self):
        return f"{self.programme} plan v{self.number} ({self.get_state_display()})"


@track_changes()
class PlanAssignment(models.Model):
    """A place on a planned inspection's team, in its fortnight (one row per person)."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="assignments")
    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12)  # lead or inspector
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on", "inspection_id", "role", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "inspection", "user"], name="one_planned_place_per_person"
            )
        ]

    def __str__(self):
        return f"{self.user} on {self.inspection_id} ({self.role})"


@track_changes(exclude=["token_hash"])
class CalendarFeedToken(models.Model):
    """A secret link to a person's fieldwork calendar, for calendar apps that cannot sign in.

    Only the SHA-256 of the token is stored; the token itself is shown once, when issued.
    Issuing a new one replaces (revokes) the old.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Calendar link of {self.user}"
