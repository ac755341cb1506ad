"""Retention of the appointment book, the queue and the outbox: personal data is blanked after
its time; the rows stay for the figures; every run is reported."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from hamburg_service.appointments import jobs as appointment_jobs
from hamburg_service.appointments.models import AppointmentEvent, Booker
from hamburg_service.catalog.models import Service
from hamburg_service.core.models import RetentionRun
from hamburg_service.core.scheduler import jobs as scheduled
from hamburg_service.notifications import jobs as notification_jobs
from hamburg_service.notifications.models import Message, MessageStatus
from hamburg_service.visits import jobs as visit_jobs
from hamburg_service.visits.models import Ticket
from hamburg_service.visits.services import tickets
from tests.support.actors import RESIDENT

from . import conftest
from .conftest import DAY, NOW, at, person

LATER = dt.datetime.combine(DAY + dt.timedelta(days=91), dt.time(12), tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_appointments_lose_whom_after_their_time_and_keep_the_rest(city):
    old = conftest.book(city.location, [city.anmeldung], at(9), person(1)).appointment
    later = conftest.book(
        city.location, [city.anmeldung], at(9, day=DAY + dt.timedelta(days=30)), person(2)
    ).appointment
    assert appointment_jobs.retention(LATER) == 1
    old.refresh_from_db()
    later.refresh_from_db()
    assert (old.name, old.email, old.phone) == ("", "", "")
    assert old.status == "confirmed"  # the figures keep what happened
    assert AppointmentEvent.objects.filter(appointment=old).exclude(actor_name="").count() == 0
    assert later.name == "Person 2"
    assert not Booker.objects.filter(email_normalised="person1@example.org").exists()
    run = RetentionRun.objects.get(rule="appointments.personal_data")
    assert (run.count, run.before) == (1, LATER - dt.timedelta(days=90))
    assert appointment_jobs.retention(LATER) == 0  # nothing twice


def test_tickets_and_sent_messages_lose_whom(city, settings):
    settings.WALK_IN_DAILY_QUOTA = 10
    service = Service.objects.create(
        slug="walk", name_de="Walk", name_en="Walk", agency="residents", handling_minutes=5
    )
    service.locations.add(city.location)
    with time_machine.travel(at(9), tick=False):
        ticket, _token = tickets.ticket_issue(
            location=city.location, services=[service], actor=RESIDENT
        )
    Ticket.objects.filter(pk=ticket.pk).update(email="walk@example.org")
    sent = Message.objects.create(
        created_at=NOW,
        recipient="person@example.org",
        template="appointments/booked",
        context={"appointment_id": 1},
        status=MessageStatus.SENT,
        next_attempt_at=NOW,
    )
    waiting = Message.objects.create(
        created_at=NOW,
        recipient="waiting@example.org",
        template="appointments/booked",
        status=MessageStatus.QUEUED,
        next_attempt_at=NOW,
    )
    assert visit_jobs.retention(LATER) == 1
    assert notification_jobs.retention(LATER) == 1
    ticket.refresh_from_db()
    sent.refresh_from_db()
    waiting.refresh_from_db()
    assert ticket.email == ""
    assert (sent.recipient, sent.context) == ("", {})
    assert waiting.recipient == "waiting@example.org"  # not sent yet: kept


def test_every_retention_rule_is_a_daily_job():
    names = {job.name for job in scheduled()}
    for name in (
        "appointments.retention",
        "visits.retention",
        "notifications.retention",
        "people.retention",
        "accounts.access_log_retention",
    ):
        assert name in names
