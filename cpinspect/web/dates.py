"""The GOV.UK date input (day, month, year boxes) as a Django form field.

Dates are typed in UK order in three boxes, as the GOV.UK Design System asks, never through a
browser's date picker (Chromium's shows mm/dd/yyyy) or as ISO text. The messages are the
Design System's: what is missing, or that the date is not real, naming the question.
Templates draw it with ``{% include "web/_date_input.html" with field=form.x %}``.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

PARTS = ("day", "month", "year")
# Month names a person may type instead of the number ("Jan", "january", "Sept").
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


class DateInputWidget(forms.MultiWidget):
    """Three text boxes named ``<name>_day``, ``<name>_month`` and ``<name>_year``."""

    def __init__(self, attrs=None):
        box = {"inputmode": "numeric"}
        super().__init__({part: forms.TextInput(attrs=box) for part in PARTS}, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def id_for_label(self, id_):
        # The error summary links to the first box (the day), as the Design System does.
        return f"{id_}_day" if id_ else ""


class DateInputField(forms.Field):
    """A date typed as day, month and year. ``what`` names the date in messages, in the
    middle of a sentence ("the planning date")."""

    widget = DateInputWidget

    def __init__(self, *, what: str, min_date=None, max_date=None, **kwargs):
        super().__init__(**kwargs)
        self.what = what
        self.min_date, self.max_date = min_date, max_date

    def _subject(self) -> str:
        return self.what[0].upper() + self.what[1:]

    def clean(self, value):
        parts = [str(v or "").strip() for v in (value or [None, None, None])]
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter {self.what}", code="required")
            return None
        missing = [name for name, text in zip(PARTS, parts, strict=True) if not text]
        if missing:
            raise ValidationError(
                f"{self._subject()} must include a {' and a '.join(missing)}", code="incomplete"
            )
        day, month, year = parts
        month = str(MONTHS.get(month.lower().rstrip("."), month))
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"{self._subject()} must be a real date", code="invalid")
        if len(year) != 4:
            raise ValidationError("Year must include 4 numbers", code="year")
        try:
            value = date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(
                f"{self._subject()} must be a real date", code="invalid"
            ) from None
        if self.min_date and value < self.min_date:
            raise ValidationError(
                f"{self._subject()} must be the same as or after {self.min_date:%-d %B %Y}",
                code="min",
            )
        if self.max_date and value > self.max_date:
            raise ValidationError(
                f"{self._subject()} must be the same as or before {self.max_date:%-d %B %Y}",
                code="max",
            )
        return value

    def has_changed(self, initial, data):
        return self.widget.decompress(initial) != [str(v or "") or None for v in data or []]


def date_parts(bound_field) -> list[dict]:
    """What the template draws for each box: its name, id, label, width and value (the
    person's typed text on a form sent back, the initial date's parts on a blank one)."""
    widget = bound_field.field.widget
    if bound_field.form.is_bound:
        values = widget.value_from_datadict(
            bound_field.form.data, bound_field.form.files, bound_field.html_name
        )
    else:
        values = widget.decompress(bound_field.value())
    return [
        {
            "name": f"{bound_field.html_name}_{part}",
            "id": f"{bound_field.auto_id}_{part}",
            "label": part.capitalize(),
            "width": 4 if part == "year" else 2,
            "value": value or "",
        }
        for part, value in zip(PARTS, values, strict=True)
    ]
