"""Reminders before the appointment, no-shows and closures over booked appointments."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.appointments.models import (
    Appointment,
    AppointmentEvent,
    SeatClaim,
    Status,
)
from hamburg_service.appointments.selectors import appointment_by_token
from hamburg_service.appointments.services import lifecycle
from hamburg_service.catalog.models import Closure
from hamburg_service.core.errors import Conflict, TooMany
from hamburg_service.notifications.models import Message
from tests.support.actors import RESIDENT
from tests.support.db import unchanged

from . import conftest
from .conftest import DAY, NOW, at, person, sweep


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the scheduler's appointment jobs with their on-commit e-mails executed."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            sweep()

    return run


def book(city, start, n=1, **kw):
    return conftest.book(city.location, [city.anmeldung], start, person(n), **kw).appointment


def test_reminder_goes_out_once_two_days_before_with_keep_and_cancel_links(city, run_on_commit):
    appointment = book(city, at(9))
    run_on_commit()
    assert mail.outbox == []  # a week ahead: too early
    two_days_before = at(9) - dt.timedelta(hours=47)
    with time_machine.travel(two_days_before, tick=False):
        run_on_commit()
        run_on_commit()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "?keep=1" in body
    token = body.split("/manage/")[1].split("/")[0]
    assert appointment_by_token(token=token).pk == appointment.pk
    appointment.refresh_from_db()
    assert appointment.reminded_at == two_days_before
    reminded = appointment.events.get(kind="reminded")
    assert (reminded.at, reminded.actor_kind, reminded.actor_name) == (
        two_days_before,
        "system",
        "appointments.reminders",
    )
    assert Message.objects.filter(template="appointments/reminder").count() == 1


def test_keep_link_asks_and_only_the_button_records_the_answer_once(city, client):
    booking = conftest.book(city.location, [city.anmeldung], at(9), person())
    url = f"/appointments/manage/{booking.manage_token}/?keep=1"
    with unchanged(Appointment, AppointmentEvent, SeatClaim):
        for _ in range(2):  # mail scanners open links: a visit records nothing
            page = client.get(url)
            assert page.status_code == 200
            assert 'name="action" value="keep"' in page.content.decode()
    assert 'value="keep"' not in client.get(url.split("?")[0]).content.decode()
    for _ in range(2):
        pressed = client.post(url, {"action": "keep"})
        assert pressed.status_code == 302
        assert pressed["Location"] == f"/appointments/manage/{booking.manage_token}/"
    kept = AppointmentEvent.objects.filter(kind="kept")
    assert kept.count() == 1
    assert (kept.get().actor_kind, kept.get().actor_name, kept.get().at) == (
        "resident",
        "person1@example.org",
        NOW,
    )
    booking.appointment.refresh_from_db()
    assert booking.appointment.status == Status.CONFIRMED
    assert SeatClaim.objects.filter(appointment=booking.appointment).count() == 2


def test_staff_mark_a_no_show_only_after_the_start(city, client_as):
    appointment = book(city, at(9))
    desk = client_as(Role.FRONT_DESK, locations=["centre"])
    url = f"/appointments/staff/appointment/{appointment.reference}/"
    with unchanged(Appointment, AppointmentEvent):
        early = desk.post(url, {"action": "no_show", "reason": "-"})
    assert early.status_code == 409
    with time_machine.travel(at(9, 30), tick=False):
        desk = client_as(Role.FRONT_DESK, locations=["centre"])  # a new working day's sign-in
        done = desk.post(url, {"action": "no_show", "reason": "-"})
        assert done.status_code == 302
        assert done["Location"] == url
    appointment.refresh_from_db()
    assert appointment.status == Status.NO_SHOW
    event = appointment.events.get(kind="no_show")
    assert event.actor.is_staff
    assert event.actor_user is not None
    assert event.at == at(9, 30)
    with unchanged(Appointment, AppointmentEvent), pytest.raises(Conflict) as caught:
        lifecycle.appointment_no_show(appointment=appointment, actor=event.actor)
    assert caught.value.code == "not-confirmed"


def test_repeated_no_shows_stop_online_booking_but_not_staff_booking(city, settings, clerk):
    settings.NO_SHOW_LIMIT = 2
    for hour in (8, 9):
        missed = book(
            city, at(hour, day=DAY - dt.timedelta(days=3)), 1, channel="staff", actor=clerk
        )
        Appointment.objects.filter(pk=missed.pk).update(status=Status.NO_SHOW)
    with unchanged(Appointment, AppointmentEvent, SeatClaim), pytest.raises(TooMany) as caught:
        book(city, at(10), 1)
    assert caught.value.code == "no-shows"
    staff = book(city, at(10), 1, channel="staff", actor=clerk)
    assert staff.status == Status.CONFIRMED


def test_a_closure_over_booked_times_is_listed_for_staff_and_the_people_are_told(
    city, client_as, run_on_commit
):
    hit = book(city, at(9), 1)
    spared = book(city, at(11), 2)
    Closure.objects.create(
        location=city.location,
        start_date=DAY,
        end_date=DAY,
        start_time=dt.time(8, 30),
        end_time=dt.time(10),
    )
    desk = client_as(Role.FRONT_DESK, locations=["centre"])
    page = desk.get(f"/appointments/staff/centre/?date={DAY.isoformat()}").content.decode()
    listed = page.split('id="affected-heading"')[1].split("</section>")[0]
    assert hit.reference in listed
    assert spared.reference not in listed
    run_on_commit()
    run_on_commit()
    assert [m.to for m in mail.outbox] == [["person1@example.org"]]
    assert "/move/" in mail.outbox[0].body
    hit.refresh_from_db()
    assert hit.closure_notified_at == NOW
    assert hit.status == Status.CONFIRMED  # people choose a new time; nothing is cancelled
    told = hit.events.get(kind="closure")
    assert (told.actor_kind, told.actor_name) == ("system", "appointments.closure_notices")
    assert not spared.events.filter(kind="closure").exists()


def test_a_closure_of_one_counter_hits_only_appointments_on_it(city, run_on_commit):
    first = book(city, at(9), 1)
    second = book(city, at(9), 2)
    closure = Closure.objects.create(location=city.location, start_date=DAY, end_date=DAY)
    closure.counters.add(first.counter)
    run_on_commit()
    assert [m.to for m in mail.outbox] == [["person1@example.org"]]
    second.refresh_from_db()
    assert second.closure_notified_at is None


# --- issue 10.10: what a closure and a lapsed hold tell staff and people -----------------------


def test_saving_a_closure_says_how_many_appointments_it_hits_and_links_them(city, client_as):
    hit = book(city, at(9), 1)
    also = book(city, at(10), 2)
    book(city, at(9, day=DAY + dt.timedelta(days=1)), 3)  # the next day: spared
    lead = client_as(Role.LOCATION_LEAD, locations=["centre"])
    saved = lead.post(
        "/staff/locations/centre/",
        {"start_date": DAY.isoformat(), "end_date": DAY.isoformat(), "reason_de": "Umzug"},
    )
    closure = Closure.objects.get()
    assert saved["Location"] == f"/appointments/staff/centre/closures/{closure.pk}/"
    page = lead.get(saved["Location"]).content.decode()
    assert "Betrifft 2 Termine" in page
    assert "Die Schließung wurde gespeichert." in page
    for appointment in (hit, also):
        assert f'href="/appointments/staff/appointment/{appointment.reference}/"' in page
    assert "Grund: Umzug" in page
    logged = AccessLog.objects.get(purpose="closure")
    assert (logged.hits, logged.location) == (2, city.location)
    # Another location's closure answers like one that does not exist.
    other = Closure.objects.create(location=city.other, start_date=DAY, end_date=DAY)
    assert lead.get(f"/appointments/staff/centre/closures/{other.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("language", "reason"), [("de", "Grund: Wasserschaden"), ("en", "Reason: Water damage")]
)
def test_the_closure_e_mail_states_the_reason_in_the_persons_language(
    city, run_on_commit, language, reason
):
    conftest.book(city.location, [city.anmeldung], at(9), person(1, language=language))
    Closure.objects.create(
        location=city.location,
        start_date=DAY,
        end_date=DAY,
        reason_de="Wasserschaden",
        reason_en="Water damage",
    )
    run_on_commit()
    assert reason in mail.outbox[0].body


def test_an_appointment_hit_by_a_closure_says_so_until_it_is_moved(city, run_on_commit):
    booking = conftest.book(city.location, [city.anmeldung], at(9), person(1))
    Closure.objects.create(location=city.location, start_date=DAY, end_date=DAY, reason_de="Umzug")
    run_on_commit()
    url = f"/appointments/manage/{booking.manage_token}/"
    page = Client().get(url).content.decode()
    assert "Bitte verschieben Sie diesen Termin" in page
    assert "Grund: Umzug" in page
    assert f'href="{url}move/"' in page
    moved = lifecycle.appointment_move(
        appointment=booking.appointment,
        start=at(9, day=DAY + dt.timedelta(days=1)),
        actor=RESIDENT,
    )
    assert moved.closure_notified_at is None  # a later closure is told anew
    assert "Bitte verschieben Sie diesen Termin" not in Client().get(url).content.decode()


def test_a_lapsed_hold_tells_the_person_and_its_page_says_why(city, settings, run_on_commit):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    settings.BOOKING_HOLD_MINUTES = 20
    booking = conftest.book(city.location, [city.anmeldung], at(9), person(1))
    mail.outbox.clear()
    with time_machine.travel(NOW + dt.timedelta(minutes=21), tick=False):
        run_on_commit()
    booking.appointment.refresh_from_db()
    assert booking.appointment.status == Status.EXPIRED
    assert [m.subject for m in mail.outbox] == ["Die für Sie gehaltene Zeit wurde freigegeben"]
    assert "nicht rechtzeitig bestätigt" in mail.outbox[0].body
    page = Client().get(f"/appointments/manage/{booking.manage_token}/").content.decode()
    assert "nicht rechtzeitig bestätigt und wurde freigegeben" in page
