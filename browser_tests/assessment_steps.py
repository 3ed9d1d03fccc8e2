"""Steps shared by the journeys that examine a case in sections (ADR 0031): the inspector's,
the moderator's and the partner inspector's. Each step is what a person does on the page:
follow links by their names, choose radios by their labels, type into labelled boxes."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from browser_tests.support import assert_accessible

SHOTS = Path("/work/notes/shots/inspector")
RATIONALE = "Why this overall grade? (the rationale the moderator and the lead will read)"
NEEDED = re.compile(r"needed when the answer is (.*?)\)")


def no_sideways_scroll(page: Page, name: str) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert wide <= 375, f"{name} scrolls sideways at 375 px ({wide} px wide)"


def check_page(page: Page, name: str) -> None:
    """Every step: axe-core (WCAG 2.2 AA) and no sideways scroll on a 375 px screen."""
    assert_accessible(page, name)
    no_sideways_scroll(page, name)


def screenshots(page: Page, name: str) -> int:
    """Full-page screenshots at 1280 and 375 px; returns the page's height at 1280 px."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(SHOTS / f"{name}-375.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)
    return page.evaluate("document.documentElement.scrollHeight")


def open_fieldwork(page: Page, inspection: str) -> None:
    """From the home page (My inspections) to the inspection's case-file audit."""
    page.get_by_role("table", name="Inspections whose team you are on").get_by_role(
        "link", name=inspection, exact=True
    ).click()
    page.get_by_role("link", name="Open the case-file audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case-file audit")


def open_worklist(page: Page) -> Locator:
    page.get_by_role("link", name="My worklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My worklist")
    return page.get_by_role("table", name=re.compile("^Cases for you to examine"))


def question_blocks(page: Page) -> Locator:
    return page.locator("main form > .govuk-form-group")


def answer_block(block: Locator, prefer=("Yes", "Good"), note: str | None = "auto") -> str:
    """Answer one question: the radio with a preferred label (else the first) or typed text;
    the evidence note written when the chosen answer needs one (``note=None``: left out, to
    meet the error). Returns the question's text."""
    if block.get_by_label(RATIONALE, exact=True).count():
        block.get_by_label(RATIONALE, exact=True).fill(
            "Quick response, but the child's voice was lost."
        )
        return RATIONALE
    radios = block.get_by_role("radio")
    if not radios.count():
        question = block.locator("label").first.inner_text().strip()
        block.get_by_label(question, exact=True).fill("Seen in the browser test: nothing to add.")
        return question
    question = block.locator("legend").inner_text().strip()
    labels = [label.strip() for label in block.locator(".govuk-radios__label").all_inner_texts()]
    choice = next((label for label in prefer if label in labels), labels[0])
    block.get_by_role("radio", name=choice, exact=True).check()
    summary = block.locator(".govuk-details__summary")
    needed = NEEDED.search(summary.inner_text()) if summary.count() else None
    if needed and choice in needed.group(1).split(", ") and note is not None:
        details = block.locator("details")
        expect(details).to_have_attribute("open", "")  # opened on choosing such an answer
        text = f"Record entry 7 shows why it is ‘{choice}’." if note == "auto" else note
        block.get_by_label("Evidence from the case file").fill(text)
    return question


def fill_section(page: Page, prefer=("Yes", "Good"), skip_note_for: str | None = None) -> list:
    """Answer every question on the section page; ``skip_note_for`` leaves that question's
    needed evidence note out."""
    asked = []
    blocks = question_blocks(page)
    for i in range(blocks.count()):
        block = blocks.nth(i)
        legend = block.locator("legend")
        text = legend.inner_text().strip() if legend.count() else ""
        leave_out = skip_note_for is not None and text.startswith(skip_note_for)
        asked.append(answer_block(block, prefer, note=None if leave_out else "auto"))
    return asked


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def progress(page: Page) -> Locator:
    return page.locator("#progress")


def finish_sections(page: Page, prefer=("Yes", "Good")) -> None:
    """From the task list: each section not completed, answered and saved in turn, until
    check your answers."""
    not_done = page.locator(".govuk-task-list__item").filter(
        has=page.locator(".govuk-tag", has_text=re.compile("Not started|In progress"))
    )
    not_done.first.get_by_role("link").click()
    for _ in range(20):  # a section per page; the last one leads to check your answers
        if page.get_by_role("heading", level=1).inner_text() == "Check your answers":
            break
        fill_section(page, prefer)
        save_and_continue(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
