"""The waitlist: freed capacity goes to the person waiting longest, held for them for a while;
cancelled seats are kept back for the waitlist before anyone else can book them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from hamburg_service.appointments import services, waitlist
from hamburg_service.appointments.models import Appointment, Status, WaitlistEntry
from hamburg_service.core.errors import Conflict, InvalidInput

from .conftest import DAY, NOW, at, person


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def full_day(city, settings):
    """Only DAY is wanted, and DAY is fully booked (2 counters × 12 visits)."""
    settings.CANCEL_RELEASE_MINUTES = 30
    bookings = []
    for n in range(24):
        start = at(8 + (n // 2 * 20) // 60, (n // 2 * 20) % 60)
        bookings.append(
            services.appointment_book(
                location=city.location,
                services=[city.anmeldung],
                start=start,
                person=person(100 + n),
            )
        )
    return bookings


def join(city, n, **kw):
    return waitlist.waitlist_join(
        services_=[city.anmeldung],
        locations=[city.location],
        date_from=DAY,
        date_to=DAY,
        person=person(n),
        **kw,
    )


def statuses(entry):
    return list(entry.events.values_list("status", flat=True))


def sweep(capture):
    with capture(execute=True):
        call_command("appointments_sweep")


def test_joining_sends_a_leave_link_and_refuses_a_second_entry(
    city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry, token = join(city, 1)
    assert entry.status == "waiting"
    assert token in mail.outbox[0].body
    with pytest.raises(Conflict):
        join(city, 1)
    assert waitlist.waitlist_entry_by_token(token=token).pk == entry.pk
    waitlist.waitlist_leave(entry=entry)
    entry.refresh_from_db()
    assert entry.status == "left"
    assert statuses(entry) == ["waiting", "left"]


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [
        (DAY, DAY - dt.timedelta(days=1), "date_to"),
        (dt.date(2031, 6, 1), dt.date(2031, 6, 2), "date_from"),
    ],
)
def test_bad_periods_are_refused(city, date_from, date_to, field):
    with pytest.raises(InvalidInput) as caught:
        waitlist.waitlist_join(
            services_=[city.anmeldung],
            locations=[],
            date_from=date_from,
            date_to=date_to,
            person=person(1),
        )
    assert caught.value.errors[0]["field"] == field
    assert not WaitlistEntry.objects.exists()


def test_a_cancelled_time_goes_to_the_longest_waiting_not_to_the_public(
    city, full_day, django_capture_on_commit_callbacks
):
    first, _ = join(city, 1)
    second, _ = join(city, 2)
    services.appointment_cancel(appointment=full_day[5].appointment)
    freed = full_day[5].appointment.start
    with pytest.raises(Conflict):  # held back: the public cannot take it
        services.appointment_book(
            location=city.location, services=[city.anmeldung], start=freed, person=person(9)
        )
    mail.outbox.clear()
    sweep(django_capture_on_commit_callbacks)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "offered"
    assert second.status == "waiting"
    offer = first.offer
    assert offer.start == freed
    assert offer.status == Status.HELD
    assert offer.hold_expires_at == NOW + dt.timedelta(hours=24)
    assert [m.to for m in mail.outbox] == [["person1@example.org"]]
    assert "/confirm/" in mail.outbox[0].body


def test_an_offer_not_confirmed_in_time_goes_to_the_next_person(
    city, full_day, django_capture_on_commit_callbacks
):
    first, _ = join(city, 1)
    second, _ = join(city, 2)
    services.appointment_cancel(appointment=full_day[0].appointment)
    sweep(django_capture_on_commit_callbacks)
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        sweep(django_capture_on_commit_callbacks)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "lapsed"
    assert second.status == "offered"
    assert second.offer.start == full_day[0].appointment.start
    assert statuses(first) == ["waiting", "offered", "lapsed"]
    assert statuses(second) == ["waiting", "offered"]


def test_a_confirmed_offer_books_and_leaves_the_waitlist(
    city, full_day, django_capture_on_commit_callbacks
):
    entry, _ = join(city, 1)
    services.appointment_cancel(appointment=full_day[3].appointment)
    sweep(django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    confirm = [m for m in mail.outbox if "/confirm/" in m.body][-1].body
    token = confirm.split("/confirm/")[1].split("/")[0]
    services.appointment_confirm(token=token)
    sweep(django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.status == "booked"
    assert entry.offer.status == Status.CONFIRMED
    assert statuses(entry) == ["waiting", "offered", "booked"]
    assert entry.offer.reference in entry.events.get(status="offered").note


def test_someone_who_left_gets_no_offer_and_the_next_person_does(
    city, full_day, django_capture_on_commit_callbacks
):
    first, _ = join(city, 1)
    second, _ = join(city, 2)
    waitlist.waitlist_leave(entry=first)
    services.appointment_cancel(appointment=full_day[2].appointment)
    sweep(django_capture_on_commit_callbacks)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.offer) == ("left", None)
    assert statuses(first) == ["waiting", "left"]
    assert second.status == "offered"


def test_without_waiting_people_cancelled_seats_are_released_after_the_delay(
    city, full_day, django_capture_on_commit_callbacks
):
    cancelled = full_day[7].appointment
    services.appointment_cancel(appointment=cancelled)
    sweep(django_capture_on_commit_callbacks)
    with pytest.raises(Conflict):
        services.appointment_book(
            location=city.location,
            services=[city.anmeldung],
            start=cancelled.start,
            person=person(9),
        )
    with time_machine.travel(NOW + dt.timedelta(minutes=31), tick=False):
        sweep(django_capture_on_commit_callbacks)
        booked = services.appointment_book(
            location=city.location,
            services=[city.anmeldung],
            start=cancelled.start,
            person=person(9),
        )
    assert booked.appointment.status == Status.CONFIRMED
    assert Appointment.objects.filter(status=Status.CONFIRMED).count() == 24


def test_new_capacity_is_offered_without_any_cancellation(
    city, full_day, django_capture_on_commit_callbacks
):
    entry, _ = join(city, 1)
    sweep(django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.status == "waiting"
    from hamburg_service.catalog.models import Counter

    extra = Counter.objects.create(location=city.location, name="Platz 3")
    extra.services.add(city.anmeldung)
    sweep(django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.status == "offered"
    assert entry.offer.counter == extra


def test_the_waitlist_page_joins_and_the_leave_page_leaves(
    city, client, django_capture_on_commit_callbacks
):
    page = client.get("/appointments/waitlist/?services=anmeldung&location=centre")
    assert page.status_code == 200
    assert 'value="anmeldung"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        joined = client.post(
            "/appointments/waitlist/",
            {
                "services": ["anmeldung"],
                "locations": ["centre"],
                "date_from": DAY.isoformat(),
                "date_to": DAY.isoformat(),
                "name": "Erika",
                "email": "erika@example.org",
            },
        )
    assert joined.status_code == 200
    entry = WaitlistEntry.objects.get()
    leave = mail.outbox[0].body.split("/waitlist/leave/")[1].split("/")[0]
    assert client.post(f"/appointments/waitlist/leave/{leave}/").status_code == 302
    entry.refresh_from_db()
    assert entry.status == "left"
    bad = client.post("/appointments/waitlist/", {"services": ["anmeldung"], "email": "x"})
    assert bad.status_code == 422
    assert 'value="x"' in bad.content.decode()


def test_a_waiting_period_that_ended_lapses_with_an_event(city):
    entry, _ = join(city, 1)
    with time_machine.travel(
        dt.datetime.combine(entry.date_to + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    ):
        waitlist.waitlist_settle()
    entry.refresh_from_db()
    assert entry.status == "lapsed"
    assert statuses(entry) == ["waiting", "lapsed"]
    assert entry.events.last().note == "period over"
