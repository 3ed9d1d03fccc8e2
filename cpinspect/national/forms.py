from django import forms


class AssessmentForm(forms.Form):
    """The assessment chooser: a GET form, so a chosen map has its own address."""

    assessment = forms.ChoiceField(
        label="Assessment",
        error_messages={
            "required": "Select an assessment",
            "invalid_choice": "Select an assessment from the list",
        },
    )

    def __init__(self, *args, assessments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].choices = [(a.key, a.label) for a in assessments]
