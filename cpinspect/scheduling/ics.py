"""ICS calendar feeds built from the published plan (the same rows as the pages)."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event

PRODID = "-//CP Inspect//Programme plan//EN"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    return cal


def _event(uid, summary, starts_on, ends_on, description, stamp) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", starts_on)
    event.add("dtend", ends_on + timedelta(days=1))  # all-day events end the day after
    event.add("dtstamp", stamp)
    event.add("description", description)
    return event


def programme_calendar(version, rows) -> bytes:
    cal = _calendar(f"{version.programme.name} inspection programme (v{version.number})")
    stamp = version.published_at or version.created_at
    for row in rows:
        cal.add_component(
            _event(
                f"plan-{version.programme_id}-inspection-{row.inspection_id}@cpinspect",
                f"Fieldwork: {row.label}",
                row.starts_on,
                row.ends_on,
                f"Lead: {row.lead}. Team: {', '.join(row.team) or 'none'}.",
                stamp,
            )
        )
    return cal.to_ical()


def person_calendar(person, assignments) -> bytes:
    cal = _calendar(f"Fieldwork: {person.full_name}")
    for a in assignments:
        cal.add_component(
            _event(
                f"plan-{a.version.programme_id}-inspection-{a.inspection_id}"
                f"-user-{person.pk}@cpinspect",
                f"Fieldwork ({'lead' if a.role == 'lead' else 'inspector'}): "
                f"{a.inspection.subject_name}",
                a.starts_on,
                a.ends_on,
                f"{a.inspection.get_kind_display()}, programme {a.version.programme.name}.",
                a.version.published_at or a.version.created_at,
            )
        )
    return cal.to_ical()
