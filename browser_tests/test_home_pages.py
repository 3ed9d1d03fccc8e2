"""Each demo role's home page (issue 15): "Your tasks" with due dates, overdue ones tagged,
each task's link opening the page where it is done; axe-core and no sideways scroll at 375 px.
Set CPINSPECT_SCREENSHOT_DIR to keep a screenshot of each."""

import re

import pytest
from playwright.sync_api import Page, expect

from browser_tests.support import DEMO_DOMAIN, assert_accessible, sign_in
from browser_tests.test_journey_analyst import go_home, no_sideways_scroll

# (demo account, a task its home page must list, the heading of the page that task opens)
HOMES = [
    ("inspector", "(Continue examining|Examine)", None),
    ("lead", "Resolve the disagreement on case", None),
    ("moderator", "Moderate case", None),
    ("partner", "Examine", None),
    ("liaison2", "Send the force's action plan", "Send the force's action plan"),
    ("planner", "Re-plan", None),
    # nothing waits for these two in the demo: Essex has published nothing yet, and no
    # invitation is open nor anyone's access ending
    ("liaison", None, None),
    ("admin", None, None),
]


@pytest.mark.parametrize(("who", "task", "heading"), HOMES, ids=[h[0] for h in HOMES])
def test_each_roles_home_page_lists_their_tasks(page: Page, password, who, task, heading):
    sign_in(page, f"{who}@{DEMO_DOMAIN}", password)
    go_home(page)
    if task is None:
        expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()
        assert_accessible(page, f"home ({who})")
        no_sideways_scroll(page, f"home ({who})")
        return
    tasks = page.get_by_role("table", name=re.compile("soonest due first"))
    link = tasks.get_by_role("link", name=re.compile("^" + task)).first
    expect(link).to_be_visible()
    assert_accessible(page, f"home ({who})")
    no_sideways_scroll(page, f"home ({who})")
    with page.expect_navigation() as opened:
        link.click()
    assert opened.value.status == 200, f"{who}'s task {task!r} opened {page.url}"
    if heading:
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
