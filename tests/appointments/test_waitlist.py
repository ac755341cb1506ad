"""The waitlist: freed capacity goes to the person waiting longest, held for them for a while;
cancelled seats are kept back for the waitlist before anyone else can book them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from hamburg_service.appointments.models import (
    Appointment,
    AppointmentEvent,
    SeatClaim,
    Status,
    WaitlistEntry,
    WaitlistEvent,
)
from hamburg_service.appointments.selectors import waitlist_entry_by_token
from hamburg_service.appointments.services import lifecycle, waitlist
from hamburg_service.appointments.services.tokens import leave_token_from
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.notifications.models import Message
from tests.support.actors import RESIDENT, SYSTEM
from tests.support.db import unchanged

from . import conftest
from .conftest import DAY, NOW, at, person

WAITLIST = (WaitlistEntry, WaitlistEvent, Message)
BOOK = (Appointment, AppointmentEvent, SeatClaim, Message)


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
        bookings.append(conftest.book(city.location, [city.anmeldung], start, person(100 + n)))
    return bookings


def join(city, n, *, confirm=True, **kw):
    """Ask to join as person n (and confirm the address, as its owner would by the link);
    returns the entry and the token of its link."""
    entry = waitlist.waitlist_join(
        services=[city.anmeldung],
        locations=[city.location],
        date_from=DAY,
        date_to=DAY,
        person=person(n),
        actor=kw.pop("actor", RESIDENT),
        **kw,
    )
    assert entry is not None
    if confirm:
        entry = waitlist.waitlist_confirm(entry=entry, actor=RESIDENT)
    return entry, leave_token_from(entry.leave_nonce)


def statuses(entry):
    return list(entry.events.values_list("kind", flat=True))


def book(city, start, n):
    return conftest.book(city.location, [city.anmeldung], start, person(n))


def cancel(appointment):
    lifecycle.appointment_cancel(appointment=appointment, actor=RESIDENT)


def sweep(capture):
    with capture(execute=True):
        conftest.sweep()


def test_joining_waits_for_the_address_to_be_confirmed(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry, token = join(city, 1, confirm=False)
    assert entry.status == "pending"
    assert token in mail.outbox[0].body
    assert Message.objects.get().template == "appointments/waitlist_joined"
    assert waitlist.waitlist_offer_due(actor=SYSTEM) == 0  # a pending entry is never offered
    entry = waitlist.waitlist_confirm(entry=entry, actor=RESIDENT)
    assert (entry.status, entry.confirmed_at) == ("waiting", NOW)
    with unchanged(*WAITLIST):  # confirming twice changes nothing
        waitlist.waitlist_confirm(entry=entry, actor=RESIDENT)
    assert waitlist_entry_by_token(token=token).pk == entry.pk
    waitlist.waitlist_leave(entry=entry, actor=RESIDENT)
    entry.refresh_from_db()
    assert entry.status == "left"
    assert statuses(entry) == ["joined", "confirmed", "left"]
    assert [(e.actor_kind, e.at) for e in entry.events.all()] == [("resident", NOW)] * 3
    with unchanged(*WAITLIST):  # leaving twice changes nothing
        waitlist.waitlist_leave(entry=entry, actor=RESIDENT)


def test_a_second_request_answers_the_same_and_tells_the_owner(
    city, django_capture_on_commit_callbacks
):
    join(city, 1)
    with django_capture_on_commit_callbacks(execute=True), unchanged(WaitlistEntry, WaitlistEvent):
        again = waitlist.waitlist_join(
            services=[city.anmeldung],
            locations=[],
            date_from=DAY,
            date_to=DAY + dt.timedelta(days=3),
            person=person(1),
            actor=RESIDENT,
        )
    assert again is None  # no second entry; the caller answers as for a new one
    assert [m.to for m in mail.outbox] == [["person1@example.org"]]
    assert mail.outbox[0].subject == "Sie stehen bereits auf der Warteliste"


def test_an_unconfirmed_request_lapses(city):
    entry, _token = join(city, 1, confirm=False)
    later = NOW + dt.timedelta(hours=25)
    assert waitlist.waitlist_settle(actor=SYSTEM, now=later) == 1
    entry.refresh_from_db()
    assert entry.status == "lapsed"
    assert entry.events.last().data == {"reason": "not confirmed"}


def test_entries_nobody_can_serve_never_starve_the_people_behind_them(city, full_day, settings):
    settings.WAITLIST_OFFERS_PER_SWEEP = 2
    # Someone floods the waitlist first with entries for a day that stays full…
    for n in range(20):
        join(city, 200 + n)
    # …and behind them someone waits for any day of the week.
    behind = waitlist.waitlist_join(
        services=[city.anmeldung],
        locations=[city.location],
        date_from=DAY,
        date_to=DAY + dt.timedelta(days=4),
        person=person(2),
        actor=RESIDENT,
    )
    assert behind is not None
    waitlist.waitlist_confirm(entry=behind, actor=RESIDENT)
    assert waitlist.waitlist_offer_due(actor=SYSTEM) == 1
    behind.refresh_from_db()
    assert behind.status == "offered"
    assert WaitlistEntry.objects.filter(status="offered").count() == 1


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [
        (DAY, DAY - dt.timedelta(days=1), "date_to"),
        (dt.date(2031, 6, 1), dt.date(2031, 6, 2), "date_from"),
    ],
)
def test_bad_periods_are_refused(city, date_from, date_to, field):
    with unchanged(*WAITLIST), pytest.raises(InvalidInput) as caught:
        waitlist.waitlist_join(
            services=[city.anmeldung],
            locations=[],
            date_from=date_from,
            date_to=date_to,
            person=person(1),
            actor=RESIDENT,
        )
    assert caught.value.errors[0]["field"] == field
    assert not WaitlistEntry.objects.exists()


def test_a_cancelled_time_goes_to_the_longest_waiting_not_to_the_public(
    city, full_day, django_capture_on_commit_callbacks
):
    first, _ = join(city, 1)
    second, _ = join(city, 2)
    cancel(full_day[5].appointment)
    freed = full_day[5].appointment.start
    with unchanged(*BOOK), pytest.raises(Conflict):  # held back: the public cannot take it
        book(city, freed, 9)
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
    assert offer.events.get().kind == "held"
    assert Message.objects.filter(template="appointments/waitlist_offer").count() == 1
    offered = first.events.get(kind="offered")
    assert (offered.actor_kind, offered.actor_name, offered.at) == (
        "system",
        "appointments.waitlist_offer",
        NOW,
    )
    assert offered.data["reference"] == offer.reference
    assert offered.data["location"] == "centre"


def test_an_offer_not_confirmed_in_time_goes_to_the_next_person(
    city, full_day, django_capture_on_commit_callbacks
):
    first, _ = join(city, 1)
    second, _ = join(city, 2)
    cancel(full_day[0].appointment)
    sweep(django_capture_on_commit_callbacks)
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        sweep(django_capture_on_commit_callbacks)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "lapsed"
    assert second.status == "offered"
    assert second.offer.start == full_day[0].appointment.start
    assert statuses(first) == ["joined", "confirmed", "offered", "lapsed"]
    assert statuses(second) == ["joined", "confirmed", "offered"]
    assert first.offer.status == Status.EXPIRED


def test_a_confirmed_offer_books_and_leaves_the_waitlist(
    city, full_day, django_capture_on_commit_callbacks
):
    entry, _ = join(city, 1)
    cancel(full_day[3].appointment)
    sweep(django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    confirm = [m for m in mail.outbox if "/confirm/" in m.body][-1].body
    token = confirm.split("/confirm/")[1].split("/")[0]
    lifecycle.appointment_confirm(token=token, actor=RESIDENT)
    sweep(django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.status == "booked"
    assert entry.offer.status == Status.CONFIRMED
    assert entry.offer.confirmed_at == NOW
    assert statuses(entry) == ["joined", "confirmed", "offered", "booked"]
    assert entry.events.get(kind="offered").data["reference"] == entry.offer.reference


def test_someone_who_left_gets_no_offer_and_the_next_person_does(
    city, full_day, django_capture_on_commit_callbacks
):
    first, _ = join(city, 1)
    second, _ = join(city, 2)
    waitlist.waitlist_leave(entry=first, actor=RESIDENT)
    cancel(full_day[2].appointment)
    sweep(django_capture_on_commit_callbacks)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.offer) == ("left", None)
    assert statuses(first) == ["joined", "confirmed", "left"]
    assert second.status == "offered"


def test_without_waiting_people_cancelled_seats_are_released_after_the_delay(
    city, full_day, django_capture_on_commit_callbacks
):
    cancelled = full_day[7].appointment
    cancel(cancelled)
    sweep(django_capture_on_commit_callbacks)
    with unchanged(*BOOK), pytest.raises(Conflict):
        book(city, cancelled.start, 9)
    with time_machine.travel(NOW + dt.timedelta(minutes=31), tick=False):
        sweep(django_capture_on_commit_callbacks)
        cancelled.refresh_from_db()
        assert cancelled.release_at is None
        booked = book(city, cancelled.start, 9)
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
    assert entry.status == "pending"
    assert entry.events.get().actor_name == "erika@example.org"
    link = mail.outbox[0].body.split("/waitlist/leave/")[1].split("/")[0]
    assert 'id="confirm"' in client.get(f"/appointments/waitlist/leave/{link}/").content.decode()
    confirm = client.post(f"/appointments/waitlist/leave/{link}/", {"action": "confirm"})
    assert confirm.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "waiting"
    assert client.post(f"/appointments/waitlist/leave/{link}/").status_code == 302
    entry.refresh_from_db()
    assert entry.status == "left"
    assert statuses(entry) == ["joined", "confirmed", "left"]
    with unchanged(*WAITLIST):
        bad = client.post("/appointments/waitlist/", {"services": ["anmeldung"], "email": "x"})
        assert client.post("/appointments/waitlist/leave/forged/").status_code == 404
    assert bad.status_code == 422
    assert 'value="x"' in bad.content.decode()


def test_a_waiting_period_that_ended_lapses_with_an_event(city):
    entry, _ = join(city, 1)
    later = dt.datetime.combine(entry.date_to + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    assert waitlist.waitlist_settle(actor=SYSTEM, now=later) == 1
    entry.refresh_from_db()
    assert entry.status == "lapsed"
    assert statuses(entry) == ["joined", "confirmed", "lapsed"]
    lapsed = entry.events.last()
    assert (lapsed.data, lapsed.at, lapsed.actor) == ({"reason": "period over"}, later, SYSTEM)


def test_the_api_answers_a_repeated_request_exactly_like_a_first_one(city, client):
    body = {
        "services": ["anmeldung"],
        "locations": ["centre"],
        "date_from": DAY.isoformat(),
        "date_to": DAY.isoformat(),
        "name": "Erika",
        "email": "erika@example.org",
    }
    first = client.post("/api/v1/waitlist", data=body, content_type="application/json")
    with unchanged(WaitlistEntry, WaitlistEvent):
        again = client.post("/api/v1/waitlist", data=body, content_type="application/json")
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert "leave_token" not in first.json()  # the link goes to the address, not the caller
    assert WaitlistEntry.objects.get().status == "pending"
