"""An inspection's findings: graded judgements, causes of concern, recommendations, areas for
improvement, the force's action plan and the follow-up proposals (docs/findings.md).

Nothing here is case-level data: these are the force-level outcomes of an inspection.
"""

import pgtrigger
from django.conf import settings
from django.db import models

from cpinspect.audittrail.tracking import track_changes
from cpinspect.editing.models import Versioned
from cpinspect.programmes.models import InspectionType
from cpinspect.registry.models import GradeScale, InspectionGrade


class Topic(models.TextChoices):
    """The graded topics of a child protection inspection (DOMAIN.md, since 2024)."""

    LEADERSHIP = "leadership", "Leadership"
    PARTNERSHIP = "partnership_working", "Partnership working"
    INITIAL_RESPONSE = "initial_response", "Initial response"
    RISK_ASSESSMENT = "risk_assessment_and_referral", "Risk assessment and referral"
    INVESTIGATION = "investigation", "Investigation"


# Inspections that grade the topics above. Joint targeted area inspections give an ungraded
# letter; post-inspection reviews and thematics report progress or themes, not grades.
GRADED_KINDS = {InspectionType.CHILD_PROTECTION, InspectionType.RE_INSPECTION}

# Grades allowed on each scale, as a database condition (adequate only on five points).
_GRADE_ON_ITS_SCALE = models.Q(scale=GradeScale.FIVE_POINT) | ~models.Q(
    grade=InspectionGrade.ADEQUATE
)


@track_changes()
class Judgement(Versioned):
    """The lead inspector's grade for one topic, with the rationale and what was suggested."""

    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="judgements"
    )
    topic = models.CharField(max_length=32, choices=Topic.choices)
    scale = models.CharField(
        max_length=12,
        choices=GradeScale.choices,
        help_text="The programme's scale when the judgement was recorded.",
    )
    grade = models.CharField(max_length=24, choices=InspectionGrade.choices)
    rationale = models.TextField()
    suggested_grade = models.CharField(
        max_length=24,
        choices=InspectionGrade.choices,
        blank=True,
        help_text="What the rule suggested from the evidence at the time (empty: no suggestion).",
    )
    evidence = models.JSONField(default=dict, help_text="The evidence the suggestion came from.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["inspection", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "topic"], name="one_judgement_per_topic"),
            models.CheckConstraint(condition=_GRADE_ON_ITS_SCALE, name="judgement_grade_on_scale"),
            models.CheckConstraint(
                condition=~models.Q(rationale=""), name="judgement_has_rationale"
            ),
        ]

    def __str__(self):
        return f"{self.get_topic_display()}: {self.get_grade_display()}"


@track_changes()
class CauseOfConcern(Versioned):
    """A serious, critical or systemic shortcoming; always with one or more recommendations
    (services enforce it, and a deferred database trigger checks it again at commit)."""

    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="causes_of_concern"
    )
    topic = models.CharField(
        max_length=32,
        choices=Topic.choices,
        blank=True,
        help_text="The graded topic it bears on, if one (it then counts in that topic's evidence).",
    )
    title = models.CharField(max_length=200)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "pk"]
        verbose_name_plural = "causes of concern"
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="cause_has_title"),
            models.CheckConstraint(condition=~models.Q(text=""), name="cause_has_text"),
        ]

    def __str__(self):
        return self.title


class RecommendationStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    NOT_ACCEPTED = "not_accepted", "Not accepted"


# Statuses in which a recommendation still needs the force to act.
OPEN_STATUSES = [RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS]


@track_changes()
class Recommendation(Versioned):
    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="recommendations"
    )
    cause_of_concern = models.ForeignKey(
        CauseOfConcern,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    text = models.TextField()
    owner = models.CharField(
        max_length=200, help_text='Who at the force owns it, e.g. "Chief Constable".'
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=RecommendationStatus.choices, default=RecommendationStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="recommendation_has_text"),
            models.CheckConstraint(condition=~models.Q(owner=""), name="recommendation_has_owner"),
        ]

    def __str__(self):
        return self.text[:80]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today, published: bool) -> bool:
        """Still open after its due date; nothing is due before the report is published."""
        return bool(published) and self.is_open and self.due_on < today


