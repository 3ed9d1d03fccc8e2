"""Administrators add and change people through the Django admin."""

import pytest

from cpinspect.accounts.models import Role, User
from tests.fixtures import PASSWORD
from tests.forms import hidden_fields

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_person_with_a_valid_password(client, people):
    client.force_login(people["administrator"])
    assert client.get("/admin/accounts/user/add/").status_code == 200
    form = {
        "email": "New.Inspector@Example.test",
        "full_name": "New Inspector",
        "role": Role.INSPECTOR,
        "is_active": "on",
    }
    weak = client.post("/admin/accounts/user/add/", {**form, "password": "short"})
    assert weak.status_code == 200 and "at least 12 characters" in weak.content.decode()
    assert not User.objects.filter(full_name="New Inspector").exists()
    response = client.post("/admin/accounts/user/add/", {**form, "password": PASSWORD})
    assert response.status_code == 302
    person = User.objects.get(full_name="New Inspector")
    assert person.email == "new.inspector@example.test" and person.check_password(PASSWORD)


def test_an_administrator_changes_a_person_but_not_their_password_hash(client, people):
    client.force_login(people["administrator"])
    lead = people["lead"]
    url = f"/admin/accounts/user/{lead.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Date joined" in page.content.decode()  # the read-only fields are shown
    response = client.post(
        url,
        {
            **hidden_fields(page.content.decode(), containing="seen_version"),
            "email": lead.email,
            "full_name": "Renamed Lead",
            "role": lead.role,
            "is_active": "on",
            "password": "not-a-hash",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.full_name == "Renamed Lead" and lead.check_password(PASSWORD)
