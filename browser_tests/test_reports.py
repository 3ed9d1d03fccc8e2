"""Reports, findings and the national picture in the browser: axe-core (WCAG 2.2 AA rules)
finds no violation on them, as the public and each role sees them; each test first checks that
the page is the one it means to check.

The demo publishes Staffordshire's force report (``cpinspect/demo/builder.py``,
``finish_demo_fieldwork``): its lead is ``lead2``, its findings have a cause of concern with
two recommendations, and the planner (a programme manager) published it and may correct it.
It also publishes Kent's force report and a thematic report across Staffordshire and Kent.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser_tests.support import assert_accessible

STAFFORDSHIRE_CP = "Child protection inspection: Staffordshire"
FINDINGS_LINK = "Judgements, causes of concern, recommendations and the action plan"
THEMATIC = re.compile(r"Child protection in Staffordshire and Kent")
MARKER = re.compile(r"^\[[cxzu]\]$")


def open_published_report(page: Page) -> None:
    """From the list of published reports to Staffordshire's, by its link."""
    page.goto("/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Published reports")
    reports = page.get_by_role("table", name="Published reports, newest first")
    reports.get_by_role("link", name=re.compile("inspection: Staffordshire")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Staffordshire"))


def open_inspection(page: Page, inspection: str = STAFFORDSHIRE_CP) -> None:
    page.goto("/inspections/")
    page.get_by_role("link", name=inspection, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Staffordshire"))


def test_report_list_is_accessible(page):
    page.goto("/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Published reports")
    reports = page.get_by_role("table", name="Published reports, newest first")
    # the current versions: Staffordshire's correction, Kent's, and the thematic report
    expect(reports.get_by_role("link", name=re.compile("inspection: Staffordshire"))).to_have_count(
        1
    )
    expect(reports.get_by_role("link", name=re.compile("inspection: Kent"))).to_have_count(1)
    expect(reports.get_by_role("link", name=THEMATIC)).to_have_count(1)
    assert_accessible(page, "published reports (public)")


SHOTS = Path("/work/notes/shots/thematic")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_demo_thematic_report_is_accessible_and_shows_what_it_withholds(page, width):
    """The thematic report across Staffordshire and Kent, from the list, signed out: its
    coverage names both forces, its results table is there with any [c] explained, and
    axe-core finds nothing at a desktop and a phone width; no sideways scroll."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/reports/")
    page.get_by_role("table", name="Published reports, newest first").get_by_role(
        "link", name=THEMATIC
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(THEMATIC)
    body = page.locator("main").inner_text()
    assert "Staffordshire" in body and "Kent" in body
    if "[c]" in body:  # withheld by the cross-publication audit: the page says what [c] is
        assert re.search(r"\[c\][^\n]*(withheld|suppressed|confidential)", body, re.I), body
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the thematic report scrolls sideways at {width} px"
    assert_accessible(page, f"thematic report (public, {width} px)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"thematic-{width}.png"), full_page=True)


def test_published_report_is_accessible_and_each_chart_has_its_table(page):
    open_published_report(page)
    expect(
        page.get_by_role("link", name=re.compile("^Download the report as a PDF"))
    ).to_be_visible()
    expect(page.get_by_text("a draft, not for publication")).to_have_count(0)

    # Every chart is an image with a name, in a figure, with its figures in a table beside it
    # in the same section; the chart fits its column rather than running under the table.
    charts = page.locator(".app-report-web svg")
    assert charts.count() >= 1, "the published report has no chart"
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "img"
        expect(chart).to_have_accessible_name(re.compile(r"\S"))
        expect(chart.locator("xpath=ancestor::figure[1]")).to_have_count(1)
        section = chart.locator("xpath=ancestor::section[1]")
        table = section.get_by_role("table", name="Cases by theme and final grade")
        expect(table).to_be_visible()
        expect(table.get_by_role("rowheader").first).to_be_visible()
        chart_box, table_box = chart.bounding_box(), table.bounding_box()
        assert not overlap(chart_box, table_box), f"chart {chart_box} over table {table_box}"
        width = page.locator("main").bounding_box()
        for box in (chart_box, table_box):
            assert box["x"] + box["width"] <= width["x"] + width["width"] + 1, (
                f"{box} runs out of the page's main content {width}"
            )

    # A withheld count is shown as its marker alone, never with a number, and the note under
    # the table says what the marker means.
    cells = [
        text.strip()
        for text in page.locator(".app-report-web table.app-results td").all_inner_texts()
    ]
    assert cells
    for text in cells:
        assert MARKER.match(text) or re.match(r"^\d", text), f"cell {text!r}"
    if "[c]" in cells:
        expect(page.get_by_text(re.compile(r"^\[c\]: withheld to protect"))).to_be_visible()
    assert_accessible(page, "published report (public)")


def overlap(a: dict, b: dict) -> bool:
    """Whether two bounding boxes overlap."""
    return not (
        a["x"] + a["width"] <= b["x"] + 1
        or b["x"] + b["width"] <= a["x"] + 1
        or a["y"] + a["height"] <= b["y"] + 1
        or b["y"] + b["height"] <= a["y"] + 1
    )


def test_report_contents_work_from_the_keyboard(page):
    open_published_report(page)
    contents = page.get_by_role("navigation", name="Contents")
    link = contents.get_by_role("link", name="2. Case file analysis")
    link.focus()
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#case_files$"))
    expect(page.get_by_role("heading", name="2. Case file analysis")).to_be_in_viewport()


def test_report_page_is_accessible_to_its_lead(page_as):
    page = page_as("lead2")
    open_inspection(page)
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Staffordshire"))
    breadcrumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumbs.get_by_role("link", name="Inspection")).to_be_visible()
    expect(page.get_by_role("heading", name="Factual accuracy comments")).to_be_visible()
    # Staffordshire's liaison officer commented on the draft and the lead answered it.
    comments = page.locator("main")
    expect(comments).to_contain_text("date of its new missing persons policy (March)")
    expect(comments).to_contain_text("Accepted: the report already gives the policy's date")
    assert_accessible(page, "report page (lead)")


def test_report_correction_pages_are_accessible_to_the_publisher(page_as):
    page = page_as("planner")
    open_published_report(page)
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
    assert_accessible(page, "report page (programme manager)")

    page.get_by_role("link", name="Correct this report (new version)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct the published report")
    assert_accessible(page, "correct the report (programme manager)")


def test_findings_page_is_accessible_to_the_lead(page_as):
    page = page_as("lead2")
    open_inspection(page)
    page.get_by_role("link", name=FINDINGS_LINK).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Findings")
    judgements = page.get_by_role("table", name="Judgements by topic")
    expect(judgements.get_by_role("row")).not_to_have_count(0)
    expect(page.get_by_role("heading", name="Causes of concern")).to_be_visible()
    expect(
        page.get_by_role(
            "heading", name=re.compile("^Missing children are not consistently treated")
        )
    ).to_be_visible()
    expect(page.get_by_role("table", name="Its recommendations")).to_be_visible()
    assert_accessible(page, "findings (lead)")


def test_recommendations_board_is_accessible(page_as):
    page = page_as("planner")
    page.goto("/recommendations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendations across forces")
    board = page.get_by_role("table", name=re.compile(r"^\d+ recommendations?$"))
    expect(board.get_by_role("cell", name=re.compile("Staffordshire")).first).to_be_visible()
    assert_accessible(page, "recommendations board (programme manager)")


def test_national_picture_is_accessible_and_its_map_has_a_table(page):
    page.goto("/national/")
    expect(page.get_by_role("heading", level=1)).to_have_text("National picture")
    check_map_and_table(page)
    assert_accessible(page, "national picture (public)")

    # Another assessment, chosen with the form: the page is as accessible.
    chooser = page.get_by_label("Assessment")
    shown = chooser.input_value()
    others = [
        (option.get_attribute("value"), option.inner_text().strip())
        for option in chooser.locator("option").all()
        if option.get_attribute("value") != shown
    ]
    assert others, "the demo has only one published assessment"
    value, label = others[0]
    chooser.select_option(value)
    page.get_by_role("button", name="Show this assessment").click()
    expect(page).to_have_url(re.compile(r"\?assessment="))
    expect(page.get_by_label("Assessment")).to_have_value(value)
    # the option reads "<assessment>: <question> (<coverage>)", the heading without coverage
    expect(page.get_by_role("heading", level=2).first).to_have_text(label.rsplit(" (", 1)[0])
    check_map_and_table(page)
    assert_accessible(page, "national picture, another assessment (public)")


def check_map_and_table(page: Page) -> None:
    """The map is an image with a name, and the same grid row holds its table of forces by
    grade."""
    chart = page.locator("svg.app-national-map")
    expect(chart).to_have_count(1)
    assert chart.get_attribute("role") == "img"
    expect(chart).to_have_accessible_name(re.compile(r"\S"))
    row = chart.locator("xpath=ancestor::div[contains(@class, 'govuk-grid-row')][1]")
    table = row.get_by_role("table", name="Forces by grade")
    expect(table).to_be_visible()
    expect(table.get_by_role("rowheader")).not_to_have_count(0)
    expect(
        page.get_by_role("table", name="Grades and children's social care by force area")
    ).to_be_visible()


def test_open_data_pages_are_accessible(page):
    page.goto("/open-data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    assert_accessible(page, "open data (public)")

    page.get_by_role("link", name="Data dictionary of the published results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Published results: data dictionary")
    assert_accessible(page, "published results data dictionary (public)")

    page.go_back()
    page.get_by_role("link", name="Data dictionary of the national picture").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("National picture: data dictionary")
    assert_accessible(page, "national picture data dictionary (public)")
