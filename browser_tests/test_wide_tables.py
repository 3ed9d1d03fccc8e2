"""Wide tables at 375 px, with and without JavaScript (issue 15, "tables that fit small
screens"): on the public reports and open-data pages no page scrolls sideways, and every
column of every table can be reached: the table fits the screen, or it is in a scroll region
that a keyboard can reach (named, focusable) and that scrolls far enough to show its last
column. Templates draw the regions; ``cpinspect.js`` only adds what a stored report lacks, so
the same must hold with JavaScript off. axe-core checks each page as it stands.

Set CPINSPECT_SCREENSHOT_DIR to keep a full-page screenshot of each page and one of each
scroll region scrolled to its end.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser_tests.conftest import DEFAULT_TIMEOUT_MS
from browser_tests.support import SCREENSHOT_DIR, assert_accessible

PHONE = {"width": 375, "height": 900}
THEMATIC = re.compile(r"Child protection in Staffordshire and Kent")

# For each table in main: where its first and last columns are, and what box, if any, stands
# between it and the page (the nearest ancestor whose overflow is not visible). The box is
# scrolled to its end to see whether the last column comes into view, then back.
MEASURE = """() => {
  const doc = document.documentElement;
  const viewport = doc.clientWidth;
  const edges = (table) => {
    const rows = [...table.rows].filter((row) => row.cells.length);
    const last = rows.map((row) => row.cells[row.cells.length - 1].getBoundingClientRect());
    const first = rows.map((row) => row.cells[0].getBoundingClientRect());
    return {
      left: Math.min(...first.map((r) => r.left)),
      right: Math.max(...last.map((r) => r.right)),
    };
  };
  return [...document.querySelectorAll('main table')].map((table, index) => {
    const caption = table.caption ? table.caption.textContent.trim() : `table ${index + 1}`;
    let box = null;
    for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
      if (getComputedStyle(el).overflowX !== 'visible') { box = el; break; }
    }
    const start = edges(table);
    const found = {caption, viewport, left: start.left, right: start.right, box: null};
    if (box) {
      box.dataset.wideTable = String(index);
      const rect = box.getBoundingClientRect();
      const before = box.scrollLeft;
      box.scrollLeft = box.scrollWidth;
      const end = edges(table);
      box.scrollLeft = before;
      found.box = {
        overflow: getComputedStyle(box).overflowX,
        left: rect.left, right: rect.right,
        scrollWidth: box.scrollWidth, clientWidth: box.clientWidth,
        rightAtEnd: end.right,
        role: box.getAttribute('role'), tabindex: box.getAttribute('tabindex'),
        name: box.getAttribute('aria-label') ||
          (box.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
            .map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim(),
      };
    }
    return found;
  });
}"""


def table_problems(tables: list[dict]) -> list[str]:
    """What keeps a column of a table out of reach, table by table (empty when none does)."""
    problems = []
    for t in tables:
        where = f"{t['caption']!r}"
        box = t["box"]
        if box is None:
            if t["left"] < -0.5 or t["right"] > t["viewport"] + 0.5:
                problems.append(
                    f"{where} runs off the screen ({t['left']:.0f} to {t['right']:.0f} px of "
                    f"{t['viewport']}) with no scroll region"
                )
            continue
        if box["overflow"] not in ("auto", "scroll"):
            problems.append(f"{where} is in a box that clips it (overflow-x {box['overflow']})")
            continue
        if box["right"] > t["viewport"] + 0.5 or box["left"] < -0.5:
            problems.append(f"{where}: its scroll region runs off the screen ({box})")
        if box["scrollWidth"] > box["clientWidth"] + 1:
            # it scrolls: the last column comes into view at the end, and a keyboard can reach
            # and name the region
            if box["rightAtEnd"] > box["right"] + 1:
                problems.append(
                    f"{where}: its last column ends at {box['rightAtEnd']:.0f} px even when "
                    f"scrolled to the end (the region ends at {box['right']:.0f} px)"
                )
            if box["role"] != "region" or box["tabindex"] != "0" or not box["name"]:
                problems.append(
                    f"{where} scrolls in a box that is not a named, focusable region: "
                    f"role={box['role']!r} tabindex={box['tabindex']!r} name={box['name']!r}"
                )
        elif t["right"] > box["right"] + 1:
            problems.append(f"{where} is wider than its box, which does not scroll ({box})")
    return problems


def check_page(phone: "Phone", name: str) -> list[dict]:
    """No sideways scroll of the page and every column reachable, measured as the page stands;
    each region that scrolls is scrolled from the keyboard; then axe-core. Returns the
    measurements."""
    __tracebackhide__ = True
    page = phone.page
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    tables = page.evaluate(MEASURE)
    assert tables, f"{name} has no table"
    problems = table_problems(tables)
    if widths[0] > widths[1]:
        problems.insert(0, f"the page scrolls sideways: {widths[0]} px wide in {widths[1]} px")
    assert not problems, f"{name} at 375 px:\n  " + "\n  ".join(problems)

    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    for index, t in enumerate(tables):
        box = t["box"]
        if box is None or box["scrollWidth"] <= box["clientWidth"] + 1:
            continue
        region = page.locator(f'[data-wide-table="{index}"]')
        region.focus()
        expect(region).to_be_focused()
        page.keyboard.press("ArrowRight")
        assert scrolled(region), f"{name}: {t['caption']!r} does not scroll from the keyboard"
        if SCREENSHOT_DIR:
            region.evaluate("box => { box.scrollLeft = box.scrollWidth }")
            region.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{slug}-table-{index}-end.png"))
        region.evaluate("box => { box.scrollLeft = 0 }")

    phone.accessible(f"{name} (375 px)")
    return tables


def scrolled(region, seconds: float = 3) -> bool:
    """Whether the region has scrolled sideways (the browser may scroll smoothly, so it is
    asked again for a while; polled from here, as the page may run no script)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if region.evaluate("box => box.scrollLeft") > 0:
            return True
        time.sleep(0.05)
    return False


