"""The force's factual accuracy comments are answered (ADR 0021): the lead records one answer
per comment, the force sees it, a second answer from a stale page is refused, and an
unanswered comment is outstanding at publication."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cpinspect.programmes import readiness
from cpinspect.programmes.models import Inspection, Status
from cpinspect.reports import services
from cpinspect.reports.models import ReportComment

pytestmark = pytest.mark.django_db


@pytest.fixture
def under_check(inspection, people):
    """Essex's draft with the force: built in reporting (nothing of the audit in this test),
    sent with the reason the empty inspection needs, and one comment from the force."""
    Inspection.objects.filter(pk=inspection.pk).update(status=Status.REPORTING)
    inspection.refresh_from_db()
    report = services.report_build(inspection=inspection, user=people["lead"])
    report = services.report_send_for_factual_accuracy(
        report=report, user=people["lead"], reason="No judgements in this test."
    )
    comment = services.report_comment_add(
        report=report, user=people["liaison"], section="summary", text="The date is March."
    )
    return report, comment


def test_the_lead_answers_a_comment_and_the_force_sees_it(under_check, people, client):
    report, comment = under_check
    inspection = report.inspection
    assert "comments" in [o.code for o in readiness.outstanding(inspection, Status.PUBLISHED)]
    client.force_login(people["lead"])
    url = reverse("report-comment-respond", args=[report.pk, comment.pk])
    empty = client.post(url, {"response": "  "})
    assert empty.status_code == 302
    assert not ReportComment.objects.get(pk=comment.pk).answered
    done = client.post(url, {"response": "Corrected: the report now says March."})
    assert done.status_code == 302
    answered = ReportComment.objects.get(pk=comment.pk)
    assert (answered.response, answered.responded_by) == (
        "Corrected: the report now says March.",
        people["lead"],
    )
    assert "comments" not in [o.code for o in readiness.outstanding(inspection, Status.PUBLISHED)]
    client.force_login(people["liaison"])
    page = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    assert "Corrected: the report now says March." in page


def test_a_second_answer_from_a_stale_page_is_refused(under_check, people):
    report, comment = under_check
    stale = ReportComment.objects.get(pk=comment.pk)
    services.report_comment_respond(comment=comment, user=people["lead"], text="First answer.")
    with pytest.raises(services.ReportRefused, match="already|was answered"):
        services.report_comment_respond(comment=stale, user=people["lead"], text="Second.")
    assert ReportComment.objects.get(pk=comment.pk).response == "First answer."


def test_only_the_lead_answers_and_not_after_publication(under_check, people):
    report, comment = under_check
    for who in ("inspector", "analyst", "liaison", "programme_manager", "other_lead"):
        with pytest.raises(PermissionDenied):
            services.report_comment_respond(comment=comment, user=people[who], text="x")
    with pytest.raises(ValidationError):
        services.report_comment_respond(comment=comment, user=people["lead"], text="   ")
    services.report_publish(report=report, user=people["programme_manager"], reason="On time.")
    with pytest.raises(services.ReportRefused, match="published"):
        services.report_comment_respond(comment=comment, user=people["lead"], text="Late.")
    assert not ReportComment.objects.get(pk=comment.pk).answered
