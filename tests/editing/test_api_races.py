"""Races through the API, each party with its own connection and real transactions: a unique
rule two requests hit at once is a clear 409 (or a second answer of the first), never a 500.

On the code before safe editing: two publications of plans at once broke the one-published-plan
rule (IntegrityError), two allocations at once gave out the same cases twice (IntegrityError),
two draws of one extract at once made a second sample of it (IntegrityError), and one
Idempotency-Key sent twice at once made two rows.
"""

import pytest
from django.urls import reverse

from cpinspect.assessments.models import CaseAudit
from cpinspect.casefiles.models import CaseStatus, Sample, SampledCase
from cpinspect.findings.models import AreaForImprovement
from cpinspect.scheduling.models import PlanAssignment, PlanVersion
from tests.races import ROUNDS, race, raised, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def _api(client, url, body=None, **headers):
    def worker(go):
        go()
        return client.post(url, body or {}, content_type="application/json", headers=headers)

    return worker


def _draft_like(draft, number) -> PlanVersion:
    """Another draft of the same plan (solving again would take seconds per round)."""
    copy = PlanVersion.objects.get(pk=draft.pk)
    copy.pk, copy.number, copy.state = None, number, "draft"
    copy.published_by, copy.published_at, copy.published_diff = None, None, {}
    copy.save()
    PlanAssignment.objects.bulk_create(
        PlanAssignment(
            version=copy,
            inspection_id=a.inspection_id,
            user_id=a.user_id,
            role=a.role,
            starts_on=a.starts_on,
            ends_on=a.ends_on,
        )
        for a in draft.assignments.all()
    )
    return copy


def test_two_plans_published_at_once(published):
    manager = published["people"]["programme_manager"]
    clients = [signed_in(manager), signed_in(manager)]
    base = published["version"]
    for n in range(ROUNDS):
        current = PlanVersion.objects.get(programme=base.programme, state="published")
        drafts = [_draft_like(base, 100 + 2 * n + i) for i in range(2)]
        results = race(
            *(
                _api(c, f"/api/plans/{d.pk}/publish/", {"published": current.pk})
                for c, d in zip(clients, drafts, strict=True)
            )
        )
        assert not raised(results), raised(results)
        assert sorted(r.status_code for r in results) == [200, 409]
        won = next(d for d, r in zip(drafts, results, strict=True) if r.status_code == 200)
        refusal = next(r for r in results if r.status_code == 409).json()
        assert f"Planner published plan version {won.number}" in refusal["detail"]
        assert refusal["current"]["id"] == won.pk  # the plan published now
        published_now = PlanVersion.objects.filter(programme=base.programme, state="published")
        assert list(published_now) == [PlanVersion.objects.get(pk=won.pk)]


def test_two_allocations_at_once_give_each_case_out_once(inspection, people, sample):
    lead = people["lead"]
    clients = [signed_in(lead), signed_in(lead)]  # the lead, in two tabs
    url = f"/api/inspections/{inspection.pk}/fieldwork/allocate/"
    waiting = SampledCase.objects.filter(sample=sample, status=CaseStatus.SAMPLED).count()
    for _ in range(ROUNDS):
        CaseAudit.objects.filter(inspection=inspection).delete()
        results = race(*(_api(c, url) for c in clients))
        assert not raised(results), raised(results)
        assert [r.status_code for r in results] == [200, 200]
        assert sorted(r.json()["allocated"] for r in results) == [0, waiting]
        assert CaseAudit.objects.filter(inspection=inspection).count() == waiting


def test_two_draws_of_one_extract_at_once_make_one_sample(inspection, people):
    from cpinspect.casefiles import services
    from tests.casefiles.conftest import TODAY, synthetic_csv

    lead = people["lead"]
    clients = [signed_in(lead), signed_in(people["inspector"])]
    url = f"/api/inspections/{inspection.pk}/sample/"
    body = {"method": "proportional", "minimum": 1, "size": 12, "seed": 3}
    for n in range(3):  # an import per round: three rounds keep it to seconds
        extract = services.extract_import(
            inspection=inspection,
            user=lead,
            data=synthetic_csv(120, seed=n),
            profile_name="canonical",
            via="cli",
            today=TODAY,
        )
        # after the first round the inspection has a sample in use: a redraw, with its reason
        sent = {**body, "redraw_reason": f"Round {n}: a corrected extract."} if n else body
        results = race(*(_api(c, url, sent) for c in clients))
        assert not raised(results), raised(results)
        assert sorted(r.status_code for r in results) == [201, 409]
        refusal = next(r for r in results if r.status_code == 409).json()["detail"]
        assert "drew the sample from this extract" in refusal
        assert Sample.objects.filter(extract=extract).count() == 1


def test_one_idempotency_key_sent_twice_at_once_makes_one_row(inspection, people):
    lead = people["lead"]
    first, second = signed_in(lead), signed_in(lead)
    second.cookies = first.cookies
    url = f"/api/inspections/{inspection.pk}/areas-for-improvement/"
    for n in range(ROUNDS):
        body = {"text": f"Record supervision {n}."}
        key = {"Idempotency-Key": f"retry-{n}"}
        results = race(_api(first, url, body, **key), _api(second, url, body, **key))
        assert not raised(results), raised(results)
        assert [r.status_code for r in results] == [201, 201]
        assert results[0].json()["id"] == results[1].json()["id"]
        assert AreaForImprovement.objects.filter(text=body["text"]).count() == 1


def test_the_team_page_race_leaves_the_audit_trail_whole(inspection, people):
    """The refused add leaves no half-written row and no history of a row that never was."""
    from pghistory.models import Events

    from cpinspect.programmes.models import TeamMember
    from tests.forms import opened

    url = reverse("team-add", args=[inspection.pk])
    joining = people["other_lead"]

    def adds(user):
        def worker(go):
            client = signed_in(user)
            hidden = opened(client, url)
            go()
            return client.post(url, {**hidden, "user": joining.pk, "role": "analyst"})

        return worker

    joining.role = "analyst"
    joining.save()
    results = race(adds(people["lead"]), adds(people["programme_manager"]))
    assert not raised(results)
    member = TeamMember.objects.get(inspection=inspection, user=joining)
    inserts = Events.objects.filter(pgh_obj_model="programmes.TeamMember", pgh_label="insert")
    assert list(inserts.filter(pgh_obj_id=str(member.pk)).values_list("pgh_obj_id", flat=True))
    assert not inserts.exclude(
        pgh_obj_id__in=[str(pk) for pk in TeamMember.objects.values_list("pk", flat=True)]
    ).exists()
