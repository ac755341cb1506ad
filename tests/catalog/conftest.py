"""Small explicit catalogue builders for the catalogue tests (no demo data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import pytest

from hamburg_service.catalog import services
from hamburg_service.catalog.models import (
    Access,
    Agency,
    Channel,
    Counter,
    District,
    Location,
    LocationKind,
    Purpose,
    Service,
    WeeklySchedule,
)
from hamburg_service.catalog.validation import RuleInput
from tests.support.actors import SYSTEM

# weekday (0 = Monday) -> [("08:00", "12:00"), ...]
Week = dict[int, list[tuple[str, str]]]


def rules_of(week: Week) -> list[RuleInput]:
    return [
        RuleInput(day, dt.time.fromisoformat(opens), dt.time.fromisoformat(closes))
        for day, spans in week.items()
        for opens, closes in spans
    ]


@pytest.fixture
def district(db: None) -> District:
    return District.objects.create(slug="altona", name_de="Altona", name_en="Altona")


@pytest.fixture
def make_location(district: District) -> Callable[..., Location]:
    numbers = iter(range(1, 10_000))

    def make(
        slug: str | None = None, kind: str = LocationKind.RESIDENTS, **fields: Any
    ) -> Location:
        n = next(numbers)
        values: dict[str, Any] = {
            "slug": slug or f"standort-{n}",
            "name_de": f"Standort {n}",
            "name_en": f"Location {n}",
            "kind": kind,
            "district": district,
            "street": f"Teststraße {n}",
            "postcode": "22765",
            "latitude": Decimal("53.550000"),
            "longitude": Decimal("9.930000"),
        }
        values.update(fields)
        return Location.objects.create(**values)

    return make


@pytest.fixture
def make_service(db: None) -> Callable[..., Service]:
    numbers = iter(range(1, 10_000))

    def make(
        slug: str | None = None,
        agency: str = Agency.RESIDENTS,
        at: Iterable[Location] = (),
        **fields: Any,
    ) -> Service:
        n = next(numbers)
        values: dict[str, Any] = {
            "slug": slug or f"leistung-{n}",
            "name_de": f"Leistung {n}",
            "name_en": f"Service {n}",
            "agency": agency,
            "handling_minutes": 15,
            "channel": Channel.ON_SITE,
            "access": Access.BOTH,
        }
        values.update(fields)
        service = Service.objects.create(**values)
        service.locations.set(list(at))
        return service

    return make


@pytest.fixture
def make_counter(db: None) -> Callable[..., Counter]:
    def make(
        location: Location, name: str, skills: Iterable[Service] = (), *, is_active: bool = True
    ) -> Counter:
        counter = Counter.objects.create(location=location, name=name, is_active=is_active)
        counter.services.set(list(skills))
        return counter

    return make


@pytest.fixture
def make_schedule(db: None) -> Callable[..., WeeklySchedule]:
    def make(
        location: Location,
        week: Week,
        *,
        valid_from: dt.date = dt.date(2026, 1, 1),
        valid_until: dt.date | None = None,
        purpose: str = Purpose.OPENING,
        label: str = "",
    ) -> WeeklySchedule:
        return services.schedule_create(
            location=location,
            purpose=purpose,
            valid_from=valid_from,
            valid_until=valid_until,
            rules=rules_of(week),
            label=label,
            actor=SYSTEM,
        )

    return make
