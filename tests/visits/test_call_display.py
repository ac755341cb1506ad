"""The call display's list: live calls, then finished ones kept a few minutes as earlier calls
(selectors.recent_calls, the calls API and the server-rendered display page)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from hamburg_service.visits import selectors
from hamburg_service.visits.models import Ticket
from hamburg_service.visits.services import calling, tickets
from tests.support.actors import SYSTEM

from .conftest import at


@pytest.fixture(autouse=True)
def morning(settings):
    settings.CALL_DISPLAY_KEEP_MINUTES = 5
    with time_machine.travel(at(9), tick=False) as traveller:
        yield traveller


def called(centre, counter) -> Ticket:
    tickets.ticket_issue(location=centre.location, services=[centre.anmeldung], actor=SYSTEM)
    ticket = calling.ticket_call_next(counter=counter, actor=SYSTEM)
    assert ticket is not None
    return ticket


def served(ticket: Ticket, counter) -> None:
    calling.ticket_finish(ticket=ticket, counter=counter, outcome="served", actor=SYSTEM)


def shown(centre) -> list[tuple[str, bool]]:
    return [(c["number"], c["finished"]) for c in selectors.recent_calls(location=centre.location)]


def test_a_finished_call_stays_as_an_earlier_call_for_the_keep_time(centre, morning):
    client = Client()
    url = "/api/v1/visits/centre/calls"
    first = called(centre, centre.both)
    live = client.get(url).json()
    assert [(c["number"], c["finished"]) for c in live["calls"]] == [(first.number, False)]

    morning.shift(dt.timedelta(minutes=2))
    served(first, centre.both)
    second = called(centre, centre.both)
    after = client.get(url).json()
    assert [(c["number"], c["finished"]) for c in after["calls"]] == [
        (second.number, False),
        (first.number, True),
    ]

    morning.shift(dt.timedelta(minutes=3))
    served(second, centre.both)
    morning.shift(dt.timedelta(minutes=1, seconds=59))  # the first finished 4:59 ago
    assert shown(centre) == [(second.number, True), (first.number, True)]
    before = client.get(url).json()["version"]
    morning.shift(dt.timedelta(seconds=1))
    one_left = client.get(url).json()
    assert [c["number"] for c in one_left["calls"]] == [second.number]
    assert one_left["version"] != before  # the display redraws without it
    morning.shift(dt.timedelta(minutes=3))
    assert client.get(url).json()["calls"] == []


def test_earlier_calls_are_few_newest_first_and_only_served_or_missed(centre, morning):
    numbers = []
    for _ in range(selectors.CALLS_KEPT + 2):
        ticket = called(centre, centre.anmeldung_only)
        served(ticket, centre.anmeldung_only)
        numbers.append(ticket.number)
        morning.shift(dt.timedelta(seconds=30))
    missed = called(centre, centre.anmeldung_only)
    for _ in range(2):
        calling.ticket_recall(ticket=missed, counter=centre.anmeldung_only, actor=SYSTEM)
    calling.ticket_no_show(ticket=missed, counter=centre.anmeldung_only, actor=SYSTEM)
    parked = called(centre, centre.both)
    calling.ticket_park(ticket=parked, counter=centre.both, actor=SYSTEM)

    newest_first = [missed.number, *reversed(numbers)][: selectors.CALLS_KEPT]
    assert shown(centre) == [(number, True) for number in newest_first]


def test_no_earlier_calls_when_the_keep_time_is_zero(centre, settings):
    settings.CALL_DISPLAY_KEEP_MINUTES = 0
    served(called(centre, centre.both), centre.both)
    assert shown(centre) == []


def test_the_display_page_shows_earlier_calls_apart_from_the_live_ones(centre):
    earlier = called(centre, centre.both)
    served(earlier, centre.both)
    live_rows, earlier_section = parts(Client().get("/en/visits/display/centre/"))
    assert earlier.number not in live_rows
    assert "No number is being called at the moment." in live_rows
    assert re.search(r'aria-labelledby="earlier-calls-title"\s*>', earlier_section)  # not hidden
    assert f'<td class="call-number">{earlier.number}</td>' in earlier_section

    live = called(centre, centre.both)
    live_rows, earlier_section = parts(Client().get("/en/visits/display/centre/"))
    assert 'class="call latest"' in live_rows
    assert live.number in live_rows
    assert "No number is being called at the moment." not in live_rows
    assert earlier.number in earlier_section
    assert live.number not in earlier_section


def parts(response) -> tuple[str, str]:
    """The live table's rows and the earlier calls' section of the display page."""
    page = response.content.decode()
    live = re.search(r'<tbody id="calls-body">(.*?)</tbody>', page, re.S)
    earlier = re.search(r'<section id="earlier-calls"(.*?)</section>', page, re.S)
    assert live
    assert earlier
    return live.group(1), earlier.group(1)
