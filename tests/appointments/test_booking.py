"""Booking, confirming, cancelling and moving appointments through the service layer."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from hamburg_service.appointments import availability
from hamburg_service.appointments.models import (
    Appointment,
    AppointmentEvent,
    CounterDay,
    DayLedger,
    SeatClaim,
    Status,
)
from hamburg_service.appointments.selectors import appointment_by_token
from hamburg_service.appointments.services import lifecycle, sweeps
from hamburg_service.catalog.models import Closure, Counter
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound, TooMany
from hamburg_service.notifications.models import Message
from tests.support.actors import RESIDENT, SYSTEM
from tests.support.cities import weekday_location
from tests.support.db import unchanged

from . import conftest
from .conftest import BOOK, DAY, NOW, at, person


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def book(city, start, n=1, svc=None, **kwargs):
    return conftest.book(
        kwargs.pop("location", city.location),
        svc or [city.anmeldung],
        start,
        kwargs.pop("who", person(n)),
        **kwargs,
    )


def ledger_matches_seats(location, day=DAY):
    ledger = DayLedger.objects.filter(location=location, date=day).first()
    booked = ledger.booked_units if ledger else 0
    masks = sum(
        int(m, 16).bit_count()
        for m in CounterDay.objects.filter(location=location, date=day).values_list(
            "taken", flat=True
        )
    )
    seats = availability.booked_units_by_day(location.pk, day, day).get(day, 0)
    return booked == seats == masks


def test_earliest_free_times_start_at_the_first_bookable_day(city):
    found = availability.free_times(
        locations=[city.location, city.other],
        services=[city.anmeldung],
        start=dt.date(2030, 1, 8),
        end=dt.date(2030, 1, 31),
        limit=5,
    )
    assert [f.start for f in found][:2] == [at(8, day=dt.date(2030, 1, 8))] * 2
    assert {f.location_id for f in found[:2]} == {city.location.pk, city.other.pk}
    first = next(f for f in found if f.location_id == city.location.pk)
    assert first.counters == 2
    assert first.end - first.start == dt.timedelta(minutes=20)


def test_times_of_today_start_after_now_and_within_the_asked_time_of_day(city):
    now = at(9, 5).astimezone(dt.UTC)
    found = availability.free_times(
        locations=[city.location],
        services=[city.anmeldung],
        start=DAY,
        end=DAY,
        channel="staff",
        limit=3,
        now=now,
    )
    assert [f.start for f in found] == [at(9, 10), at(9, 20), at(9, 30)]
    assert [f.counters for f in found] == [2, 2, 2]
    window = availability.free_times(
        locations=[city.location, city.other],
        services=[city.anmeldung],
        start=DAY,
        end=DAY + dt.timedelta(days=1),
        earliest_time=dt.time(11, 30),
        latest_time=dt.time(11, 40),
        limit=10,
        now=now,
    )
    # 11:30 and 11:40 at both locations on both days (the visit of 20 minutes ends by 12:00),
    # the earliest day first, then by time, then by location.
    assert [(f.start, f.location_id) for f in window] == sorted(
        (at(h, m, day), loc.pk)
        for day in (DAY, DAY + dt.timedelta(days=1))
        for h, m in ((11, 30), (11, 40))
        for loc in (city.location, city.other)
    )


def test_a_booking_takes_a_seat_records_an_event_and_mails_a_calendar_entry(
    city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(city, at(9))
    appointment = booking.appointment
    assert appointment.status == Status.CONFIRMED
    assert appointment.start == at(9)
    assert appointment.end == at(9, 20)
    assert len(appointment.reference) == 8
    assert appointment.created_at == appointment.confirmed_at == NOW  # confirmed at once
    assert SeatClaim.objects.filter(appointment=appointment).count() == 2
    assert ledger_matches_seats(city.location)
    event = AppointmentEvent.objects.get()
    assert (event.kind, event.at, event.actor_kind, event.actor_name, event.actor_user) == (
        "confirmed",
        NOW,
        "resident",
        "person1@example.org",
        None,
    )
    assert event.data == {"channel": "public"}
    outbox = Message.objects.get()
    assert outbox.template == "appointments/booked"
    assert outbox.about == f"appointment:{appointment.reference}"
    assert outbox.status == "sent"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["person1@example.org"]
    assert appointment.reference in message.body
    assert booking.manage_token in message.body
    assert message.attachments[0][2] == "text/calendar; charset=utf-8; method=PUBLISH"
    ics = message.attachments[0][1]
    assert "DTSTART;TZID=Europe/Berlin:20300114T090000" in (
        ics.decode() if isinstance(ics, bytes) else ics
    )


def test_two_counters_give_two_seats_and_the_third_gets_409_with_next_times(city):
    book(city, at(9), 1)
    book(city, at(9), 2)
    with unchanged(*BOOK), pytest.raises(Conflict) as caught:
        book(city, at(9), 3)
    assert caught.value.status == 409
    assert caught.value.code == "slot-taken"
    next_times = caught.value.extra["next_free_times"]
    assert next_times
    assert next_times[0]["location"] == "centre"
    assert Appointment.objects.count() == 2
    assert ledger_matches_seats(city.location)


def test_overlapping_visits_are_refused_but_touching_ones_fit(city):
    book(city, at(9), 1)
    book(city, at(9), 2)
    with unchanged(*BOOK), pytest.raises(Conflict):
        book(city, at(9, 10), 3)  # both counters busy until 9:20
    book(city, at(9, 20), 4)
    assert SeatClaim.objects.count() == 6


def test_several_services_add_up_and_must_be_combinable(city):
    both = book(city, at(10), svc=[city.anmeldung, city.passport]).appointment
    assert both.units == 4  # 15 + 20 minutes on a 10-minute grid
    city.passport.combinable_with.clear()
    with unchanged(*BOOK), pytest.raises(InvalidInput) as caught:
        book(city, at(11), 2, svc=[city.anmeldung, city.passport])
    assert caught.value.errors[0]["field"] == "services"
    assert caught.value.code == "not-combinable"


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (at(9, day=dt.date(2030, 1, 6)), "time-past"),
        (at(9, 5), "invalid-input"),  # off the grid
        (at(9, day=dt.date(2031, 1, 13)), "outside-booking-window"),
        (dt.datetime(2030, 1, 14, 9, 0), "invalid-input"),  # naive
    ],
)
def test_bad_times_are_refused_naming_the_start(city, start, code):
    with unchanged(*BOOK), pytest.raises(InvalidInput) as caught:
        book(city, start)
    assert caught.value.errors[0]["field"] == "start"
    assert caught.value.code == code
    assert not Appointment.objects.exists()


def test_a_closed_time_is_not_bookable(city):
    assert not availability.free_times(
        locations=[city.location],
        services=[city.anmeldung],
        start=DAY,
        end=DAY,
        earliest_time=dt.time(13),
        limit=5,
    )
    with unchanged(*BOOK), pytest.raises(Conflict) as caught:
        book(city, at(12))  # closes at 12
    assert caught.value.code == "slot-taken"
    Closure.objects.create(location=city.location, start_date=DAY, end_date=DAY)
    with unchanged(*BOOK), pytest.raises(Conflict):
        book(city, at(9))


def test_services_the_location_cannot_serve_are_refused(city):
    with unchanged(*BOOK), pytest.raises(InvalidInput) as caught:
        book(city, at(9), svc=[city.permit])
    assert caught.value.code == "not-offered-here"
    city.anmeldung.access = "walk_in"
    city.anmeldung.save()
    with unchanged(*BOOK), pytest.raises(InvalidInput) as caught:
        book(city, at(9))
    assert caught.value.code == "not-bookable"


def test_bad_person_details_name_the_fields(city):
    with unchanged(*BOOK), pytest.raises(InvalidInput) as caught:
        book(city, at(9), who=person(1, name=" ", email="not-an-address"))
    assert {e["field"] for e in caught.value.errors} == {"name", "email"}


def test_one_active_appointment_per_person_and_service(city):
    book(city, at(9), who=person(1, email="Anna@Example.org"))
    with unchanged(*BOOK), pytest.raises(Conflict) as caught:
        book(city, at(10), who=person(1, email="anna+second@example.org"))
    assert caught.value.code == "already-booked"
    with unchanged(*BOOK), pytest.raises(Conflict) as caught:
        book(city, at(10), location=city.other, who=person(1, email="anna@example.org"))
    assert caught.value.code == "already-booked"
    # Another service is fine.
    book(city, at(10), svc=[city.passport], who=person(1, email="anna@example.org"))


def test_too_many_bookings_per_email_are_refused(city, settings):
    settings.MAX_BOOKINGS_PER_EMAIL_30_DAYS = 2
    first = book(city, at(9), who=person(1, email="busy@example.org")).appointment
    lifecycle.appointment_cancel(appointment=first, actor=RESIDENT)
    book(city, at(10), who=person(1, email="busy@example.org"))
    with unchanged(*BOOK), pytest.raises(TooMany) as caught:
        book(city, at(11), svc=[city.passport], who=person(1, email="busy@example.org"))
    assert caught.value.code == "quota-used-up"


def test_holds_never_confirmed_do_not_count_towards_the_limit_of_the_address(
    city, settings, django_capture_on_commit_callbacks
):
    settings.MAX_BOOKINGS_PER_EMAIL_30_DAYS = 1
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    victim = person(1, email="victim@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        held = book(city, at(9), who=victim).appointment  # someone else typed the address
        assert held.confirmed_at is None
        lifecycle.appointment_cancel(appointment=held, actor=RESIDENT)
    # Its owner never asked for it: one e-mail to confirm, none about the cancellation.
    assert [m.subject for m in mail.outbox] == ["Bitte bestätigen Sie Ihren Termin"]
    later = NOW + dt.timedelta(minutes=1)
    booked = book(city, at(10), who=victim, now=later)
    assert booked.appointment.status == Status.HELD  # the owner is not refused
    lifecycle.appointment_confirm(token=booked.confirm_token, actor=RESIDENT, now=later)
    third = book(city, at(11), svc=[city.passport], who=victim, now=later)
    with unchanged(*BOOK), pytest.raises(TooMany) as caught:
        lifecycle.appointment_confirm(token=third.confirm_token, actor=RESIDENT, now=later)
    assert caught.value.code == "quota-used-up"


def test_a_booking_held_for_confirmation_answers_alike_whatever_the_address_has_booked(
    city, settings, django_capture_on_commit_callbacks
):
    """Nobody learns another person's appointments by typing their address: the limits of
    an address are told to its owner, in the e-mail and when confirming."""
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    owner = person(1, email="owner@example.org")
    first = book(city, at(9), who=owner)
    lifecycle.appointment_confirm(token=first.confirm_token, actor=RESIDENT)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fresh = book(city, at(10), who=person(2, email="fresh@example.org"))
        probe = book(city, at(11), who=person(3, name="Mallory Probe", email="owner@example.org"))
    assert type(probe) is type(fresh)
    for booking in (fresh, probe):
        assert booking.appointment.status == Status.HELD
        assert booking.confirm_token
        assert booking.manage_token
        assert booking.appointment.hold_expires_at == fresh.appointment.hold_expires_at
    to_fresh, to_owner = mail.outbox
    assert to_owner.to == ["owner@example.org"]
    assert "bereits einen Termin für diese Leistung" in to_owner.body
    assert "bereits einen Termin" not in to_fresh.body
    assert "Mallory" not in to_owner.body  # the name typed is not shown to the address's owner
    with unchanged(*BOOK), pytest.raises(Conflict) as caught:
        lifecycle.appointment_confirm(token=probe.confirm_token, actor=RESIDENT)
    assert caught.value.code == "already-booked"
    # The owner may drop the first appointment and keep this one while it is held.
    lifecycle.appointment_cancel(appointment=first.appointment, actor=RESIDENT)
    confirmed = lifecycle.appointment_confirm(token=probe.confirm_token, actor=RESIDENT)
    assert confirmed.status == Status.CONFIRMED


def test_an_address_with_missed_appointments_learns_it_when_confirming(
    city, settings, django_capture_on_commit_callbacks
):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    settings.NO_SHOW_LIMIT = 1
    missed = book(city, at(9, day=DAY - dt.timedelta(days=3)), channel="staff", actor=SYSTEM)
    Appointment.objects.filter(pk=missed.appointment.pk).update(status=Status.NO_SHOW)
    with django_capture_on_commit_callbacks(execute=True):
        held = book(city, at(10))
    assert held.appointment.status == Status.HELD
    assert "bitte rufen sie 115 an" in mail.outbox[-1].body.lower()
    with unchanged(*BOOK), pytest.raises(TooMany) as caught:
        lifecycle.appointment_confirm(token=held.confirm_token, actor=RESIDENT)
    assert caught.value.code == "no-shows"


def test_online_bookings_keep_a_share_for_walk_ins_and_staff(city, settings, clerk):
    settings.WALK_IN_SHARE = 0.25
    settings.STAFF_SHARE = 0.25
    # 2 counters × 24 units = 48; online may fill half: 24 units = 12 two-unit visits.
    starts = [at(8 + (i * 20) // 60, (i * 20) % 60) for i in range(12)]
    for i, start in enumerate(starts):
        book(city, start, i + 1)
    with unchanged(*BOOK), pytest.raises(Conflict):
        book(city, at(11, 20), 99)
    staff = book(city, at(11, 20), 100, channel="staff", actor=clerk).appointment
    assert staff.status == Status.CONFIRMED
    assert staff.events.get().actor_user == clerk.user
    assert ledger_matches_seats(city.location)


def test_hold_is_confirmed_by_the_link_and_released_when_not(
    city, settings, django_capture_on_commit_callbacks
):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        held = book(city, at(9))
    assert held.appointment.status == Status.HELD
    assert held.appointment.confirmed_at is None
    assert held.confirm_token in mail.outbox[0].body
    confirmed = lifecycle.appointment_confirm(token=held.confirm_token, actor=RESIDENT)
    assert confirmed.status == Status.CONFIRMED
    assert confirmed.confirmed_at == NOW
    again = lifecycle.appointment_confirm(token=held.confirm_token, actor=RESIDENT)
    assert again.status == Status.CONFIRMED
    assert list(confirmed.events.values_list("kind", flat=True)) == ["held", "confirmed"]

    late = book(city, at(10), 2)
    with time_machine.travel(NOW + dt.timedelta(minutes=settings.BOOKING_HOLD_MINUTES + 1)):
        with unchanged(*BOOK), pytest.raises(Conflict) as caught:
            lifecycle.appointment_confirm(token=late.confirm_token, actor=RESIDENT)
        assert caught.value.code == "hold-expired"
        assert sweeps.holds_release_expired(actor=SYSTEM) == 1
    late.appointment.refresh_from_db()
    assert late.appointment.status == Status.EXPIRED
    assert late.appointment.events.get(kind="expired").actor == SYSTEM
    assert not SeatClaim.objects.filter(appointment=late.appointment).exists()
    assert ledger_matches_seats(city.location)


def test_a_booking_frees_expired_holds_in_its_way_without_waiting_for_the_sweeper(city, settings):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    holds = [book(city, at(9), n) for n in (1, 2)]  # both counters held at 9:00
    with unchanged(*BOOK), pytest.raises(Conflict):
        book(city, at(9), 3)
    with time_machine.travel(NOW + dt.timedelta(minutes=settings.BOOKING_HOLD_MINUTES + 1)):
        booked = book(city, at(9), 3)
        assert booked.appointment.status == Status.HELD
    for hold in holds:
        hold.appointment.refresh_from_db()
        assert hold.appointment.status == Status.EXPIRED
        assert hold.appointment.events.filter(kind="expired", actor_kind="system").exists()
    assert SeatClaim.objects.filter(appointment=booked.appointment).count() == 2
    assert ledger_matches_seats(city.location)


def test_the_seat_constraint_refuses_what_drifted_masks_would_allow_and_nothing_is_written(
    city,
):
    Counter.objects.filter(pk=city.counters[1].pk).update(is_active=False)  # one counter
    first = book(city, at(9), 1)
    later = book(city, at(10), 2)
    CounterDay.objects.update(taken="0")  # as if the masks had drifted from the seats
    ledger = DayLedger.objects.get(location=city.location, date=DAY).booked_units

    with unchanged(*BOOK), pytest.raises(Conflict) as caught:
        book(city, at(9), 3)
    assert caught.value.status == 409
    assert caught.value.code == "slot-taken"
    with unchanged(*BOOK), pytest.raises(Conflict):
        lifecycle.appointment_move(appointment=later.appointment, start=at(9), actor=RESIDENT)

    assert Appointment.objects.count() == 2
    assert DayLedger.objects.get(location=city.location, date=DAY).booked_units == ledger
    later.appointment.refresh_from_db()
    assert later.appointment.start == at(10)
    assert SeatClaim.objects.filter(appointment=later.appointment).count() == 2
    assert SeatClaim.objects.filter(appointment=first.appointment).count() == 2


def test_forged_tokens_find_nothing(city):
    book(city, at(9))
    with unchanged(*BOOK), pytest.raises(NotFound) as caught:
        lifecycle.appointment_confirm(token="forged", actor=RESIDENT)
    assert caught.value.code == "link-invalid"
    with pytest.raises(NotFound) as caught:
        appointment_by_token(token="forged")
    assert caught.value.code == "link-invalid"


def test_cancel_frees_the_seat_at_once(city):
    booking = book(city, at(9))
    book(city, at(9), 2)
    lifecycle.appointment_cancel(
        appointment=booking.appointment, actor=RESIDENT, reason="verhindert"
    )
    assert booking.appointment.status == Status.CANCELLED
    assert ledger_matches_seats(city.location)
    book(city, at(9), 3)  # the seat is free again
    with unchanged(*BOOK), pytest.raises(Conflict) as caught:
        lifecycle.appointment_cancel(appointment=booking.appointment, actor=RESIDENT)
    assert caught.value.code == "appointment-inactive"
    cancelled = booking.appointment.events.get(kind="cancelled")
    assert (cancelled.at, cancelled.actor, cancelled.data) == (
        NOW,
        RESIDENT,
        {"note": "verhindert"},
    )


def test_move_to_a_later_time_and_by_ten_minutes_over_its_own_seats(city):
    appointment = book(city, at(9)).appointment
    lifecycle.appointment_move(appointment=appointment, start=at(9, 10), actor=RESIDENT)
    assert appointment.start == at(9, 10)
    assert SeatClaim.objects.filter(appointment=appointment).count() == 2
    tomorrow = at(10, day=DAY + dt.timedelta(days=1))
    lifecycle.appointment_move(appointment=appointment, start=tomorrow, actor=RESIDENT)
    assert appointment.start == tomorrow
    assert ledger_matches_seats(city.location)
    assert ledger_matches_seats(city.location, DAY + dt.timedelta(days=1))
    assert appointment.name == "Person 1"
    moves = [
        (dt.datetime.fromisoformat(e.data["from"]), dt.datetime.fromisoformat(e.data["to"]))
        for e in appointment.events.filter(kind="moved")
    ]
    assert moves == [(at(9), at(9, 10)), (at(9, 10), tomorrow)]
    assert appointment.channel == "public"  # a resident moving keeps the online share


def test_move_into_a_full_time_changes_nothing(city):
    mine = book(city, at(9)).appointment
    book(city, at(10), 2)
    book(city, at(10), 3)
    with unchanged(*BOOK), pytest.raises(Conflict) as caught:
        lifecycle.appointment_move(appointment=mine, start=at(10), actor=RESIDENT)
    assert caught.value.code == "slot-taken"
    assert caught.value.extra["next_free_times"]
    mine.refresh_from_db()
    assert mine.start == at(9)
    assert SeatClaim.objects.filter(appointment=mine).count() == 2
    assert ledger_matches_seats(city.location)


def test_move_to_another_location_frees_the_old_seats_in_the_same_step(city):
    """Issue 10.1: a move may go to any location that offers the services; the reference and
    the person stay, the old location's seats and ledger are freed."""
    appointment = book(city, at(9)).appointment
    reference = appointment.reference
    lifecycle.appointment_move(
        appointment=appointment, start=at(10), location=city.other, actor=RESIDENT
    )
    appointment.refresh_from_db()
    assert (appointment.location, appointment.start) == (city.other, at(10))
    assert (appointment.reference, appointment.name) == (reference, "Person 1")
    assert set(SeatClaim.objects.values_list("location_id", flat=True)) == {city.other.pk}
    assert ledger_matches_seats(city.location)
    assert ledger_matches_seats(city.other)
    moved = appointment.events.get(kind="moved")
    assert (moved.data["from_location"], moved.data["to_location"]) == ("centre", "other")
    # The freed time at the centre can be booked again.
    assert book(city, at(9), 2).appointment.location == city.location


