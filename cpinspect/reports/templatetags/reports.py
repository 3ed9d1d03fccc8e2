"""``{% load reports %}{% report_stage inspection %}``: the inspection's report on its page:
the versions the visitor may see, and the build button for those who may build."""

from django import template

from cpinspect.accounts import access
from cpinspect.reports import selectors, services

register = template.Library()


@register.inclusion_tag("reports/_inspection_report.html", takes_context=True)
def report_stage(context, inspection):
    user = context["request"].user
    reports = selectors.reports_of_inspection(user, inspection)
    open_draft = any(r.status == "draft" for r in reports)
    return {
        "inspection": inspection,
        "reports": reports,
        "can_build": access.can_build_report(user, inspection)
        and inspection.status in services.BUILDABLE
        and not any(r.status != "draft" for r in reports),
        "rebuild": open_draft,
    }