@track_changes()
class RecommendationStatusChange(models.Model):
    """Each change of a recommendation's status, with who recorded it and why."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=16, choices=RecommendationStatus.choices)
    to_status = models.CharField(max_length=16, choices=RecommendationStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} to {self.get_to_status_display()}"


@track_changes()
class AreaForImprovement(Versioned):
    """A lesser shortfall: text only, with no owner, due date or status (DOMAIN.md)."""

    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="areas_for_improvement"
    )
    topic = models.CharField(max_length=32, choices=Topic.choices, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "pk"]
        verbose_name_plural = "areas for improvement"
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="area_has_text"),
        ]

    def __str__(self):
        return self.text[:80]


class ActionPlanStatus(models.TextChoices):
    AWAITED = "awaited", "Awaited"
    RECEIVED = "received", "Received"
    ACCEPTED = "accepted", "Accepted"


# The force sends its action plan within six weeks of publication (DOMAIN.md).
ACTION_PLAN_DAYS = 42


@track_changes()
class ActionPlan(Versioned):
    """The force's action plan after publication: due six weeks after, then tracked."""

    inspection = models.OneToOneField(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="action_plan"
    )
    published_on = models.DateField()
    due_on = models.DateField()
    received_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ActionPlanStatus.choices, default=ActionPlanStatus.AWAITED
    )
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gt=models.F("published_on")),
                name="action_plan_due_after_publication",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ActionPlanStatus.AWAITED, received_on__isnull=True)
                | (
                    ~models.Q(status=ActionPlanStatus.AWAITED) & models.Q(received_on__isnull=False)
                ),
                name="action_plan_received_has_date",
            ),
        ]

    def __str__(self):
        return f"Action plan due {self.due_on:%d %B %Y} ({self.get_status_display()})"

    def is_overdue(self, today) -> bool:
        return self.status == ActionPlanStatus.AWAITED and today > self.due_on


class ForceUpdateKind(models.TextChoices):
    ACTION_PLAN = "action_plan", "Action plan"
    PROGRESS = "progress", "Progress on a recommendation"


class ForceUpdate(models.Model):
    """What the force's liaison officer sends after publication: its action plan, or progress
    on a recommendation. Append-only: a later version is a new row, so what the force said
    and when stays on record; the team still decides each recommendation's status."""

    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="force_updates"
    )
    recommendation = models.ForeignKey(
        Recommendation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="force_updates",
    )
    kind = models.CharField(max_length=12, choices=ForceUpdateKind.choices)
    text = models.TextField()
    considers_done = models.BooleanField(
        default=False, help_text="The force considers the recommendation done."
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="force_update_has_text"),
            models.CheckConstraint(
                condition=models.Q(kind="action_plan", recommendation__isnull=True)
                | models.Q(kind="progress", recommendation__isnull=False),
                name="force_update_progress_names_its_recommendation",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self):
        return f"{self.get_kind_display()} sent {self.submitted_at:%d %B %Y}"


class FollowUpReason(models.TextChoices):
    INADEQUATE_JUDGEMENT = "inadequate_judgement", "An inadequate judgement"
    CAUSE_OF_CONCERN = "cause_of_concern", "A cause of concern"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn: the reason no longer holds"


FOLLOW_UP_KINDS = [InspectionType.POST_INSPECTION_REVIEW, InspectionType.RE_INSPECTION]


@track_changes()
class FollowUpProposal(Versioned):
    """A follow-up the findings call for, proposed by the system, decided by a programme
    manager; accepting it puts a planned inspection in the programme."""

    inspection = models.ForeignKey(
        "programmes.Inspection", on_delete=models.PROTECT, related_name="follow_up_proposals"
    )
    reason = models.CharField(max_length=24, choices=FollowUpReason.choices)
    kind = models.CharField(max_length=32, choices=[(k.value, k.label) for k in FOLLOW_UP_KINDS])
    window_from_months = models.PositiveSmallIntegerField(
        help_text="The suggested window opens this many months after publication."
    )
    window_to_months = models.PositiveSmallIntegerField(
        help_text="The suggested window closes this many months after publication."
    )
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    follow_up = models.OneToOneField(
        "programmes.Inspection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposed_by",
        help_text="The follow-up inspection created when the proposal was accepted.",
    )

    class Meta:
        ordering = ["inspection", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "reason"], name="one_proposal_per_reason"
            ),
            models.CheckConstraint(
                condition=models.Q(window_to_months__gte=models.F("window_from_months")),
                name="proposal_window_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ProposalStatus.ACCEPTED, follow_up__isnull=False)
                | (~models.Q(status=ProposalStatus.ACCEPTED) & models.Q(follow_up__isnull=True)),
                name="accepted_proposal_has_follow_up",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.get_reason_display().lower()}"
