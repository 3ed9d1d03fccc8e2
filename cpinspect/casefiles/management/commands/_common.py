"""Helpers shared by the case extract commands."""

from django.core.management.base import CommandError

from cpinspect.accounts import access
from cpinspect.accounts.models import User
from cpinspect.programmes.models import Inspection


def acting_user(options) -> User:
    email = options.get("user")
    if not email:
        raise CommandError("Say who is acting: --user EMAIL (a member of the inspection's team).")
    try:
        return User.objects.get(email__iexact=email, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"No active user {email}.") from None


def team_inspection(pk, user) -> Inspection:
    try:
        inspection = Inspection.objects.select_related("force", "council__force").get(pk=pk)
    except (Inspection.DoesNotExist, ValueError):
        raise CommandError(f"No inspection {pk}.") from None
    if not access.can_see_case_data(user, inspection):
        raise CommandError(f"{user.email} is not on the team of inspection {pk}.")
    return inspection
