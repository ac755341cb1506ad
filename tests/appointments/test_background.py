"""E-mails wait in the outbox and the database task queue until a worker sends them; a failed
delivery is retried by the scheduler; expired holds and past seats are swept by its jobs."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from hamburg_service.appointments.models import Appointment, CounterDay, SeatClaim, Status
from hamburg_service.core.errors import Conflict
from hamburg_service.core.scheduler import scheduler_tick
from hamburg_service.notifications.models import Message, MessageStatus
from tests.support.db import unchanged

from . import conftest
from .conftest import NOW, at, person

WORKER = ["db_worker", "--batch", "--no-startup-delay", "--no-reload", "-v0"]


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def book(city, n=1, start=None):
    return conftest.book(city.location, [city.anmeldung], start or at(9), person(n))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The worker closes its database connection between tasks, as in production: these tests
# commit for real instead of running inside a rolled-back transaction.
@pytest.mark.django_db(transaction=True)
def test_mail_waits_in_the_queue_until_a_worker_sends_it(city, database_queue):
    booked = book(city).appointment
    assert DBTaskResult.objects.count() == 1
    message = Message.objects.get()
    assert (message.status, message.template, message.about) == (
        MessageStatus.QUEUED,
        "appointments/booked",
        f"appointment:{booked.reference}",
    )
    assert mail.outbox == []
    call_command(*WORKER)
    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == (MessageStatus.SENT, 1, NOW)


@pytest.mark.django_db(transaction=True)
def test_the_mail_task_commits_with_its_booking_and_a_refused_booking_queues_none(
    city, database_queue
):
    for n in (1, 2):  # both counters
        book(city, n)
    with unchanged(Appointment, SeatClaim, Message, DBTaskResult), pytest.raises(Conflict):
        book(city, 3)
    assert DBTaskResult.objects.count() == 2  # the refused booking's task rolled back with it
    assert Message.objects.count() == 2
    call_command(*WORKER)
    assert sorted(m.to[0] for m in mail.outbox) == ["person1@example.org", "person2@example.org"]


@pytest.mark.django_db(transaction=True)
def test_a_failed_mail_is_retried_later(city, database_queue, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()  # the SMTP server is down
    settings.EMAIL_TIMEOUT = 5
    book(city)
    call_command(*WORKER)
    assert mail.outbox == []
    message = Message.objects.get()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=30)
    assert list(message.events.values_list("kind", flat=True)) == ["attempt_failed"]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # up again
    later = NOW + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        assert "notifications.deliver" in scheduler_tick(later)
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == (MessageStatus.SENT, 2, later)


def test_the_scheduler_releases_holds_not_confirmed_in_time(city, settings):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    held = book(city).appointment
    with unchanged(Appointment, SeatClaim):
        assert "appointments.holds_release" in scheduler_tick(NOW)
    held.refresh_from_db()
    assert held.status == Status.HELD
    later = NOW + dt.timedelta(minutes=settings.BOOKING_HOLD_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        assert "appointments.holds_release" in scheduler_tick(later)
    held.refresh_from_db()
    assert held.status == Status.EXPIRED
    expired = held.events.get(kind="expired")
    assert (expired.at, expired.actor_kind, expired.actor_name) == (
        later,
        "system",
        "appointments.holds_release",
    )
    assert not SeatClaim.objects.exists()


def test_the_nightly_job_forgets_seats_of_past_days_but_keeps_the_appointments(city):
    booked = book(city).appointment
    assert SeatClaim.objects.exists()
    assert CounterDay.objects.exists()
    before = dt.datetime(2030, 1, 15, 1, 0, tzinfo=dt.UTC)  # 02:00 in Berlin, the next night
    after = dt.datetime(2030, 1, 15, 1, 31, tzinfo=dt.UTC)  # 02:31
    with time_machine.travel(before, tick=False):
        assert "appointments.past_seats_forget" not in scheduler_tick(before)
    assert SeatClaim.objects.exists()
    with time_machine.travel(after, tick=False):
        assert "appointments.past_seats_forget" in scheduler_tick(after)
    assert not SeatClaim.objects.exists()
    assert not CounterDay.objects.exists()
    assert Appointment.objects.get(pk=booked.pk).status == Status.CONFIRMED
