"""A small city for appointment tests: one centre, two counters, Monday to Friday 8–12."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from hamburg_service.accounts.models import Role
from hamburg_service.appointments import jobs
from hamburg_service.appointments.models import (
    Appointment,
    AppointmentEvent,
    AppointmentService,
    Booker,
    CounterDay,
    DayLedger,
    SeatClaim,
)
from hamburg_service.appointments.services.booking import Booking, Slot, appointment_book
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.catalog.models import (
    Counter,
    District,
    Location,
    Service,
)
from hamburg_service.core.actors import Actor
from hamburg_service.notifications.models import Message
from tests.support.cities import weekday_location

BERLIN = dt.timezone(dt.timedelta(hours=1))  # winter time, for readable fixtures
# A Monday in winter, well inside the booking window of `NOW`.
DAY = dt.date(2030, 1, 14)
NOW = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)


# What a refused booking, move or cancellation must leave exactly as it was.
BOOK = (
    Appointment,
    AppointmentService,
    AppointmentEvent,
    SeatClaim,
    CounterDay,
    DayLedger,
    Booker,
    Message,
)


@dataclass
class City:
    location: Location
    other: Location
    anmeldung: Service
    passport: Service
    permit: Service
    counters: list[Counter]


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def person(n: int = 1, **fields: str) -> PersonInput:
    return PersonInput(
        name=fields.get("name", f"Person {n}"),
        email=fields.get("email", f"person{n}@example.org"),
        language=fields.get("language", "de"),
    )


def book(
    location: Location,
    services: list[Service],
    start: dt.datetime,
    who: PersonInput,
    *,
    actor: Actor | None = None,
    **kwargs: object,
) -> Booking:
    """Book as the resident `who` (or as `actor`, e.g. staff booking for a caller)."""
    return appointment_book(
        slot=Slot.of(location, services, start),
        person=who,
        actor=actor or Actor.resident(who.email),
        **kwargs,  # type: ignore[arg-type]
    )


# The scheduler's appointment jobs in the order a tick runs them (what the removed
# `appointments_sweep` command did in one pass).
SWEEP = (
    jobs.holds_release,
    jobs.waitlist_settle,
    jobs.waitlist_offer,
    jobs.held_seats_release,
    jobs.reminders,
    jobs.closure_notices,
    jobs.past_seats_forget,
)


def sweep(now: dt.datetime | None = None) -> None:
    """One pass of the appointment book's periodic work at `now` (default: the clock)."""
    now = now or timezone.now()
    for job in SWEEP:
        job(now)


@pytest.fixture
def city(db, settings) -> City:
    settings.APPOINTMENT_SLOT_MINUTES = 10
    settings.WALK_IN_SHARE = 0.0
    settings.STAFF_SHARE = 0.0
    settings.BOOKING_CONFIRM_BY_EMAIL = False
    settings.CANCEL_RELEASE_MINUTES = 0  # tests of the waitlist hold seats back explicitly
    district = District.objects.create(slug="mitte", name_de="Mitte", name_en="Mitte")
    location = weekday_location("centre", district, opens=8, closes=12)
    other = weekday_location("other", district, opens=8, closes=12)
    anmeldung = Service.objects.create(
        slug="anmeldung",
        name_de="Anmeldung",
        name_en="Registration",
        agency="residents",
        handling_minutes=15,
        channel="both",
        access="both",
    )
    passport = Service.objects.create(
        slug="passport",
        name_de="Reisepass",
        name_en="Passport",
        agency="residents",
        handling_minutes=20,
        channel="on_site",
        access="appointment",
    )
    permit = Service.objects.create(
        slug="permit",
        name_de="Aufenthaltstitel",
        name_en="Residence permit",
        agency="immigration",
        handling_minutes=30,
        channel="on_site",
        access="appointment",
    )
    anmeldung.combinable_with.add(passport)
    for service in (anmeldung, passport):
        service.locations.add(location, other)
    counters = []
    for name in ("Platz 1", "Platz 2"):
        counter = Counter.objects.create(location=location, name=name)
        counter.services.add(anmeldung, passport)
        counters.append(counter)
    other_counter = Counter.objects.create(location=other, name="Platz 1")
    other_counter.services.add(anmeldung, passport)
    return City(location, other, anmeldung, passport, permit, counters)


@pytest.fixture
def clerk(city, make_staff) -> Actor:
    """A member of the front desk at the centre, as the actor of staff actions."""
    return Actor.staff(make_staff(Role.FRONT_DESK, locations=["centre"]))
