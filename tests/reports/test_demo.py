"""``add_demo_report``: what the demo calls to publish a force report."""

import pytest

from cpinspect.reports.demo import add_demo_report

pytestmark = pytest.mark.django_db


def test_add_demo_report_builds_checks_and_publishes(quick_inspection, people, client):
    quick_inspection.status = "moderation"
    quick_inspection.save()
    # the synthetic inspection has no judgements: its moves need a reason (ADR 0021)
    report = add_demo_report(
        quick_inspection,
        people["lead"],
        comment="A date is wrong.",
        reason="Synthetic data: no judgements.",
    )
    quick_inspection.refresh_from_db()
    assert report.status == "published" and quick_inspection.status == "published"
    assert report.published_by == people["programme_manager"]
    comment = report.comments.get()
    assert comment.author == people["liaison"]
    assert comment.responded_by == people["lead"] and comment.response.startswith("[Demo data]")
    assert "Synthetic data: no judgements." in report.html
    assert client.get(f"/reports/{report.pk}/").status_code == 200
