"""Issue 15: the 70-case table had no filter, search or sort. GET parameters, no JavaScript;
the parameters name a case by its number in the sample, never the force's reference."""

import re

import pytest
from django.urls import reverse

from cpinspect.assessments.models import CaseAudit
from tests.assessments.conftest import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_ready(allocated, people, settings):
    settings.CPINSPECT_MODERATION_RULE = {
        "first_per_inspector": 0,
        "random_share": 0.0,
        "all_inadequate": False,
    }
    audits = list(CaseAudit.objects.filter(examiner=people["inspector"]).order_by("case_id")[:2])
    submit(audits[0], people["inspector"], "inadequate")
    submit(audits[1], people["inspector"], "good")
    return audits


def _cases(client, inspection, **params) -> list[int]:
    response = client.get(reverse("assessments-home", args=[inspection.pk]), params)
    assert response.status_code == 200
    return [int(n) for n in re.findall(r'id="row-(\d+)"', response.content.decode())]


def test_filter_by_status_shows_only_the_ready_cases(client, inspection, people, two_ready):
    client.force_login(people["lead"])
    assert len(_cases(client, inspection)) == CaseAudit.objects.count()
    assert _cases(client, inspection, status="ready") == sorted(a.case_id for a in two_ready)
    assert len(_cases(client, inspection, status="to_examine")) == CaseAudit.objects.count() - 2


def test_filter_by_theme_examiner_and_case_number(
    client, inspection, people, allocated, second_inspector
):
    client.force_login(people["lead"])
    audit = CaseAudit.objects.order_by("case_id").first()
    theme = audit.case.stratum
    same_theme = CaseAudit.objects.filter(case__stratum=theme).values_list("case_id", flat=True)
    assert _cases(client, inspection, theme=theme) == sorted(same_theme)
    theirs = CaseAudit.objects.filter(examiner=second_inspector).values_list("case_id", flat=True)
    assert _cases(client, inspection, examiner=second_inspector.pk) == sorted(theirs)
    assert _cases(client, inspection, case=audit.case_id) == [audit.case_id]


def test_sort_by_grade_puts_the_graded_first_in_grade_order(client, inspection, people, two_ready):
    client.force_login(people["lead"])
    good, inadequate = two_ready[1].case_id, two_ready[0].case_id
    assert _cases(client, inspection, sort="grade")[:2] == [good, inadequate]
    assert _cases(client, inspection, sort="status")[-2:] == sorted([good, inadequate])


def test_a_bad_parameter_is_ignored_not_an_error(client, inspection, people, allocated):
    client.force_login(people["lead"])
    everything = _cases(client, inspection)
    assert _cases(client, inspection, status="nonsense", case="abc", sort="x") == everything


def test_the_table_scrolls_in_its_own_region(client, inspection, people, allocated):
    client.force_login(people["lead"])
    page = client.get(reverse("assessments-home", args=[inspection.pk])).content.decode()
    assert '<div class="app-table-scroll" role="region" aria-labelledby="cases-caption"' in page
