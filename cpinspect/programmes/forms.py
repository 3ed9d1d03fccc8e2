from django import forms
from django.core.exceptions import ValidationError

from cpinspect.accounts.models import User
from cpinspect.editing.forms import CreatesRecord, VersionField
from cpinspect.programmes.models import InspectionType, Programme, Status, TeamRole
from cpinspect.programmes.services import MAX_REASON, TEAM_PLACE_ROLES
from cpinspect.registry.models import Council, Force, Inspectorate
from cpinspect.web.dates import DateInputField


class ProgrammeForm(CreatesRecord):
    """A new programme (``programme_create`` checks it again, with the stored programmes)."""

    name = forms.CharField(
        label="Name of the programme",
        max_length=60,
        help_text="Usually the years it covers, for example 2027/28",
        error_messages={
            "required": "Enter a name for the programme",
            "max_length": "The name must be 60 characters or fewer",
        },
    )
    starts_on = DateInputField(
        what="the date the programme starts",
        label="When does the programme start?",
        help_text="For example, 1 4 2027",
    )
    ends_on = DateInputField(
        what="the date the programme ends",
        label="When does the programme end?",
        help_text="For example, 31 3 2028",
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the programme covers. Everyone in the inspectorate can read it.",
        error_messages={"max_length": "The description must be 2,000 characters or fewer"},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end <= start:
            self.add_error("ends_on", "The programme must end after the day it starts")
        return data


class InspectionForm(CreatesRecord):
    programme = forms.ModelChoiceField(Programme.objects.all(), empty_label="Choose a programme")
    kind = forms.ChoiceField(label="Type of inspection", choices=InspectionType.choices)
    force = forms.ModelChoiceField(
        Force.objects.all(),
        required=False,
        empty_label="Choose a force",
        help_text="For every type except a joint targeted area inspection.",
    )
    council = forms.ModelChoiceField(
        Council.objects.select_related("force"),
        required=False,
        empty_label="Choose a council",
        help_text="For a joint targeted area inspection only.",
    )
    partner_inspectorates = forms.ModelMultipleChoiceField(
        Inspectorate.objects.filter(is_lead=False),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a joint targeted area inspection only.",
    )
    # GOV.UK date input (three boxes, UK order), not the browser's picker (issue 15).
    fieldwork_starts_on = DateInputField(
        what="the date fieldwork starts",
        label="When does fieldwork start?",
        help_text="For example, 27 3 2027",
    )
    fieldwork_ends_on = DateInputField(
        what="the date fieldwork ends",
        label="When does fieldwork end? (optional)",
        required=False,
        help_text="For example, 7 4 2027. Leave empty for the usual length "
        "(10 working days for child protection).",
    )

    def clean(self):
        data = super().clean()
        joint = data.get("kind") == InspectionType.JOINT_TARGETED_AREA
        if joint and not data.get("council"):
            self.add_error("council", "Choose the council for a joint targeted area inspection.")
        if joint and data.get("force"):
            self.add_error(
                "force",
                "A joint targeted area inspection is of a council, "
                "not a force: leave the force empty.",
            )
        if not joint and data.get("kind") and not data.get("force"):
            self.add_error("force", "Choose the force to inspect.")
        if not joint and (data.get("council") or data.get("partner_inspectorates")):
            raise ValidationError(
                "Only a joint targeted area inspection has a council and partner inspectorates."
            )
        start, end = data.get("fieldwork_starts_on"), data.get("fieldwork_ends_on")
        if start and end and end < start:
            self.add_error("fieldwork_ends_on", "Fieldwork must end on or after the day it starts.")
        return data


class TeamMemberForm(CreatesRecord):
    user = forms.ModelChoiceField(
        User.objects.none(), label="Person", empty_label="Choose a person"
    )
    role = forms.ChoiceField(label="Place on the team", choices=TeamRole.choices)

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        eligible_roles = set().union(*TEAM_PLACE_ROLES.values())
        people = User.objects.filter(is_active=True, role__in=eligible_roles)
        partners = inspection.partner_inspectorates.all()
        people = people.exclude(role="partner_inspector") | people.filter(
            role="partner_inspector", inspectorate__in=partners
        )
        self.fields["user"].queryset = people.select_related("inspectorate").order_by("full_name")
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.full_name} ({u.get_role_display()}"
            + (f", {u.inspectorate.short_name})" if u.inspectorate_id else ")")
        )


class TransitionForm(forms.Form):
    target = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        required=False,
        max_length=2000,
        label="Note for the record (optional)",
        help_text="Kept in the inspection's timeline for the team; not published.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Keep the note under 2,000 characters."},
    )
    reason = forms.CharField(
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Keep the reason under 2,000 characters."},
    )
    # the digest of the outstanding list the page showed (a stale page is caught)
    outstanding_seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    version = VersionField()  # the inspection's, on the page the move was made from


INSPECTION_SEARCH_MAX = 60  # longer than any force's or council's name
INSPECTION_SORTS = [
    ("fieldwork", "Fieldwork, soonest first"),
    ("fieldwork_latest", "Fieldwork, latest first"),
    ("subject", "Force or council"),
    ("status", "Stage"),
]


class InspectionListForm(forms.Form):
    """The inspection list's search, filters and sort (GET: names of forces and councils, no
    personal data). Every field is optional and a bad value is dropped, never an error page."""

    q = forms.CharField(
        label="Force or council", required=False, max_length=INSPECTION_SEARCH_MAX, strip=True
    )
    programme = forms.TypedChoiceField(label="Programme", required=False, coerce=int)
    kind = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *InspectionType.choices]
    )
    status = forms.ChoiceField(
        label="Stage", required=False, choices=[("", "Any stage"), *Status.choices]
    )
    sort = forms.ChoiceField(label="Sort by", required=False, choices=INSPECTION_SORTS)

    def __init__(self, data):
        super().__init__(data, auto_id="filter-%s")
        # one query: a model choice field counts the rows, then reads them
        programmes = Programme.objects.order_by("-starts_on").values_list("pk", "name")
        self.fields["programme"].choices = [("", "Any programme"), *programmes]

    NARROWING = ("q", "programme", "kind", "status")  # every field but the sort

    @staticmethod
    def narrows(wanted: dict) -> bool:
        """Whether ``wanted`` leaves inspections out (the sort alone leaves none)."""
        return any(field in wanted for field in InspectionListForm.NARROWING)

    def wanted(self) -> dict:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        wanted = {k: v for k, v in cleaned.items() if v not in ("", None)}
        if "q" in wanted:
            wanted["q"] = " ".join(wanted["q"].split())
        return wanted
