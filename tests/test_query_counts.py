"""Staff pages read set-based: the front desk, the counter workstation and the day view make
the same number of queries with 1 and with 30 people waiting or booked (Zulip-style pins)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hamburg_service.accounts.models import Role
from hamburg_service.appointments.models import Appointment, Channel
from hamburg_service.appointments.services import booking
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.catalog.models import Counter, District, Service
from hamburg_service.core.actors import Actor
from hamburg_service.visits.services import calling, counters, tickets
from tests.support.cities import weekday_location

MONDAY = dt.datetime(2030, 1, 14, 9, 0, tzinfo=dt.UTC)  # 10:00 in Hamburg
PINNED = {"desk": 17, "counter": 11, "day": 9, "counter serving an appointment": 20}


@pytest.fixture
def centre(db, settings, make_staff):
    settings.WALK_IN_DAILY_QUOTA = 1000
    settings.WALK_IN_SHARE = 0.0
    settings.STAFF_SHARE = 0.0
    district = District.objects.create(slug="mitte", name_de="Mitte", name_en="Mitte")
    location = weekday_location("centre", district, opens=7, closes=20)
    service = Service.objects.create(
        slug="anmeldung",
        name_de="Anmeldung",
        name_en="Registration",
        agency="residents",
        handling_minutes=10,
        channel="on_site",
        access="both",
    )
    service.locations.add(location)
    for n in range(4):
        counter = Counter.objects.create(location=location, name=f"Platz {n + 1}")
        counter.services.add(service)
    clerk = make_staff(Role.CLERK, locations=["centre"])
    return location, service, clerk


def fill(location, service, clerk, n: int) -> None:
    staff = Actor.staff(clerk)
    for i in range(n):
        tickets.ticket_issue(location=location, services=[service], actor=Actor.resident())
        booking.appointment_book(
            slot=booking.Slot.of(
                location, [service], MONDAY + dt.timedelta(hours=1, minutes=10 * i)
            ),
            person=PersonInput(name=f"Person {i}", email=f"p{i}@example.org"),
            channel=Channel.STAFF,
            actor=staff,
        )


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("waiting", [1, 30])
def test_staff_pages_make_the_same_queries_whatever_the_queue(centre, waiting):
    location, service, clerk = centre
    with time_machine.travel(MONDAY, tick=False):
        fill(location, service, clerk, waiting)
        counter = Counter.objects.filter(location=location).first()
        assert counter is not None
        counters.counter_sign_in(counter=counter, actor=Actor.staff(clerk))
        client = Client()
        client.force_login(clerk)
        client.get("/staff/")  # the session and the language are settled once
        counts = {
            "desk": queries(client, "/visits/desk/centre/"),
            "counter": queries(client, f"/visits/counter/{counter.pk}/"),
            "day": queries(client, "/appointments/staff/centre/?date=2030-01-14"),
        }
        # Serving a checked-in appointment: its person is shown (and the reading logged).
        first = Appointment.objects.order_by("start").first()
        assert first is not None
        ticket, _token = tickets.appointment_check_in(
            location=location, reference=first.reference, actor=Actor.staff(clerk)
        )
        calling.ticket_call(
            ticket=ticket, counter=counter, reason="appointment", actor=Actor.staff(clerk)
        )
        counts["counter serving an appointment"] = queries(client, f"/visits/counter/{counter.pk}/")
    assert counts == PINNED
