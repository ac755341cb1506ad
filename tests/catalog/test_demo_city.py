"""The Hamburg demo city and the seeded city generator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from hamburg_service.catalog import selectors
from hamburg_service.catalog.demo import city_generate, demo_city_load
from hamburg_service.catalog.models import (
    KIND_AGENCIES,
    Counter,
    District,
    Location,
    LocationKind,
    Purpose,
    ScheduleRule,
    Service,
    WeeklySchedule,
)

# Monday 9 to Sunday 15 March 2026: no public holiday in Hamburg.
NORMAL_WEEK = (dt.date(2026, 3, 9), dt.date(2026, 3, 15))


def week_minutes(rows: list[selectors.WeekRow]) -> int:
    return sum(
        (close.hour * 60 + close.minute) - (opens.hour * 60 + opens.minute)
        for row in rows
        for opens, close in row.spans
    )


def test_demo_has_the_districts_and_locations_of_hamburg(demo_city):
    assert District.objects.count() == 7
    kinds = {kind: Location.objects.filter(kind=kind).count() for kind in LocationKind.values}
    assert kinds == {
        LocationKind.RESIDENTS: 23,
        LocationKind.IMMIGRATION: 8,
        LocationKind.WELCOME: 1,
    }
    assert {loc.district_id for loc in Location.objects.all()} == set(
        District.objects.values_list("pk", flat=True)
    )


def test_demo_has_about_thirty_services_each_offered_somewhere_it_may_be(demo_city):
    services = list(Service.objects.prefetch_related("locations"))

    assert 28 <= len(services) <= 35
    for service in services:
        places = list(service.locations.all())
        assert places, service.slug
        assert all(service.agency in KIND_AGENCIES[loc.kind] for loc in places), service.slug


def test_demo_counters_are_skilled_only_for_what_their_location_offers(demo_city):
    for counter in Counter.objects.prefetch_related("services", "location__services"):
        offered = set(counter.location.services.all())
        assert set(counter.services.all()) <= offered, str(counter)
    assert Counter.objects.count() > 0


def test_every_immigration_office_is_open_thirty_hours_a_week(demo_city):
    offices = list(Location.objects.filter(kind=LocationKind.IMMIGRATION))
    assert len(offices) == 8

    resolved = selectors.opening_hours_many(
        locations=offices, start=NORMAL_WEEK[0], end=NORMAL_WEEK[1]
    )

    for office in offices:
        standard = selectors.standard_week(location=office, on=NORMAL_WEEK[0])
        assert week_minutes(standard) == 30 * 60, office.slug
        days = resolved[office.pk]
        assert all(d.holiday is None and not d.closures for d in days)
        assert sum(i.minutes for d in days for i in d.open) == 30 * 60, office.slug
        # Closed at the weekend.
        assert [d.is_open for d in days] == [True] * 5 + [False] * 2


def test_demo_booking_hours_lie_within_opening_hours(demo_city):
    location = Location.objects.get(kind=LocationKind.WELCOME)
    opening = selectors.opening_hours(location=location, start=NORMAL_WEEK[0], end=NORMAL_WEEK[1])
    booking = selectors.opening_hours(
        location=location, start=NORMAL_WEEK[0], end=NORMAL_WEEK[1], purpose=Purpose.BOOKING
    )

    for open_day, booking_day in zip(opening, booking, strict=True):
        for interval in booking_day.open:
            assert any(o.start <= interval.start and interval.end <= o.end for o in open_day.open)
    assert sum(i.minutes for d in booking for i in d.open) < sum(
        i.minutes for d in opening for i in d.open
    )


def test_loading_the_demo_again_changes_nothing(demo_city):
    rows_before = (
        Location.objects.count(),
        Service.objects.count(),
        Counter.objects.count(),
        WeeklySchedule.objects.count(),
        ScheduleRule.objects.count(),
    )

    report = demo_city_load()

    assert report.changed is False
    assert str(report) == "created: nothing; updated: nothing"
    assert rows_before == (
        Location.objects.count(),
        Service.objects.count(),
        Counter.objects.count(),
        WeeklySchedule.objects.count(),
        ScheduleRule.objects.count(),
    )


def test_loading_the_demo_repairs_what_was_changed(demo_city):
    office = Location.objects.filter(kind=LocationKind.IMMIGRATION).first()
    office.name_de = "Falscher Name"
    office.save()
    ScheduleRule.objects.filter(schedule__location=office).delete()

    report = demo_city_load()

    assert report.changed
    office.refresh_from_db()
    assert office.name_de != "Falscher Name"
    assert week_minutes(selectors.standard_week(location=office, on=NORMAL_WEEK[0])) == 30 * 60


# --- generated cities -------------------------------------------------------------------------

GEN = {"locations": 40, "services": 25, "counters_per_location": 5}


def created(report, model) -> int:
    """How many rows of `model` a LoadReport says it created (keyed by the English plural)."""
    with translation.override("en"):
        return report.created[str(model._meta.verbose_name_plural)]


def skills_snapshot() -> dict[tuple[str, str], list[str]]:
    return {
        (c.location.slug, c.name): sorted(s.slug for s in c.services.all())
        for c in Counter.objects.select_related("location").prefetch_related("services")
    }


@pytest.mark.django_db
def test_city_generate_creates_the_asked_size():
    report = city_generate(**GEN, seed=3)

    assert created(report, Location) == 40
    assert created(report, Counter) == 200
    assert Location.objects.count() == 40
    assert Service.objects.count() == 25
    assert Counter.objects.count() == 40 * 5
    assert Location.objects.filter(kind=LocationKind.IMMIGRATION).count() == 8
    assert all(c for c in skills_snapshot().values())  # every counter can serve something
    for counter in Counter.objects.prefetch_related("services", "location__services"):
        assert set(counter.services.all()) <= set(counter.location.services.all())


@pytest.mark.django_db
def test_city_generate_is_reproducible_from_its_seed():
    city_generate(**GEN, seed=3)
    first = skills_snapshot()

    again = city_generate(**GEN, seed=3)

    assert again.changed is False
    assert skills_snapshot() == first

    # From scratch, the same seed gives the same city.
    Counter.objects.all().delete()
    WeeklySchedule.objects.all().delete()
    Service.objects.all().delete()
    Location.objects.all().delete()
    fresh = city_generate(**GEN, seed=3)
    assert created(fresh, Location) == 40
    assert skills_snapshot() == first


@pytest.mark.django_db
def test_city_generate_with_another_seed_gives_other_skills():
    city_generate(**GEN, seed=3)
    first = skills_snapshot()

    other = city_generate(**GEN, seed=4)

    assert other.changed
    assert skills_snapshot() != first
