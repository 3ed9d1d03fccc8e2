"""The analyst's journey (issue 15): from sign-in to a thematic report across inspections,
built, read (its results and what disclosure control withheld) and handed to a programme
manager, who publishes it from their own home page; then the national picture and the open
data the analyst works from. By clicks and typing only, with axe-core on every step and no
sideways scroll at 375 px.

The analyst's work ends with the draft: a thematic report has no step between the build and
publication, which is a programme manager's (access.can_publish_report); the draft shows on
the analyst's home page until then, and on every programme manager's as a task."""

import re

from playwright.sync_api import Page, expect

from browser_tests.support import DEMO_DOMAIN, assert_accessible, sign_in

TITLE = "Child protection: how quickly children are seen, Staffordshire and Kent"


def no_sideways_scroll(page: Page, name: str) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert wide <= 375, f"{name} scrolls sideways at 375 px ({wide} px wide)"


def step(page: Page, name: str) -> None:
    assert_accessible(page, name)
    no_sideways_scroll(page, name)


def go_home(page: Page) -> None:
    page.get_by_role("link", name="CP Inspect", exact=True).click()
    expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def test_analyst_builds_a_thematic_report_and_a_planner_publishes_it(page: Page, password):
    sign_in(page, f"analyst@{DEMO_DOMAIN}", password)
    go_home(page)
    # the demo's thematic report is published already: nothing waits for the analyst
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()
    step(page, "analyst home, nothing waiting")

    page.get_by_role("link", name="Build a thematic report across inspections").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Build a thematic report")
    step(page, "thematic builder")
    page.get_by_role("button", name="Build the draft").click()  # nothing chosen yet
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Give the report a title")
    expect(summary).to_contain_text("Choose at least one inspection")
    step(page, "thematic builder, errors")
    summary.get_by_role("link", name="Give the report a title").click()
    expect(page.get_by_label("Title")).to_be_focused()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label(re.compile(r"^Staffordshire: Child protection inspection, 2026/27")).check()
    page.get_by_label(re.compile(r"^Kent: Child protection inspection, 2026/27")).check()
    page.get_by_role("button", name="Build the draft").click()

    # the draft: its coverage, its results, and what disclosure control withheld
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The draft thematic report is built."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".govuk-warning-text__text")).to_contain_text(
        "Draft: a draft, not for publication."
    )
    coverage = page.get_by_role("table", name="Inspections and the cases graded in each")
    expect(coverage).to_contain_text("Staffordshire")
    expect(coverage).to_contain_text("Kent")
    results = page.get_by_role("table", name="Cases by theme and final grade").first
    expect(results).to_be_visible()
    cells = [t.strip() for t in results.locator("td").all_inner_texts()]
    assert cells and all(re.match(r"^(\d|\[[cuxz]\])", c) for c in cells), cells
    body = page.locator("main").inner_text()
    if "[c]" in body:  # a withheld count is its marker alone, and the page says why
        assert not any(re.match(r"^\[c\]\s*\(", c) for c in cells), cells
        expect(page.get_by_text(re.compile(r"\[c\]: withheld to protect")).first).to_be_visible()
    # the analyst does not publish: no button for it
    expect(page.get_by_role("button", name="Publish this report")).to_have_count(0)
    step(page, "thematic draft (analyst)")

    # back home, the draft waits for a programme manager
    go_home(page)
    tasks = page.get_by_role("table", name=re.compile("soonest due first"))
    draft_task = tasks.get_by_role("link", name=f"Check your thematic draft: {TITLE}")
    expect(draft_task).to_be_visible()
    expect(tasks).to_contain_text("Waiting for a programme manager to publish it")
    step(page, "analyst home, draft waiting")
    draft_task.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    sign_out(page)

    # the planner's home page has it as a task; they publish it
    sign_in(page, f"planner@{DEMO_DOMAIN}", password)
    go_home(page)
    publish_task = page.get_by_role("link", name=f"Publish the thematic report: {TITLE}")
    expect(publish_task).to_be_visible()
    step(page, "planner home, thematic to publish")
    publish_task.click()
    page.get_by_role("button", name="Publish this report").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The report is published.")
    expect(page.get_by_text("a draft, not for publication")).to_have_count(0)
    step(page, "thematic report published")
    go_home(page)
    expect(page.get_by_role("link", name=f"Publish the thematic report: {TITLE}")).to_have_count(0)
    sign_out(page)

    # the analyst: the draft has left their tasks; the report is among the published ones
    sign_in(page, f"analyst@{DEMO_DOMAIN}", password)
    go_home(page)
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()
    page.get_by_role("link", name="Published inspection reports").click()
    listed = page.get_by_role("table", name="Published reports, newest first")
    expect(listed.get_by_role("link", name=TITLE)).to_have_count(1)
    step(page, "published reports with the new thematic report")


def test_analyst_reads_the_national_picture_and_the_open_data(page: Page, password):
    sign_in(page, f"analyst@{DEMO_DOMAIN}", password)
    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="National picture").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    step(page, "national picture (analyst)")
    menu.get_by_role("link", name="Open data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Open data"))
    step(page, "open data (analyst)")
    with page.expect_download() as csv:
        page.get_by_role("link", name="Published results (CSV)").click()
    assert csv.value.suggested_filename.endswith(".csv")
    with open(csv.value.path(), encoding="utf-8-sig") as downloaded:
        first_line = downloaded.readline()
    assert "," in first_line, first_line
    page.get_by_role("link", name="Data dictionary of the published results").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    step(page, "open data dictionary (analyst)")
