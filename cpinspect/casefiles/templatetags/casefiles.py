"""``{% load casefiles %}{% casefiles_stage inspection %}``: the extract and sample on the
inspection page, for the inspection's team only (nothing is shown to anyone else)."""

from django import template

from cpinspect.accounts import access
from cpinspect.casefiles import selectors
from cpinspect.casefiles.schema import category_label

register = template.Library()


@register.inclusion_tag("casefiles/_inspection_summary.html", takes_context=True)
def casefiles_stage(context, inspection):
    user = context["request"].user
    if not access.can_see_case_data(user, inspection):
        return {"show": False}
    current = selectors.current_extract(user, inspection)
    summary = getattr(current, "summary", None) if current else None
    return {
        "show": True,
        "inspection": inspection,
        "current": current,
        "categories": [(category_label(k), v) for k, v in summary.by_category.items()]
        if summary
        else [],
        "sample": selectors.sample_for(user, inspection),
    }
