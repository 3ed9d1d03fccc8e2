"""The inspector's journey (issue 15, "long work"): from sign-in to a case examined in
sections and submitted, and a child at risk escalated on another case, by clicks and typing
only; axe-core and no sideways scroll at 375 px on every page (ADR 0031)."""

import re

from playwright.sync_api import Page, expect

from browser_tests import assessment_steps as steps
from browser_tests.support import DEMO_DOMAIN, sign_in

ESSEX_CP = "Child protection inspection: Essex"
SEEN = "Was the child seen and spoken to?"


def test_inspector_examines_a_case_in_sections_and_escalates_another(page: Page, password):
    sign_in(page, f"inspector@{DEMO_DOMAIN}", password)
    steps.check_page(page, "home (inspector)")
    steps.open_fieldwork(page, ESSEX_CP)
    worklist = steps.open_worklist(page)
    steps.check_page(page, "worklist (inspector)")
    unstarted = worklist.get_by_role("row").filter(has_text="Not started")
    case_id = (
        unstarted.first.get_by_role("link", name=re.compile(r"^Case \d+$"))
        .inner_text()
        .removeprefix("Case ")
    )
    other_case = unstarted.nth(1).get_by_role("link", name=re.compile(r"^Case \d+$")).inner_text()

    # the task list: every section not started, check answers cannot start yet
    worklist.get_by_role("link", name=f"Start case {case_id}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Examine case {case_id}")
    total = page.locator(".govuk-task-list__item").count() - 1
    expect(steps.progress(page)).to_have_text(f"0 of {total} sections completed.")
    expect(page.locator("#status-check")).to_have_text("Cannot start yet")
    steps.check_page(page, "task list (inspector)")
    heights = {"task list": steps.screenshots(page, "task-list")}

    # the first section, with the needed evidence note left out: saved, but the error says so
    page.locator(".govuk-task-list__link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Initial response")
    steps.check_page(page, "first section (inspector)")
    heights["section"] = steps.screenshots(page, "section")
    steps.fill_section(page, prefer=("Partly", "Yes", "Good"), skip_note_for=SEEN)
    steps.save_and_continue(page)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Give an evidence note for ‘Was the child seen")
    expect(page).to_have_title(re.compile("^Error: Initial response"))
    steps.check_page(page, "section with an error (inspector)")
    summary.get_by_role("link").first.click()
    note = page.locator("#note-child_seen")
    expect(note).to_be_focused()
    note.fill("Seen at school only, never alone.")
    steps.save_and_continue(page)

    # the second section, then "come back later"
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Initial response")
    steps.fill_section(page)
    page.get_by_role("button", name="Save and come back later").click()
    expect(steps.progress(page)).to_have_text(f"2 of {total} sections completed.")

    # leave, come back from the worklist: the progress is kept
    page.get_by_role("link", name="Case-file audit").click()
    worklist = steps.open_worklist(page)
    row = worklist.get_by_role("row").filter(
        has=page.get_by_role("link", name=f"Case {case_id}", exact=True)
    )
    expect(row).to_contain_text("In progress")
    row.get_by_role("link", name=f"Continue case {case_id}").click()
    expect(steps.progress(page)).to_have_text(f"2 of {total} sections completed.")

    # the rest, to check your answers
    steps.finish_sections(page)
    steps.check_page(page, "check your answers (inspector)")
    heights["check answers"] = steps.screenshots(page, "check-answers")
    answers = page.locator(".govuk-summary-list__row").filter(has_text=SEEN)
    expect(answers).to_contain_text("Partly")
    expect(answers).to_contain_text("Seen at school only, never alone.")

    # change one answer: back to its question, focused, then straight back here
    answers.get_by_role("link", name=re.compile("^Change")).click()
    first_radio = page.locator("#answer-child_seen")
    expect(first_radio).to_be_focused()
    page.get_by_role("group", name=SEEN).get_by_role("radio", name="Yes", exact=True).check()
    steps.save_and_continue(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.locator(".govuk-summary-list__row").filter(has_text=SEEN)).to_contain_text("Yes")

    page.get_by_role("button", name="Submit the assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My worklist")
    expect(page.get_by_role("alert")).to_contain_text(f"Assessment of case {case_id} submitted.")
    row = page.get_by_role("row").filter(
        has=page.get_by_role("link", name=f"Case {case_id}", exact=True)
    )
    expect(row).to_contain_text("Submitted")
    steps.check_page(page, "worklist after submitting (inspector)")

    # a child at risk on another case: a reason is needed, said in the error summary
    page.get_by_role("link", name=other_case, exact=True).click()
    page.get_by_role("button", name="Escalate: child at risk").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Say why the child is at risk")
    steps.check_page(page, "escalate with an error (inspector)")
    summary.get_by_role("link").click()
    expect(page.get_by_label(re.compile("^If this case must be referred back"))).to_be_focused()
    page.get_by_label(re.compile("^If this case must be referred back")).fill(
        "Bruising seen at the visit was never followed up; the child is still at home."
    )
    page.get_by_role("button", name="Escalate: child at risk").click()
    expect(page.get_by_role("alert")).to_contain_text("Escalation recorded")
    page.get_by_role("link", name="Case-file audit").click()
    page.get_by_role("link", name="Escalations (children at risk)").click()
    card = page.locator(".govuk-summary-card").filter(has_text=f"{other_case}:")
    expect(card).to_contain_text("Bruising seen at the visit was never followed up")
    steps.check_page(page, "escalations (inspector)")

    # the page heights, before (the one-page form) and after (ADR 0031)
    page.goto(page.url.replace("escalations/", f"cases/{case_id}/assess/?all=1"))
    heights["one-page form (before)"] = page.evaluate("document.documentElement.scrollHeight")
    print("page heights at 1280 px:", heights)
    assert heights["section"] < heights["one-page form (before)"] / 3, heights
