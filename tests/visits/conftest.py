"""A small centre open 8–16 every weekday, with three counters of different skills."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from hamburg_service.accounts.models import Role
from hamburg_service.catalog.models import (
    Counter,
    District,
    Location,
    Service,
)
from hamburg_service.core.actors import Actor
from tests.support.actors import staff
from tests.support.cities import weekday_location

BERLIN = dt.timezone(dt.timedelta(hours=1))
DAY = dt.date(2030, 1, 14)  # a Monday


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


@dataclass
class Centre:
    location: Location
    other: Location
    anmeldung: Service
    passport: Service
    booked_only: Service
    both: Counter
    passport_only: Counter
    anmeldung_only: Counter


@pytest.fixture
def centre(db, settings) -> Centre:
    settings.WALK_IN_DAILY_QUOTA = 100
    settings.NO_SHOW_AFTER_CALLS = 3
    settings.APPOINTMENT_GRACE_MINUTES = 10
    settings.APPOINTMENT_LATE_MINUTES = 15
    settings.CHECK_IN_EARLY_MINUTES = 60
    district = District.objects.create(slug="mitte", name_de="Mitte", name_en="Mitte")
    location = weekday_location("centre", district, opens=8, closes=16)
    other = weekday_location("other", district, opens=8, closes=16)

    def service(slug: str, minutes: int, access: str) -> Service:
        created = Service.objects.create(
            slug=slug,
            name_de=slug.title(),
            name_en=slug.title(),
            agency="residents",
            handling_minutes=minutes,
            channel="on_site",
            access=access,
        )
        created.locations.add(location, other)
        return created

    anmeldung = service("anmeldung", 10, "both")
    passport = service("passport", 20, "both")
    booked_only = service("booked-only", 15, "appointment")
    anmeldung.combinable_with.add(passport)

    def counter(name: str, *skills: Service) -> Counter:
        created = Counter.objects.create(location=location, name=name)
        created.services.add(*skills)
        return created

    return Centre(
        location,
        other,
        anmeldung,
        passport,
        booked_only,
        both=counter("Platz 1", anmeldung, passport, booked_only),
        passport_only=counter("Platz 2", passport),
        anmeldung_only=counter("Platz 3", anmeldung),
    )


@pytest.fixture
def clerk(centre, make_staff) -> Actor:
    """A counter clerk of the centre, as the actor of the services the tests call."""
    return staff(make_staff(Role.CLERK, locations=["centre"]))
