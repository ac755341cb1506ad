"""Front desk and phone staff: the day view, finding, booking for a caller, moving, cancelling."""

from __future__ import annotations

import pytest
import time_machine

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.appointments import services
from hamburg_service.appointments.models import Appointment, AppointmentEvent, Status

from .conftest import DAY, NOW, at, person


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desk(city, client_as):
    return client_as(Role.FRONT_DESK, locations=["centre"])


def test_day_view_lists_the_days_appointments_and_logs_the_read(city, desk):
    booked = services.appointment_book(
        location=city.location, services=[city.anmeldung], start=at(9), person=person(1)
    ).appointment
    page = desk.get(f"/appointments/staff/centre/?date={DAY.isoformat()}")
    html = page.content.decode()
    assert booked.reference in html
    assert "Person 1" in html
    entry = AccessLog.objects.get()
    assert entry.what == "appointment list"
    assert "Person" not in entry.scope  # the log names the place, not the person
    week = desk.get(f"/appointments/staff/centre/?date={DAY.isoformat()}&days=7")
    assert booked.reference in week.content.decode()


def test_find_by_reference_name_or_email(city, desk):
    booked = services.appointment_book(
        location=city.location,
        services=[city.anmeldung],
        start=at(9),
        person=person(1, name="Erika Mustermann", email="Erika@Example.org"),
    ).appointment
    for q in (booked.reference.lower(), "Musterm", "erika@example.org"):
        assert (
            booked.reference
            in desk.get("/appointments/staff/centre/find/", {"q": q}).content.decode()
        ), q
    short = desk.get("/appointments/staff/centre/find/", {"q": "ab"})
    assert "error" in short.content.decode() or "mindestens" in short.content.decode()


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
    appointment = Appointment.objects.get()
    assert appointment.channel == "staff"
    assert appointment.status == Status.CONFIRMED
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert event.actor is not None
    assert event.actor.username.startswith("staff")


def test_staff_move_and_cancel_need_a_reason_and_record_the_actor(city, desk):
    booked = services.appointment_book(
        location=city.location, services=[city.anmeldung], start=at(9), person=person(1)
    ).appointment
    url = f"/appointments/staff/appointment/{booked.reference}/"
    no_reason = desk.post(url, {"action": "cancel", "reason": ""})
    assert no_reason.status_code == 422
    moved = desk.post(url, {"action": "move", "reason": "Anruf", "start": at(10).isoformat()})
    assert moved.status_code == 302
    booked.refresh_from_db()
    assert booked.start == at(10)
    cancelled = desk.post(url, {"action": "cancel", "reason": "Bürger hat abgesagt"})
    assert cancelled.status_code == 302
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED
    kinds = [(e.kind, e.actor is None, e.note) for e in booked.events.all()]
    assert kinds[1][0] == "moved"
    assert kinds[1][1] is False
    assert kinds[2] == ("cancelled", False, "Bürger hat abgesagt")


def test_staff_of_another_location_cannot_open_the_appointment(city, client_as):
    booked = services.appointment_book(
        location=city.location, services=[city.anmeldung], start=at(9), person=person(1)
    ).appointment
    stranger = client_as(Role.FRONT_DESK, locations=["other"])
    assert stranger.get(f"/appointments/staff/appointment/{booked.reference}/").status_code == 403
    manager = client_as(Role.MANAGER)
    assert manager.get(f"/appointments/staff/appointment/{booked.reference}/").status_code == 200
    refused = manager.post(
        f"/appointments/staff/appointment/{booked.reference}/", {"action": "cancel", "reason": "x"}
    )
    assert refused.status_code == 403
