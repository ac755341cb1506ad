"""The catalogue revision: every catalogue write changes it, so cached grids are never stale."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hamburg_service.appointments import availability
from hamburg_service.catalog.models import (
    CatalogEvent,
    CatalogEventKind,
    CatalogRevision,
    Closure,
    Counter,
    ScheduleRule,
)
from hamburg_service.catalog.revision import revision_current, revision_pinned
from hamburg_service.core.events import event_record
from tests.support.actors import SYSTEM

from .conftest import DAY, NOW, at

revision_migration = importlib.import_module(
    "hamburg_service.catalog.migrations.0002_catalog_revision"
)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def first_times(city, location=None):
    return [
        f.start
        for f in availability.free_times(
            locations=[location or city.location],
            services=[city.anmeldung],
            start=DAY,
            end=DAY,
            limit=3,
        )
    ]


def test_every_catalogue_table_but_the_event_log_is_watched():
    tables = {
        model._meta.db_table
        for model in apps.get_app_config("catalog").get_models(include_auto_created=True)
    } - {CatalogEvent._meta.db_table, CatalogRevision._meta.db_table}
    assert tables == set(revision_migration.WATCHED)


@pytest.mark.django_db
def test_inserts_updates_deletes_and_bulk_updates_each_change_the_revision(city):
    seen = [revision_current()]

    def changed() -> bool:
        seen.append(revision_current())
        return seen[-1] != seen[-2] and seen[-1] is not None

    closure = Closure.objects.create(location=city.location, start_date=DAY, end_date=DAY)
    assert changed()
    closure.counters.add(city.counters[0])
    assert changed()
    Counter.objects.filter(pk=city.counters[1].pk).update(is_active=False)  # no signals
    assert changed()
    closure.delete()
    assert changed()
    with connection.cursor() as cursor:  # raw SQL too
        cursor.execute("UPDATE catalog_service SET handling_minutes = 25")
    assert changed()
    event_record(
        city.location, kind=CatalogEventKind.CHANGED, actor=SYSTEM, at=NOW, data={"summary": "x"}
    )
    assert CatalogEvent.objects.filter(object_type="location", kind="changed").exists()
    seen.append(revision_current())
    assert seen[-1] == seen[-2]  # the event log does not shape availability


@pytest.mark.django_db
def test_a_change_behind_the_orms_back_shows_in_the_next_search(city):
    assert first_times(city) == [at(8), at(8, 10), at(8, 20)]
    assert first_times(city) == [at(8), at(8, 10), at(8, 20)]  # now from the cache
    ScheduleRule.objects.filter(schedule__location=city.location).update(opens=dt.time(9))
    assert first_times(city) == [at(9), at(9, 10), at(9, 20)]
    Counter.objects.filter(location=city.location).update(is_active=False)
    assert first_times(city) == []
    Counter.objects.filter(location=city.location).update(is_active=True)
    Closure.objects.create(
        location=city.location,
        start_date=DAY,
        end_date=DAY,
        start_time=dt.time(9),
        end_time=dt.time(11),
    )
    assert first_times(city) == [at(11), at(11, 10), at(11, 20)]


@pytest.mark.django_db
def test_without_the_revision_row_nothing_is_cached(city):
    assert first_times(city)[0] == at(8)
    CatalogRevision.objects.all().delete()  # as a flushed database has it
    assert revision_current() is None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # and the trigger that would bring the row back
            cursor.execute("DROP TRIGGER catalog_schedulerule_revision ON catalog_schedulerule")
        else:
            cursor.execute("DROP TRIGGER catalog_schedulerule_revision_update")
    ScheduleRule.objects.filter(schedule__location=city.location).update(opens=dt.time(10))
    assert first_times(city)[0] == at(10)


@pytest.mark.django_db
def test_a_warm_search_costs_two_queries_and_a_booking_at_most_twelve(client, city):
    path = "/api/v1/availability?services=anmeldung&start=2030-01-14&end=2030-01-14&limit=3"
    assert client.get(path).status_code == 200  # fills this process's cache
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert answer.status_code == 200
    assert len(answer.json()) == 3
    # The catalogue revision, read once, and the day's counter masks.
    assert [q["sql"].split()[0] for q in queries] == ["SELECT", "SELECT"]

    booking = {
        "location": "centre",
        "services": ["anmeldung"],
        "name": "Erika Mustermann",
        "email": "erika@example.org",
    }
    client.post(
        "/api/v1/appointments",
        {**booking, "start": "2030-01-14T08:00:00+01:00", "email": "warm@example.org"},
        content_type="application/json",
    )
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(
            "/api/v1/appointments",
            {**booking, "start": "2030-01-14T09:00:00+01:00"},
            content_type="application/json",
        )
    assert answer.status_code == 201, answer.content
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) <= 12, statements


@pytest.mark.django_db
def test_inside_a_pinned_request_the_revision_is_read_once(city):
    with revision_pinned():
        first = revision_current()
        with CaptureQueriesContext(connection) as queries:
            assert revision_current() == first
        assert not queries.captured_queries
    Counter.objects.filter(pk=city.counters[0].pk).update(name="Platz 9")
    assert revision_current() != first  # outside the block, every read is fresh


@pytest.mark.django_db
def test_warming_fills_every_grid_of_the_window_so_a_first_booking_day_is_cached(city, settings):
    ahead = max(window[1] for window in settings.BOOKING_WINDOW_DAYS.values())
    assert availability.grids_warm(today=NOW.date()) == 2 * (ahead + 1)  # two locations
    with CaptureQueriesContext(connection) as queries:
        boards = availability.day_boards(
            location_ids=[city.location.pk, city.other.pk],
            start=DAY,
            end=DAY,
            services=[city.anmeldung],
            channel="public",
        )
    assert len(boards) == 2
    # The revision, the skilled counters (first use of this service) and the masks.
    assert len(queries) == 3
