"""``{% load assessments %}{% fieldwork_stage inspection %}``: the case-file audit's progress
on the inspection page, for the inspection's team only."""

from django import template

from cpinspect.accounts import access
from cpinspect.assessments import selectors

register = template.Library()


@register.inclusion_tag("assessments/_inspection_summary.html", takes_context=True)
def fieldwork_stage(context, inspection):
    user = context["request"].user
    if not access.can_see_case_data(user, inspection):
        return {"show": False}
    audits = selectors.audits_for(user, inspection)
    if not audits.exists():
        return {"show": False}
    return {
        "show": True,
        "inspection": inspection,
        "progress": selectors.progress_of(user, inspection),
    }
