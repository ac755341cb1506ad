"""The queue rules exist twice — in SQL (`queue_order`, what "call next" locks) and in memory
(`in_queue_order`, what the estimates of a whole queue are computed from): they must agree,
and the fast path for all estimates must equal the estimate of each ticket alone."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from hamburg_service.appointments.models import Appointment, Status
from hamburg_service.catalog.models import Counter, District, Service
from hamburg_service.core.tokens import token_hash
from hamburg_service.visits import selectors
from hamburg_service.visits.models import Ticket, TicketService
from tests.support.cities import weekday_location

NOW = dt.datetime(2030, 1, 14, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def queue(db, settings):
    settings.APPOINTMENT_GRACE_MINUTES = 10
    rng = random.Random(4)
    district = District.objects.create(slug="mitte", name_de="Mitte", name_en="Mitte")
    location = weekday_location("centre", district, opens=7, closes=20)
    services = []
    for n in range(3):
        service = Service.objects.create(
            slug=f"s{n}",
            name_de=f"S{n}",
            name_en=f"S{n}",
            agency="residents",
            handling_minutes=5 + 5 * n,
            channel="on_site",
            access="both",
        )
        service.locations.add(location)
        services.append(service)
    for n, skills in enumerate([services, services[:1], services[1:], services[2:]]):
        Counter.objects.create(location=location, name=f"Platz {n}").services.add(*skills)
    for n in range(40):
        appointment = None
        due = NOW - dt.timedelta(minutes=rng.randint(0, 90))
        if rng.random() < 0.3:
            due = NOW + dt.timedelta(minutes=rng.randint(-20, 60))
            appointment = Appointment.objects.create(
                reference=f"REF{n:05d}",
                location=location,
                counter=Counter.objects.filter(location=location).first(),
                start=due,
                end=due + dt.timedelta(minutes=10),
                units=1,
                status=Status.CONFIRMED,
                channel="public",
                name="x",
                email="x@example.org",
                email_normalised="x@example.org",
                manage_token_hash=token_hash(f"t{n}"),
            )
        ticket = Ticket.objects.create(
            location=location,
            day=NOW.date(),
            number=f"A{n:03d}",
            appointment=appointment,
            priority=int(rng.random() < 0.15),
            arrived_at=due,
            due_at=due,
            mobile_token_hash=token_hash(f"m{n}"),
        )
        for position, service in enumerate(rng.sample(services, rng.choice([1, 1, 2]))):
            TicketService.objects.create(ticket=ticket, service=service, position=position)
    return location


@pytest.mark.parametrize("minutes", [-30, 0, 25, 70])
def test_the_queue_order_in_memory_is_the_order_of_the_database(queue, minutes):
    at = NOW + dt.timedelta(minutes=minutes)
    waiting = Ticket.objects.filter(location=queue, status="waiting")
    in_sql = list(selectors.queue_order(waiting, at).values_list("pk", flat=True))
    snapshot = selectors.QueueSnapshot.of(queue, now=at, day=NOW.date())
    assert [t.pk for t in selectors.in_queue_order(snapshot.tickets, at)] == in_sql
    if minutes <= 25:
        assert len(in_sql) < 40  # some appointments are not due yet


def test_all_estimates_at_once_equal_each_estimate_alone(queue):
    snapshot = selectors.QueueSnapshot.of(queue, now=NOW, day=NOW.date())
    each = {t.pk: snapshot.estimate(t) for t in snapshot.tickets}
    assert snapshot.estimates() == each
    assert max(each.values()) > 0
    full = selectors.QueueSnapshot.of(queue, now=NOW, day=NOW.date(), full=True)
    assert full.estimates() == each
    assert all(full.services[t.pk] for t in full.tickets)
