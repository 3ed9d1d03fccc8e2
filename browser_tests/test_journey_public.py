"""The public visitor's journey, signed out, on a phone-sized screen (375 px wide): from the
home page, by clicks only, to a force, its published report, the open data download, the
national picture and the accessibility statement. axe-core (WCAG 2.2 AA rules) checks every
step, and no step scrolls sideways.

The demo publishes force reports of Staffordshire (corrected once) and Kent, and a thematic
report across the two (``cpinspect/demo/builder.py``).
"""

import re

from playwright.sync_api import Page, expect

from browser_tests.support import assert_accessible

PHONE = {"width": 375, "height": 812}


def assert_fits(page: Page, name: str) -> None:
    """No horizontal scroll: the page is no wider than the screen."""
    __tracebackhide__ = True
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], f"{name} scrolls sideways at 375 px: {widths}"


def step(page: Page, name: str, heading) -> None:
    """The page is the one meant (its heading), accessible, and fits the screen."""
    __tracebackhide__ = True
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page, f"public journey: {name}")
    assert_fits(page, name)


def open_menu_link(page: Page, label: str) -> None:
    """On a small screen the service navigation is behind its Menu button."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=label).click()


def current_section(page: Page) -> str:
    return page.get_by_role("navigation", name="Menu").locator("[aria-current]").inner_text()


def test_a_visitor_finds_a_force_its_report_the_open_data_and_the_national_picture(new_page):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto("/")
    step(page, "home", "CP Inspect")

    # to the forces, through the service navigation
    open_menu_link(page, "Forces")
    step(page, "forces", "Police forces of England and Wales")
    assert current_section(page) == "Forces"
    forces = page.get_by_role("table", name=re.compile("territorial forces"))
    names = forces.locator("tbody th").all_inner_texts()
    assert names == sorted(names), "the forces are not in order of name"
    forces.get_by_role("link", name="Staffordshire", exact=True).click()
    step(page, "a force", "Staffordshire")

    # the published inspection links to its report
    inspections = page.get_by_role("table", name="Inspections of Staffordshire")
    row = inspections.locator("tbody tr").filter(has_text="Child protection inspection")
    expect(row.locator(".govuk-tag")).to_have_text("Published")
    expect(row.get_by_role("link", name=re.compile("^Child protection"))).to_have_count(0)
    row.get_by_role("link", name=re.compile("^Read the report")).click()
    step(page, "the force's report", re.compile("^Staffordshire"))
    assert current_section(page) == "Published reports"
    report = page.locator(".app-report-web").inner_text()
    for code in re.findall(r"\b[a-z]+_[a-z_]+\b", report):
        raise AssertionError(f"the report shows the code {code!r} instead of words")

    # the open data, and its download
    open_menu_link(page, "Open data")
    step(page, "open data", "Open data")
    with page.expect_download() as download:
        page.get_by_role("link", name="Published results (CSV)").click()
    csv = download.value
    assert csv.suggested_filename.endswith(".csv")
    with open(csv.path(), encoding="utf-8") as opened:
        header = opened.readline()
    assert "force" in header.lower(), header

    # the national picture
    open_menu_link(page, "National picture")
    step(page, "national picture", re.compile("National picture"))
    assert current_section(page) == "National picture"

    # the accessibility statement, from the footer
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
    step(page, "accessibility statement", "Accessibility statement for CP Inspect")


def test_kent_links_to_its_report_and_the_thematic_report_is_listed(new_page):
    """Kent's demo inspection is published with its report (no longer "Published" with none);
    the thematic report across Staffordshire and Kent is in the list of reports."""
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto("/")
    open_menu_link(page, "Forces")
    page.get_by_role("link", name="Kent", exact=True).click()
    step(page, "a force with a report", "Kent")
    inspections = page.get_by_role("table", name="Inspections of Kent")
    row = inspections.locator("tbody tr").filter(has_text="Child protection inspection")
    expect(row.locator(".govuk-tag")).to_have_text("Published")
    row.get_by_role("link", name=re.compile("^Read the report")).click()
    step(page, "Kent's report", re.compile("^Kent"))

    open_menu_link(page, "Published reports")
    step(page, "published reports", "Published reports")
    thematic = re.compile("Child protection in Staffordshire and Kent")
    page.get_by_role("link", name=thematic).click()
    step(page, "the thematic report", thematic)


def test_the_footer_pages_and_a_missing_page_are_accessible(new_page):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto("/")
    footer = page.get_by_role("contentinfo")
    for label, heading in [
        ("Privacy", "Privacy notice"),
        ("Cookies", "Cookies"),
        ("API documentation", "API documentation"),
    ]:
        page.get_by_role("contentinfo").get_by_role("link", name=label).click()
        step(page, label.lower(), heading)
    footer = page.get_by_role("contentinfo")
    expect(footer.get_by_role("link", name="API schema")).to_have_count(0)
    expect(
        page.get_by_role("link", name="Download the OpenAPI schema (YAML file)")
    ).to_have_attribute("download", "cp-inspect-api.yaml")
    response = page.goto("/no-such-page/")
    assert response.status == 404
    step(page, "page not found", "Page not found")
    page.get_by_role("link", name="Read the published reports").click()
    step(page, "on from the missing page", "Published reports")
