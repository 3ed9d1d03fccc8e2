"""The service navigation takes a visitor everywhere the public journey goes: a crawl of every
internal link from the home page reaches the published reports and the open data, and the
link of the page's own section is marked current (GOV.UK service navigation)."""

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLIC_SECTIONS = ["/forces/", "/reports/", "/national/", "/open-data/"]


def crawl(client, start="/", limit=200) -> dict[str, int]:
    """Breadth first over the internal links of HTML pages: {path: status}."""
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response.status_code
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="([^"]+)"', response.content.decode()):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue  # another site, or a fragment of this page
            if parts.path.startswith(("/static/", "/assets/", "/api/schema/")):
                continue  # files, and the schema (tested in tests/web/test_information_pages)
            if parts.path not in seen:
                queue.append(parts.path)
    return seen


def test_a_visitor_reaches_the_reports_and_the_open_data_from_the_home_page(reference):
    found = crawl(Client())
    for section in PUBLIC_SECTIONS + ["/accessibility-statement/", "/api-documentation/"]:
        assert found.get(section) == 200, f"{section} is not reached from the home page"
    # the national picture's files need its published grades, which this database lacks
    unloaded = {reverse("national-data-csv"), reverse("national-data-json")}
    broken = {p: status for p, status in found.items() if status >= 400 and p not in unloaded}
    assert not broken, broken


def _nav(page: str) -> list[tuple[str, str | None]]:
    nav = page.split('class="govuk-service-navigation__list"', 1)[1].split("</ul>", 1)[0]
    return [
        (label, current)
        for current, label in re.findall(
            r'class="govuk-service-navigation__link"[^>]*?(?: aria-current="(\w+)")?>'
            r"(?:<strong[^>]*>)?([^<]+)",
            nav,
        )
    ]


@pytest.mark.parametrize(
    "path, label, current",
    [
        ("/forces/", "Forces", "page"),
        ("/forces/E23000028/", "Forces", "true"),
        ("/reports/", "Published reports", "page"),
        ("/national/", "National picture", "page"),
        ("/open-data/", "Open data", "page"),
        ("/open-data/results-dictionary/", "Open data", "true"),
    ],
)
def test_the_current_section_is_marked(client, reference, path, label, current):
    links = _nav(client.get(path).content.decode())
    assert [lbl for lbl, _ in links][:4] == [
        "Forces",
        "Published reports",
        "National picture",
        "Open data",
    ]
    assert [(lbl, cur) for lbl, cur in links if cur] == [(label, current)]


def test_the_home_page_marks_no_section(client, reference):
    assert not [cur for _, cur in _nav(client.get("/").content.decode()) if cur]


def test_signed_in_sections_are_offered_by_role(client, people):
    client.force_login(people["liaison"])
    labels = [lbl for lbl, _ in _nav(client.get(reverse("dashboard")).content.decode())]
    assert "My inspections" in labels and "Planning" not in labels
    assert ("My inspections", "page") in _nav(client.get(reverse("dashboard")).content.decode())
    client.force_login(people["programme_manager"])
    links = _nav(client.get(reverse("plan-index")).content.decode())
    assert ("Planning", "page") in links and "Administration" not in [lbl for lbl, _ in links]
