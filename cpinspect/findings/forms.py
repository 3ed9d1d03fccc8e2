"""Forms of the findings pages: they check what was typed, with a message per field; the
services check the rules again."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from cpinspect.editing.forms import CreatesRecord, EditsRecord
from cpinspect.findings.models import (
    FOLLOW_UP_KINDS,
    ActionPlanStatus,
    CauseOfConcern,
    RecommendationStatus,
    Topic,
)
from cpinspect.registry.models import Force
from cpinspect.web.dates import DateInputField


def _example(day) -> str:
    """A date hint as the GOV.UK date input asks for it: "For example, 27 3 2027"."""
    return f"For example, {day.day} {day.month} {day.year}"


def _topic_field(help_text=""):
    return forms.ChoiceField(
        label="Topic",
        required=False,
        choices=[("", "Not one topic")] + list(Topic.choices),
        help_text=help_text,
    )


def _text(label, help_text="", max_length=5000, required_message=None):
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=help_text,
        error_messages={"required": required_message or f"Enter the {label.lower()}."},
    )


class JudgementForm(EditsRecord):
    """Records a judgement or changes it: its version is 0 when there was none."""

    grade = forms.ChoiceField(
        label="Grade",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a grade."},
    )
    rationale = _text(
        "Rationale",
        help_text="Why this grade: what the evidence shows, and why you depart from the "
        "suggested grade if you do.",
    )

    def __init__(self, *args, grades, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = grades


class RecommendationFields(forms.Form):
    recommendation = _text("Recommendation")
    owner = forms.CharField(
        label="Owner at the force",
        max_length=200,
        help_text='The role or person at the force who owns it, for example "Chief Constable".',
        error_messages={"required": "Enter who at the force owns the recommendation."},
    )
    # GOV.UK date input (day, month and year boxes), not the browser's picker (issue 15)
    due_on = DateInputField(what="the date the recommendation is due by", label="Due by")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # an example that is itself a date the form accepts: six months from today
        self.fields["due_on"].help_text = _example(timezone.localdate() + timedelta(days=182))

    def clean_due_on(self):
        """A due date asked for now is today or later (issue 15: past dates were accepted);
        an overdue recommendation edited for its text keeps the date it already had."""
        due = self.cleaned_data.get("due_on")
        if due and due < timezone.localdate() and due != self.initial.get("due_on"):
            raise forms.ValidationError(
                "The date the recommendation is due by must be today or in the future.",
                code="past",
            )
        return due


class CauseOfConcernForm(CreatesRecord, RecommendationFields):
    """A new cause of concern with its first recommendation (it never stands without one)."""

    field_order = ["topic", "title", "text", "recommendation", "owner", "due_on"]

    topic = _topic_field("The graded topic it bears on: it then counts in that topic's evidence.")
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title."}
    )
    text = _text("Cause of concern")


class CauseOfConcernEditForm(EditsRecord):
    topic = _topic_field("The graded topic it bears on: it then counts in that topic's evidence.")
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title."}
    )
    text = _text("Cause of concern")


class RecommendationForm(RecommendationFields):
    """A recommendation's fields; ``NewRecommendationForm`` and ``RecommendationEditForm``
    add the one-time token or the version."""

    field_order = ["cause_of_concern", "recommendation", "owner", "due_on"]

    cause_of_concern = forms.ModelChoiceField(
        CauseOfConcern.objects.none(),
        label="Cause of concern",
        required=False,
        empty_label="None: a recommendation on its own",
    )

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause_of_concern"].queryset = CauseOfConcern.objects.filter(
            inspection=inspection
        )


class NewRecommendationForm(CreatesRecord, RecommendationForm):
    pass


class RecommendationEditForm(EditsRecord, RecommendationForm):
    pass


class RecommendationStatusForm(EditsRecord):
    status = forms.ChoiceField(
        label="Status",
        choices=RecommendationStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a status."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example what the force has done, or why it does not accept it.",
    )


class AreaForImprovementForm(forms.Form):
    topic = _topic_field()
    text = _text("Area for improvement")


class NewAreaForImprovementForm(CreatesRecord, AreaForImprovementForm):
    pass


class AreaForImprovementEditForm(EditsRecord, AreaForImprovementForm):
    pass


class AcceptFollowUpForm(EditsRecord, CreatesRecord):
    """Accepting plans an inspection: a create (one per token) and a decision (versioned)."""

    kind = forms.ChoiceField(
        label="Type of follow-up",
        choices=[(k.value, k.label) for k in FOLLOW_UP_KINDS],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of follow-up."},
    )
    fieldwork_starts_on = DateInputField(what="the date fieldwork starts", label="Fieldwork starts")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fieldwork_starts_on"].help_text = (
            "The follow-up is planned in the programme that covers this date. "
            + _example(timezone.localdate() + timedelta(days=273))
        )


class DeclineFollowUpForm(EditsRecord):
    note = _text(
        "Why is no follow-up needed?",
        max_length=2000,
        required_message="Say why no follow-up is needed.",
    )


class ActionPlanForm(EditsRecord):
    status = forms.ChoiceField(
        label="Action plan",
        choices=ActionPlanStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where the action plan is."},
    )
    received_on = DateInputField(
        what="the date the action plan was received", label="Received on", required=False
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].help_text = "Leave empty while the plan is awaited. " + _example(
            timezone.localdate()
        )

    def clean(self):
        data = super().clean()
        received = data.get("status") in (ActionPlanStatus.RECEIVED, ActionPlanStatus.ACCEPTED)
        if received and not data.get("received_on") and "received_on" not in self.errors:
            self.add_error("received_on", "Enter the date the action plan was received.")
        return data


class BoardFilterForm(forms.Form):
    force = forms.ModelChoiceField(
        Force.objects.order_by("name"),
        required=False,
        to_field_name="code",
        empty_label="All forces",
        label="Force",
    )
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "Open or in progress")] + list(RecommendationStatus.choices),
    )


class ActionPlanSubmitForm(CreatesRecord):
    text = forms.CharField(
        label="The force's action plan",
        help_text="The plan itself, or a summary of it and where the full plan is held. "
        "The inspection team sees it on the findings page.",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Write the action plan, or a summary of it"},
    )


class RecommendationProgressForm(CreatesRecord):
    text = forms.CharField(
        label="What has the force done on this recommendation?",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write what the force has done on this recommendation"},
    )
    considers_done = forms.TypedChoiceField(
        label="Does the force consider the recommendation done?",
        help_text="The inspection team decides whether it is completed.",
        choices=[("no", "No, work is still under way"), ("yes", "Yes, it is done")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the force considers the recommendation done"},
    )
