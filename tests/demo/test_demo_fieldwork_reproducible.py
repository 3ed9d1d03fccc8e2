"""The demo's case-file audit is the same on every run (fixed seeds): checked on a small sample,
run twice and rolled back each time."""

import pytest
from django.db import transaction

from cpinspect.assessments.demo import add_demo_fieldwork
from cpinspect.assessments.models import Assessment
from cpinspect.programmes.models import TeamRole
from cpinspect.programmes.services import team_member_add
from tests.factories import drawn_sample
from tests.fixtures import programme_manager


@pytest.fixture(autouse=True)
def casefiles_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CPINSPECT_CASEFILES_DIR", str(tmp_path / "casefiles"))
    monkeypatch.setenv("CPINSPECT_PSEUDONYM_KEY", "test-master-secret-not-for-production")


@pytest.fixture
def small_sample(inspection, people):
    """A small sample in the test Essex inspection, with a second inspector on the team."""
    from cpinspect.accounts.models import Role
    from tests.fixtures import make_user

    team_member_add(
        programme_manager(),
        inspection=inspection,
        person=make_user("inspector2", Role.INSPECTOR),
        role=TeamRole.INSPECTOR,
    )
    return drawn_sample(inspection, people["lead"], rows=300, extract_seed=5, seed=7)


def test_the_demo_fieldwork_is_the_same_every_run(small_sample, inspection):
    def run():
        with transaction.atomic():
            done = add_demo_fieldwork(inspection, complete=True)
            outcome = {
                (a.audit.case_id, a.kind): (
                    a.overall_grade,
                    a.answers,
                    a.writing,
                    a.audit.moderation_reason,
                    a.audit.final_grade,
                )
                for a in Assessment.objects.filter(audit__inspection=inspection).select_related(
                    "audit"
                )
            }
            transaction.set_rollback(True)
        return done, outcome

    first_done, first = run()
    again_done, again = run()
    assert first_done.signed_off == 21 and first_done.moderated > 0
    assert (again_done, again) == (first_done, first)
