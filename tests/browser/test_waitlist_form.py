"""The waitlist form lists only the locations that offer every chosen service, by keyboard
alone (issue 10, item 10). The server's refusal of a location that does not fit is tested in
tests/appointments/test_waitlist_page.py."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from hamburg_service.catalog.models import Location
from tests.browser.conftest import assert_no_axe_violations

FEW = "kirchenaustritt"  # offered at a few service centres only
MANY = "anmeldung"  # at every service centre, at no immigration office
PERMIT = "aufenthaltserlaubnis-verlaengern"  # at immigration offices only


def tab_to(page: Page, target: Locator, max_presses: int = 90) -> None:
    """Press Tab until `target` has the focus; fail if the keyboard cannot reach it."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {max_presses} Tab presses")


def from_the_top(page: Page) -> None:
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


def offering(*services: str) -> set[str]:
    slugs = set(Location.objects.filter(is_active=True).values_list("slug", flat=True))
    for service in services:
        slugs &= set(Location.objects.filter(services__slug=service).values_list("slug", flat=True))
    return slugs


def test_ticking_services_hides_the_locations_that_do_not_offer_them(site: str, page: Page) -> None:
    every = set(Location.objects.filter(is_active=True).values_list("slug", flat=True))
    few, many = offering(FEW), offering(MANY)
    assert set() < few < many < every  # the demo city has all three kinds
    page.goto(f"{site}/en/appointments/waitlist/")
    form = page.locator("main form")
    service = {
        slug: form.locator(f'input[name="services"][value="{slug}"]')
        for slug in (FEW, MANY, PERMIT)
    }
    item = {slug: form.locator(f'li[data-offers]:has(input[value="{slug}"])') for slug in every}
    box = {slug: item[slug].locator("input") for slug in every}
    status = form.locator("#locations-status")

    def listed() -> set[str]:
        return {slug for slug in every if item[slug].is_visible()}

    # Open the list of locations (Enter on its summary): at first every location is listed.
    tab_to(page, form.locator("details summary"))
    page.keyboard.press("Enter")
    expect(form.locator("details")).to_have_attribute("open", "")
    assert listed() == every
    assert_no_axe_violations(page)

    # Tick a service offered at many locations: the immigration offices leave the list.
    from_the_top(page)
    tab_to(page, service[MANY])
    page.keyboard.press("Space")
    expect(service[MANY]).to_be_checked()
    expect(status).to_have_text(f"Locations that offer every chosen service: {len(many)}.")
    assert listed() == many

    # Tick one of those locations: the next Tab stops skip the hidden ones.
    kept = sorted(many - few)[0]
    tab_to(page, box[kept])
    page.keyboard.press("Space")
    expect(box[kept]).to_be_checked()

    # A second service offered at a few of them: only those stay; the ticked location that
    # does not offer it is hidden and not sent (disabled), but stays ticked.
    from_the_top(page)
    tab_to(page, service[FEW])
    page.keyboard.press("Space")
    expect(status).to_have_text(f"Locations that offer every chosen service: {len(few)}.")
    assert listed() == few
    expect(box[kept]).to_be_disabled()
    expect(box[kept]).to_be_checked()
    assert_no_axe_violations(page)

    # A service no location offers together with these: none is listed, and it is said.
    from_the_top(page)
    tab_to(page, service[PERMIT])
    page.keyboard.press("Space")
    expect(status).to_have_text("No location offers all of these services.")
    assert listed() == set()

    # Untick the two: the locations come back, the ticked one with its tick.
    page.keyboard.press("Space")
    from_the_top(page)
    tab_to(page, service[FEW])
    page.keyboard.press("Space")
    expect(service[FEW]).not_to_be_checked()
    assert listed() == many
    expect(box[kept]).to_be_enabled()
    expect(box[kept]).to_be_checked()
    assert_no_axe_violations(page)
