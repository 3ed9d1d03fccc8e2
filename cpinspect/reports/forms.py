"""Forms of the report pages: what was typed, checked field by field; the services check the
rules again."""

from django import forms

from cpinspect.editing.forms import CreatesRecord
from cpinspect.reports import content


class CommentForm(CreatesRecord):
    section = forms.ChoiceField(
        label="Section",
        choices=[("summary", "Summary")]
        + [(s.key, f"{n}. {s.title}") for n, s in enumerate(content.SECTIONS, start=1)],
        error_messages={"required": "Choose the section the comment is about."},
    )
    text = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Write the comment."},
    )


class ResponseForm(forms.Form):
    response = forms.CharField(
        label="Response to the force",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Write the response to the force."},
    )


class CorrectionForm(CreatesRecord):
    note = forms.CharField(
        label="What the correction changes",
        help_text="This is published with the new version.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Say what the correction changes."},
    )


class ThematicForm(CreatesRecord):
    title = forms.CharField(
        label="Title",
        max_length=300,
        error_messages={"required": "Give the report a title."},
    )
    inspections = forms.ModelMultipleChoiceField(
        label="Inspections",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one inspection."},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspections"].queryset = candidates
        self.fields["inspections"].label_from_instance = lambda i: (
            f"{i.subject_name}: {i.get_kind_display()}, {i.programme.name} "
            f"({i.graded} graded cases; {i.get_status_display().lower()})"
        )
