"""The inspection list (/inspections/): search by force or council, filter by programme, type
and stage, sort; always within what the person may see, and a bad value never an error."""

import re
from datetime import date

import pytest

from cpinspect.programmes.models import Programme, Status

URL = "/inspections/"


def _listed(client, **query) -> list[str]:
    """The inspections' link texts, in the order shown, both tables together."""
    page = client.get(URL, query)
    assert page.status_code == 200
    return re.findall(r'href="/inspections/\d+/">([^<]+)</a>', page.content.decode())


@pytest.fixture
def every_kind(inspection, planned_inspection, joint_inspection, kent_inspection):
    return {
        "essex": inspection,
        "essex_review": planned_inspection,
        "thurrock": joint_inspection,
        "kent": kent_inspection,
    }


@pytest.mark.django_db
def test_a_planner_searches_by_force_or_council_in_any_case(every_kind, people, client):
    client.force_login(people["programme_manager"])
    assert len(_listed(client)) == 4
    assert _listed(client, q="  THURR ") == ["Joint targeted area inspection: Thurrock"]
    assert sorted(_listed(client, q="essex")) == [
        "Child protection inspection: Essex",
        "Post-inspection review: Essex",
    ]
    page = client.get(URL, {"q": "nowhere"}).content.decode()
    assert "No other inspection matches these filters." in page
    assert "Clear the filters" in page


@pytest.mark.django_db
def test_filters_by_type_stage_and_programme_combine(every_kind, people, client):
    client.force_login(people["programme_manager"])
    assert _listed(client, kind="child_protection", status="notified") == [
        "Child protection inspection: Kent"
    ]
    later = Programme.objects.create(
        name="2027/28", starts_on=date(2027, 4, 1), ends_on=date(2028, 3, 31)
    )
    assert _listed(client, programme=later.pk) == []
    programme = every_kind["essex"].programme
    assert len(_listed(client, programme=programme.pk)) == 4


@pytest.mark.django_db
def test_sorts_by_fieldwork_either_way_by_subject_and_by_stage(every_kind, people, client):
    client.force_login(people["programme_manager"])
    by_date = sorted(every_kind.values(), key=lambda i: (i.fieldwork_starts_on, i.pk))
    expected = [f"{i.get_kind_display()}: {i.subject_name}" for i in by_date]
    assert _listed(client) == expected
    assert _listed(client, sort="fieldwork_latest") == expected[::-1]
    subjects = [name.split(": ")[1] for name in _listed(client, sort="subject")]
    # forces by name first (Essex, Essex, Kent), then the council's joint inspection
    assert subjects[:3] == sorted(subjects[:3]) and subjects[3] == "Thurrock"
    stage_of = {f"{i.get_kind_display()}: {i.subject_name}": i.status for i in by_date}
    stages = [Status.values.index(stage_of[text]) for text in _listed(client, sort="status")]
    assert stages == sorted(stages) and len(set(stages)) > 1


@pytest.mark.django_db
def test_a_liaison_officer_searching_another_force_finds_nothing(every_kind, people, client):
    """The filter narrows what the person may see; it never widens it."""
    client.force_login(people["liaison"])  # Essex: Kent's inspection is not theirs
    assert _listed(client, q="kent") == []
    assert "Kent" not in client.get(URL, {"q": "kent", "kind": "child_protection"}).content.decode()
    seen = _listed(client)
    assert all("Kent" not in text for text in seen) and seen  # Essex's, once notified


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"status": "not-a-stage"},
        {"kind": "'; DROP TABLE x"},
        {"programme": "abc"},
        {"programme": "999999"},
        {"sort": "password"},
        {"q": "x" * 500},
    ],
)
def test_a_bad_value_is_dropped_not_an_error(every_kind, people, client, query):
    client.force_login(people["programme_manager"])
    page = client.get(URL, query)
    assert page.status_code == 200
    assert len(_listed(client, **query)) == 4  # the bad value is ignored: the whole list
    assert "Clear the filters" not in page.content.decode()