@dataclass
class Phone:
    page: Page
    accessible: Callable[[str], None]  # axe-core on the page as it stands


@pytest.fixture(params=["with JavaScript", "without JavaScript"])
def phone(request, browser, base_url, new_page):
    """A signed-out page 375 px wide, with the site's JavaScript run or not run at all."""
    if request.param == "with JavaScript":
        page = new_page()
        page.set_viewport_size(PHONE)
        yield Phone(page, lambda name: assert_accessible(page, name))
        return
    contexts = []

    def context(**options):
        made = browser.new_context(base_url=base_url, viewport=PHONE, locale="en-GB", **options)
        made.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(made)
        return made

    page = context(java_script_enabled=False).new_page()

    def accessible(name):
        """axe-core runs asynchronously, which a page without JavaScript cannot: the page's
        DOM, as drawn without JavaScript, is served again to a page with scripts on for the
        checker but none of the page's own (its script tags taken out, script files refused),
        with the same address, so the same stylesheets."""
        html = re.sub(r"<script\b.*?</script>", "", page.content(), flags=re.S | re.I)
        checker = context().new_page()
        url = page.url
        checker.route(
            lambda address: address == url,
            lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html
            ),
        )
        checker.route(re.compile(r"\.m?js(\?|$)"), lambda route: route.abort())
        checker.goto(url)
        assert checker.evaluate("() => document.scripts.length") == 0
        assert_accessible(checker, name)

    yield Phone(page, accessible)
    for made in contexts:
        made.close()


def open_report(page: Page, link, heading) -> None:
    """From the list of published reports, by its link."""
    page.goto("/reports/")
    page.get_by_role("table", name="Published reports, newest first").get_by_role(
        "link", name=link
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_the_thematic_report_fits_a_phone(phone, request):
    open_report(phone.page, THEMATIC, THEMATIC)
    tables = check_page(phone, f"thematic report, {request.node.callspec.id}")
    captions = [t["caption"] for t in tables]
    assert "Cases by theme and final grade" in captions, captions
    results = tables[captions.index("Cases by theme and final grade")]
    # the results table is wider than a phone: it is the one that must scroll in its region
    assert results["box"] and results["box"]["scrollWidth"] > results["box"]["clientWidth"]
    region = phone.page.get_by_role("region", name=re.compile("^Cases by theme and final grade"))
    for column in ("Inadequate", "Cases graded"):
        expect(region.get_by_role("columnheader", name=column)).to_have_count(1)


def test_a_force_report_and_its_methodology_fit_a_phone(phone, request):
    open_report(phone.page, re.compile("inspection: Staffordshire"), re.compile("^Staffordshire"))
    expect(phone.page.get_by_role("heading", name=re.compile(r"\d+\. Methodology"))).to_be_visible()
    tables = check_page(phone, f"force report, {request.node.callspec.id}")
    captions = {t["caption"] for t in tables}
    for caption in (
        "Cases by theme and final grade",
        "Cases examined in this part of the child's journey",
        "Cases in the list and cases drawn, by theme",
        "Agreement between the first and the second grade of the moderated cases",
    ):
        assert caption in captions, (caption, captions)


def test_the_results_dictionary_fits_a_phone(phone, request):
    phone.page.goto("/open-data/")
    phone.page.get_by_role("link", name="Data dictionary of the published results").click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text(
        "Published results: data dictionary"
    )
    check_page(phone, f"results dictionary, {request.node.callspec.id}")


def test_the_national_picture_fits_a_phone(phone, request):
    phone.page.goto("/national/")
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("National picture")
    tables = check_page(phone, f"national picture, {request.node.callspec.id}")
    wide = [t for t in tables if t["caption"].startswith("Grades and children's social care")]
    assert wide and wide[0]["box"], "the table of force areas is not in a scroll region"


def test_the_national_data_dictionary_fits_a_phone(phone, request):
    phone.page.goto("/open-data/")
    phone.page.get_by_role("link", name="Data dictionary of the national picture").click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text(
        "National picture: data dictionary"
    )
    check_page(phone, f"national data dictionary, {request.node.callspec.id}")
