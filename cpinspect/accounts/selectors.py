"""Reads of people for the administrators (access.can_manage_people); nobody else gets any."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.utils import timezone

from cpinspect.accounts import access
from cpinspect.accounts.models import User


def invitations_waiting(user):
    """People invited who have not set their password yet (nor ever signed in), oldest
    first, each with ``link_expires``: the day their one-time link stops working. Demo
    accounts are left out: the demo's planning-only inspectors have no password and were never
    invited."""
    if not access.can_manage_people(user):
        return []
    invited = User.objects.filter(
        is_active=True,
        is_demo=False,
        last_login__isnull=True,
        password__startswith=UNUSABLE_PASSWORD_PREFIX,
    ).order_by("date_joined", "pk")
    lifetime = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    people = list(invited)
    for person in people:
        person.link_expires = timezone.localdate(person.date_joined + lifetime)
    return people


def access_ending(user, today: date, within: timedelta):
    """Active people whose access expires between ``today`` and ``today + within``."""
    if not access.can_manage_people(user):
        return User.objects.none()
    return User.objects.filter(
        is_active=True, access_expires__gte=today, access_expires__lte=today + within
    ).order_by("access_expires", "full_name")
