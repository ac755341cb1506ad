"""The database helpers of the booking path: cached inserts and the SQLite write queue."""

from __future__ import annotations

import datetime as dt
import fcntl
import threading

import pytest
from django.db import connection

from hamburg_service.catalog.models import CatalogEvent, CatalogEventKind, District
from hamburg_service.core import db
from hamburg_service.feedback.models import AccessibilityFeedback


@pytest.mark.django_db
def test_rows_insert_writes_what_save_would_and_sets_the_key_of_a_single_row():
    one = District(slug="mitte", name_de="Mitte", name_en="Centre")
    db.rows_insert([one])
    assert one.pk is not None
    assert not one._state.adding
    assert District.objects.get(pk=one.pk).name_en == "Centre"

    feedback = AccessibilityFeedback(message="Der Kontrast ist zu schwach.")
    db.rows_insert([feedback])  # auto_now_add is filled in as by save()
    stored_feedback = AccessibilityFeedback.objects.get(pk=feedback.pk)
    assert abs(stored_feedback.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)

    at = dt.datetime(2030, 1, 14, 9, 0, tzinfo=dt.UTC)
    event = CatalogEvent(
        kind=CatalogEventKind.CREATED,
        object_type="district",
        object_id=one.pk,
        at=at,
        actor_kind="system",
        actor_name="tests",
        data={"summary": "Mitte"},
    )
    db.rows_insert([event])  # JSON is prepared as by save()
    stored = CatalogEvent.objects.get(pk=event.pk)
    assert (stored.at, stored.kind, stored.data) == (at, "created", {"summary": "Mitte"})

    db.rows_insert(
        [District(slug=f"d{i}", name_de=f"Bezirk {i}", name_en=f"District {i}") for i in range(3)]
    )
    assert set(District.objects.values_list("slug", flat=True)) == {"mitte", "d0", "d1", "d2"}


@pytest.mark.django_db(transaction=True)
def test_booking_writers_queue_on_the_file_lock_on_sqlite_and_not_on_postgresql():
    entered = threading.Event()

    def writer() -> None:
        try:
            with db.write_transaction():
                entered.set()
        finally:
            connection.close()

    queue = db._queue_path(str(connection.settings_dict["NAME"]))
    with queue.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # someone else is writing
        thread = threading.Thread(target=writer)
        thread.start()
        waited = not entered.wait(0.5)
        fcntl.flock(held, fcntl.LOCK_UN)
    thread.join(10)
    assert entered.is_set()
    # SQLite: the writer waits in line; PostgreSQL locks rows and needs no queue.
    assert waited == (connection.vendor == "sqlite")


@pytest.mark.django_db(transaction=True)
def test_table_vacuum_runs_on_postgresql_outside_a_transaction_only():
    from django.db import transaction

    assert db.table_vacuum(District) is (connection.vendor == "postgresql")
    with transaction.atomic():
        assert db.table_vacuum(District) is False  # PostgreSQL refuses VACUUM in a transaction
