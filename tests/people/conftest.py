"""Shared pieces of the person-record tests: a fixed clock, a clerk, and people to create."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hamburg_service.accounts.models import Role
from hamburg_service.core.actors import Actor
from hamburg_service.people.checks import Address, BirthDate
from hamburg_service.people.models import Person
from hamburg_service.people.services import identity

# 10 March 2025, 10:00 in Hamburg.
NOW = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2025, 3, 10)
HOME = Address(street="Kirchenallee", house_number="1", postcode="20099")
FLAT = Address(street="Eppendorfer Weg", house_number="12a", postcode="20259")
ROOM = Address(street="Bahrenfelder Straße", house_number="3-5", postcode="22765")


def person_input(**fields: Any) -> identity.PersonInput:
    values: dict[str, Any] = {
        "family_name": "Meier",
        "given_names": "Anna Maria",
        "sex": "w",
        "birth": BirthDate(1985, 3, 4),
        "birth_place": "Hamburg",
        "birth_country": "DEU",
        "nationalities": ("DEU",),
    }
    values.update(fields)
    return identity.PersonInput(**values)


@pytest.fixture
def clerk(make_staff) -> Actor:
    return Actor.staff(make_staff(Role.CLERK))


@pytest.fixture
def make_person(clerk):
    def make(*, now: dt.datetime = NOW, **fields: Any) -> Person:
        return identity.person_create(data=person_input(**fields), actor=clerk, now=now).person

    return make
