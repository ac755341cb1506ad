"""The front desk issues one ticket for several walk-in services (issue 10, item 10): the
ticket carries all of them, and only a counter skilled for all calls it."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hamburg_service.accounts.models import Role
from hamburg_service.visits.models import Ticket, TicketEvent, TicketSequence, TicketService
from hamburg_service.visits.services import calling
from tests.support.db import unchanged

from .conftest import at

URL = "/en/visits/desk/centre/"
VISIT_ROWS = (Ticket, TicketEvent, TicketService, TicketSequence)


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(at(9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(centre, make_staff) -> Client:
    client = Client()
    client.force_login(make_staff(Role.FRONT_DESK, locations=["centre"]))
    return client


def issue(desk: Client, *slugs: str, **fields: str):  # type: ignore[no-untyped-def]
    return desk.post(URL, {"action": "issue", "issue-service": list(slugs), **fields})


def services_of(ticket: Ticket) -> list[str]:
    return [
        row.service.slug
        for row in TicketService.objects.filter(ticket=ticket)
        .order_by("position")
        .select_related("service")
    ]


def test_the_desk_offers_every_walk_in_service_to_tick(desk):
    html = desk.get(URL).content.decode()
    for slug in ("anmeldung", "passport"):
        assert f'type="checkbox" name="issue-service" value="{slug}"' in html
    assert 'value="booked-only"' not in html  # only with an appointment


def test_one_ticket_carries_several_services_and_a_counter_skilled_for_all_calls_it(
    centre, desk, clerk
):
    issued = issue(desk, "anmeldung", "passport", **{"issue-needs_priority": "on"})
    assert issued.status_code == 302
    ticket = Ticket.objects.get()
    assert sorted(services_of(ticket)) == ["anmeldung", "passport"]
    assert ticket.priority == 1
    assert ticket.number in desk.get(URL).content.decode()
    # The queue rule: a counter skilled for one of them does not call it; one for both does.
    assert calling.ticket_call_next(counter=centre.anmeldung_only, actor=clerk) is None
    assert calling.ticket_call_next(counter=centre.passport_only, actor=clerk) is None
    assert calling.ticket_call_next(counter=centre.both, actor=clerk) == ticket


def test_a_service_that_needs_an_appointment_is_refused_and_the_ticks_are_kept(desk):
    with unchanged(*VISIT_ROWS):
        refused = issue(desk, "anmeldung", "booked-only", **{"issue-needs_priority": "on"})
        nothing = issue(desk)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "This service needs an appointment or is not offered here." in html
    assert re.search(r'name="issue-service" value="anmeldung"[^>]* checked>', html)
    assert not re.search(r'name="issue-service" value="passport"[^>]* checked>', html)
    assert 'name="issue-needs_priority" id="id_issue-needs_priority" checked' in html
    assert nothing.status_code == 422
    assert "Choose at least one service." in nothing.content.decode()


def test_issuing_for_more_services_makes_no_more_queries(desk):
    issue(desk, "anmeldung")  # the day's number sequence exists from here on
    counts = []
    for slugs in (["anmeldung"], ["anmeldung", "passport"]):
        with CaptureQueriesContext(connection) as captured:
            assert issue(desk, *slugs).status_code == 302
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
    assert [len(services_of(t)) for t in Ticket.objects.order_by("pk")] == [1, 1, 2]
