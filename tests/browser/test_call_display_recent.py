"""The call display keeps a finished call on screen, smaller, under "Earlier calls", for
CALL_DISPLAY_KEEP_MINUTES; only live calls are announced. The server's clock (conftest's
frozen_clock, which the live server's thread shares) is moved on past the keep time."""

from __future__ import annotations

import datetime as dt

import time_machine
from playwright.sync_api import Page, expect

from hamburg_service.catalog.models import Counter, Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.visits.models import Ticket
from hamburg_service.visits.services import calling, tickets

from .conftest import assert_no_axe_violations
from .test_visits_flow import CITY

SYSTEM = Actor.system("tests")


def font_size(page: Page, selector: str) -> float:
    return float(
        page.locator(selector).first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    )


def test_a_finished_call_stays_as_an_earlier_call_until_the_keep_time_is_up(  # type: ignore[no-untyped-def]
    site: str, page: Page, settings, frozen_clock: time_machine.Traveller
) -> None:
    settings.CALL_DISPLAY_POLL_MS = 200
    settings.CALL_DISPLAY_KEEP_MINUTES = 5
    location = Location.objects.get(slug=CITY)
    service = Service.objects.get(slug="anmeldung")
    counter = Counter.objects.filter(location=location, services=service).first()
    assert counter is not None

    def call() -> Ticket:
        tickets.ticket_issue(location=location, services=[service], actor=SYSTEM)
        ticket = calling.ticket_call_next(counter=counter, actor=SYSTEM)
        assert ticket is not None
        return ticket

    page.goto(f"{site}/visits/display/{CITY}/")
    live, earlier = page.locator("#calls-body"), page.locator("#earlier-body")
    announcer = page.locator("#call-announcer")
    expect(page.locator("#earlier-calls")).to_be_hidden()

    first = call()
    expect(live).to_contain_text(first.number)
    expect(announcer).to_contain_text(first.number)

    # Finished: it moves from the live calls to the earlier ones, and nothing is announced.
    calling.ticket_finish(ticket=first, counter=counter, outcome="served", actor=SYSTEM)
    expect(earlier).to_contain_text(first.number)
    expect(page.locator("#earlier-calls")).to_be_visible()
    expect(live).not_to_contain_text(first.number)
    expect(page.locator("#calls-body .call-empty")).to_have_count(1)

    # The next call is the live one, announced alone and shown larger than the earlier call.
    second = call()
    expect(live.locator("tr.latest .call-number")).to_have_text(second.number)
    expect(announcer).to_have_text(f"Nummer {second.number}, bitte zu {counter.name}.")
    expect(earlier).to_contain_text(first.number)
    assert (
        font_size(page, "#earlier-body .call-number")
        < font_size(page, "#calls-body .call-number") / 1.5
    )
    assert_no_axe_violations(page)

    # Past the keep time the earlier call is gone; the live one stays.
    frozen_clock.shift(dt.timedelta(minutes=5, seconds=1))
    expect(page.locator("#earlier-calls")).to_be_hidden()
    expect(page.locator("body")).not_to_contain_text(first.number)
    expect(live).to_contain_text(second.number)
