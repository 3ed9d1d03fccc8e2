"""The case-file audit in the browser: a demo inspector completes one assessment of an Essex
case as a person would (a first submission with a missing answer is refused with the GOV.UK
error summary), then the lead opens the moderation page. axe-core checks the worklist, the
form (also in its error state) and the moderation page.

The demo's Essex inspection has its fieldwork under way (``cpinspect/assessments/demo.py``):
the inspector has cases not yet started.
"""

import re

from playwright.sync_api import Locator, Page, expect

from browser_tests.support import assert_accessible

ESSEX_CP = "Child protection inspection: Essex"
LEFT_OUT = "Were immediate actions taken to make the child safe?"
SEEN = "Was the child seen and spoken to?"
OVERALL = "Overall, how well did the police protect this child?"
RATIONALE = "Why this overall grade? (the rationale the moderator and the lead will read)"
NOTE = re.compile(r"^Evidence note")


def open_fieldwork(page: Page, inspection: str = ESSEX_CP) -> None:
    """From the dashboard to the inspection's case-file audit, by its links."""
    page.goto("/inspections/")
    page.get_by_role("link", name=inspection, exact=True).click()
    page.get_by_role("link", name="Open the case-file audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case-file audit")


def question_blocks(page: Page) -> Locator:
    """Each question of the form with its evidence note (the form's top-level groups)."""
    return page.locator("form[data-autosave] > .govuk-form-group")


def answer(block: Locator, prefer=("Yes", "Good"), note_text: str | None = None) -> str:
    """Answer one question as a person would: click the radio with the preferred label (else
    the first one) or type the free-text answer; write the evidence note when its label says
    this answer needs one. Returns the question."""
    radios = block.get_by_role("radio")
    if radios.count():
        question = block.locator("legend").inner_text().strip()
        labels = [
            label.strip() for label in block.locator(".govuk-radios__label").all_inner_texts()
        ]
        choice = next((label for label in prefer if label in labels), labels[0])
        block.get_by_role("radio", name=choice, exact=True).check()
    else:
        question = block.locator("label").first.inner_text().strip()
        block.get_by_label(question, exact=True).fill("Seen in the browser test: nothing to add.")
        choice = None
    needed = re.search(
        r"needed when the answer is (.*)\)$", block.locator("label", has_text=NOTE).inner_text()
    )
    if note_text or (choice and needed and choice in needed.group(1).split(", ")):
        block.get_by_label(NOTE).fill(note_text or f"Record entry 7 shows why it is ‘{choice}’.")
    return question


def duplicate_ids(page: Page) -> list[str]:
    """Ids used more than once: a label or a link to such an id finds the wrong element."""
    return page.evaluate(
        """() => {
            const seen = new Set(), twice = new Set();
            for (const el of document.querySelectorAll('[id]')) {
                (seen.has(el.id) ? twice : seen).add(el.id);
            }
            return [...twice];
        }"""
    )


def is_autosave_with(text: str):
    def test(response) -> bool:
        request = response.request
        return (
            request.method == "POST"
            and request.headers.get("x-autosave") == "1"
            and text in (request.post_data or "")
        )

    return test


def last_change_then_autosave(page: Page, change, marker: str) -> None:
    """Make the last change, then wait for the automatic save of the whole form that follows
    it (its data holds ``marker``), as a person pausing before pressing a button would; a
    submission racing an automatic save would be refused as a conflict."""
    with page.expect_response(is_autosave_with(marker), timeout=20_000) as saved:
        change()
    assert saved.value.ok, saved.value.text()
    expect(page.locator("form[data-autosave] input[name=version]")).to_have_value(
        str(saved.value.json()["version"])
    )
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved automatically")


