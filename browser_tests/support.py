"""Helpers shared by the browser tests: signing in through the form, and axe-core checks."""

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEMO_DOMAIN = "demo.cpinspect.invalid"
# WCAG 2.2 AA, as the GOV.UK Service Standard asks.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Set CPINSPECT_SCREENSHOT_DIR to keep a full-page screenshot of every page axe checks.
SCREENSHOT_DIR = os.environ.get("CPINSPECT_SCREENSHOT_DIR")


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in through the sign-in form, as a person would; ends on the dashboard."""
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My inspections")


def assert_accessible(page: Page, name: str) -> None:
    """Run axe-core (WCAG 2.2 AA rules) on the page as it stands; fail on any violation."""
    __tracebackhide__ = True
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci` (make install does).")
    page.wait_for_load_state("load")
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{slug}.png"), full_page=True)
    # evaluated through the DevTools protocol, which the page's CSP does not govern (a script
    # tag added to the page would be refused, as it should be)
    page.evaluate(AXE.read_text())
    results = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return {
                passes: results.passes.length,
                violations: results.violations.map((v) => ({
                    id: v.id,
                    impact: v.impact,
                    help: v.help,
                    targets: v.nodes.map((n) => n.target.join(' ')),
                })),
            };
        }""",
        AXE_TAGS,
    )
    violations = results["violations"]
    report = "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']}\n    on: {'; '.join(v['targets'])}"
        for v in violations
    )
    assert not violations, (
        f"axe found {len(violations)} violation(s) on {name} ({page.url}):\n{report}"
    )
    assert results["passes"] > 0, f"axe checked nothing on {name}: was it injected?"
