"""The people pages' forms: invite, change role, access expiry, deactivate, the list filter."""

from django import forms
from django.utils import timezone

from cpinspect.accounts.models import Role, User
from cpinspect.registry.models import Force, Inspectorate
from cpinspect.web.dates import DateInputField


class State:
    """A person's state as the list filters and shows it."""

    ACTIVE, DEACTIVATED, EXPIRED = "active", "deactivated", "expired"
    CHOICES = [
        ("", "Any state"),
        (ACTIVE, "Active"),
        (DEACTIVATED, "Deactivated"),
        (EXPIRED, "Expired"),
    ]


def state_of(person) -> str:
    if not person.is_active:
        return "Deactivated"
    if person.has_expired:
        return "Expired"
    return "Active"


class PeopleFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search by name or email", max_length=150)
    role = forms.ChoiceField(required=False, choices=[("", "Any role"), *Role.choices])
    state = forms.ChoiceField(required=False, choices=State.CHOICES)
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[("name", "Name"), ("last_login", "Last signed in")],
    )


def _expiry_field():
    return DateInputField(
        what="the access expiry date",
        required=False,
        label="Access expires (optional)",
        help_text="After this day they cannot sign in. For example, 27 3 2027",
        min_date=timezone.localdate(),
    )


def check_organisation(form, data):
    """The model's rule in the form's words: a liaison needs a force, a partner an inspectorate,
    and nobody else has either."""
    role = data.get("role")
    if role == Role.FORCE_LIAISON and not data.get("force"):
        form.add_error("force", "Choose the force this liaison officer belongs to")
    if role != Role.FORCE_LIAISON and data.get("force"):
        form.add_error("force", "Only a force liaison officer belongs to a force")
    if role == Role.PARTNER_INSPECTOR and not data.get("inspectorate"):
        form.add_error("inspectorate", "Choose the partner inspectorate they belong to")
    if role != Role.PARTNER_INSPECTOR and data.get("inspectorate"):
        form.add_error("inspectorate", "Only a partner inspector belongs to a partner inspectorate")
    return data


class InviteForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, error_messages={"required": "Enter their full name"}
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    role = forms.ChoiceField(
        choices=[("", "Choose a role"), *Role.choices], error_messages={"required": "Choose a role"}
    )
    force = forms.ModelChoiceField(
        queryset=Force.objects.order_by("name"),
        required=False,
        label="Force (force liaison officers only)",
        empty_label="Not a force liaison officer",
    )
    inspectorate = forms.ModelChoiceField(
        queryset=Inspectorate.objects.filter(is_lead=False).order_by("name"),
        required=False,
        label="Partner inspectorate (partner inspectors only)",
        empty_label="Not a partner inspector",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["access_expires"] = _expiry_field()

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A person with this email address already has an account")
        return email

    def clean(self):
        return check_organisation(self, super().clean())


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="New role")
    force = InviteForm.base_fields["force"]
    inspectorate = InviteForm.base_fields["inspectorate"]

    def clean(self):
        return check_organisation(self, super().clean())


class ExpiryForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["access_expires"] = _expiry_field()
        self.fields[
            "access_expires"
        ].help_text = "Leave empty for no expiry. For example, 27 3 2027"


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label="Why are you deactivating this account?",
        max_length=500,
        widget=forms.TextInput,
        error_messages={"required": "Enter why you are deactivating this account"},
    )