def test_inspector_completes_an_assessment_and_the_lead_sees_moderation(page_as):
    page = page_as("inspector")
    open_fieldwork(page)
    page.get_by_role("link", name="My worklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My worklist")
    worklist = page.get_by_role("table", name=re.compile("^Cases for you to examine"))
    unstarted = worklist.get_by_role("row").filter(has_text="Not started")
    expect(unstarted.first).to_be_visible()
    assert_accessible(page, "worklist (inspector)")

    case = unstarted.first.get_by_role("link", name=re.compile(r"^Case \d+$")).inner_text()
    case_id = case.removeprefix("Case ")
    worklist.get_by_role("link", name=f"Start case {case_id}", exact=True).click()
    # the sections' task list (ADR 0031); this test keeps to the one-page form and its autosave
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Examine case {case_id}")
    page.get_by_role("link", name="See every question on one page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Examine case {case_id}")
    assert duplicate_ids(page) == []
    assert_accessible(page, "assessment form (inspector)")

    # Every question but one; 'Partly' to the child being seen needs an evidence note.
    blocks = question_blocks(page)
    answered = []
    for i in range(blocks.count()):
        block = blocks.nth(i)
        if block.get_by_role("group", name=OVERALL, exact=True).count():
            # the case's overall grade; 'Requires improvement' needs its evidence note
            answered.append(answer(block, prefer=("Requires improvement",)))
            continue
        if block.get_by_label(RATIONALE, exact=True).count():
            continue
        if block.get_by_role("group", name=LEFT_OUT, exact=True).count():
            continue
        if block.get_by_role("group", name=SEEN, exact=True).count():
            answered.append(answer(block, prefer=("Partly",), note_text="Seen at school only."))
        else:
            answered.append(answer(block))
    assert len(answered) >= 25, answered
    rationale = "Browser test: the response was quick but the child was not seen alone."
    last_change_then_autosave(
        page, lambda: page.get_by_label(RATIONALE, exact=True).fill(rationale), rationale
    )
    page.get_by_role("button", name="Submit the assessment").click()

    # Refused: the error summary names the missing answer and links to it.
    expect(page).to_have_title(re.compile(r"^Error: Examine case"))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()  # govuk-frontend moves focus to the summary
    links = summary.get_by_role("link")
    expect(links).to_have_count(1)
    expect(links).to_have_text(f"Answer ‘{LEFT_OUT}’")
    target_id = links.get_attribute("href").removeprefix("#")
    left_out = page.get_by_role("group", name=LEFT_OUT, exact=True)
    first_radio = left_out.get_by_role("radio").first
    assert first_radio.get_attribute("id") == target_id
    expect(left_out).to_contain_text(f"Error: Answer ‘{LEFT_OUT}’")
    described = left_out.get_attribute("aria-describedby") or ""
    assert f"{target_id}-error" in described.split()
    # What was written is still there.
    expect(
        page.get_by_role("group", name=SEEN, exact=True).get_by_role(
            "radio", name="Partly", exact=True
        )
    ).to_be_checked()
    expect(page.get_by_label(RATIONALE, exact=True)).to_have_value(rationale)
    assert duplicate_ids(page) == []
    assert_accessible(page, "assessment form with an error (inspector)")

    links.click()
    expect(first_radio).to_be_focused()
    last_change_then_autosave(
        page,
        lambda: left_out.get_by_role("radio", name="Yes", exact=True).check(),
        f'name="{target_id}"',
    )
    page.get_by_role("button", name="Submit the assessment").click()

    # Submitted: back on the worklist, with the success banner and the case submitted.
    expect(page.get_by_role("heading", level=1)).to_have_text("My worklist")
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Success")
    expect(banner).to_contain_text("Assessment submitted.")
    row = page.get_by_role("row").filter(
        has=page.get_by_role("link", name=f"Case {case_id}", exact=True)
    )
    expect(row.locator(".govuk-tag")).to_have_text("Submitted")
    expect(row.get_by_role("link", name=re.compile("^(Start|Continue)"))).to_have_count(0)

    # The lead sees the submission, then the moderation page.
    lead = page_as("lead")
    open_fieldwork(lead)
    cases = lead.get_by_role("table", name=re.compile(r"^\d+ cases, by "))
    lead_row = cases.get_by_role("row").filter(
        has=lead.get_by_role("link", name=f"Case {case_id}", exact=True)
    )
    expect(lead_row).to_contain_text("Ira Inspector (demo)")
    expect(lead_row.locator(".govuk-tag").nth(1)).to_have_text("Submitted")  # the examination
    lead.get_by_role("link", name="Moderation and agreement").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Moderation and agreement")
    expect(lead.get_by_role("heading", name=re.compile(r"^Disagreements \([1-9]"))).to_be_visible()
    expect(lead.get_by_role("button", name=re.compile(r"^Resolve case \d+$")).first).to_be_visible()
    assert_accessible(lead, "moderation (lead)")
