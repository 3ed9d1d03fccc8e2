"""The demo data set, and the console command end to end on a scratch database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from cpinspect.accounts.models import Role, User
from cpinspect.demo.builder import FIELDWORK_PEOPLE
from cpinspect.programmes.models import Inspection, StatusChange
from cpinspect.scheduling.models import InspectorProfile

VENV_BIN = Path(sys.executable).parent


@pytest.mark.django_db(databases=["default", "owner"])  # it asks the owner what is unapplied
@override_settings(CPINSPECT_DEMO=True)
def test_demo_builds_one_user_per_role_and_inspections_in_several_statuses(capsys):
    call_command("demo", no_serve=True, password="demo password 123")
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
    output = capsys.readouterr().out
    assert "lead@demo.cpinspect.invalid" in output and "demo password 123" in output
    # each user with their name, role and what to try (issue 15)
    assert "Sam Liaison (demo), force liaison officer: Staffordshire's findings" in output
    assert "Mo Moderator (demo), inspector: Essex fieldwork: moderate" in output
    assert "the thematic report across Staffordshire and Kent (Reports, /reports/)" in output
    # The fieldwork team joins after the year's plan is solved, so the plan is not theirs.
    fieldwork_team = User.objects.filter(email__in=[p.email for p in FIELDWORK_PEOPLE])
    assert fieldwork_team.count() == 3 and "moderator@demo.cpinspect.invalid" in output
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


def run_cli(*args, env):
    return subprocess.run(
        [str(VENV_BIN / "cpinspect"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_console_command_demo_then_reset_demo_on_a_scratch_database():
    name = f"cpinspect_cli_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CPINSPECT_DEMO": "1", "CPINSPECT_DB_NAME": name}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        first = run_cli("demo", "--no-serve", "--password", "first password 1", env=env)
        assert first.returncode == 0, first.stderr
        assert "forces: 43 created" in first.stdout
        again = run_cli("demo", "--no-serve", env=env)
        assert again.returncode == 0, again.stderr
        assert "forces: 0 created, 0 updated, 43 unchanged" in again.stdout
        reset = run_cli("reset_demo", env=env)
        assert reset.returncode == 0, reset.stderr
        assert "Database emptied." in reset.stdout and "forces: 43 created" in reset.stdout
        refused = run_cli("reset_demo", env={**env, "CPINSPECT_DEMO": "0"})
        assert refused.returncode != 0
        assert "needs CPINSPECT_DEMO=1" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        from cpinspect import database

        database.drop_embedded_database(name)
