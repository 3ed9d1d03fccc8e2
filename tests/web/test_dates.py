"""Dates on screen are written one way, the GOV.UK style guide's (``web/templatetags/ukdates``):
the filters' output for real values, and no template with a ``|date`` format of its own."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from cpinspect.web.templatetags.ukdates import uk_date, uk_datetime, uk_day, uk_month, uk_time

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
PACKAGE = Path(__file__).resolve().parents[2] / "cpinspect"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # winter: London is on UTC
        (dt.datetime(2026, 12, 3, 0, 0, tzinfo=UTC), "3 December 2026 at midnight"),
        (dt.datetime(2026, 12, 3, 12, 0, tzinfo=UTC), "3 December 2026 at midday"),
        (dt.datetime(2026, 12, 3, 14, 5, tzinfo=UTC), "3 December 2026 at 2:05pm"),
        (dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC), "3 December 2026 at 9am"),
        (dt.datetime(2026, 12, 3, 0, 5, tzinfo=UTC), "3 December 2026 at 12:05am"),
        (dt.datetime(2026, 12, 3, 12, 30, tzinfo=UTC), "3 December 2026 at 12:30pm"),
        (dt.datetime(2026, 12, 3, 23, 59, 59, tzinfo=UTC), "3 December 2026 at 11:59pm"),
        # a single-digit day has no leading zero
        (dt.datetime(2027, 3, 1, 10, 7, tzinfo=UTC), "1 March 2027 at 10:07am"),
        # summer: British Summer Time is an hour ahead of UTC, and can change the date
        (dt.datetime(2026, 7, 4, 13, 5, tzinfo=UTC), "4 July 2026 at 2:05pm"),
        (dt.datetime(2026, 7, 4, 23, 30, tzinfo=UTC), "5 July 2026 at 12:30am"),
        (dt.datetime(2026, 6, 30, 23, 0, tzinfo=UTC), "1 July 2026 at midnight"),
        (dt.datetime(2026, 6, 30, 11, 0, tzinfo=UTC), "30 June 2026 at midday"),
        # a time already in London's zone is not shifted again
        (dt.datetime(2026, 7, 4, 14, 5, tzinfo=LONDON), "4 July 2026 at 2:05pm"),
        # the clocks went forward at 1am UTC on 29 March 2026
        (dt.datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29 March 2026 at 12:59am"),
        (dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 March 2026 at 2am"),
        # a date alone, given to the date-and-time filter, is the date
        (dt.date(2026, 12, 3), "3 December 2026"),
        (None, ""),
        ("", ""),
    ],
)
def test_uk_datetime(value, expected):
    assert uk_datetime(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2026, 12, 3, 14, 5, 9, tzinfo=UTC), "3 December 2026 at 2:05:09pm"),
        (dt.datetime(2026, 12, 3, 14, 0, 0, tzinfo=UTC), "3 December 2026 at 2:00:00pm"),
        (dt.datetime(2026, 12, 3, 0, 0, 0, tzinfo=UTC), "3 December 2026 at midnight"),
        (dt.datetime(2026, 12, 3, 0, 0, 7, tzinfo=UTC), "3 December 2026 at 12:00:07am"),
        (dt.datetime(2026, 7, 4, 8, 4, 3, tzinfo=UTC), "4 July 2026 at 9:04:03am"),
    ],
)
def test_uk_datetime_with_seconds_tells_apart_events_seconds_apart(value, expected):
    assert uk_datetime(value, "seconds") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 12, 3), "3 December 2026"),
        (dt.date(2027, 3, 1), "1 March 2027"),
        (dt.datetime(2026, 7, 4, 23, 30, tzinfo=UTC), "5 July 2026"),  # London's date
        (None, ""),
    ],
)
def test_uk_date(value, expected):
    assert uk_date(value) == expected


def test_uk_day_names_the_day_of_the_week():
    assert uk_day(dt.date(2026, 12, 3)) == "Thursday 3 December 2026"
    assert uk_day(dt.date(2027, 3, 1)) == "Monday 1 March 2027"
    assert uk_day(dt.datetime(2026, 7, 4, 23, 30, tzinfo=UTC)) == "Sunday 5 July 2026"
    assert uk_day(None) == ""


def test_uk_month_and_uk_time():
    assert uk_month(dt.date(2026, 9, 14)) == "September 2026"
    assert uk_time(dt.datetime(2026, 7, 4, 13, 5, tzinfo=UTC)) == "2:05pm"
    assert uk_time(dt.time(0, 0)) == "midnight"
    assert uk_time(dt.time(12, 0)) == "midday"
    assert uk_time(dt.time(17, 30)) == "5:30pm"
    assert uk_time(dt.date(2026, 7, 4)) == ""  # a date has no time


def test_every_template_has_the_filters_without_loading_them():
    # a builtin of the template engine (settings.TEMPLATES), so no template can miss them
    template = Template("{{ when|uk_datetime }}; {{ when|uk_day }}")
    when = dt.datetime(2026, 7, 4, 13, 5, tzinfo=UTC)
    assert template.render(Context({"when": when})) == "4 July 2026 at 2:05pm; Saturday 4 July 2026"


# A Django date or time filter, with or without a format ("|date:'j M Y'", "|date", "|time"),
# or the {% now %} tag: each writes dates its own way.
RAW_DATE = re.compile(r"\|\s*(date|time)\b(?!_)|\{%\s*now\b")


def _templates():
    return sorted(
        path
        for path in PACKAGE.rglob("*")
        if path.suffix in {".html", ".txt", ".css", ".svg", ".xml"}
        and "templates" in path.relative_to(PACKAGE).parts
    )


def test_no_template_writes_a_date_its_own_way():
    templates = _templates()
    assert len(templates) > 100, "the templates were not found"
    raw = [
        f"{path.relative_to(PACKAGE)}:{number}: {match.group(0)}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for match in RAW_DATE.finditer(line)
    ]
    assert not raw, "use the ukdates filters (uk_date, uk_datetime, ...):\n" + "\n".join(raw)


def test_the_check_catches_a_raw_date_format():
    for line in ('{{ x|date:"j M Y" }}', "{{ x|date }}", "{{ x | time:'H:i' }}", '{% now "Y" %}'):
        assert RAW_DATE.search(line), line
    for line in ("{{ x|uk_date }}", "{{ x|uk_datetime:'seconds' }}", "{{ x.date_text }}"):
        assert not RAW_DATE.search(line), line


def test_the_stale_edit_messages_write_dates_the_same_way():
    from django.utils import timezone

    from cpinspect.editing import versions
    from cpinspect.findings.models import Recommendation

    assert versions.when_text(dt.datetime(2020, 7, 4, 13, 5, tzinfo=UTC)) == (
        "on 4 July 2020 at 2:05pm"
    )
    assert re.fullmatch(
        r"at (\d{1,2}(:\d\d)?[ap]m|midday|midnight)", versions.when_text(timezone.now())
    )
    assert versions.shown(Recommendation, "due_on", dt.date(2027, 3, 31)) == "31 March 2027"