def test_a_move_to_a_location_without_the_service_changes_nothing(city):
    mine = book(city, at(9)).appointment
    elsewhere = weekday_location("elsewhere", city.location.district, opens=8, closes=12)
    with unchanged(*BOOK), pytest.raises(InvalidInput) as caught:
        lifecycle.appointment_move(
            appointment=mine, start=at(10), location=elsewhere, actor=RESIDENT
        )
    assert caught.value.code == "not-offered-here"
    mine.refresh_from_db()
    assert (mine.location, mine.start) == (city.location, at(9))


def test_a_moved_hold_is_never_held_past_its_new_start(city, settings):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    settings.BOOKING_HOLD_MINUTES = 30 * 24 * 60
    held = book(city, at(9, day=DAY + dt.timedelta(days=2))).appointment
    lifecycle.appointment_move(appointment=held, start=at(10), actor=RESIDENT)
    held.refresh_from_db()
    assert held.hold_expires_at == held.start == at(10)


def test_times_after_the_spring_dst_switch_are_right(city):
    monday = dt.date(2030, 4, 1)  # the clocks went forward on Sunday 31 March
    with time_machine.travel(dt.datetime(2030, 3, 25, 9, tzinfo=dt.UTC), tick=False):
        found = availability.free_times(
            locations=[city.location],
            services=[city.anmeldung],
            start=dt.date(2030, 3, 29),
            end=monday,
            limit=1,
        )
        assert found[0].start.astimezone(dt.UTC) == dt.datetime(2030, 3, 29, 7, tzinfo=dt.UTC)
        found = availability.free_times(
            locations=[city.location],
            services=[city.anmeldung],
            start=monday,
            end=monday,
            limit=1,
        )
        assert found[0].start.astimezone(dt.UTC) == dt.datetime(2030, 4, 1, 6, tzinfo=dt.UTC)
        appointment = book(city, found[0].start).appointment
    assert appointment.start.astimezone(dt.UTC).hour == 6


