"""Pieces of the small test cities of the appointments and visits tests."""

from __future__ import annotations

import datetime as dt

from hamburg_service.catalog.models import (
    District,
    Location,
    Purpose,
    ScheduleRule,
    WeeklySchedule,
)


def weekday_location(slug: str, district: District, *, opens: int, closes: int) -> Location:
    """A residents' centre open Monday to Friday from `opens` to `closes` o'clock."""
    location = Location.objects.create(
        slug=slug,
        name_de=slug.title(),
        name_en=slug.title(),
        kind="residents",
        district=district,
        street="Musterstraße 1",
        postcode="20095",
        latitude=53.55,
        longitude=10.0,
    )
    schedule = WeeklySchedule.objects.create(
        location=location, purpose=Purpose.OPENING, valid_from=dt.date(2020, 1, 1)
    )
    ScheduleRule.objects.bulk_create(
        ScheduleRule(schedule=schedule, weekday=d, opens=dt.time(opens), closes=dt.time(closes))
        for d in range(5)
    )
    return location
