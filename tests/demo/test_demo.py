"""The demo data set, and the console commands end to end on copies of the suite's demo."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from cpinspect import database
from cpinspect.accounts.models import Role, User
from cpinspect.demo.builder import FIELDWORK_PEOPLE
from cpinspect.programmes.models import Inspection, StatusChange
from cpinspect.scheduling.models import InspectorProfile
from tests.backups.support import tables
from tests.demo_database import DEMO_PASSWORD, clone, console_environment, drop, run_cli


def test_reset_demo_builds_the_demo_on_a_database_that_did_not_exist(demo_template):
    """The console command that made the suite's demo (``tests/demo_database.py``)."""
    output = demo_template.output
    assert "Database emptied." in output and "forces: 43 created" in output
    assert "lead@demo.cpinspect.invalid" in output and DEMO_PASSWORD in output
    # each user with their name, role and what to try (issue 15)
    assert "Sam Liaison (demo), force liaison officer: Staffordshire's findings" in output
    assert "Mo Moderator (demo), inspector: Essex fieldwork: moderate" in output
    assert "the thematic report across Staffordshire and Kent (Reports, /reports/)" in output
    assert "moderator@demo.cpinspect.invalid" in output


@pytest.mark.django_db(databases=["default", "owner"])  # it asks the owner what is unapplied
@override_settings(CPINSPECT_DEMO=True)
def test_demo_has_one_user_per_role_and_inspections_in_several_statuses(demo_database):
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.filter(is_demo=False).count() == 0
    statuses = set(Inspection.objects.values_list("status", flat=True))
    assert {"planned", "notified", "fieldwork", "published"} <= statuses
    assert all(i.team.filter(role="lead").count() == 1 for i in Inspection.objects.all())
    # Statuses were reached through the lifecycle, so every step is on the timeline.
    essex = Inspection.objects.get(force__code="E23000028", kind="child_protection")
    assert list(essex.status_changes.values_list("to_status", flat=True)) == [
        "notified",
        "fieldwork",
    ]
    # The fieldwork team joins after the year's plan is solved, so the plan is not theirs.
    fieldwork_team = User.objects.filter(email__in=[p.email for p in FIELDWORK_PEOPLE])
    assert fieldwork_team.count() == 3
    assert not InspectorProfile.objects.filter(user__in=fieldwork_team).exists()

    before = (Inspection.objects.count(), StatusChange.objects.count(), User.objects.count())
    call_command("demo", no_serve=True)  # a second run reuses what is there
    assert (
        Inspection.objects.count(),
        StatusChange.objects.count(),
        User.objects.count(),
    ) == before


@pytest.mark.django_db
@override_settings(CPINSPECT_DEMO=False)
def test_demo_refuses_without_the_demo_setting():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="CPINSPECT_DEMO=1"):
        call_command("demo", no_serve=True)


def test_console_demo_again_reuses_the_demo_and_reset_demo_refuses_without_the_setting(
    demo_template, tmp_path
):
    name, casefiles = clone(demo_template, tmp_path)
    env = console_environment(name, casefiles)
    try:
        again = run_cli("demo", "--no-serve", env=env)
        assert again.returncode == 0, again.stderr
        assert "forces: 0 created, 0 updated, 43 unchanged" in again.stdout
        refused = run_cli("reset_demo", env={**env, "CPINSPECT_DEMO": "0"})
        assert refused.returncode != 0
        assert "needs CPINSPECT_DEMO=1" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        drop(name)


def test_reset_demo_empties_a_database_that_holds_the_demo(demo_template, tmp_path):
    """What ``reset_demo`` does before it builds the demo again (as the template's build did)."""
    name, _ = clone(demo_template, tmp_path)
    owner = {**settings.DATABASES["owner"], "NAME": name}
    try:
        with database.connect_as_owner(owner, name) as connection:
            assert len(tables(connection)) > 50
        database.reset_schema(owner)
        with database.connect_as_owner(owner, name) as connection:
            assert tables(connection) == []
    finally:
        drop(name)
