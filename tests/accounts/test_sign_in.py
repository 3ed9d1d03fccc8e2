"""E-mail sign-in, Argon2 hashes, lockout after repeated failures, session expiry, demo users."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cpinspect.accounts.middleware import RENEWED_AT
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, email, password):
    return client.post(reverse("sign-in"), {"username": email, "password": password})


def test_signs_in_by_email_in_any_case(people, client):
    response = sign_in(client, "LEAD@Example.Test", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).context["user"] == people["lead"]


def test_passwords_are_stored_as_argon2(people):
    people["lead"].set_password("another long password")
    assert people["lead"].password.startswith("argon2$argon2id$")
    assert people["lead"].check_password("another long password")


def test_wrong_password_gets_one_message_that_names_no_field(people, client):
    response = sign_in(client, "lead@example.test", "wrong")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter a correct email address and password." in page
    assert "wrong" not in page  # the attempted password is never echoed


def test_repeated_failures_lock_the_account_even_for_the_right_password(people, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "lead@example.test", "wrong")
    response = sign_in(client, "lead@example.test", PASSWORD)
    assert response.status_code == 429
    assert "This account is locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account is not affected by this one's lockout.
    assert sign_in(client, "inspector@example.test", PASSWORD).status_code == 302


def test_changing_the_case_of_the_address_does_not_escape_the_lockout(people, client, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "Lead@Example.test" if attempt % 2 else "lead@example.test", "wrong")
    assert sign_in(client, "LEAD@EXAMPLE.TEST", PASSWORD).status_code == 429


def test_the_page_states_the_configured_limit(db, client, settings):
    settings.AXES_FAILURE_LIMIT = 7
    assert "After 7 failed attempts" in client.get(reverse("sign-in")).content.decode()


def test_lockout_ends_after_the_cool_off(people, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "lead@example.test", "wrong")
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=2))
    from axes.models import AccessAttemptExpiration

    AccessAttemptExpiration.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert sign_in(client, "lead@example.test", PASSWORD).status_code == 302


def test_an_expired_session_must_sign_in_again(people, client, settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    sign_in(client, "lead@example.test", PASSWORD)
    assert client.get(reverse("dashboard")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("sign-in"))


def _expiry():
    return Session.objects.get().expire_date


def test_a_request_renews_the_session_at_most_once_a_minute(people, client, settings):
    sign_in(client, "lead@example.test", PASSWORD)
    client.get(reverse("dashboard"))
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=5))
    shortened = _expiry()
    client.get(reverse("dashboard"))  # renewed by the sign-in itself, under a minute ago
    assert _expiry() == shortened
    session = client.session
    session[RENEWED_AT] -= settings.SESSION_RENEWAL_SECONDS  # as if a minute had passed
    session.save()
    Session.objects.update(expire_date=shortened)
    client.get(reverse("dashboard"))
    renewed = _expiry() - timezone.now()
    assert timedelta(seconds=settings.SESSION_COOKIE_AGE - 10) < renewed
    assert renewed <= timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_sign_out(people, client):
    sign_in(client, "lead@example.test", PASSWORD)
    client.post(reverse("sign-out"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_inactive_accounts_cannot_sign_in(people, client):
    people["lead"].is_active = False
    people["lead"].save()
    assert sign_in(client, "lead@example.test", PASSWORD).status_code == 200


@pytest.fixture
def demo_user(people):
    people["analyst"].is_demo = True
    people["analyst"].save()
    return people["analyst"]


@override_settings(CPINSPECT_DEMO=False)
def test_demo_users_are_refused_unless_the_demo_setting_is_on(demo_user, client):
    response = sign_in(client, demo_user.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@override_settings(CPINSPECT_DEMO=True)
def test_demo_users_may_sign_in_in_demo_mode(demo_user, client):
    assert sign_in(client, demo_user.email, PASSWORD).status_code == 302


def test_a_demo_session_ends_when_the_demo_setting_goes_off(demo_user, client, settings):
    settings.CPINSPECT_DEMO = True
    sign_in(client, demo_user.email, PASSWORD)
    assert client.get(reverse("dashboard")).status_code == 200
    settings.CPINSPECT_DEMO = False
    assert client.get(reverse("dashboard")).status_code == 302


def test_an_empty_form_says_what_to_enter(db, client):
    response = client.post(reverse("sign-in"), {"username": "", "password": ""})
    page = response.content.decode()
    assert "Enter your email address" in page and "Enter your password" in page
    assert "<title>Error: Sign in" in page
