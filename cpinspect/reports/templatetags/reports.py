"""``{% load reports %}{% report_stage inspection %}``: the inspection's report on its page:
the versions the visitor may see, and the build button for those who may build."""

from functools import lru_cache

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


@lru_cache(maxsize=1)
def _question_set_titles() -> dict[str, str]:
    from cpinspect.assessments import questionsets

    return {set_id: qs.title for set_id, qs in questionsets.shipped().items()}


@register.filter
def question_set_title(set_id: str) -> str:
    """A question set's title ("Domestic abuse where children live"), not its id: a report is
    read by the public. An id no longer shipped reads as its theme's label, or as words."""
    from cpinspect.casefiles.schema import CATEGORY_LABELS

    title = _question_set_titles().get(set_id) or CATEGORY_LABELS.get(set_id)
    return title or str(set_id).replace("_", " ").capitalize()
