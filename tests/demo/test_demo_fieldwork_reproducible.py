"""The demo's case-file audit is the same on every run (fixed seeds): checked on a small sample,
run twice and rolled back each time."""

import pytest
from django.db import transaction

from cpinspect.assessments.demo import add_demo_fieldwork
from cpinspect.assessments.models import Assessment
from cpinspect.casefiles import sampling
from cpinspect.casefiles import services as casefiles_services
from cpinspect.programmes.models import TeamRole
from cpinspect.programmes.services import team_member_add
from tests.fixtures import programme_manager


@pytest.fixture(autouse=True)
def casefiles_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CPINSPECT_CASEFILES_DIR", str(tmp_path / "casefiles"))
    monkeypatch.setenv("CPINSPECT_PSEUDONYM_KEY", "test-master-secret-not-for-production")


@pytest.fixture
def small_sample(inspection, people):
    """A small sample in the test Essex inspection, with a second inspector on the team."""
    from cpinspect.accounts.models import Role
    from tests.casefiles.conftest import TODAY, synthetic_csv
    from tests.fixtures import make_user

    team_member_add(
        programme_manager(),
        inspection=inspection,
        person=make_user("inspector2", Role.INSPECTOR),
        role=TeamRole.INSPECTOR,
    )
    extract = casefiles_services.extract_import(
        inspection=inspection,
        user=people["lead"],
        data=synthetic_csv(300, seed=5),
        profile_name="canonical",
        via="cli",
        today=TODAY,
    )
    return casefiles_services.sample_draw(
        extract=extract,
        user=people["lead"],
        design=sampling.Design(size=21, method="equal", minimum=1),
        seed=7,
    )


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
