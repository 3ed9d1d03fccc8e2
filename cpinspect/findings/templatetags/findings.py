"""``{% load findings %}{% findings_link inspection %}``: a link to the inspection's findings
on its page, for those who may see them (a force liaison officer only once published)."""

from django import template

from cpinspect.accounts import access

register = template.Library()


@register.inclusion_tag("findings/_inspection_link.html", takes_context=True)
def findings_link(context, inspection):
    user = context["request"].user
    return {"show": access.can_see_findings(user, inspection), "inspection": inspection}
