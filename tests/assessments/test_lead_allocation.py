"""Issue 15, failures 3, 5 and 6: the lead had no form to reallocate a case or choose its
moderator; allocation on a joint inspection gave every case to the lead, none to the partner
inspector; the demo's moderator account had nothing to moderate."""

import pytest
from django.urls import reverse

from cpinspect.assessments import services
from cpinspect.assessments.models import CaseAudit, ModerationReason
from tests.assessments.conftest import draw_sample, submit

pytestmark = pytest.mark.django_db


def _case_page(client, inspection, audit) -> str:
    response = client.get(reverse("assessments-case", args=[inspection.pk, audit.case_id]))
    assert response.status_code == 200
    return response.content.decode()


def _action(client, inspection, audit, action, data):
    url = reverse(f"assessments-{action}", args=[inspection.pk, audit.case_id])
    return client.post(url, data)


def test_the_lead_reallocates_a_case_from_its_page(
    client, inspection, people, allocated, second_inspector
):
    audit = CaseAudit.objects.filter(examiner=people["inspector"]).first()
    client.force_login(people["lead"])
    page = _case_page(client, inspection, audit)
    assert "Give the case to another examiner" in page
    # the people offered: the team who may examine, not the current examiner nor the analyst
    assert f'value="{second_inspector.pk}"' in page.split('id="examiner"')[1].split("</select>")[0]
    offered = page.split('id="examiner"')[1].split("</select>")[0]
    assert f'value="{people["inspector"].pk}"' not in offered
    assert f'value="{people["analyst"].pk}"' not in offered
    assert "examining" in offered  # each person's load is shown
    response = _action(client, inspection, audit, "reallocate", {"examiner": second_inspector.pk})
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.examiner == second_inspector


def test_no_reallocation_once_the_examination_has_begun(client, inspection, people, allocated):
    audit = CaseAudit.objects.filter(examiner=people["inspector"]).first()
    submit(audit, people["inspector"])
    client.force_login(people["lead"])
    assert "Give the case to another examiner" not in _case_page(client, inspection, audit)


def test_the_lead_chooses_the_moderator_from_the_case_page(client, inspection, people, allocated):
    audit = CaseAudit.objects.filter(examiner=people["inspector"]).first()
    client.force_login(people["lead"])
    page = _case_page(client, inspection, audit)
    offered = page.split('id="moderator"')[1].split("</select>")[0]
    assert f'value="{people["moderator"].pk}"' in offered
    assert f'value="{people["inspector"].pk}"' not in offered  # never the first examiner
    response = _action(client, inspection, audit, "moderate", {"moderator": people["lead"].pk})
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.moderator == people["lead"] and audit.moderation_reason == ModerationReason.LEAD
    page = _case_page(client, inspection, audit)
    assert "Give the moderation to someone else" in page
    _action(client, inspection, audit, "moderate", {"moderator": people["moderator"].pk})
    audit.refresh_from_db()
    assert audit.moderator == people["moderator"]
    # the examiner cannot be made the moderator by a crafted post
    _action(client, inspection, audit, "moderate", {"moderator": people["inspector"].pk})
    audit.refresh_from_db()
    assert audit.moderator == people["moderator"]


def test_only_the_lead_sees_the_forms(client, inspection, people, allocated):
    audit = CaseAudit.objects.filter(examiner=people["inspector"]).first()
    client.force_login(people["inspector"])
    page = _case_page(client, inspection, audit)
    assert "Give the case to another examiner" not in page and 'id="moderator"' not in page
    response = _action(client, inspection, audit, "reallocate", {"examiner": people["lead"].pk})
    assert response.status_code == 403
    audit.refresh_from_db()
    assert audit.examiner == people["inspector"]


def test_a_joint_inspection_allocates_to_the_partner_inspector(joint_inspection, people):
    draw_sample(joint_inspection, people["lead"], size=14, seed=5)
    made = services.cases_allocate(inspection=joint_inspection, user=people["lead"])
    assert len(made) == 14
    assert {a.examiner for a in made} == {people["partner"]}
