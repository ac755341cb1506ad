"""The ticket machine at the sizes it is set up at (portrait and landscape screens, a phone):
every service's label wraps inside its button. ("No more tickets today" before a press:
tests/visits/test_pages.py.)"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from hamburg_service.catalog.models import Location
from hamburg_service.core.actors import Actor
from hamburg_service.visits.services.kiosks import kiosk_device_create
from tests.browser.conftest import assert_no_axe_violations

CITY = "kundenzentrum-city"


def ticket_machine(browser: Browser, site: str, width: int, height: int) -> Page:
    location = Location.objects.get(slug=CITY)
    _device, key = kiosk_device_create(
        location=location, name=f"Screen {width}x{height}", actor=Actor.system("tests")
    )
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="de-DE", bypass_csp=True
    )
    context.add_cookies([{"name": f"kiosk-{CITY}", "value": key, "url": site}])
    page = context.new_page()
    page.goto(f"{site}/visits/kiosk/{CITY}/")
    return page


SIZES = [(1080, 1920), (1920, 1080), (390, 844)]  # portrait, landscape, a phone


def test_service_labels_wrap_inside_their_buttons(site: str, browser: Browser) -> None:
    page = ticket_machine(browser, site, *SIZES[0])
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        buttons = page.locator(".kiosk-services button")
        expect(buttons.first).to_be_visible()
        overflowing = page.evaluate(
            """() => [...document.querySelectorAll('.kiosk-services button')]
                .filter(b => b.scrollWidth > b.clientWidth + 1
                          || b.getBoundingClientRect().right > window.innerWidth)
                .map(b => b.textContent.trim())"""
        )
        assert overflowing == [], f"labels run off their buttons at {width}x{height}: {overflowing}"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_axe_violations(page)
    page.context.close()
