"""A small city for appointment tests: one centre, two counters, Monday to Friday 8–12."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from hamburg_service.appointments.services import PersonInput
from hamburg_service.catalog.models import (
    Counter,
    District,
    Location,
    Service,
)
from tests.support.cities import weekday_location

BERLIN = dt.timezone(dt.timedelta(hours=1))  # winter time, for readable fixtures
# A Monday in winter, well inside the booking window of `NOW`.
DAY = dt.date(2030, 1, 14)
NOW = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)


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
