"""Helpers of the findings tests: publishing through the real lifecycle, and a recommendation."""

from datetime import date

import pytest

from cpinspect.findings import services
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Programme, Status

ROAD_TO_PUBLICATION = [
    (Status.MODERATION, "lead"),
    (Status.REPORTING, "lead"),
    (Status.FACTUAL_ACCURACY, "lead"),
    (Status.PUBLISHED, "programme_manager"),
]


def publish(inspection, people, lead="lead"):
    """Take an inspection in fieldwork to published, each move by whoever may make it. The
    tests' inspections have no case files or report, so each move records why (ADR 0021)."""
    for target, who in ROAD_TO_PUBLICATION:
        user = people[lead] if who == "lead" else people[who]
        change = programme_services.inspection_transition(
            user,
            inspection=inspection,
            target=target,
            reason="Not part of the test.",
        )
    inspection.refresh_from_db()
    return change


def rec(text="Improve the recording of strategy discussions.", due=date(2027, 6, 30)):
    return services.NewRecommendation(text=text, owner="Chief Constable", due_on=due)


@pytest.fixture
def next_programme(db):
    return Programme.objects.create(
        name="2027/28", starts_on=date(2027, 4, 1), ends_on=date(2028, 3, 31)
    )
