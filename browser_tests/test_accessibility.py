"""axe-core (WCAG 2.2 AA rules) finds no violation on the service's pages, as each role sees
them; each test first checks that the page is the one it means to check."""

import re

import pytest
from playwright.sync_api import expect

from browser_tests.support import assert_accessible


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "CP Inspect"),
        ("/forces/", "Police forces of England and Wales"),
        ("/forces/E23000028/", "Essex"),
        ("/sign-in/", "Sign in"),
    ],
    ids=["home", "forces", "force-essex", "sign-in"],
)
def test_public_page_is_accessible(page, path, heading):
    response = page.goto(path)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page, f"public {path}")


def test_force_page_lists_its_councils_and_grades(page):
    page.goto("/forces/E23000028/")
    councils = page.get_by_role("table", name=re.compile("children's services authorit"))
    expect(councils.get_by_role("cell", name="Thurrock", exact=True)).to_be_visible()
    expect(councils.get_by_role("cell", name="E06000034", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Published grades")).to_be_visible()


def test_sign_in_errors_are_summarised_linked_and_accessible(page):
    page.goto("/sign-in/")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(page.locator(".govuk-error-summary__list")).to_contain_text("Enter your email address")
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()  # govuk-frontend moves focus to the summary
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        "#id_username",
        "#id_password",
    ]
    # Each field shows its own message, tied to the input for screen readers.
    for label in ("Email address", "Password"):
        field = page.get_by_label(label)
        assert field.get_attribute("aria-describedby") == f"{field.get_attribute('id')}-error"
        expect(field).to_have_class(re.compile(r"\bgovuk-input--error\b"))
    assert_accessible(page, "sign-in with errors")

    links.nth(1).click()
    expect(page.get_by_label("Password")).to_be_focused()
    links.nth(0).click()
    expect(page.get_by_label("Email address")).to_be_focused()


def test_dashboard_is_accessible(page_as):
    page = page_as("lead")
    page.goto("/inspections/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My inspections")
    assert_accessible(page, "dashboard (lead)")


def test_inspection_page_is_accessible(page_as):
    page = page_as("lead")
    page.goto("/inspections/")
    page.get_by_role("link", name="Child protection inspection: Essex", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Essex")
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    assert_accessible(page, "inspection (lead)")


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/audit/changes/", "Changes to data"), ("/audit/access/", "Access log")],
    ids=["changes", "access-log"],
)
def test_audit_page_is_accessible(page_as, path, heading):
    page = page_as("admin")
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("table").get_by_role("row")).not_to_have_count(0)
    assert_accessible(page, f"audit {path} (admin)")


def test_case_extract_and_sample_pages_are_accessible(page_as):
    page = page_as("lead")
    page.goto("/inspections/")
    page.get_by_role("link", name="Child protection inspection: Essex", exact=True).click()
    page.get_by_role("link", name="Case extract, validation report and frame summary").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "case extract (lead)")
    page.go_back()
    page.get_by_role("link", name="Sample and reserves").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sample")
    assert_accessible(page, "sample (lead)")


def test_an_imports_report_and_a_failed_import_are_accessible(page_as, tmp_path):
    """The Essex import's page (counts by kind, a page of rows), one kind's rows, then a
    file that does not fit its profile, uploaded and run by the background worker: its
    page names the file and summarises the problem."""
    page = page_as("lead")
    page.goto("/inspections/")
    page.get_by_role("link", name="Child protection inspection: Essex", exact=True).click()
    page.get_by_role("link", name="Case extract, validation report and frame summary").click()
    page.get_by_role("link", name=re.compile(r"^Import \d+$")).first.click()
    expect(page.get_by_role("heading", name="Validation report")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("by kind"))).to_be_visible()
    assert_accessible(page, "import report (lead)")
    page.get_by_role("table", name=re.compile("by kind")).get_by_role("link").first.click()
    expect(page.get_by_role("link", name="Show every problem")).to_be_visible()
    assert_accessible(page, "import report, one kind (lead)")

    page.get_by_role("link", name="Case extract", exact=True).click()
    wrong = tmp_path / "essex-wrong-columns.csv"
    wrong.write_text("reference,date\nA1,2026-01-01\n")
    page.get_by_label("Import profile").select_option("canonical")
    page.get_by_label("Extract file (CSV, XLSX or Parquet)").set_input_files(str(wrong))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("essex-wrong-columns.csv")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("no column 'recorded_on'", timeout=30_000)  # refreshes
    expect(summary.get_by_role("heading")).to_have_text(
        "There is a problem with essex-wrong-columns.csv"
    )
    assert_accessible(page, "failed import (lead)")


