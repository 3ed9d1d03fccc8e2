"""Every lifecycle transition, allowed and refused; refusals change nothing.

These inspections have none of their work done, so every move that checks its stage finds
something outstanding and is made with a reason (ADR 0021; tests/programmes/test_stages.py
tests the checks themselves)."""

import pytest

from cpinspect.programmes import lifecycle, readiness, services
from cpinspect.programmes.models import Inspection, Status, StatusChange

pytestmark = pytest.mark.django_db

# For each transition: who may make it (people fixture keys) and some who may not.
EXPECTED_ACTORS = {
    (Status.PLANNED, Status.NOTIFIED): ({"programme_manager", "lead"},),
    (Status.NOTIFIED, Status.PLANNED): ({"programme_manager"},),
    (Status.NOTIFIED, Status.FIELDWORK): ({"lead"},),
    (Status.FIELDWORK, Status.MODERATION): ({"lead"},),
    (Status.MODERATION, Status.REPORTING): ({"lead"},),
    (Status.REPORTING, Status.MODERATION): ({"lead", "programme_manager"},),
    (Status.REPORTING, Status.FACTUAL_ACCURACY): ({"lead"},),
    (Status.FACTUAL_ACCURACY, Status.REPORTING): ({"lead"},),
    (Status.FACTUAL_ACCURACY, Status.PUBLISHED): ({"programme_manager"},),
    (Status.PUBLISHED, Status.FOLLOW_UP): ({"programme_manager", "lead"},),
    (Status.PUBLISHED, Status.CLOSED): ({"programme_manager"},),
    (Status.FOLLOW_UP, Status.CLOSED): ({"programme_manager"},),
}
EVERYONE = [
    "administrator",
    "programme_manager",
    "lead",
    "other_lead",
    "inspector",
    "moderator",
    "analyst",
    "partner",
    "other_partner",
    "liaison",
    "other_liaison",
]


def test_the_expected_table_covers_every_transition():
    assert {(t.source, t.target) for t in lifecycle.TRANSITIONS} == set(EXPECTED_ACTORS)


@pytest.mark.parametrize("pair", list(EXPECTED_ACTORS), ids=lambda p: f"{p[0]}->{p[1]}")
@pytest.mark.parametrize("who", EVERYONE)
def test_transition_allowed_only_for_its_actors(pair, who, inspection, people):
    source, target = pair
    Inspection.objects.filter(pk=inspection.pk).update(status=source)
    inspection.refresh_from_db()
    allowed = who in EXPECTED_ACTORS[pair][0]
    if allowed:
        outstanding = readiness.outstanding(inspection, target)
        change = services.inspection_transition(
            people[who],
            inspection=inspection,
            target=target,
            note="checked",
            reason="Moved on for the test.",
        )
        inspection.refresh_from_db()
        assert inspection.status == target
        assert (change.from_status, change.to_status, change.changed_by) == (
            source,
            target,
            people[who],
        )
        assert change.note == "checked"
        assert change.reason == "Moved on for the test."
        assert change.outstanding == [item.as_dict() for item in outstanding]
    else:
        with pytest.raises(services.TransitionRefused, match="Only "):
            services.inspection_transition(people[who], inspection=inspection, target=target)
        inspection.refresh_from_db()
        assert inspection.status == source
        assert not StatusChange.objects.filter(inspection=inspection).exists()


NOT_TRANSITIONS = [
    (s, t) for s in Status.values for t in Status.values if (s, t) not in EXPECTED_ACTORS
]


@pytest.mark.parametrize("pair", NOT_TRANSITIONS, ids=lambda p: f"{p[0]}->{p[1]}")
def test_pairs_outside_the_lifecycle_are_refused(pair, inspection, people):
    source, target = pair
    Inspection.objects.filter(pk=inspection.pk).update(status=source)
    inspection.refresh_from_db()
    with pytest.raises(services.TransitionRefused, match="cannot move from"):
        services.inspection_transition(
            people["programme_manager"],
            inspection=inspection,
            target=target,
        )
    inspection.refresh_from_db()
    assert inspection.status == source
    assert not StatusChange.objects.exists()


def test_lead_of_another_inspection_cannot_move_this_one(kent_inspection, people):
    with pytest.raises(
        services.TransitionRefused, match="Only the inspection's lead inspector can start fieldwork"
    ):
        services.inspection_transition(
            people["lead"],
            inspection=kent_inspection,
            target=Status.FIELDWORK,
        )


def test_the_whole_path_is_recorded_in_order(planned_inspection, people):
    pm, lead = people["programme_manager"], people["lead"]
    path = [
        (Status.NOTIFIED, pm),
        (Status.FIELDWORK, lead),
        (Status.MODERATION, lead),
        (Status.REPORTING, lead),
        (Status.FACTUAL_ACCURACY, lead),
        (Status.PUBLISHED, pm),
        (Status.FOLLOW_UP, lead),
        (Status.CLOSED, pm),
    ]
    for target, user in path:
        services.inspection_transition(
            user,
            inspection=planned_inspection,
            target=target,
            reason="Not in the test.",
        )
    history = list(planned_inspection.status_changes.values_list("to_status", "changed_by"))
    assert history == [(t, u.pk) for t, u in path]


def test_an_unknown_status_is_refused(inspection, people):
    with pytest.raises(services.TransitionRefused, match="cannot move from fieldwork"):
        services.inspection_transition(
            people["lead"],
            inspection=inspection,
            target="abandoned",
        )
