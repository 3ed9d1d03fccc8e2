"""The national picture page through Django's test client: public, GOV.UK markup, the chosen
assessment, the markers explained."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PEEL_2015_VULNERABILITY = "peel-2015-effectiveness-vulnerability--vulnerability"
URLS = ["national-picture", "national-data-csv", "national-data-json", "national-data-dictionary"]


class Markup(HTMLParser):
    """Tables, their captions and header cells, the select's options, table cells by class."""

    def __init__(self, html):
        super().__init__()
        self.tables, self.headers, self.options, self.cells = [], [], [], []
        self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"caption": False})
        elif tag == "caption":
            self.tables[-1]["caption"] = True
        elif tag == "th":
            self.headers.append(attrs)
        elif tag == "option":
            self.options.append(attrs)
        elif tag == "td":
            self._cell = {"class": attrs.get("class", ""), "text": ""}
            self.cells.append(self._cell)

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def get(client, **params):
    return client.get(reverse("national-picture"), params)


def test_the_page_is_public_and_shows_peel_2016_by_default(national, client):
    response = get(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">National picture</h1>' in html
    assert "PEEL 2016 effectiveness: overall effectiveness" in html
    markup = Markup(html)
    assert [o.get("value") for o in markup.options] == [
        "peel-2017-effectiveness--vulnerability",
        "peel-2016-effectiveness--overall-effectiveness",
        "peel-2016-effectiveness--vulnerability",
        PEEL_2015_VULNERABILITY,
    ]
    selected = [o["value"] for o in markup.options if "selected" in o]
    assert selected == ["peel-2016-effectiveness--overall-effectiveness"]
    # Durham, the one outstanding force, with its context figures.
    assert "Durham</a></th>" in html
    durham_row = html.split("Durham</a></th>", 1)[1].split("</tr>", 1)[0]
    assert "Outstanding" in durham_row
    for figure in ("439.7", "208.1", "47.2", "Good: 2"):
        assert figure in durham_row
    assert "Forces by grade" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="app-national-map"') == 1


def test_the_page_follows_the_table_and_size_rules(national, client):
    response = get(client)
    html = response.content.decode()
    markup = Markup(html)
    assert markup.tables and all(table["caption"] for table in markup.tables)
    assert all(header.get("scope") in ("col", "row") for header in markup.headers)
    # Rates (numbers or markers) are right-aligned.
    rates = [c for c in markup.cells if c["text"].strip() in ("439.7", "[c]", "814.6")]
    assert rates and all("govuk-table__cell--numeric" in c["class"] for c in rates)
    # The markers are explained on the page.
    for marker in ("[c]", "[x]", "[z]"):
        assert f'<dt class="govuk-summary-list__key">{marker}</dt>' in html
    assert "never a number" in html
    assert "Isles of Scilly: child protection plans [c]" in html
    assert len(response.content) < 150_000


def test_a_partial_assessment_says_so_and_shows_the_published_totals(national, client):
    response = get(client, assessment=PEEL_2015_VULNERABILITY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The per-force grades are partial: 19 of 43 forces" in html
    assert "Published national total" in html
    markup = Markup(html)
    numbers = [c["text"].strip() for c in markup.cells if "numeric" in c["class"]]
    # Grade rows: listed then published total: outstanding 0/0, good 5/12, RI 10/27, inad. 4/4.
    assert numbers[:8] == ["0", "0", "5", "12", "10", "27", "4", "4"]
    selected = [o["value"] for o in markup.options if "selected" in o]
    assert selected == [PEEL_2015_VULNERABILITY]


def test_an_unknown_assessment_is_an_error_on_the_field(national, client):
    response = get(client, assessment="peel-1999--nothing")
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Select an assessment from the list" in html
    assert "govuk-select--error" in html


def test_no_page_needs_sign_in(national, client):
    for name in URLS:
        response = client.get(reverse(name))
        assert response.status_code == 200, name


def test_signed_in_people_see_the_same_pages(national_and_people, client):
    anonymous = {name: client.get(reverse(name)).status_code for name in URLS}
    for key in ("administrator", "liaison", "partner"):
        client.force_login(national_and_people[key])
        for name in URLS:
            assert client.get(reverse(name)).status_code == anonymous[name] == 200
        client.logout()


def test_the_pages_only_answer_reads(national, client):
    for name in URLS:
        assert client.post(reverse(name)).status_code == 405


def test_the_navigation_links_to_the_national_picture(national, client):
    html = client.get("/").content.decode()
    assert f'href="{reverse("national-picture")}">National picture</a>' in html


def test_with_no_grades_loaded_the_page_says_so(db, client):
    response = get(client)
    assert response.status_code == 200
    assert "No published grades are loaded yet." in response.content.decode()
    assert client.get(reverse("national-data-csv")).status_code == 404
