"""The footer's pages: the accessibility statement, the privacy notice, the cookies page (which
lists exactly the cookies the service sets, checked by a real journey) and the API
documentation (a page, not a file downloaded unannounced)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from cpinspect.programmes.models import TeamRole
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

FOOTER = {
    "Accessibility statement": "/accessibility-statement/",
    "Privacy": "/privacy/",
    "Cookies": "/cookies/",
    "API documentation": "/api-documentation/",
}


def _footer_links(page: str) -> dict[str, str]:
    footer = page.split('<footer class="govuk-footer">', 1)[1]
    return {
        label: href
        for href, label in re.findall(
            r'class="govuk-footer__link" href="([^"]+)">([^<]+)</a>', footer
        )
    }


def test_every_page_links_the_footer_pages(client, reference):
    for path in ("/", "/forces/", "/no-such-page/"):
        links = _footer_links(client.get(path).content.decode())
        assert {k: links.get(k) for k in FOOTER} == FOOTER, path
    assert "API schema" not in client.get("/").content.decode()


@pytest.mark.parametrize(
    "path, heading",
    [
        ("/accessibility-statement/", "Accessibility statement for CP Inspect"),
        ("/privacy/", "Privacy notice"),
        ("/cookies/", "Cookies"),
        ("/api-documentation/", "API documentation"),
    ],
)
def test_the_footer_pages_are_pages_of_the_service(client, reference, path, heading):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in page


def test_the_accessibility_statement_has_the_parts_the_regulations_ask_for(client, settings):
    settings.CPINSPECT_CONTACT_EMAIL = "accessibility@inspectorate.example"
    page = client.get(reverse("accessibility")).content.decode()
    for part in (
        "How accessible this service is",
        "Feedback and contact information",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
        "partially compliant",
    ):
        assert part in page, part
    assert 'href="mailto:accessibility@inspectorate.example"' in page


def test_the_privacy_notice_states_the_service_own_limits(client, settings):
    settings.AXES_FAILURE_LIMIT = 7
    page = client.get(reverse("privacy")).content.decode()
    assert "after 7 failures the account is locked for 15 minutes" in page
    assert "after 2 hours without using it" in page
    assert "Information Commissioner" in page


def _cookies_listed(client) -> list[str]:
    page = client.get(reverse("cookies")).content.decode()
    table = page.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<td class=\"govuk-table__cell\"><code>([^<]+)</code></td>", table)


def test_the_cookies_page_lists_exactly_the_cookies_a_journey_gets(inspection, people):
    client = Client(enforce_csrf_checks=True)
    listed = _cookies_listed(client)
    assert listed == [settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_NAME, "messages"]
    got = set()
    # reading public pages sets nothing, as the page says
    for path in ("/", "/forces/", "/forces/E23000028/", "/reports/", "/open-data/", "/cookies/"):
        response = client.get(path)
        assert not response.cookies, (path, list(response.cookies))
    # the sign-in page sets the form cookie; signing in, the session's
    got |= set(client.get(reverse("sign-in")).cookies)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("sign-in"),
        {"username": people["lead"].email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    got |= set(response.cookies)
    # a change with a confirmation on the next page
    member = inspection.team.get(role=TeamRole.ANALYST)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("team-remove", args=[inspection.pk, member.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    got |= set(response.cookies)
    assert "removed from the team" in client.get(response["Location"]).content.decode()
    assert got == set(listed)


def test_the_api_documentation_lists_the_endpoints_and_offers_the_schema_as_a_download(
    client, reference
):
    page = client.get(reverse("api-documentation")).content.decode()
    rows = dict(
        re.findall(
            r'<code class="app-api-path">(GET /api/[^<]+)</code></td>\s*<td[^>]*>.*?</td>\s*'
            r'<td class="govuk-table__cell">(Not needed|Needed)</td>',
            page,
            re.S,
        )
    )
    assert rows["GET /api/forces/"] == "Not needed"
    assert rows["GET /api/reports/"] == "Not needed"
    assert rows["GET /api/inspections/"] == "Needed"
    assert rows["GET /api/inspections/{id}/"] == "Needed"
    schema = reverse("api-schema")
    assert (
        f'href="{schema}" download="cp-inspect-api.yaml">Download the OpenAPI schema (YAML file)'
        in page
    )
    assert f'href="{schema}?format=json" download="cp-inspect-api.json"' in page
    # and the schema is there
    response = client.get(schema)
    assert response.status_code == 200 and b"openapi:" in response.content
    # no developer warnings on the page, and nothing the policy would refuse
    assert "unable to guess serializer" not in page
    assert not re.search(r"\sstyle=\"", page) and "<script>" not in page
