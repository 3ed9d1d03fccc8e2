"""``{% date_parts field as parts %}``: the boxes of a GOV.UK date input (``web/dates.py``)."""

from django import template

from cpinspect.web import dates

register = template.Library()


@register.simple_tag
def date_parts(bound_field):
    return dates.date_parts(bound_field)
