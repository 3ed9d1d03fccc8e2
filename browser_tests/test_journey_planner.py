"""The planner's journey (issue 15, failures 1 and 7), by typing and clicking only: sign in,
see the tasks, create a programme (with a mistake first), re-plan the demo's year with a
planning date, see and publish the plan. axe-core on every step, and no page scrolls
sideways at 375 px."""

import re

from playwright.sync_api import Page, expect

from browser_tests.support import DEMO_DOMAIN, assert_accessible, sign_in

SOLVE_TIMEOUT_MS = 240_000  # a re-plan of the demo's year: 20 s on a quiet machine


def check(page: Page, name: str) -> None:
    """axe at full width, then the page at 375 px wide must not scroll sideways."""
    __tracebackhide__ = True
    assert_accessible(page, name)
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    try:
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{name} scrolls sideways at 375 px: {widths}"
        assert_accessible(page, f"{name} at 375 px")
    finally:
        page.set_viewport_size(size)


def date_input(page: Page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_planner_creates_a_programme_and_re_plans_the_year(page, password):
    sign_in(page, f"planner@{DEMO_DOMAIN}", password)
    expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
    # the demo's year was planned as of 2 March 2026: fieldwork dates before today show
    tasks = page.get_by_role("table", name="Your tasks, soonest due first")
    expect(tasks).to_be_visible()
    check(page, "planner: home with tasks")

    # Create a programme: a mistake first, then put right
    page.get_by_role("button", name="Create a programme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a programme")
    check(page, "planner: create a programme")
    page.get_by_label("Name of the programme").fill("2027/28")
    date_input(page, "When does the programme start?", "1", "4", "2027")
    date_input(page, "When does the programme end?", "31", "3", "2027")
    page.get_by_role("button", name="Create programme").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The programme must end after the day it starts")
    check(page, "planner: create a programme, with an error")
    summary.get_by_role("link", name="The programme must end after the day it starts").click()
    expect(page.locator("#id_ends_on_day")).to_be_focused()
    expect(page.get_by_label("Name of the programme")).to_have_value("2027/28")  # kept
    date_input(page, "When does the programme end?", "31", "3", "2028")
    page.get_by_label("Description (optional)").fill("Child protection inspections, 2027/28.")
    page.get_by_role("button", name="Create programme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan for 2027/28")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Programme 2027/28 created")
    check(page, "planner: the new programme")

    # The new programme is listed; re-plan the demo's year
    page.get_by_role("link", name="Planning", exact=True).click()
    programmes = page.get_by_role("table", name="Programmes")
    expect(programmes.locator("tr", has_text="2027/28")).to_contain_text("No plan published")
    check(page, "planner: programmes")
    programmes.get_by_role("link", name="2026/27").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan for 2026/27")
    expect(page.get_by_text("planned as of 2 March 2026")).to_be_visible()
    check(page, "planner: the year's plan")

    page.get_by_role("button", name="Solve or re-plan").click()
    planning_date = page.get_by_role("group", name="Planning date")
    expect(planning_date.get_by_label("Day")).to_have_value("2")  # the plan's date, offered
    expect(planning_date.get_by_label("Month")).to_have_value("3")
    expect(planning_date.get_by_label("Year")).to_have_value("2026")
    check(page, "planner: solve or re-plan")
    page.get_by_label("Re-plan from the published plan").check()
    page.get_by_label("Why are you planning again? (optional)").fill("Leave since March")
    date_input(page, "Planning date", "9", "3", "2026")
    # the click waits for the solve's response: give it the solve's time, not the default 10 s
    page.get_by_role("button", name="Solve").click(timeout=SOLVE_TIMEOUT_MS)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft", timeout=SOLVE_TIMEOUT_MS)
    expect(page.locator(".govuk-error-summary")).to_have_count(0)  # not "No plan is possible"
    planned_as_of = page.locator(".govuk-summary-list__row", has_text="Planning date")
    expect(planned_as_of.locator("dd")).to_have_text("9 March 2026")  # recorded with the plan
    expect(page.get_by_role("heading", name=re.compile("What moved from version"))).to_be_visible()
    check(page, "planner: the re-planned draft")

    page.get_by_role("button", name="Publish this plan").click()
    check(page, "planner: publish the plan")
    page.get_by_role("button", name="Publish this plan").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"Published plan \(version \d+\)"))
    ).to_be_visible()
    expect(page.get_by_text("planned as of 9 March 2026")).to_be_visible()
    check(page, "planner: the published plan")
