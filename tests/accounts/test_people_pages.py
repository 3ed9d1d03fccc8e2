"""The people pages: only administrators manage people; nobody is deleted; an administrator
cannot lock themselves out; deactivated and expired people cannot sign in; invitation links
work once."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cpinspect.accounts.models import Role, User
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

NON_ADMINISTRATORS = [
    "programme_manager",
    "lead",
    "inspector",
    "analyst",
    "partner",
    "liaison",
]


def _signs_in(client, email, password) -> bool:
    """Through the sign-in page, as a person does (django-axes needs the request)."""
    response = client.post(reverse("sign-in"), {"username": email, "password": password})
    return response.status_code == 302


def _actions(person):
    return [
        ("get", reverse("people-list"), None),
        ("get", reverse("person-invite"), None),
        (
            "post",
            reverse("person-invite"),
            {"full_name": "X", "email": "x@x.test", "role": "inspector"},
        ),
        ("get", reverse("person-detail", args=[person.pk]), None),
        ("post", reverse("person-role", args=[person.pk]), {"role": Role.ADMINISTRATOR}),
        ("post", reverse("person-expiry", args=[person.pk]), {}),
        ("post", reverse("person-deactivate", args=[person.pk]), {"reason": "gone"}),
        ("post", reverse("person-reactivate", args=[person.pk]), None),
    ]


@pytest.mark.parametrize("who", NON_ADMINISTRATORS)
def test_only_an_administrator_reaches_any_people_page(who, people, client):
    client.force_login(people[who])
    target = people["inspector"]
    for method, url, data in _actions(target):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, f"{who} {method} {url}: {response.status_code}"
    target.refresh_from_db()
    assert target.role == Role.INSPECTOR and target.is_active
    assert not User.objects.filter(email="x@x.test").exists()


def test_anonymous_visitors_are_sent_to_sign_in(people, client):
    for method, url, data in _actions(people["inspector"]):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/sign-in" in response["Location"]


def test_the_list_searches_filters_and_sorts(people, client):
    client.force_login(people["administrator"])
    people["analyst"].is_active = False
    people["analyst"].save()

    def names(**q):
        return [p.full_name for p, _ in client.get(reverse("people-list"), q).context["rows"]]

    assert names(q="OTHERLIAISON@example") == ["Otherliaison"]
    assert names(q="liaison") == ["Liaison", "Otherliaison"]
    assert names(role=Role.PARTNER_INSPECTOR) == ["Otherpartner", "Partner"]
    assert names(state="deactivated") == ["Analyst"]
    assert "Analyst" not in names(state="active")
    people["lead"].last_login = timezone.now()
    people["lead"].save()
    assert names(sort="last_login")[0] == "Lead"


def _invite(client, **overrides):
    data = {"full_name": "Nia Okafor", "email": "Nia@Example.test", "role": Role.INSPECTOR}
    return client.post(reverse("person-invite"), {**data, **overrides})


def test_an_invitation_errors_go_to_the_error_summary_linked_to_the_field(people, client):
    client.force_login(people["administrator"])
    response = _invite(client, email="", role=Role.FORCE_LIAISON)
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_email">Enter their email address</a>' in page
    assert '<a href="#id_force">Choose the force this liaison officer belongs to</a>' in page
    past = timezone.localdate() - timedelta(days=1)
    response = _invite(
        client,
        **{
            "access_expires_day": past.day,
            "access_expires_month": past.month,
            "access_expires_year": past.year,
        },
    )
    assert response.status_code == 400
    assert "The access expiry date must be the same as or after" in response.content.decode()
    assert not User.objects.filter(email="nia@example.test").exists()


def _link_from(response) -> str:
    return re.search(r'<code id="set-password-link">([^<]+)</code>', response.content.decode())[1]


def test_an_invited_person_sets_a_password_once_and_signs_in(people, client, caplog):
    client.force_login(people["administrator"])
    response = _invite(client)
    assert response.status_code == 200
    person = User.objects.get(email="nia@example.test")
    assert person.role == Role.INSPECTOR and not person.has_usable_password()
    link = _link_from(response)
    assert link.startswith("http://testserver/set-password/")
    assert link not in caplog.text  # never logged
    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    new = "a long enough new password"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    assert _signs_in(client, "nia@example.test", new)
    client.logout()
    again = client.get(link, follow=True)  # used: the token held the old password hash
    assert not again.context["validlink"]
    assert "This link no longer works" in again.content.decode()
    # the token is in no audit trail context (path) and no access log row
    token = link.rstrip("/").split("/")[-1]
    recorded = _every_recorded_text()
    assert "/people/invite/" in recorded  # the invitation is on record, by its path
    assert token not in recorded


def _every_recorded_text() -> str:
    from django.core import serializers
    from pghistory.models import Context

    from cpinspect.audittrail.models import AccessLogEntry

    rows = [*Context.objects.all(), *AccessLogEntry.objects.all()]
    assert rows, "the journey left no audit record to search"
    return serializers.serialize("json", rows)


def test_an_expired_invitation_is_refused(people, client, settings):
    client.force_login(people["administrator"])
    link = _link_from(_invite(client))
    client.logout()
    settings.PASSWORD_RESET_TIMEOUT = -1
    assert not client.get(link, follow=True).context["validlink"]


def test_role_change_is_recorded_and_shown_in_the_history(people, client):
    client.force_login(people["administrator"])
    inspector = people["inspector"]
    response = client.post(reverse("person-role", args=[inspector.pk]), {"role": Role.ANALYST})
    assert response.status_code == 302
    inspector.refresh_from_db()
    assert inspector.role == Role.ANALYST
    page = client.get(reverse("person-detail", args=[inspector.pk])).content.decode()
    assert "role: inspector → analyst" in page


def test_a_role_that_needs_an_organisation_is_refused_without_one(people, client, reference):
    client.force_login(people["administrator"])
    url = reverse("person-role", args=[people["inspector"].pk])
    response = client.post(url, {"role": Role.FORCE_LIAISON})
    assert response.status_code == 400
    response = client.post(url, {"role": Role.FORCE_LIAISON, "force": reference["kent"].pk})
    assert response.status_code == 302
    assert User.objects.get(pk=people["inspector"].pk).force == reference["kent"]


def test_an_administrator_cannot_demote_or_deactivate_themselves(people, client):
    admin = people["administrator"]
    client.force_login(admin)
    demote = client.post(reverse("person-role", args=[admin.pk]), {"role": Role.INSPECTOR})
    assert demote.status_code == 400
    assert "You cannot change your own role" in demote.content.decode()
    leave = client.post(reverse("person-deactivate", args=[admin.pk]), {"reason": "bye"})
    assert leave.status_code == 400
    assert "You cannot deactivate your own account" in leave.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ADMINISTRATOR and admin.is_active


def test_a_deactivated_person_is_signed_out_and_cannot_sign_in(people, client):
    from django.test import Client

    theirs = Client()
    assert _signs_in(theirs, "lead@example.test", PASSWORD)
    assert theirs.get(reverse("dashboard")).status_code == 200
    client.force_login(people["administrator"])
    url = reverse("person-deactivate", args=[people["lead"].pk])
    assert client.post(url, {"reason": ""}).status_code == 400  # a reason is required
    assert client.post(url, {"reason": "Left the inspectorate"}).status_code == 302
    lead = User.objects.get(pk=people["lead"].pk)
    assert not lead.is_active and lead.deactivation_reason == "Left the inspectorate"
    assert theirs.get(reverse("dashboard")).status_code == 302  # their session no longer works
    assert not _signs_in(Client(), "lead@example.test", PASSWORD)
    page = client.get(reverse("person-detail", args=[lead.pk])).content.decode()
    assert "Deactivated" in page and "Left the inspectorate" in page
    assert client.post(reverse("person-reactivate", args=[lead.pk])).status_code == 302
    assert _signs_in(Client(), "lead@example.test", PASSWORD)


def test_an_expired_person_cannot_sign_in_and_their_session_ends(people, client):
    from django.test import Client

    theirs = Client()
    assert _signs_in(theirs, "lead@example.test", PASSWORD)
    client.force_login(people["administrator"])
    today = timezone.localdate()
    url = reverse("person-expiry", args=[people["lead"].pk])
    past = today - timedelta(days=1)
    refused = client.post(
        url,
        {
            "access_expires_day": past.day,
            "access_expires_month": past.month,
            "access_expires_year": past.year,
        },
    )
    assert refused.status_code == 400  # past dates are refused
    ok = client.post(
        url,
        {
            "access_expires_day": today.day,
            "access_expires_month": today.month,
            "access_expires_year": today.year,
        },
    )
    assert ok.status_code == 302
    assert User.objects.get(pk=people["lead"].pk).access_expires == today
    assert theirs.get(reverse("dashboard")).status_code == 200  # still today: allowed
    User.objects.filter(pk=people["lead"].pk).update(access_expires=past)  # time passes
    assert theirs.get(reverse("dashboard")).status_code == 302
    assert not _signs_in(Client(), "lead@example.test", PASSWORD)
    names = [
        p.full_name
        for p, _ in client.get(reverse("people-list"), {"state": "expired"}).context["rows"]
    ]
    assert names == ["Lead"]


def test_nobody_can_be_deleted_in_the_admin(people, client):
    client.force_login(people["administrator"])
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    target = people["inspector"]
    assert client.get(reverse("admin:accounts_user_delete", args=[target.pk])).status_code == 403
    assert (
        client.post(
            reverse("admin:accounts_user_delete", args=[target.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    bulk = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert User.objects.filter(pk=target.pk).exists()


def test_the_navigation_offers_people_to_administrators_only(people, client):
    client.force_login(people["administrator"])
    nav = client.get(reverse("person-detail", args=[people["lead"].pk])).context["navigation"]
    assert [(i.label, i.current) for i in nav if i.label == "People"] == [("People", "true")]
    client.force_login(people["programme_manager"])
    nav = client.get(reverse("dashboard")).context["navigation"]
    assert "People" not in [i.label for i in nav]
