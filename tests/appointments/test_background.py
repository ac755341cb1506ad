"""E-mails go through the database task queue and a worker; expired holds are swept."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from hamburg_service.appointments import notifications, services
from hamburg_service.appointments.models import SeatClaim, Status
from hamburg_service.core.errors import Conflict

from .conftest import NOW, at, person

WORKER = ["db_worker", "--batch", "--no-startup-delay", "--no-reload", "-v0"]


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


# The worker closes its database connection between tasks, as in production: these tests
# commit for real instead of running inside a rolled-back transaction.
@pytest.mark.django_db(transaction=True)
def test_mail_waits_in_the_queue_until_a_worker_sends_it(city, database_queue):
    services.appointment_book(
        location=city.location, services=[city.anmeldung], start=at(9), person=person()
    )
    assert DBTaskResult.objects.count() == 1
    assert mail.outbox == []
    call_command(*WORKER)
    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_the_mail_task_commits_with_its_booking_and_a_refused_booking_queues_none(
    city, database_queue
):
    for n in (1, 2):  # both counters
        services.appointment_book(
            location=city.location, services=[city.anmeldung], start=at(9), person=person(n)
        )
    with pytest.raises(Conflict):
        services.appointment_book(
            location=city.location, services=[city.anmeldung], start=at(9), person=person(3)
        )
    assert DBTaskResult.objects.count() == 2  # the refused booking's task rolled back with it
    call_command(*WORKER)
    assert sorted(m.to[0] for m in mail.outbox) == ["person1@example.org", "person2@example.org"]


@pytest.mark.django_db(transaction=True)
def test_a_failed_mail_is_retried_later(city, database_queue, monkeypatch):
    real_send = notifications.send_now
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionRefusedError("SMTP down")
        real_send(*args, **kwargs)

    monkeypatch.setattr(notifications, "send_now", flaky)
    services.appointment_book(
        location=city.location, services=[city.anmeldung], start=at(9), person=person()
    )
    call_command(*WORKER)
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 2  # the failed try enqueued its retry
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        call_command(*WORKER)
    assert len(mail.outbox) == 1


def test_the_sweeper_releases_holds_not_confirmed_in_time(city, settings):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    held = services.appointment_book(
        location=city.location, services=[city.anmeldung], start=at(9), person=person()
    ).appointment
    call_command("appointments_sweep")
    held.refresh_from_db()
    assert held.status == Status.HELD
    with time_machine.travel(NOW + dt.timedelta(minutes=settings.BOOKING_HOLD_MINUTES + 1)):
        call_command("appointments_sweep")
    held.refresh_from_db()
    assert held.status == Status.EXPIRED
    assert not SeatClaim.objects.exists()


def test_the_sweeper_forgets_seats_of_past_days_but_keeps_the_appointments(city):
    from hamburg_service.appointments.models import Appointment, CounterDay

    booked = services.appointment_book(
        location=city.location, services=[city.anmeldung], start=at(9), person=person()
    ).appointment
    assert SeatClaim.objects.exists()
    assert CounterDay.objects.exists()
    with time_machine.travel(at(9) + dt.timedelta(days=1), tick=False):
        call_command("appointments_sweep")
    assert not SeatClaim.objects.exists()
    assert not CounterDay.objects.exists()
    assert Appointment.objects.get(pk=booked.pk).status == Status.CONFIRMED
