"""The people pages: administrators list, invite, change and deactivate people. Nobody is ever
deleted; every change is a model change that the audit trail records (shown on the person's page).
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cpinspect.accounts import access
from cpinspect.accounts.models import Role, User
from cpinspect.accounts.people_forms import (
    DeactivateForm,
    ExpiryForm,
    InviteForm,
    PeopleFilterForm,
    RoleForm,
    State,
    state_of,
)
from cpinspect.audittrail import selectors as audit_selectors
from cpinspect.audittrail.views import change_rows


def _require_admin(request):
    access.require(access.can_manage_people(request.user), access.PEOPLE_REFUSAL)


def _filtered_people(data):
    people = User.objects.select_related("force", "inspectorate")
    if data.get("q"):
        people = people.filter(Q(full_name__icontains=data["q"]) | Q(email__icontains=data["q"]))
    if data.get("role"):
        people = people.filter(role=data["role"])
    today = timezone.localdate()
    state = data.get("state")
    if state == State.ACTIVE:
        people = people.filter(is_active=True).exclude(access_expires__lt=today)
    elif state == State.DEACTIVATED:
        people = people.filter(is_active=False)
    elif state == State.EXPIRED:
        people = people.filter(is_active=True, access_expires__lt=today)
    if data.get("sort") == "last_login":
        return people.order_by(F("last_login").desc(nulls_last=True), "full_name")
    return people.order_by("full_name", "email")


@login_required
def people_list(request):
    _require_admin(request)
    form = PeopleFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = [(person, state_of(person)) for person in _filtered_people(data)]
    return render(request, "accounts/people_list.html", {"form": form, "rows": rows})


def _set_password_link(request, person) -> str:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    return request.build_absolute_uri(reverse("set-password", args=[uid, token]))


@login_required
@never_cache  # the confirmation page shows the set-password link once; never kept in a cache
def person_invite(request):
    _require_admin(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = User.objects.create_user(password=None, **form.cleaned_data)
        # the link is shown once, here, and never logged nor stored
        return render(
            request,
            "accounts/person_invited.html",
            {"person": person, "link": _set_password_link(request, person)},
        )
    status = 400 if form.errors else 200
    return render(request, "accounts/person_invite.html", {"form": form}, status=status)


def _person_changes(user, person):
    """The latest changes to this person's account, in words, from the audit trail."""
    events = audit_selectors.change_events(
        user, object_type="accounts.User", object_id=str(person.pk)
    )
    return change_rows(events[:50])


@login_required
def person_detail(request, pk):
    _require_admin(request)
    person = get_object_or_404(User.objects.select_related("force", "inspectorate"), pk=pk)
    context = {
        "person": person,
        "state": state_of(person),
        "teams": person.team_places.select_related("inspection__programme", "inspection__force"),
        "changes": _person_changes(request.user, person),
    }
    return render(request, "accounts/person_detail.html", context)


PAGES = {  # template: (heading, button, warning button)
    "accounts/person_role.html": ("Change role", "Change role", False),
    "accounts/person_expiry.html": ("Access expiry date", "Save expiry date", False),
    "accounts/person_deactivate.html": ("Deactivate account", "Deactivate account", True),
}


def _action_page(request, person, form, template, refusal=""):
    if refusal and request.method == "POST":
        form.add_error(None, refusal)
    heading, button, warning = PAGES[template]
    context = {"person": person, "form": form, "heading": heading, "button": button}
    status = 400 if form.errors else 200
    return render(request, template, {**context, "warning": warning}, status=status)


@login_required
def person_role(request, pk):
    _require_admin(request)
    person = get_object_or_404(User, pk=pk)
    initial = {"role": person.role, "force": person.force, "inspectorate": person.inspectorate}
    form = RoleForm(request.POST or None, initial=initial)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        refusal = access.self_change_refusal(request.user, person, role=data["role"])
        if not refusal:
            person.role, person.force, person.inspectorate = (
                data["role"],
                data["force"],
                data["inspectorate"],
            )
            person.save()
            messages.success(request, f"Role changed to {Role(person.role).label}.")
            return redirect("person-detail", pk=person.pk)
    return _action_page(request, person, form, "accounts/person_role.html", refusal)


@login_required
def person_expiry(request, pk):
    _require_admin(request)
    person = get_object_or_404(User, pk=pk)
    form = ExpiryForm(request.POST or None, initial={"access_expires": person.access_expires})
    if request.method == "POST" and form.is_valid():
        person.access_expires = form.cleaned_data["access_expires"]
        person.save()
        messages.success(request, "Access expiry date saved.")
        return redirect("person-detail", pk=person.pk)
    return _action_page(request, person, form, "accounts/person_expiry.html")


@login_required
def person_deactivate(request, pk):
    _require_admin(request)
    person = get_object_or_404(User, pk=pk)
    form = DeactivateForm(request.POST or None)
    refusal = access.self_change_refusal(request.user, person, deactivating=True)
    if request.method == "POST" and form.is_valid() and not refusal:
        person.is_active = False
        person.deactivation_reason = form.cleaned_data["reason"]
        # Their open sessions end too: the sign-in backend refuses an inactive person on every
        # request (ModelBackend.get_user asks user_can_authenticate).
        person.save()
        messages.success(request, f"{person} can no longer sign in.")
        return redirect("person-detail", pk=person.pk)
    return _action_page(request, person, form, "accounts/person_deactivate.html", refusal)


@login_required
@require_POST
def person_reactivate(request, pk):
    _require_admin(request)
    person = get_object_or_404(User, pk=pk)
    person.is_active, person.deactivation_reason = True, ""
    person.save()
    messages.success(request, f"{person} can sign in again.")
    return redirect("person-detail", pk=person.pk)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invited person's one-time link: the token dies once a password is set (the hash is
    part of it) and after PASSWORD_RESET_TIMEOUT."""

    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("sign-in")

    def form_valid(self, form):
        messages.success(self.request, "Your password is set. You can now sign in.")
        return super().form_valid(form)
