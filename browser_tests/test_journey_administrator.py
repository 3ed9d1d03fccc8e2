"""The administrator's journey (issue 15, people): invite a person, change their role, set an
expiry, deactivate them with a reason, find it in the audit log and export it; then the invited
person sets a password from their link and signs in. Clicks and typing only."""

import csv
import io
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from browser_tests.support import DEMO_DOMAIN, assert_accessible, sign_in

NEW_EMAIL = "nia.okafor@example.test"
NEW_PASSWORD = "a long enough new password"


def no_sideways_scroll(page: Page, name: str) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert wide <= 375, f"{name} scrolls sideways at 375 px ({wide} px wide)"


def _type_date(page: Page, prefix: str, day: date) -> None:
    page.locator(f"#id_{prefix}_day").fill(str(day.day))
    page.locator(f"#id_{prefix}_month").fill(str(day.month))
    page.locator(f"#id_{prefix}_year").fill(str(day.year))


def test_administrator_manages_a_person_and_finds_it_in_the_audit_log(
    page: Page, new_page, password
):
    sign_in(page, f"admin@{DEMO_DOMAIN}", password)
    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    assert_accessible(page, "people list")
    no_sideways_scroll(page, "people list")

    page.get_by_role("link", name="Invite a person").click()
    page.get_by_label("Full name").fill("Nia Okafor")
    page.get_by_label("Role").select_option(label="Inspector")
    page.get_by_role("button", name="Invite").click()  # no email yet
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter their email address")
    assert_accessible(page, "invite, error")
    summary.get_by_role("link", name="Enter their email address").click()
    expect(page.get_by_label("Email address")).to_be_focused()
    page.get_by_label("Email address").fill(NEW_EMAIL)
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation created")
    link = page.locator("#set-password-link").inner_text()
    assert "/set-password/" in link
    assert_accessible(page, "invitation created")

    page.get_by_role("link", name="Go to Nia Okafor's page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nia Okafor")
    assert_accessible(page, "person page")
    no_sideways_scroll(page, "person page")
    page.get_by_role("link", name="Change role").click()
    page.get_by_label("New role").select_option(label="Analyst")
    assert_accessible(page, "change role")
    page.get_by_role("button", name="Change role").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Analyst")

    page.get_by_role("link", name="Change access expiry date").click()
    _type_date(page, "access_expires", date(date.today().year + 1, 3, 27))
    assert_accessible(page, "access expiry")
    page.get_by_role("button", name="Save expiry date").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("27 March")

    page.get_by_role("link", name="Deactivate account").click()
    page.get_by_label("Why are you deactivating this account?").fill("Secondment ended")
    assert_accessible(page, "deactivate")
    page.get_by_role("button", name="Deactivate account").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Deactivated")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Secondment ended")
    expect(page.get_by_role("heading", name="History")).to_be_visible()

    page.get_by_role("link", name="Audit trail").click()
    # the person who made the changes: the administrator themselves
    page.get_by_label("Person").select_option(label=f"Alex Admin (demo) (admin@{DEMO_DOMAIN})")
    page.get_by_label("What changed").select_option(label="User")
    _type_date(page, "date_from", date.today())
    _type_date(page, "date_to", date.today())
    page.get_by_role("button", name="Filter").click()
    assert_accessible(page, "audit log, filtered")
    no_sideways_scroll(page, "audit log")
    table = page.locator("table.govuk-table")
    expect(table).to_contain_text("Secondment ended")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="as CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("audit-changes-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0][0] == "When"
    assert any("Secondment ended" in row[5] for row in rows[1:])


def test_an_invited_person_sets_a_password_and_signs_in(page: Page, new_page, password):
    sign_in(page, f"admin@{DEMO_DOMAIN}", password)
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Invite a person").click()
    page.get_by_label("Full name").fill("Sam Idris")
    page.get_by_label("Email address").fill("sam.idris@example.test")
    page.get_by_label("Role").select_option(label="Inspector")
    page.get_by_role("button", name="Invite").click()
    link = page.locator("#set-password-link").inner_text()

    theirs = new_page()
    theirs.goto(link)
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Set your password")
    assert_accessible(theirs, "set your password")
    theirs.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    theirs.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    theirs.get_by_role("button", name="Set password").click()
    sign_in(theirs, "sam.idris@example.test", NEW_PASSWORD)
    theirs.goto(link)
    expect(theirs.get_by_role("heading", level=1)).to_have_text("This link no longer works")
