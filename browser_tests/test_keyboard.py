"""Keyboard only: the skip link comes first and takes focus past the header to the content."""

from playwright.sync_api import expect


def test_skip_link_is_first_and_moves_focus_to_main_content(page):
    page.goto("/")
    page.wait_for_load_state("load")
    skip = page.get_by_role("link", name="Skip to main content")
    box = skip.bounding_box()
    assert box is None or box["width"] <= 1, "the skip link shows before it has focus"

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 10, (
        f"the focused skip link is not visible: {box}"
    )

    page.keyboard.press("Enter")
    expect(page).to_have_url(page.url.split("#")[0] + "#main-content")
    assert page.evaluate("document.activeElement.id") == "main-content"

    # The next Tab lands on the first link of the content, not in the header.
    page.keyboard.press("Tab")
    expect(
        page.get_by_role("link", name="The 43 police forces, their councils and published grades")
    ).to_be_focused()
