"""Never two appointments on one seat, however many requests race: real threads and real
processes against the real database (SQLite in WAL mode, or PostgreSQL when DATABASE_URL says so).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections import Counter as Tally
from pathlib import Path

import pytest
from django.db import connections

from hamburg_service.appointments import availability
from hamburg_service.appointments.models import Appointment, CounterDay, DayLedger, SeatClaim
from hamburg_service.appointments.services import lifecycle
from hamburg_service.catalog import hours
from hamburg_service.core.errors import AppError
from hamburg_service.notifications.models import Message
from tests.support.actors import RESIDENT
from tests.support.db import database_url

from . import conftest
from .conftest import person

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def first_free(city):
    today = dt.date.today()
    found = availability.free_times(
        locations=[city.location],
        services=[city.anmeldung],
        start=today + dt.timedelta(days=2),
        end=today + dt.timedelta(days=60),
        limit=1,
    )
    assert found, "the test city has no free time"
    return found[0].start


def assert_book_is_consistent(city):
    claims = list(SeatClaim.objects.values_list("counter_id", "start"))
    assert len(claims) == len(set(claims)), "two appointments on one seat"
    for ledger in DayLedger.objects.all():
        seats = availability.booked_units_by_day(ledger.location_id, ledger.date, ledger.date)
        assert ledger.booked_units == seats.get(ledger.date, 0), "ledger drifted from the seats"
    masks = {(row.counter_id, row.date): int(row.taken, 16) for row in CounterDay.objects.all()}
    expected: dict[tuple[int, object], int] = {}
    for counter_id, moment in claims:
        day = moment.astimezone(hours.BERLIN).date()
        key = (counter_id, day)
        expected[key] = expected.get(key, 0) | 1 << availability.unit_of(moment, day)
    assert {k: v for k, v in masks.items() if v} == expected, "masks drifted from the seats"
    per_appointment = Tally(SeatClaim.objects.values_list("appointment_id", flat=True))
    for appointment in Appointment.objects.filter(status__in=("held", "confirmed")):
        assert per_appointment[appointment.pk] == appointment.units
    # Exactly one e-mail per booking was queued: a refused one rolled its message back.
    assert Message.objects.filter(template="appointments/booked").count() == (
        Appointment.objects.count()
    )


def test_threads_racing_for_one_time_get_exactly_one_seat_per_counter(city):
    start = first_free(city)
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(12)

    def attempt(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            conftest.book(city.location, [city.anmeldung], start, person(n))
            result = "booked"
        except AppError as error:
            result = f"{error.status} {error.code}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Tally(outcomes) == {"booked": 2, "409 slot-taken": 10}
    assert Appointment.objects.count() == 2
    assert_book_is_consistent(city)


def test_threads_booking_overlapping_times_never_share_a_seat(city):
    start = first_free(city)
    starts = [start + dt.timedelta(minutes=10 * (n % 4)) for n in range(16)]
    errors: list[str] = []
    barrier = threading.Barrier(16)

    def attempt(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            conftest.book(city.location, [city.anmeldung], starts[n], person(n))
        except AppError as error:
            if error.code != "slot-taken":
                errors.append(f"{error.status} {error.detail}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert Appointment.objects.count() >= 2
    assert_book_is_consistent(city)


def test_cancel_and_book_racing_leave_the_ledger_exact(city):
    start = first_free(city)
    first = conftest.book(city.location, [city.anmeldung], start, person(100)).appointment
    barrier = threading.Barrier(6)

    def cancel() -> None:
        barrier.wait(timeout=10)
        try:
            lifecycle.appointment_cancel(
                appointment=Appointment.objects.get(pk=first.pk), actor=RESIDENT
            )
        finally:
            connections.close_all()

    def book(n: int) -> None:
        barrier.wait(timeout=10)
        try:
            conftest.book(city.location, [city.anmeldung], start, person(n))
        except AppError:
            pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cancel)] + [
        threading.Thread(target=book, args=(n,)) for n in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert_book_is_consistent(city)
    assert Appointment.objects.filter(status="confirmed").count() <= 2
    cancelled = Appointment.objects.get(pk=first.pk)
    assert cancelled.status == "cancelled"
    assert list(cancelled.events.values_list("kind", flat=True)) == ["confirmed", "cancelled"]


BOOK_SCRIPT = """
import datetime as dt, json, os, sys, django
sys.path.insert(0, {src!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamburg_service.settings")
django.setup()
from django.conf import settings
settings.WALK_IN_SHARE = 0.0
settings.STAFF_SHARE = 0.0
settings.BOOKING_CONFIRM_BY_EMAIL = False
from hamburg_service.appointments.services.booking import Slot, appointment_book
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.catalog.models import Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import AppError
n = int(sys.argv[1])
start = dt.datetime.fromisoformat(sys.argv[2])
location = Location.objects.get(slug="centre")
try:
    appointment_book(
        slot=Slot.of(location, [Service.objects.get(slug="anmeldung")], start),
        person=PersonInput(name=f"P{{n}}", email=f"p{{n}}@example.org"),
        actor=Actor.resident(f"p{{n}}@example.org"),
    )
    print(json.dumps("booked"))
except AppError as error:
    print(json.dumps(f"{{error.status}} {{error.code}}"))
"""


def test_processes_racing_for_one_time_get_exactly_one_seat_per_counter(city):
    start = first_free(city)
    script = BOOK_SCRIPT.format(src=str(ROOT / "src"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CONN_MAX_AGE": "0",
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(n), start.isoformat()],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    assert Tally(outcomes) == {"booked": 2, "409 slot-taken": 6}
    assert_book_is_consistent(city)
