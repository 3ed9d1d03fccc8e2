"""What each role sees, and a status change followed from the button to the audit trail.

The tests in this module run in order: the last one moves the Essex inspection on from
fieldwork, which the earlier ones expect to find.
"""

import re

from playwright.sync_api import Page, expect

from browser_tests.support import DEMO_DOMAIN, assert_accessible, sign_in

ESSEX_CP = "Child protection inspection: Essex"
LEAD_NAME = "Lee Lead (demo)"


def link_texts(table) -> list[str]:
    return sorted(table.get_by_role("link").all_inner_texts())


def summary_value(page: Page, key: str):
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(f"^{key}$"))
    )
    return row.locator("dd")


def rows_of(table) -> list[list[str]]:
    """The body rows of a table, as lists of cell texts."""
    body_rows = table.locator("tbody tr")
    return [
        [cell.strip() for cell in body_rows.nth(i).locator("td, th").all_inner_texts()]
        for i in range(body_rows.count())
    ]


def test_lead_signs_in_and_sees_team_and_timeline(page, password):
    sign_in(page, f"lead@{DEMO_DOMAIN}", password)

    expect(page.locator(".govuk-caption-l")).to_have_text(f"{LEAD_NAME} · Lead inspector")
    mine = page.get_by_role("table", name="Inspections whose team you are on")
    # The demo's inspections past planning; the published year's plan staffs the planned ones.
    mine_texts = link_texts(mine)
    assert {
        "Child protection inspection: Essex",
        "Child protection inspection: Kent",
        "Joint targeted area inspection: Thurrock",
    } <= set(mine_texts)
    others = page.get_by_role("table", name="Other inspections in the programme")
    others_texts = link_texts(others)
    assert {
        "Child protection inspection: Staffordshire",
        "Child protection inspection: Surrey",
    } <= set(others_texts)
    assert not set(mine_texts) & set(others_texts)

    mine.get_by_role("link", name=ESSEX_CP, exact=True).click()
    expect(page).to_have_url(re.compile(r"/inspections/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Essex")
    expect(summary_value(page, "Status")).to_have_text("Fieldwork")
    expect(summary_value(page, "Subject")).to_have_text("Essex (E23000028)")
    expect(summary_value(page, "Case-level data")).to_contain_text("You are on the team")

    team = page.get_by_role("table", name="Inspection team")
    # Lead first; the lead may remove people, so each row ends with a Remove button.
    assert [row[:2] for row in rows_of(team)] == [
        [LEAD_NAME, "Lead inspector"],
        ["Ira Inspector (demo)", "Inspector"],
        ["Ines Inspector (demo)", "Moderator"],
        ["Mo Moderator (demo)", "Moderator"],
        ["Ana Analyst (demo)", "Analyst"],
    ]
    expect(team.get_by_role("button", name=re.compile("^Remove"))).to_have_count(5)
    timeline = page.get_by_role("table", name="Status changes")
    changes = [(row[1], row[2], row[3]) for row in rows_of(timeline)]
    assert ("Planned to Notified", LEAD_NAME, "Demo data.") in changes
    assert ("Notified to Fieldwork", LEAD_NAME, "Demo data.") in changes
    assert len(changes) == 2
    expect(page.get_by_role("button", name="Start moderation")).to_be_visible()


def test_force_liaison_sees_only_their_force_and_no_team(page, page_as, password):
    # The Surrey inspection's address, as the lead sees it, to try it as the liaison officer.
    lead_page = page_as("lead")
    lead_page.goto("/inspections/")
    surrey_href = lead_page.get_by_role(
        "link", name="Child protection inspection: Surrey"
    ).get_attribute("href")

    sign_in(page, f"liaison@{DEMO_DOMAIN}", password)
    expect(page.locator(".govuk-caption-l")).to_have_text(
        "Lia Liaison (demo) · Force liaison officer · Essex"
    )
    expect(page.get_by_text("You are not on the team of any inspection.")).to_be_visible()
    ours = page.get_by_role("table", name="Inspections of your force")
    assert link_texts(ours) == [ESSEX_CP, "Joint targeted area inspection: Thurrock"]
    main = page.locator("main")
    for elsewhere in ("Surrey", "Kent", "Staffordshire", "Bedfordshire"):
        expect(main).not_to_contain_text(elsewhere)
    # planned, so not yet notified: in no table (the type filter still offers the type)
    for table in page.locator("main table").all():
        expect(table).not_to_contain_text("Post-inspection review")

    ours.get_by_role("link", name=ESSEX_CP, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Essex")
    expect(summary_value(page, "Status")).to_have_text("Fieldwork")
    expect(summary_value(page, "Case-level data")).to_have_text(
        "Only the inspection's team sees its case files."
    )
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_role("heading", name="Team")).to_have_count(0)
    expect(page.get_by_role("table", name="Inspection team")).to_have_count(0)
    expect(page.get_by_role("heading", name="Change status")).to_have_count(0)
    expect(page.get_by_role("button")).to_have_text(["Sign out"])
    # Another force's inspection does not exist as far as the liaison officer can tell.
    assert page.request.get(surrey_href).status == 404
    assert_accessible(page, "inspection (force liaison)")


def test_lead_starts_moderation_and_admin_sees_it_in_audit_trail(page_as):
    page = page_as("lead")
    page.goto("/inspections/")
    page.get_by_role("link", name=ESSEX_CP, exact=True).click()
    expect(summary_value(page, "Status")).to_have_text("Fieldwork")
    inspection_id = re.search(r"/inspections/(\d+)/$", page.url).group(1)

    # The move opens its confirmation page: Essex's fieldwork is under way, so the page lists
    # what is outstanding and the move needs a reason (ADR 0021).
    page.get_by_role("button", name="Start moderation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start moderation")
    expect(page.locator("#outstanding")).to_contain_text("sampled cases have no submitted")
    assert_accessible(page, "confirm a move with work outstanding")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/{inspection_id}/status/")
    ) as refused:
        page.get_by_role("button", name="Start moderation anyway").click()
    assert refused.value.status == 400  # no reason given: the error summary links to the field
    expect(page.get_by_role("alert")).to_contain_text("Say why the move is made")
    page.get_by_role("alert").get_by_role("link").click()
    expect(page.get_by_label("Why move on with this work outstanding?")).to_be_focused()
    assert_accessible(page, "confirm a move: the reason missing")
    page.get_by_label("Why move on with this work outstanding?").fill(
        "The force asked for fieldwork to end on the agreed date."
    )
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/{inspection_id}/status/")
    ) as posted:
        page.get_by_role("button", name="Start moderation anyway").click()
    post = posted.value
    assert post.status == 302
    change_request_id = post.header_value("x-request-id")
    view_request_id = post.request.redirected_to.response().header_value("x-request-id")
    assert change_request_id and view_request_id and change_request_id != view_request_id

    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Success")
    expect(banner).to_contain_text("Status changed to moderation.")
    expect(summary_value(page, "Status")).to_have_text("Moderation")
    expect(page.get_by_role("button", name="Start reporting")).to_be_visible()
    expect(page.get_by_role("table", name="Status changes")).to_contain_text(
        "The force asked for fieldwork to end on the agreed date."
    )
    timeline = page.get_by_role("table", name="Status changes")
    assert [row[1:3] for row in rows_of(timeline)][-1:] == [["Fieldwork to Moderation", LEAD_NAME]]

    admin = page_as("admin")
    admin.goto("/audit/changes/")
    admin.get_by_label("What changed").select_option(label="Inspection")
    admin.get_by_label("Record number").fill(inspection_id)
    admin.get_by_role("button", name="Filter").click()
    expect(admin).to_have_url(re.compile(r"object_type=programmes.inspection"))
    changes = admin.get_by_role("table")
    # The change is found by the request that made it, and says what changed, in words.
    ours = changes.locator("tbody tr").filter(has_text=f"Request {change_request_id}")
    expect(ours).to_have_count(1)
    expect(ours).to_contain_text(LEAD_NAME)
    expect(ours).to_contain_text("status: fieldwork → moderation")
    # Every row of the filtered page is this inspection's.
    assert {row[1].splitlines()[0] for row in rows_of(changes)} == {f"Inspection {inspection_id}"}

    # The lead's view of the page after the move is in the access log, by the same filters.
    admin.get_by_role("link", name="Access log").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Access log")
    admin.get_by_label("Person").select_option(label=f"{LEAD_NAME} (lead@{DEMO_DOMAIN})")
    admin.get_by_label("What changed").select_option(label="Inspection")
    admin.get_by_label("Record number").fill(inspection_id)
    admin.get_by_role("button", name="Filter").click()
    expect(admin).to_have_url(re.compile(r"/audit/access/\?person=\d+&"))
    viewed = (
        admin.get_by_role("table").locator("tbody tr").filter(has_text=f"Request {view_request_id}")
    )
    expect(viewed).to_have_count(1)
    expect(viewed).to_contain_text("Viewed (Web)")
    expect(viewed).to_contain_text(f"Inspection {inspection_id}")

    # Last, as the lead still sees it: the page with the success banner.
    assert_accessible(page, "inspection after a status change (success banner)")
