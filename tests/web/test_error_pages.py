"""Error pages are pages of the service (DEBUG off, as in production): inside the layout, with
what happened in plain words and a way on, never Django's bare pages, a developer's message or
anyone's personal data. Under /api/ they are JSON."""

import json

import pytest
from django.test import Client, override_settings
from django.urls import path

from cpinspect.urls import urlpatterns as site_patterns

pytestmark = pytest.mark.django_db


def _broken(request):
    raise RuntimeError("SECRET developer text: column inspection_id of relation is null")


# The site with one view that fails, for the 500 page.
urlpatterns = [path("broken/", _broken), *site_patterns]
handler500 = "cpinspect.web.errors.server_error"
handler404 = "cpinspect.web.errors.page_not_found"


def assert_service_page(response, status, heading):
    __tracebackhide__ = True
    assert response.status_code == status
    page = response.content.decode()
    assert 'class="govuk-header"' in page and 'class="govuk-footer"' in page  # the layout
    assert 'class="govuk-service-navigation' in page
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in page
    assert 'href="/"' in page and 'href="/reports/"' in page  # a way on
    for developer_text in ("Traceback", "SECRET", "matches the given query", "CSRF", "Django"):
        assert developer_text not in page, developer_text
    return page


def test_page_not_found(client, people):
    page = assert_service_page(client.get("/no-such-page/"), 404, "Page not found")
    assert "check you copied the entire address" in page
    # a Django 404 message ("No Force matches the given query.") is not shown
    assert_service_page(client.get("/forces/NOSUCH/"), 404, "Page not found")


def test_page_not_found_names_no_one_and_explains_what_a_signed_in_person_may_not_see(
    client, people, kent_inspection
):
    client.force_login(people["liaison"])  # Essex's: Kent's inspection is not theirs
    page = assert_service_page(
        client.get(f"/inspections/{kent_inspection.pk}/"), 404, "Page not found"
    )
    assert "it may not be one you can see" in page
    assert "See the inspections you work on" in page
    for person in people.values():
        assert person.email not in page
    assert people["other_lead"].full_name not in page


def test_permission_denied_gives_the_rule_in_words(client, people):
    client.force_login(people["liaison"])
    page = assert_service_page(client.get("/audit/changes/"), 403, "You cannot do this")
    assert "You do not have access to this." in page  # access.require's sentence
    assert "ask your programme manager or an administrator" in page
    assert people["liaison"].email not in page


def test_a_refusal_shows_only_sentences_written_for_people():
    from django.core.exceptions import PermissionDenied

    from cpinspect.web.errors import _refusal_text

    assert _refusal_text(PermissionDenied("Only a programme manager can plan.")) == (
        "Only a programme manager can plan."
    )
    for developer in ("csrf_token missing", "", "Forbidden (Referer checking failed)"):
        assert _refusal_text(PermissionDenied(developer)) == ""
    assert _refusal_text(PermissionDenied()) == ""


def test_a_form_sent_without_its_token_is_explained(people):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/sign-in/", {"username": "a@example.test", "password": "x"})
    page = assert_service_page(response, 403, "Your form could not be sent")
    assert "reload the page and send the form again" in page
    assert "a@example.test" not in page


def test_bad_request(client, reference):
    response = client.get("/", HTTP_HOST="not-this-service.example")  # not an allowed host
    page = assert_service_page(response, 400, "Sorry, there is a problem with your request")
    assert "not-this-service.example" not in page


def test_too_large_a_form_is_413(client, reference):
    fields = {f"field{i}": "x" for i in range(1200)}  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
    response = client.post("/sign-in/", fields)
    assert_service_page(response, 413, "What you sent is too large")


@override_settings(ROOT_URLCONF=__name__)
def test_server_error(reference):
    client = Client(raise_request_exception=False)
    page = assert_service_page(
        client.get("/broken/"), 500, "Sorry, there is a problem with the service"
    )
    assert "Try again later." in page


def test_api_errors_are_json(client, people):
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert json.loads(response.content) == {"detail": "Not found."}
    response = client.post("/api/no-such-endpoint/", {f"f{i}": "x" for i in range(1200)})
    assert response.status_code in (404, 413)  # the body is not read for an unknown path
