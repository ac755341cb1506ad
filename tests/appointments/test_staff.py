"""Front desk and phone staff: the day view, finding, booking for a caller, moving, cancelling."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.appointments.models import (
    Appointment,
    AppointmentEvent,
    Status,
)
from hamburg_service.appointments.services import lifecycle
from hamburg_service.notifications.models import Message
from tests.support.db import unchanged

from . import conftest
from .conftest import BOOK, DAY, NOW, at, person


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desk(city, client_as):
    return client_as(Role.FRONT_DESK, locations=["centre"])


def book(city, who):
    return conftest.book(city.location, [city.anmeldung], at(9), who).appointment


def test_day_view_lists_the_days_appointments_and_logs_the_read(city, desk):
    booked = book(city, person(1))
    page = desk.get(f"/appointments/staff/centre/?date={DAY.isoformat()}")
    html = page.content.decode()
    assert booked.reference in html
    assert "Person 1" in html
    entry = AccessLog.objects.get()
    assert entry.subject_type == "appointment_list"
    assert entry.purpose == "appointment_book"
    assert entry.location == city.location
    assert entry.hits == 1
    assert entry.at == NOW
    assert entry.actor.username.startswith("staff")
    assert "Person" not in entry.subject_ref  # the log names the place, not the person
    week = desk.get(f"/appointments/staff/centre/?date={DAY.isoformat()}&days=7")
    assert booked.reference in week.content.decode()
    assert AccessLog.objects.filter(subject_type="appointment_list").count() == 2


def test_find_by_reference_name_or_email(city, desk):
    booked = book(city, person(1, name="Erika Mustermann", email="Erika@Example.org"))
    for q in (booked.reference.lower(), "Musterm", "erika@example.org"):
        assert (
            booked.reference
            in desk.get("/appointments/staff/centre/find/", {"q": q}).content.decode()
        ), q
    searches = AccessLog.objects.filter(subject_type="appointment_search")
    assert [(e.purpose, e.hits) for e in searches] == [("find_for_caller", 1)] * 3
    assert "Musterm" not in str(list(searches.values_list("criteria", flat=True)))
    short = desk.get("/appointments/staff/centre/find/", {"q": "ab"})
    assert "error" in short.content.decode() or "mindestens" in short.content.decode()
    assert searches.count() == 3  # an invalid search reads nothing


def test_staff_book_for_a_caller_within_the_staff_share(city, desk, settings):
    settings.WALK_IN_SHARE = 0.5
    settings.STAFF_SHARE = 0.5  # nothing left online; staff may still book
    page = desk.get(
        "/appointments/staff/centre/new/", {"services": "anmeldung", "after": DAY.isoformat()}
    )
    assert page.status_code == 200
    assert at(8).isoformat() in page.content.decode()
    response = desk.post(
        f"/appointments/staff/centre/new/?services=anmeldung&after={DAY.isoformat()}",
        {"start": at(8).isoformat(), "name": "Anrufer", "email": "caller@example.org"},
    )
    assert response.status_code == 302
    # Back on the book, on the day just booked, where the new appointment is.
    assert response["Location"] == f"/appointments/staff/centre/?date={DAY.isoformat()}"
    appointment = Appointment.objects.get()
    assert appointment.channel == "staff"
    assert appointment.status == Status.CONFIRMED
    assert appointment.confirmed_at == NOW
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert event.actor.is_staff
    assert event.actor_kind == "staff"
    assert event.actor_user.username.startswith("staff")
    assert event.data == {"channel": "staff"}
    assert Message.objects.get().template == "appointments/booked"


NEW = f"/appointments/staff/centre/new/?services=anmeldung&after={DAY.isoformat()}"


@pytest.mark.parametrize(
    ("contact", "phone"),
    [({"phone": "040 428 28 0"}, "040 428 28 0"), ({"no_contact": "on"}, "")],
)
def test_staff_book_a_caller_without_an_e_mail_address(city, desk, contact, phone):
    """Issue 10.4: an elderly caller without e-mail is booked by phone or with no contact;
    no e-mail is queued, the message speaks to the member of staff, and a confirmation can be
    printed in the caller's language."""
    response = desk.post(
        NEW, {"start": at(8).isoformat(), "name": "Hertha Meyer", "language": "en", **contact}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    appointment = Appointment.objects.get()
    assert (appointment.email, appointment.phone, appointment.language) == ("", phone, "en")
    assert not Message.objects.exists()
    day = desk.get(response["Location"]).content.decode()
    assert f"Gebucht für Hertha Meyer: {appointment.reference}." in day
    assert "Lesen Sie die Buchungsnummer vor" in day
    printed = desk.get(f"/appointments/staff/appointment/{appointment.reference}/print/")
    page = printed.content.decode()
    assert printed.status_code == 200
    assert '<html lang="en">' in page
    assert "Appointment confirmation" in page
    assert appointment.reference in page
    assert "<svg" in page
    assert AccessLog.objects.filter(purpose="appointment_details").exists()
    # A second booking without an address is not the same person: no shared limits.
    second = desk.post(NEW, {"start": at(9).isoformat(), "name": "Heinz Meyer", "no_contact": "on"})
    assert second.status_code == 302
    assert Appointment.objects.filter(email="").count() == 2


def test_staff_booking_needs_some_way_to_reach_the_caller_and_keeps_the_input(city, desk):
    with unchanged(*BOOK):
        response = desk.post(NEW, {"start": at(8).isoformat(), "name": "Hertha Meyer"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Geben Sie die E-Mail-Adresse oder Telefonnummer der anrufenden Person an" in page
    assert 'value="Hertha Meyer"' in page
    assert "Name der anrufenden Person" in page  # the form speaks to the member of staff


def test_a_link_request_never_reaches_an_appointment_booked_without_an_address(city, desk):
    desk.post(NEW, {"start": at(8).isoformat(), "name": "Hertha Meyer", "no_contact": "on"})
    appointment = Appointment.objects.get()
    lifecycle.appointment_link_request(reference=appointment.reference, email="")
    # Nor with the digest of an empty address: such appointments are never looked up.
    assert not lifecycle.appointment_link_send(
        reference=appointment.reference, address=lifecycle._address_mac("")
    )
    assert not Message.objects.exists()


def test_staff_move_and_cancel_need_a_reason_and_record_the_actor(city, desk):
    booked = book(city, person(1))
    url = f"/appointments/staff/appointment/{booked.reference}/"
    with unchanged(*BOOK):
        no_reason = desk.post(url, {"action": "cancel", "reason": ""})
    assert no_reason.status_code == 422
    moved = desk.post(url, {"action": "move", "reason": "Anruf", "start": at(10).isoformat()})
    assert moved.status_code == 302
    booked.refresh_from_db()
    assert booked.start == at(10)
    assert booked.channel == "public"  # staff move within their share; the booking stays online
    cancelled = desk.post(url, {"action": "cancel", "reason": "Bürger hat abgesagt"})
    assert cancelled.status_code == 302
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED
    events = list(booked.events.all())
    assert [(e.kind, e.actor_kind) for e in events] == [
        ("confirmed", "resident"),
        ("moved", "staff"),
        ("cancelled", "staff"),
    ]
    staff_member = events[1].actor_user
    assert staff_member is not None
    assert events[2].actor_user == staff_member
    move = events[1].data
    assert dt.datetime.fromisoformat(move["from"]) == at(9)
    assert dt.datetime.fromisoformat(move["to"]) == at(10)
    assert move["reason"] == "Anruf"
    assert events[2].data == {"note": "Bürger hat abgesagt"}
    # The detail page shows who changed it and why.
    page = desk.get(url).content.decode()
    assert staff_member.username in page
    assert "Bürger hat abgesagt" in page


def test_staff_of_another_location_cannot_open_the_appointment(city, client_as):
    booked = book(city, person(1))
    url = f"/appointments/staff/appointment/{booked.reference}/"
    stranger = client_as(Role.FRONT_DESK, locations=["other"])
    with unchanged(AccessLog, *BOOK):
        hidden = stranger.get(url)
        # Answered exactly like a reference that does not exist, and nothing can be done.
        unknown = stranger.get("/appointments/staff/appointment/ZZZZZZZZ/")
        refused = stranger.post(url, {"action": "cancel", "reason": "x"})
    assert hidden.status_code == unknown.status_code == refused.status_code == 404
    page_of_hidden = hidden.content.decode().replace(booked.reference, "?")
    assert page_of_hidden == unknown.content.decode().replace("ZZZZZZZZ", "?")
    assert booked.name not in hidden.content.decode()
    manager = client_as(Role.MANAGER)
    assert manager.get(url).status_code == 200
    with unchanged(*BOOK):
        refused = manager.post(url, {"action": "cancel", "reason": "x"})
    assert refused.status_code == 403
    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED
