"""The audit pages: filtered by a person, a kind of record and UK dates; changes in words;
the filtered rows exported as CSV, the export itself in the access log."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from cpinspect.accounts.models import Role
from cpinspect.audittrail.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def _day(prefix, day, month, year):
    return {f"{prefix}_day": day, f"{prefix}_month": month, f"{prefix}_year": year}


@pytest.fixture
def changed(people, client):
    """The administrator changes two people through the web: two change events by them."""
    client.force_login(people["administrator"])
    for who, role in (("inspector", Role.ANALYST), ("analyst", Role.INSPECTOR)):
        url = reverse("person-role", args=[people[who].pk])
        assert client.post(url, {"role": role}).status_code == 302
    return people


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_changes_are_shown_in_words_with_the_person_named(changed, client):
    page = client.get(
        reverse("audit-changes"),
        {"person": changed["administrator"].pk, "object_type": "accounts.user"},
    )
    rows = page.context["page"].object_list
    assert [row["who"] for row in rows] == ["Administrator", "Administrator"]
    assert rows[1]["changes"] == ["role: inspector → analyst"]
    body = page.content.decode()
    assert (
        "role: inspector → analyst" in body
        and "{" not in body.split("<main")[1].split("</main>")[0]
    )


def test_a_uk_date_filters_and_an_impossible_date_is_an_error(changed, client):
    today = timezone.localdate()
    page = client.get(
        reverse("audit-changes"),
        {
            "person": changed["administrator"].pk,
            **_day("date_from", today.day, today.month, today.year),
        },
    )
    assert page.status_code == 200 and page.context["page"].paginator.count == 2
    page = client.get(
        reverse("audit-changes"),
        {
            "person": changed["administrator"].pk,
            **_day("date_from", 27, 3, 2026),
            **_day("date_to", 27, 3, 2026),
        },
    )
    assert page.status_code == 200 and page.context["page"].paginator.count == 0
    assert page.context["form"].cleaned_data["date_from"].isoformat() == "2026-03-27"
    page = client.get(reverse("audit-changes"), _day("date_from", 31, 2, 2026))
    assert page.status_code == 400
    body = page.content.decode()
    assert '<a href="#id_date_from_day">The from date must be a real date</a>' in body


def test_the_csv_export_holds_exactly_the_filtered_rows_and_is_audited(changed, client):
    admin = changed["administrator"]
    query = {"person": admin.pk, "object_type": "accounts.user"}
    shown = client.get(reverse("audit-changes"), query).context["page"].paginator.count
    response = client.get(reverse("audit-changes-csv"), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-changes-')
    rows = _csv(response)
    assert rows[0] == [
        "When",
        "Who",
        "Change",
        "Record",
        "Record number",
        "What changed",
        "Request",
    ]
    assert len(rows) - 1 == shown == 2
    assert {row[4] for row in rows[1:]} == {
        str(changed["inspector"].pk),
        str(changed["analyst"].pk),
    }
    assert all(row[1] == "Administrator" for row in rows[1:])
    assert any("role: inspector → analyst" in row[5] for row in rows[1:])
    assert "example.test" not in response.content.decode()  # no email addresses
    exported = AccessLogEntry.objects.get(action="export")
    assert (exported.user, exported.object_type) == (admin, "audittrail.changes")
    access = _csv(client.get(reverse("audit-access-csv"), {"person": admin.pk}))
    assert [row[2] for row in access[1:]] == ["Exported"]


def test_an_invalid_filter_exports_nothing(changed, client):
    response = client.get(reverse("audit-changes-csv"), _day("date_from", 31, 2, 2026))
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert not AccessLogEntry.objects.filter(action="export").exists()


@pytest.mark.parametrize("who", ["programme_manager", "lead", "liaison", "partner"])
def test_only_administrators_see_or_export_the_logs(who, people, client):
    client.force_login(people[who])
    for name in ("audit-changes", "audit-access", "audit-changes-csv", "audit-access-csv"):
        assert client.get(reverse(name)).status_code == 403, name
