"""/api/docs passes axe (WCAG 2.1 AA) in both languages — Swagger UI, served there before, did
not (contrast, no `lang`, buttons inside buttons) — is read with the keyboard (a contents link
takes one to the operation, a type to its schema) and fits a phone's width."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import assert_no_axe_violations
from .test_visits_flow import is_focused


def press_tab_until(page: Page, selector: str, max_presses: int = 60) -> None:
    target = page.locator(selector)
    expect(target).to_have_count(1)
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if is_focused(target):
            return
    raise AssertionError(f"{selector} not reached with {max_presses} Tab presses")


def test_the_api_docs_are_accessible_and_usable_with_the_keyboard(live_server, page: Page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/api/docs")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    # axe runs once, on the English page: both are built by one template (a large page).

    page.goto(f"{live_server.url}/en/api/docs")
    expect(page.locator("h1")).to_have_text("API documentation")
    assert_no_axe_violations(page)

    calls = "hamburg_service_visits_api_calls"
    press_tab_until(page, f'nav a[href="#{calls}"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/en/api/docs#{calls}")
    expect(page.locator(f"#{calls}")).to_be_in_viewport()

    # From the operation on to the schema of its answer, and on to the schema inside it.
    press_tab_until(page, f'article[aria-labelledby="{calls}"] a[href="#schema-CallsOut"]')
    page.keyboard.press("Enter")
    expect(page.locator("#schema-CallsOut")).to_be_in_viewport()
    press_tab_until(page, '#schema-CallsOut + ul a[href="#schema-CallOut"]')
    page.keyboard.press("Enter")
    expect(page.locator("#schema-CallOut")).to_be_in_viewport()

    link = page.get_by_role("link", name="OpenAPI document (JSON)")
    schema = page.request.get(f"{live_server.url}{link.get_attribute('href')}").json()
    assert schema["info"]["title"] == "Hamburg Service API"

    # On a phone nothing runs off the side (WCAG 1.4.10), not even the longest path.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
