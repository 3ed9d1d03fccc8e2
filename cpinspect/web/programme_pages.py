"""The create-programme page: a planner makes a programme in the service, not the admin.

Thin, as every page view: the form checks what was typed, ``programme_create`` checks it again
with the stored programmes, takes the acting person and refuses anyone but a programme
manager; the form's one-time token makes a double click one programme (ADR 0020).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cpinspect.accounts import access
from cpinspect.editing.forms import create_once
from cpinspect.programmes import services
from cpinspect.programmes.forms import ProgrammeForm


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request):
    access.require(
        access.can_plan_programmes(request.user),
        "Only a programme manager can create a programme.",
    )
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "submission"}
        try:
            outcome = create_once(
                request, form, lambda: services.programme_create(user=request.user, **data)
            )
        except ValidationError as error:
            _show(form, error)
        else:
            if outcome is not None:
                programme = outcome.obj
                messages.success(
                    request,
                    f"Programme {programme.name} created. Plan its inspections, then solve "
                    "its plan.",
                )
                return redirect("plan-programme", pk=programme.pk)
    return render(
        request,
        "programmes/programme_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _show(form, error: ValidationError) -> None:
    """The service's refusal on the fields it names (linked from the error summary)."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    else:
        form.add_error(None, error)
