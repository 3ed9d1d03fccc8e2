"""The partner inspector's journey (issue 15, failure 5): the demo's Ofsted partner inspector
(Pia Partner) finds the Thurrock joint inspection's fieldwork, examines a case given to them
in sections and submits it; by clicks and typing only, with axe-core and no sideways scroll
at 375 px on every page (ADRs 0028, 0031)."""

import re

from playwright.sync_api import Page, expect

from browser_tests import assessment_steps as steps
from browser_tests.support import DEMO_DOMAIN, sign_in

THURROCK_JTAI = "Joint targeted area inspection: Thurrock"


def test_partner_examines_a_joint_inspection_case_in_sections(page: Page, password):
    sign_in(page, f"partner@{DEMO_DOMAIN}", password)
    steps.open_fieldwork(page, THURROCK_JTAI)
    worklist = steps.open_worklist(page)
    steps.check_page(page, "worklist (partner)")
    unstarted = worklist.get_by_role("row").filter(has_text="Not started")
    expect(unstarted.first).to_be_visible()  # allocation includes partners (ADR 0028)
    case = unstarted.first.get_by_role("link", name=re.compile(r"^Case \d+$")).inner_text()
    case_id = case.removeprefix("Case ")
    worklist.get_by_role("link", name=f"Start case {case_id}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Examine case {case_id}")
    steps.check_page(page, "task list (partner)")

    steps.finish_sections(page)
    steps.check_page(page, "check your answers (partner)")
    page.get_by_role("button", name="Submit the assessment").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Assessment of case {case_id} submitted.")
    row = page.get_by_role("row").filter(
        has=page.get_by_role("link", name=f"Case {case_id}", exact=True)
    )
    expect(row).to_contain_text("Submitted")
    steps.check_page(page, "worklist after submitting (partner)")
