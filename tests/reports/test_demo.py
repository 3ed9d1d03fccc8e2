"""``add_demo_report``: what the demo calls to publish a force report."""

import pytest

from cpinspect.reports.demo import add_demo_report

pytestmark = pytest.mark.django_db


def test_add_demo_report_builds_checks_and_publishes(quick_inspection, people, client):
    quick_inspection.status = "moderation"
    quick_inspection.save()
    report = add_demo_report(quick_inspection, people["lead"], comment="A date is wrong.")
    quick_inspection.refresh_from_db()
    assert report.status == "published" and quick_inspection.status == "published"
    assert report.published_by == people["programme_manager"]
    assert report.comments.get().author == people["liaison"]
    assert client.get(f"/reports/{report.pk}/").status_code == 200
