"""The call display runs for days: many calls later (its earlier calls' table full) it holds
the same number of elements and has not stacked up timers."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, Page, expect

from hamburg_service.catalog.models import Counter, Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.visits import selectors
from hamburg_service.visits.services import calling, tickets

from .conftest import CHROMIUM, CHROMIUM_ARGS, assert_no_axe_violations
from .test_visits_flow import CITY

SYSTEM = Actor.system("tests")


def test_display_keeps_a_constant_size_over_many_calls(site: str, page: Page, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CALL_DISPLAY_POLL_MS = 200  # days of polling, in fewer seconds
    location = Location.objects.get(slug=CITY)
    service = Service.objects.get(slug="anmeldung")
    counters = list(Counter.objects.filter(location=location, services=service)[:3])
    page.add_init_script(
        "window.__timers = 0; const st = window.setTimeout; "
        "window.setTimeout = (f, ms) => { window.__timers++; return st(f, ms); };"
    )
    page.goto(f"{site}/visits/display/{CITY}/")

    def call_one(i: int) -> str:
        counter = counters[i % len(counters)]
        tickets.ticket_issue(location=location, services=[service], actor=SYSTEM)
        ticket = calling.ticket_call_next(counter=counter, actor=SYSTEM)
        assert ticket is not None
        return ticket.number

    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def listeners() -> int:
        cdp.send("HeapProfiler.collectGarbage")
        metrics = cdp.send("Performance.getMetrics")["metrics"]
        return int(next(m["value"] for m in metrics if m["name"] == "JSEventListeners"))

    sizes, counts = [], []
    for i in range(12):
        # Finish what the counter had, so it may call again.
        counter = counters[i % len(counters)]
        current = counter.tickets.filter(status="called").first()
        if current is not None:
            calling.ticket_finish(ticket=current, counter=counter, outcome="served", actor=SYSTEM)
        number = call_one(i)
        expect(page.locator("body")).to_contain_text(number, timeout=5000)
        # From here on the earlier calls (selectors.CALLS_KEPT finished ones) fill their table.
        if i in (selectors.CALLS_KEPT + 2, 11):
            page.wait_for_timeout(400)  # the chime of this call has played
            sizes.append(page.evaluate("document.getElementsByTagName('*').length"))
            counts.append(listeners())
        time.sleep(0.1)
    assert sizes[0] == sizes[1], f"the display grew from {sizes[0]} to {sizes[1]} elements"
    assert counts[0] == counts[1], f"event listeners grew from {counts[0]} to {counts[1]}"
    # One polling chain: about one timer per interval (5 a second) and a few for the calls,
    # not one more chain per call (12 chains would set some 60 a second).
    timers_per_second = page.evaluate("window.__timers / (performance.now() / 1000)")
    assert timers_per_second < 10, timers_per_second
    assert_no_axe_violations(page)


def test_the_display_remembers_that_the_sound_was_switched_on(site: str, browser: Browser) -> None:
    # A call display's browser runs as a kiosk that may play sound (docs/visits.md).
    kiosk = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    )
    page = kiosk.new_context(locale="de-DE", bypass_csp=True).new_page()
    page.goto(f"{site}/visits/display/{CITY}/")
    button = page.locator("#sound-on")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator("#sound-on")).to_have_attribute("aria-pressed", "true")
    assert_no_axe_violations(page)
    kiosk.close()
