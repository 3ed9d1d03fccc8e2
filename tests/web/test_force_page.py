"""A force's page lists its inspections: each published one links to its report, "Published"
is never said of one without a published report, and an inspection's own page is linked only
for someone who may open it (anyone else would meet a 404 there)."""

import re

import pytest
from django.urls import reverse

from cpinspect.programmes.models import Status
from tests.reports.conftest import publish, quick_inspection  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _rows(client, force_code) -> list[str]:
    page = client.get(reverse("force-detail", args=[force_code])).content.decode()
    table = page.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in page else ""
    return re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)


def _detail_link(inspection) -> str:
    return f'href="{reverse("inspection-detail", args=[inspection.pk])}"'


@pytest.fixture
def published_essex(quick_inspection, people):  # noqa: F811
    report = publish(quick_inspection, people)
    quick_inspection.refresh_from_db()
    assert quick_inspection.status == Status.PUBLISHED
    return quick_inspection, report


@pytest.fixture
def kent_published_without_report(kent_inspection):
    """Moved to published (with a recorded reason) with no report (the demo no longer does
    this: its Kent has a report; the rule still holds for any inspection)."""
    kent_inspection.status = Status.PUBLISHED
    kent_inspection.save()
    return kent_inspection


def test_a_published_inspection_links_to_its_report_for_everyone(client, published_essex, people):
    inspection, report = published_essex
    for visitor in (None, "partner", "other_liaison", "liaison", "lead"):
        client.logout()
        if visitor:
            client.force_login(people[visitor])
        (row,) = _rows(client, "E23000028")
        assert f'href="{reverse("report-detail", args=[report.pk])}"' in row, visitor
        assert "Read the report" in row and ">Published<" in row, visitor


def test_published_is_not_said_of_an_inspection_without_a_report(
    client, kent_published_without_report, people
):
    for visitor in (None, "other_liaison", "lead"):
        client.logout()
        if visitor:
            client.force_login(people[visitor])
        (row,) = _rows(client, "E23000032")
        assert ">Published<" not in row, visitor
        assert "No report published" in row and "Read the report" not in row, visitor


def test_an_inspection_page_is_linked_only_for_those_who_may_open_it(
    client, published_essex, kent_published_without_report, joint_inspection, people
):
    essex, _ = published_essex
    kent = kent_published_without_report
    # (visitor, inspection, force page, may open it)
    cases = [
        (None, essex, "E23000028", False),
        ("partner", essex, "E23000028", False),  # not on Essex's team: 404 there
        ("other_liaison", essex, "E23000028", False),  # Kent's liaison: 404 there
        ("liaison", kent, "E23000032", False),  # Essex's liaison on Kent's page
        ("liaison", essex, "E23000028", True),
        ("other_liaison", kent, "E23000032", True),
        ("partner", joint_inspection, "E23000028", True),  # on the joint inspection's team
        ("lead", kent, "E23000032", True),
    ]
    for visitor, inspection, force, may_open in cases:
        client.logout()
        if visitor:
            client.force_login(people[visitor])
        page = client.get(reverse("force-detail", args=[force])).content.decode()
        assert (_detail_link(inspection) in page) is may_open, (visitor, inspection, force)
        if may_open:  # and the link leads somewhere
            opened = client.get(reverse("inspection-detail", args=[inspection.pk]))
            assert opened.status_code == 200, (visitor, inspection)


def test_forces_are_listed_by_name(client, reference):
    from cpinspect.registry.models import Force

    Force.objects.create(code="E23000036", name="Avon and Somerset", country="england")  # last
    page = client.get(reverse("force-list")).content.decode()
    names = re.findall(r'href="/forces/[^/]+/">([^<]+)</a>', page)
    assert names == sorted(names) and len(names) == 3