def test_a_hold_never_outlasts_the_appointment_and_its_mail_says_until_when(
    city, settings, django_capture_on_commit_callbacks
):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    settings.BOOKING_HOLD_MINUTES = 30 * 24 * 60  # longer than the week to the appointment
    with django_capture_on_commit_callbacks(execute=True):
        held = book(city, at(9)).appointment
    assert held.hold_expires_at == held.start == at(9)
    assert "Wir halten ihn für Sie bis Montag, 14. Januar 2030, 09:00 Uhr." in mail.outbox[-1].body
    settings.BOOKING_HOLD_MINUTES = 20
    short = book(city, at(10), 2).appointment
    assert short.hold_expires_at == NOW + dt.timedelta(minutes=20)


def test_two_holds_of_one_address_do_not_block_each_other_and_a_moved_hold_mails_nobody(
    city, settings, django_capture_on_commit_callbacks
):
    """A double submit, or a stranger's hold with the address: the owner confirms the one
    they mean; only confirmed appointments count then. Moving a hold nobody confirmed tells
    the address's owner nothing."""
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    owner = person(1, email="owner@example.org")
    stranger = book(city, at(9), who=person(9, name="Mallory", email="owner@example.org"))
    mine = book(city, at(10), who=owner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appointment_move(appointment=stranger.appointment, start=at(11), actor=RESIDENT)
    assert mail.outbox == []
    confirmed = lifecycle.appointment_confirm(token=mine.confirm_token, actor=RESIDENT)
    assert confirmed.status == Status.CONFIRMED
    with unchanged(*BOOK), pytest.raises(Conflict) as caught:
        lifecycle.appointment_confirm(token=stranger.confirm_token, actor=RESIDENT)
    assert caught.value.code == "already-booked"
