"""A recommendation's due date in the browser (issue 15: Chromium's date picker showed
mm/dd/yyyy and a past date was taken): the GOV.UK date input's three boxes, an impossible date
and a past one each named in the error summary, whose link takes the keyboard to the day box,
with what was typed kept; then a real date is taken. axe-core on each step."""

import re

from playwright.sync_api import expect

from browser_tests.support import assert_accessible

ESSEX_CP = "Child protection inspection: Essex"
FINDINGS_LINK = "Judgements, causes of concern, recommendations and the action plan"


def test_the_lead_types_a_due_date_in_day_month_and_year(page_as):
    page = page_as("lead")
    page.goto("/inspections/")
    page.get_by_role("link", name=ESSEX_CP, exact=True).click()
    page.get_by_role("link", name=FINDINGS_LINK).click()
    page.get_by_role("link", name="Add a recommendation", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a recommendation")
    due = page.get_by_role("group", name="Due by")
    for box in ("Day", "Month", "Year"):
        expect(due.get_by_role("textbox", name=box)).to_be_visible()
    expect(page.locator("input[type=date]")).to_have_count(0)
    assert_accessible(page, "add a recommendation (lead)")

    page.get_by_label("Recommendation", exact=True).fill("Audit every strategy discussion.")
    page.get_by_label("Owner at the force").fill("Head of Public Protection")
    for typed, message in (
        (("31", "2", "2027"), "The date the recommendation is due by must be a real date"),
        (("1", "3", "2020"), "The date the recommendation is due by must be today or in the"),
    ):
        for box, value in zip(("Day", "Month", "Year"), typed, strict=True):
            page.get_by_role("group", name="Due by").get_by_role("textbox", name=box).fill(value)
        page.get_by_role("button", name="Add the recommendation").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_focused()
        link = summary.get_by_role("link", name=re.compile("^" + re.escape(message)))
        expect(link).to_have_count(1)
        due = page.get_by_role("group", name=re.compile("^Due by"))
        for box, value in zip(("Day", "Month", "Year"), typed, strict=True):
            expect(due.get_by_role("textbox", name=box)).to_have_value(value)
        expect(page.get_by_label("Owner at the force")).to_have_value("Head of Public Protection")
        assert_accessible(page, f"add a recommendation, {'/'.join(typed)} refused (lead)")
        link.click()
        expect(due.get_by_role("textbox", name="Day")).to_be_focused()

    for box, value in zip(("Day", "Month", "Year"), ("30", "9", "2027"), strict=True):
        page.get_by_role("group", name=re.compile("^Due by")).get_by_role("textbox", name=box).fill(
            value
        )
    page.get_by_role("button", name="Add the recommendation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Findings")
    row = page.get_by_role("row", name=re.compile("Audit every strategy discussion"))
    expect(row).to_contain_text("30 September 2027")
