"""Calendar files (.ics) that calendars keep right: the wall-clock time in Europe/Berlin with its
VTIMEZONE, one UID per appointment whose SEQUENCE grows with every move, and a CANCEL when the
appointment is cancelled. Each file is read back with a strict RFC 5545 parser (`ical`)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from ical.calendar import Calendar
from ical.calendar_stream import IcsCalendarStream
from ical.event import EventStatus

from hamburg_service.appointments.services import lifecycle
from hamburg_service.catalog.hours import BERLIN as ZONE
from tests.support.actors import RESIDENT

from .conftest import DAY, NOW, at, book, person

AFTER_THE_SWITCH = dt.date(2030, 4, 1)  # a Monday in summer time (CEST, UTC+2)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def parsed(ics: bytes | str) -> Calendar:
    text = ics.decode() if isinstance(ics, bytes) else ics
    assert "\r\n" in text  # lines end in CRLF, as RFC 5545 asks
    return IcsCalendarStream.calendar_from_ics(text)


def attachment(message) -> Calendar:
    [(name, content, media_type)] = message.attachments
    assert name.endswith(".ics")
    assert media_type.startswith("text/calendar; charset=utf-8; method=")
    return parsed(content)


def test_times_are_wall_clock_times_in_berlin_with_their_zone(city, client):
    winter = book(city.location, [city.anmeldung], at(9), person(1))
    # (the fixtures' `at` is winter time; summer time needs the zone itself)
    nine_in_summer = dt.datetime.combine(AFTER_THE_SWITCH, dt.time(9), tzinfo=ZONE)
    summer = book(city.location, [city.anmeldung], nine_in_summer, person(2))
    for booking, day in ((winter, DAY), (summer, AFTER_THE_SWITCH)):
        response = client.get(f"/appointments/manage/{booking.manage_token}/calendar.ics")
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = parsed(response.content)
        assert [zone.tz_id for zone in calendar.timezones] == ["Europe/Berlin"]
        [event] = calendar.events
        assert event.dtstart.tzinfo is not None
        assert str(event.dtstart.tzinfo) == "Europe/Berlin"
        assert (event.dtstart.date(), event.dtstart.time()) == (day, dt.time(9))
        assert event.dtstart == booking.appointment.start
        assert b"DTSTART;TZID=Europe/Berlin:" in response.content
        assert event.sequence == 0
        assert event.status == EventStatus.CONFIRMED
        assert calendar.method == "PUBLISH"


def test_a_move_keeps_the_uid_with_a_higher_sequence_and_a_cancel_removes_it(
    city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(city.location, [city.anmeldung], at(9), person(1))
    [booked] = [attachment(m) for m in mail.outbox]
    uid = booked.events[0].uid
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appointment_move(appointment=booking.appointment, start=at(11), actor=RESIDENT)
    [moved] = [attachment(m) for m in mail.outbox]
    [event] = moved.events
    assert (event.uid, event.sequence) == (uid, 1)
    assert event.dtstart.time() == dt.time(11)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appointment_cancel(appointment=booking.appointment, actor=RESIDENT)
    [cancelled] = [attachment(m) for m in mail.outbox]
    assert cancelled.method == "CANCEL"
    assert cancelled.events[0].organizer is not None  # calendars honour a CANCEL from it
    [event] = cancelled.events
    assert (event.uid, event.sequence, event.status) == (uid, 2, EventStatus.CANCELLED)


def test_a_held_booking_is_tentative_until_confirmed(city, client, settings):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    held = book(city.location, [city.anmeldung], at(9), person(1))
    url = f"/appointments/manage/{held.manage_token}/calendar.ics"
    assert parsed(client.get(url).content).events[0].status == EventStatus.TENTATIVE
    lifecycle.appointment_confirm(token=held.confirm_token, actor=RESIDENT)
    assert parsed(client.get(url).content).events[0].status == EventStatus.CONFIRMED
