from django import forms

from cpinspect.casefiles.models import Allocation
from cpinspect.casefiles.profiles import builtin_names
from cpinspect.casefiles.schema import CATEGORIES
from cpinspect.editing.forms import CreatesRecord


class UploadForm(CreatesRecord):
    profile = forms.ChoiceField(label="Import profile")
    file = forms.FileField(
        label="Extract file (CSV, XLSX or Parquet)",
        error_messages={"required": "Choose the force's extract file"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(n, n) for n in builtin_names()]


class DrawForm(CreatesRecord):
    size = forms.IntegerField(
        required=False, min_value=1, max_value=5000, label="Sample size (leave empty for the rule)"
    )
    seed = forms.IntegerField(
        required=False, min_value=0, label="Seed (leave empty for a fresh one)"
    )
    method = forms.ChoiceField(choices=Allocation.choices, initial=Allocation.PROPORTIONAL)
    minimum = forms.IntegerField(
        initial=5, min_value=0, max_value=500, label="Minimum per category"
    )
    exclude_older_than_months = forms.IntegerField(
        required=False, min_value=1, max_value=240, label="Exclude cases older than (months)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for slug, label in CATEGORIES:  # one count per category, used by "Fixed counts"
            self.fields[f"fixed_{slug}"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=5000,
                label=f"{label[0].upper()}{label[1:]}: cases to draw",
                help_text='Only with the allocation "Fixed counts".',
            )

    def design_fields(self):
        return [
            f
            for f in self.visible_fields()
            if not f.name.startswith("fixed_") and f.name != "reason"
        ]

    def fixed_fields(self):
        return [self[f"fixed_{slug}"] for slug, _ in CATEGORIES]

    def clean(self):
        data = super().clean()
        if data.get("method") == Allocation.FIXED:
            counts = {slug: data.get(f"fixed_{slug}") or 0 for slug, _ in CATEGORIES}
            if not any(counts.values()):
                self.add_error(
                    f"fixed_{CATEGORIES[0][0]}",
                    "Give the number of cases to draw for at least one category",
                )
            data["fixed"] = {slug: n for slug, n in counts.items() if n}
        else:
            data["fixed"] = {}
        return data


class UnusableForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Why can this case not be used?")


class RedrawForm(DrawForm):
    """Drawing again replaces the sample in use: a recorded decision, with its reason."""

    reason = forms.CharField(
        max_length=1000,
        label="Why draw the sample again?",
        help_text="Recorded with the new sample. The sample in use is withdrawn.",
        error_messages={"required": "Say why the sample is drawn again"},
    )