def test_planning_pages_are_accessible(page_as):
    page = page_as("planner")
    page.goto("/planning/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme planning")
    assert_accessible(page, "planning index (planner)")
    page.get_by_role("link", name="2026/27").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan for 2026/27")
    assert_accessible(page, "programme plan (planner)")
    page.get_by_role("link", name="Risk-based priorities of forces").click()
    assert_accessible(page, "priorities (planner)")


def open_case_file_audit(page, inspection: str) -> None:
    page.goto("/inspections/")
    page.get_by_role("link", name=inspection, exact=True).click()
    page.get_by_role("link", name="Open the case-file audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case-file audit")


def test_fieldwork_pages_under_way_are_accessible(page_as):
    """Essex, fieldwork under way, as its lead: the case-file audit's home, a case with both
    examinations (the disagreement waiting for the lead), and an open escalation."""
    page = page_as("lead")
    open_case_file_audit(page, "Child protection inspection: Essex")
    expect(page.get_by_role("table", name=re.compile(r"^\d+ cases, by "))).to_be_visible()
    expect(page.get_by_text("escalated and waiting for the force")).to_be_visible()
    assert_accessible(page, "fieldwork home (lead)")

    page.get_by_role("link", name="Moderation and agreement").click()
    disagreement = page.locator(".govuk-summary-card").filter(has_text="To resolve").first
    disagreement.get_by_role("link", name=re.compile(r"^Case \d+$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Case \d+$"))
    expect(page.get_by_role("table", name="Answers")).to_have_count(2)
    assert_accessible(page, "case with both examinations (lead)")

    breadcrumbs = page.get_by_role("navigation", name="Breadcrumb")
    breadcrumbs.get_by_role("link", name="Case-file audit").click()
    page.get_by_role("link", name="Escalations (children at risk)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Escalations: children at risk")
    expect(page.get_by_role("button", name="Record the force's acknowledgement")).to_be_visible()
    assert_accessible(page, "escalations, one open (lead)")


def test_fieldwork_pages_completed_are_accessible(page_as):
    """Staffordshire, fieldwork complete and published, as its lead: every case signed off,
    the disagreements resolved, the escalation acknowledged, the audit closed."""
    page = page_as("lead2")
    open_case_file_audit(page, "Child protection inspection: Staffordshire")
    cases = page.get_by_role("table", name=re.compile(r"^\d+ cases, by "))
    # all signed off (or set aside as unusable): no case at any other stage
    rows = cases.locator("tbody tr")
    expect(rows.first).to_be_visible()
    left = rows.filter(has_not_text="Signed off").filter(has_not_text="Cannot be used")
    expect(left).to_have_count(0)
    assert_accessible(page, "fieldwork home, completed (lead)")

    cases.get_by_role("link", name=re.compile(r"^Case \d+$")).first.click()
    # Staffordshire is published: its audit is closed (ADR 0021), so no unlock is offered
    # but an escalation still is
    expect(page.get_by_text("The case-file audit is closed")).to_be_visible()
    expect(page.get_by_role("button", name="Unlock the case")).to_have_count(0)
    expect(page.get_by_role("button", name="Escalate: child at risk")).to_be_visible()
    assert_accessible(page, "case signed off, audit closed (lead)")

    breadcrumbs = page.get_by_role("navigation", name="Breadcrumb")
    breadcrumbs.get_by_role("link", name="Case-file audit").click()
    page.get_by_role("link", name="Moderation and agreement").click()
    expect(page.get_by_text("Resolved", exact=True).first).to_be_visible()
    assert_accessible(page, "moderation, completed (lead)")

    page.go_back()
    page.get_by_role("link", name="Escalations (children at risk)").click()
    expect(page.get_by_text("Acknowledged by the force")).to_be_visible()
    assert_accessible(page, "escalations, acknowledged (lead)")
