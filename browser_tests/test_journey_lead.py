"""The lead inspector's journey (issue 15, failure 3 and the 140 clicks of sign-off): from
sign-in to Essex's case table filtered, a case reallocated and given its moderator, an action
refused for a missing field, a disagreement resolved (when the demo has one open) and the ready
cases signed off at once, by clicks and typing only."""

import re

from playwright.sync_api import Page, expect

from browser_tests.support import DEMO_DOMAIN, assert_accessible, sign_in

ESSEX_CP = "Child protection inspection: Essex"


def no_sideways_scroll(page: Page, name: str) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert wide <= 375, f"{name} scrolls sideways at 375 px ({wide} px wide)"


def signed_off(page: Page) -> int:
    final = page.locator(".govuk-summary-list__row", has_text="Final grades")
    return int(re.search(r"of which (\d+) signed off", final.inner_text()).group(1))


def banner(page: Page):
    return page.locator(".govuk-notification-banner")


def test_lead_works_the_essex_cases_and_signs_off_the_ready_ones(page: Page, password):
    sign_in(page, f"lead@{DEMO_DOMAIN}", password)
    mine = page.get_by_role("table", name="Inspections whose team you are on")
    mine.get_by_role("link", name=ESSEX_CP, exact=True).click()
    page.get_by_role("link", name="Open the case-file audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case-file audit")
    assert_accessible(page, "fieldwork home (lead)")
    no_sideways_scroll(page, "fieldwork home")

    # the table, filtered to the cases nobody has begun
    page.get_by_label("Status", exact=True).select_option(label="To examine")
    page.get_by_role("button", name="Show the cases").click()
    expect(page).to_have_url(re.compile(r"status=to_examine"))
    caption = page.locator("#cases-caption")
    expect(caption).to_contain_text(re.compile(r"\d+ of \d+ cases"))
    tags = page.locator("#cases tbody .govuk-tag")
    expect(tags.first).to_have_text("To examine")
    assert set(tags.all_inner_texts()) <= {"To examine", "Not started"}
    assert_accessible(page, "fieldwork home, filtered")

    page.locator("#cases a[id^='row-']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Case \d+$"))
    assert_accessible(page, "case page (lead)")
    no_sideways_scroll(page, "case page")
    examiner_before = page.locator(".govuk-summary-list__row", has_text="Examiner").inner_text()
    page.get_by_label("Give the case to another examiner").select_option(index=0)
    page.get_by_role("button", name="Reallocate the case").click()
    expect(banner(page)).to_contain_text("Case reallocated.")
    examiner_after = page.locator(".govuk-summary-list__row", has_text="Examiner").inner_text()
    assert examiner_after != examiner_before

    page.get_by_label("Choose the moderator").select_option(index=0)
    page.get_by_role("button", name="Choose the moderator").click()
    expect(banner(page)).to_contain_text("The case will be moderated.")
    expect(page.locator(".govuk-summary-list__row", has_text="Moderation")).to_contain_text(
        "moderator"
    )
    assert_accessible(page, "case page, moderator chosen")

    # an action with its field left empty: the error summary, its link to the field
    page.get_by_role("button", name="Mark unusable and take a reserve").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Say why the case cannot be used.")
    expect(banner(page)).to_have_count(0)
    assert_accessible(page, "case page, error")
    summary.get_by_role("link").click()
    expect(page.get_by_label(re.compile("Why can this case not be used"))).to_be_focused()

    # a disagreement, if the demo left one open (it is a step of the journey, not the test)
    page.get_by_role("link", name="Case-file audit").first.click()
    page.get_by_label("Status", exact=True).select_option(label="Disagreement")
    page.get_by_role("button", name="Show the cases").click()
    disputed = page.locator("#cases a[id^='row-']")
    if disputed.count():
        disputed.first.click()
        page.get_by_label("Final grade", exact=True).select_option(label="Requires improvement")
        page.get_by_label("Reasons for the final grade").fill("Between the two examinations.")
        page.get_by_role("button", name="Resolve the disagreement").click()
        expect(banner(page)).to_contain_text("Disagreement resolved; the grade is final.")
        page.get_by_role("link", name="Case-file audit").first.click()

    # every ready case signed off at once
    clear = page.get_by_role("link", name="Clear the filters")  # still filtered, if no dispute
    if clear.count():
        clear.click()
    before = signed_off(page)
    link = page.get_by_role("link", name=re.compile(r"^Sign off all \d+ ready cases?$"))
    ready = int(re.search(r"\d+", link.inner_text()).group(0))
    assert ready > 0, "the demo gives the lead no case ready to sign off"
    # with JavaScript, one button ticks every ready case shown, and clears them again
    ticks = page.locator("#cases input[name='case']")
    page.get_by_role(
        "button", name=f"Select all {ready} ready case{'s' if ready > 1 else ''} shown"
    ).click()
    assert ticks.count() == ready and all(ticks.nth(i).is_checked() for i in range(ready))
    page.get_by_role("button", name="Clear the selection").click()
    assert not any(ticks.nth(i).is_checked() for i in range(ready))
    assert_accessible(page, "fieldwork home, select all")
    link.click()
    assert_accessible(page, "bulk sign-off confirmation")
    page.get_by_role("button", name=re.compile(r"^Sign off and lock \d+ cases?$")).click()
    expect(banner(page)).to_contain_text(f"{ready} case")
    assert signed_off(page) == before + ready
    expect(page.get_by_role("link", name=re.compile("^Sign off all"))).to_have_count(0)
    assert_accessible(page, "fieldwork home, signed off")
