"""Settings read from the environment strictly: a mistyped value stops the start-up with the
variable's name, instead of silently reading as off or as the default (issue 14)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parent.parent


def start(**env) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter, as `cpinspect` would at start-up."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.CPINSPECT_TESTING, s.CPINSPECT_MODERATION_RULE, "
        "s.CPINSPECT_PRIORITY_WEIGHTS, s.SESSION_COOKIE_AGE]))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "cpinspect.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CPINSPECT_TESTING", "maybe", "CPINSPECT_TESTING='maybe' is not a yes/no value"),
        ("CPINSPECT_DEMO", "ture", "CPINSPECT_DEMO='ture' is not a yes/no value"),
        ("CPINSPECT_MODERATE_INADEQUATE", "y", "CPINSPECT_MODERATE_INADEQUATE='y' is not a yes/no"),
        ("CPINSPECT_SESSION_SECONDS", "2h", "CPINSPECT_SESSION_SECONDS='2h' is not a whole number"),
        ("CPINSPECT_MODERATE_SHARE", "10%", "CPINSPECT_MODERATE_SHARE='10%' is not a number"),
        ("CPINSPECT_PRIORITY_WEIGHTS", "{per_year: 5}", "CPINSPECT_PRIORITY_WEIGHTS is not JSON"),
        ("CPINSPECT_PRIORITY_WEIGHTS", '{"years_cap": "8"}', "must be a JSON object of names"),
    ],
)
def test_a_mistyped_setting_stops_the_start_naming_it(name, value, expected):
    started = start(**{name: value})
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert expected in started.stderr


def test_the_words_of_a_flag_and_the_numbers_are_read():
    started = start(
        CPINSPECT_TESTING="Yes",
        CPINSPECT_MODERATE_INADEQUATE="off",
        CPINSPECT_MODERATE_FIRST="5",
        CPINSPECT_MODERATE_SHARE="0.2",
        CPINSPECT_PRIORITY_WEIGHTS='{"years_cap": 6, "peel_grade": {"good": 1}}',
        CPINSPECT_SESSION_SECONDS="600",
    )
    assert started.returncode == 0, started.stderr
    testing, rule, weights, session = json.loads(started.stdout)
    assert testing is True
    assert rule == {"first_per_inspector": 5, "random_share": 0.2, "all_inadequate": False}
    assert weights == {"years_cap": 6, "peel_grade": {"good": 1}}
    assert session == 600


def test_an_unknown_priority_weight_is_refused_by_name(settings):
    from cpinspect.scheduling.priorities import load_weights

    settings.CPINSPECT_PRIORITY_WEIGHTS = {"per_year_since_inspecton": 0}
    with pytest.raises(ImproperlyConfigured, match="names per_year_since_inspecton, which"):
        load_weights()
