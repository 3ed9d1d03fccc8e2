"""The audit pages' filter: a person by name, a kind of record, and dates typed the GOV.UK way."""

from django import forms
from django.apps import apps

from cpinspect.accounts.models import User
from cpinspect.web.dates import DateInputField

PROJECT_APPS = "cpinspect."


def object_type_choices():
    """Every kind of record in the service, named in words ("Inspection"), by its label."""
    kinds = sorted(
        (model._meta.label_lower, str(model._meta.verbose_name).capitalize())
        for model in apps.get_models()
        if model.__module__.startswith(PROJECT_APPS) and not model.__name__.endswith("Event")
    )
    return [("", "Any kind of record"), *sorted(kinds, key=lambda kind: kind[1])]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person):
        return f"{person.full_name} ({person.email})"


class AuditFilterForm(forms.Form):
    person = PersonChoiceField(
        queryset=User.objects.order_by("full_name", "email"),
        required=False,
        label="Person",
        empty_label="Anyone",
    )
    object_type = forms.ChoiceField(required=False, label="What changed")
    object_id = forms.CharField(required=False, label="Record number", max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = object_type_choices()
        self.fields["date_from"] = DateInputField(
            what="the from date", required=False, label="From", help_text="For example, 27 3 2026"
        )
        self.fields["date_to"] = DateInputField(
            what="the to date", required=False, label="To", help_text="For example, 27 3 2026"
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The to date must be the same as or after the from date")
        return data

    def filters(self) -> dict:
        data = self.cleaned_data
        person = data.get("person")
        return {
            "user_id": person.pk if person else None,
            "object_type": data.get("object_type"),
            "object_id": data.get("object_id"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
