"""The force liaison officer's journey (issue 15, failure 4): from sign-in to the force's
action plan sent and progress reported on a recommendation, by clicks and typing only."""

from playwright.sync_api import Page, expect

from browser_tests.support import DEMO_DOMAIN, assert_accessible, sign_in

STAFFS_CP = "Child protection inspection: Staffordshire"


def no_sideways_scroll(page: Page, name: str) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert wide <= 375, f"{name} scrolls sideways at 375 px ({wide} px wide)"


def test_liaison_sends_the_action_plan_and_reports_progress(page: Page, password):
    sign_in(page, f"liaison2@{DEMO_DOMAIN}", password)
    ours = page.get_by_role("table", name="Inspections of your force")
    ours.get_by_role("link", name=STAFFS_CP, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staffordshire")
    page.get_by_role("link", name="Judgements, causes of concern, recommendations").click()
    expect(page.get_by_role("heading", name="The force's action plan")).to_be_visible()
    assert_accessible(page, "findings (force liaison)")
    no_sideways_scroll(page, "findings")

    page.get_by_role("link", name="Send the force's action plan").click()
    page.get_by_role("button", name="Send the action plan").click()  # nothing typed yet
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Write the action plan, or a summary of it")
    assert_accessible(page, "action plan, error")
    summary.get_by_role("link").click()
    expect(page.get_by_label("The force's action plan")).to_be_focused()
    page.get_by_label("The force's action plan").fill(
        "A triage desk for every referral by March; audit of strategy meetings quarterly."
    )
    page.get_by_role("button", name="Send the action plan").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Action plan sent to the inspection team."
    )
    plans = page.get_by_role("table", name="Action plans the force sent")
    expect(plans).to_contain_text("A triage desk for every referral by March")
    expect(page.locator("#action-plan ~ dl")).to_contain_text("Received")

    page.locator("table a[href*='/recommendations/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation")
    page.get_by_role("link", name="Report progress").click()
    assert_accessible(page, "report progress")
    no_sideways_scroll(page, "report progress")
    page.get_by_label("What has the force done on this recommendation?").fill(
        "Every investigator has had the training; supervision checks started in October."
    )
    page.get_by_label("No, work is still under way").check()
    page.get_by_role("button", name="Send the progress").click()
    expect(page.get_by_role("table", name="Updates from the force")).to_contain_text(
        "supervision checks started in October"
    )
    # the force reports; the inspection team decides the status
    expect(page.get_by_role("heading", name="Change the status")).to_have_count(0)
    assert_accessible(page, "recommendation with progress")
