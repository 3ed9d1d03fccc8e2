"""Dates and times on screen, written the one way the GOV.UK style guide asks (issue 15: the
templates had 11 ``|date:`` formats between them). Templates load these filters and use no
``|date:`` format of their own (``tests/web/test_dates.py`` checks).

- ``uk_date``: 3 December 2026
- ``uk_day``: Thursday 3 December 2026, only where the day of the week matters (fieldwork)
- ``uk_month``: December 2026, where only the month is shown (a case's recorded month)
- ``uk_time``: 2:05pm, 9am, midday, midnight (12-hour, lower-case am and pm, no leading zero)
- ``uk_datetime``: 3 December 2026 at 2:05pm

A datetime is shown in the site's time zone (Europe/London, so in British Summer Time from
March to October), as Django's own ``date`` filter does. ``uk_time`` and ``uk_datetime`` take
``"seconds"`` where events seconds apart must be told apart (the audit trail): 2:05:09pm.
Nothing (``None`` or an empty string) is shown as nothing.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import dateformat, timezone

register = template.Library()


def _local(value):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _is_date(value) -> bool:
    return isinstance(value, dt.date)  # a datetime is a date too


@register.filter
def uk_date(value) -> str:
    if not _is_date(value):
        return ""
    return dateformat.format(_local(value), "j F Y")


@register.filter
def uk_day(value) -> str:
    if not _is_date(value):
        return ""
    return dateformat.format(_local(value), "l j F Y")


@register.filter
def uk_month(value) -> str:
    if not _is_date(value):
        return ""
    return dateformat.format(_local(value), "F Y")


@register.filter
def uk_time(value, precision: str = "") -> str:
    if not isinstance(value, dt.datetime | dt.time):
        return ""
    value = _local(value)
    with_seconds = precision == "seconds"
    exact = value.minute == 0 and (value.second == 0 or not with_seconds)
    if exact and value.hour in (0, 12):
        return "midnight" if value.hour == 0 else "midday"
    hour, suffix = value.hour % 12 or 12, "am" if value.hour < 12 else "pm"
    if with_seconds:
        return f"{hour}:{value.minute:02d}:{value.second:02d}{suffix}"
    if value.minute == 0:
        return f"{hour}{suffix}"
    return f"{hour}:{value.minute:02d}{suffix}"


@register.filter
def uk_datetime(value, precision: str = "") -> str:
    if not _is_date(value):
        return ""
    if not isinstance(value, dt.datetime):
        return uk_date(value)
    value = _local(value)
    return f"{uk_date(value)} at {uk_time(value, precision)}"
