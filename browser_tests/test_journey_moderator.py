"""The moderator's journey (issue 15, failure 6): the demo's moderator (Mo Moderator) does a
blind second examination of an Essex case in sections, submits it from check your answers,
and the agreement or disagreement is recorded for the lead; by clicks and typing only, with
axe-core and no sideways scroll at 375 px on every page (ADRs 0028, 0031)."""

import re

from playwright.sync_api import Page, expect

from browser_tests import assessment_steps as steps
from browser_tests.support import DEMO_DOMAIN, sign_in

ESSEX_CP = "Child protection inspection: Essex"


def test_moderator_examines_blind_in_sections_and_the_agreement_is_recorded(page: Page, password):
    sign_in(page, f"moderator@{DEMO_DOMAIN}", password)
    steps.open_fieldwork(page, ESSEX_CP)
    worklist = steps.open_worklist(page)
    steps.check_page(page, "worklist (moderator)")
    waiting = (
        worklist.get_by_role("row")
        .filter(has_text="Moderate (blind)")
        .filter(has_text="Not started")
    )
    expect(waiting.first).to_be_visible()  # the demo gives three (ADR 0028)
    case = waiting.first.get_by_role("link", name=re.compile(r"^Case \d+$")).inner_text()
    case_id = case.removeprefix("Case ")
    waiting.first.get_by_role("link", name=f"Start case {case_id}", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Moderate case {case_id}")
    expect(page.locator(".govuk-inset-text")).to_contain_text("Blind moderation")
    steps.check_page(page, "task list (moderator)")
    page.locator(".govuk-task-list__link").first.click()
    # blind: nothing of the first examination is chosen or written on the moderator's page
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    expect(page.locator(".govuk-inset-text")).to_contain_text("Blind moderation")
    steps.check_page(page, "section (moderator)")
    page.get_by_role("link", name="Back to the sections").click()

    steps.finish_sections(page, prefer=("Yes", "Inadequate"))
    steps.check_page(page, "check your answers (moderator)")
    grade = page.locator(".govuk-summary-list__row").filter(
        has_text="Overall, how well did the police protect this child?"
    )
    expect(grade).to_contain_text("Inadequate")
    page.get_by_role("button", name="Submit the assessment").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Assessment of case {case_id} submitted.")
    row = page.get_by_role("row").filter(
        has=page.get_by_role("link", name=f"Case {case_id}", exact=True)
    )
    expect(row).to_contain_text("Submitted")
    steps.check_page(page, "worklist after moderating (moderator)")

    # the case now shows both examinations, and the lead's moderation page has the result
    page.get_by_role("link", name=f"Case {case_id}", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^First examination by"))).to_be_visible()
    expect(page.get_by_role("heading", name="Moderation by Mo Moderator (demo)")).to_be_visible()
    first_grade = page.locator("h2:has-text('First examination by') + p").inner_text()
    page.get_by_role("link", name="Case-file audit").click()
    page.get_by_role("link", name="Moderation and agreement").click()
    steps.check_page(page, "moderation and agreement (moderator)")
    cards = page.locator(".govuk-summary-card").filter(
        has=page.get_by_role("link", name=f"Case {case_id}", exact=True)
    )
    if "Inadequate" in first_grade:  # agreed: the grade is final, nothing for the lead
        expect(cards).to_have_count(0)
    else:  # disagreed: the lead has it to resolve, with both grades
        expect(cards).to_contain_text("To resolve")
        expect(cards).to_contain_text("Moderation: Mo Moderator (demo)")
        expect(cards).to_contain_text("Inadequate")
