"""Waiting and handling times are facts written once from the ticket's events: a recall,
park/resume or transfer neither moves the end of the wait nor counts parked time as
handling. Every step is given an explicit `now`, so the numbers are exact."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.visits import selectors
from hamburg_service.visits.models import Ticket, TicketStatus
from hamburg_service.visits.services import calling, tickets
from tests.support.actors import RESIDENT

from .conftest import DAY, at


def minutes(n: int) -> int:
    return n * 60


@pytest.fixture
def ticket(centre) -> Ticket:
    """An anmeldung walk-in who arrived at 9:00 and was told 10 minutes."""
    issued, _token = tickets.ticket_issue(
        location=centre.location, services=[centre.anmeldung], actor=RESIDENT, now=at(9)
    )
    Ticket.objects.filter(pk=issued.pk).update(estimate_minutes=10)
    return issued


def test_a_recall_keeps_the_first_call_as_the_end_of_the_wait(centre, ticket, clerk):
    called = calling.ticket_call_next(counter=centre.both, actor=clerk, now=at(9, 12))
    assert called == ticket
    recalled = calling.ticket_recall(ticket=called, counter=centre.both, actor=clerk, now=at(9, 14))
    recalled = calling.ticket_recall(
        ticket=recalled, counter=centre.both, actor=clerk, now=at(9, 15)
    )
    assert recalled.called_at == at(9, 15)  # the display shows the newest call
    assert recalled.first_called_at == at(9, 12)
    done = calling.ticket_finish(
        ticket=recalled, counter=centre.both, outcome="served", actor=clerk, now=at(9, 30)
    )
    done = Ticket.objects.get(pk=done.pk)
    assert done.first_called_at - done.arrived_at == dt.timedelta(minutes=12)  # waiting
    assert done.first_called_at == at(9, 12)
    # A recall does not start a new stretch at the counter: 9:12 to 9:30.
    assert done.handled_seconds == minutes(18)
    # The estimate of 10 minutes is measured against the wait of 12, not 15.
    assert selectors.estimate_accuracy(location=centre.location, day=DAY) == {
        "tickets": 1,
        "mae_minutes": 2.0,
    }


def test_park_and_resume_leave_the_parked_stretch_out_of_the_handling_time(centre, ticket, clerk):
    called = calling.ticket_call_next(counter=centre.both, actor=clerk, now=at(9, 5))
    parked = calling.ticket_park(
        ticket=called, counter=centre.both, note="holt Pass", actor=clerk, now=at(9, 10)
    )
    assert parked.status == TicketStatus.PARKED
    resumed = calling.ticket_resume(ticket=parked, counter=centre.both, actor=clerk, now=at(9, 40))
    assert resumed.called_at == at(9, 40)
    assert resumed.first_called_at == at(9, 5)
    done = calling.ticket_finish(
        ticket=resumed, counter=centre.both, outcome="served", actor=clerk, now=at(9, 48)
    )
    done = Ticket.objects.get(pk=done.pk)
    # 9:05–9:10 and 9:40–9:48 at the counter; the 30 parked minutes do not count.
    assert done.handled_seconds == minutes(5 + 8)
    assert done.first_called_at - done.arrived_at == dt.timedelta(minutes=5)


def test_a_transfer_adds_the_time_at_both_counters(centre, ticket, clerk):
    called = calling.ticket_call_next(counter=centre.both, actor=clerk, now=at(9, 5))
    moved = calling.ticket_transfer(
        ticket=called,
        counter=centre.both,
        to_counter=centre.anmeldung_only,
        actor=clerk,
        now=at(9, 15),
    )
    assert (moved.status, moved.counter) == (TicketStatus.CALLED, centre.anmeldung_only)
    assert moved.called_at == at(9, 15)
    assert moved.first_called_at == at(9, 5)
    done = calling.ticket_finish(
        ticket=moved, counter=centre.anmeldung_only, outcome="served", actor=clerk, now=at(9, 35)
    )
    done = Ticket.objects.get(pk=done.pk)
    # 10 minutes at the first counter and 20 at the second.
    assert done.handled_seconds == minutes(10 + 20)
    assert done.first_called_at == at(9, 5)
    assert done.finished_at == at(9, 35)


def test_a_transfer_to_a_busy_counter_does_not_count_the_wait_there(centre, ticket, clerk):
    other, _token = tickets.ticket_issue(
        location=centre.location, services=[centre.anmeldung], actor=RESIDENT, now=at(9, 1)
    )
    first = calling.ticket_call_next(counter=centre.both, actor=clerk, now=at(9, 5))
    busy = calling.ticket_call_next(counter=centre.anmeldung_only, actor=clerk, now=at(9, 6))
    assert (first, busy) == (ticket, other)
    waiting_there = calling.ticket_transfer(
        ticket=first,
        counter=centre.both,
        to_counter=centre.anmeldung_only,
        actor=clerk,
        now=at(9, 15),
    )
    assert waiting_there.status == TicketStatus.PARKED
    calling.ticket_finish(
        ticket=busy, counter=centre.anmeldung_only, outcome="served", actor=clerk, now=at(9, 25)
    )
    resumed = calling.ticket_resume(
        ticket=waiting_there, counter=centre.anmeldung_only, actor=clerk, now=at(9, 25)
    )
    done = calling.ticket_finish(
        ticket=resumed, counter=centre.anmeldung_only, outcome="served", actor=clerk, now=at(9, 40)
    )
    done = Ticket.objects.get(pk=done.pk)
    # 9:05–9:15 at the first counter, 9:25–9:40 at the second; 9:15–9:25 it waited.
    assert done.handled_seconds == minutes(10 + 15)
    assert done.first_called_at == at(9, 5)
    assert Ticket.objects.get(pk=other.pk).handled_seconds == minutes(19)


def test_back_into_the_queue_and_called_again_keeps_the_first_call(centre, ticket, clerk):
    called = calling.ticket_call_next(counter=centre.both, actor=clerk, now=at(9, 5))
    back = calling.ticket_transfer(
        ticket=called, counter=centre.both, to_service=centre.passport, actor=clerk, now=at(9, 9)
    )
    assert back.status == TicketStatus.WAITING
    again = calling.ticket_call_next(counter=centre.passport_only, actor=clerk, now=at(9, 30))
    assert again == ticket
    assert again.first_called_at == at(9, 5)
    assert again.called_at == at(9, 30)
    done = calling.ticket_finish(
        ticket=again, counter=centre.passport_only, outcome="served", actor=clerk, now=at(9, 50)
    )
    # 4 minutes at the first counter, 20 at the second; the 21 minutes back in the queue do
    # not count.
    assert Ticket.objects.get(pk=done.pk).handled_seconds == minutes(4 + 20)


def test_a_no_show_counts_from_the_first_call_to_giving_up(centre, ticket, clerk, settings):
    called = calling.ticket_call_next(counter=centre.both, actor=clerk, now=at(9, 5))
    for minute in (7, 9):
        called = calling.ticket_recall(
            ticket=called, counter=centre.both, actor=clerk, now=at(9, minute)
        )
    assert called.calls == settings.NO_SHOW_AFTER_CALLS
    gone = calling.ticket_no_show(ticket=called, counter=centre.both, actor=clerk, now=at(9, 11))
    gone = Ticket.objects.get(pk=gone.pk)
    assert gone.status == TicketStatus.NO_SHOW
    assert gone.first_called_at == at(9, 5)
    assert gone.handled_seconds == minutes(6)
