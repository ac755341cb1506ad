"""The appointments API under /api/v1/: free times, booking, confirming and managing by token."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from hamburg_service.appointments.models import (
    Appointment,
    AppointmentEvent,
    SeatClaim,
    Status,
)
from hamburg_service.catalog.models import Closure
from hamburg_service.core.errors import PROBLEM_TYPE_BASE
from hamburg_service.notifications.models import Message
from tests.support.db import unchanged

from .conftest import BOOK, DAY, NOW, at

API = "/api/v1"
TUESDAY = dt.date(2030, 1, 8)  # the first bookable day seen from NOW


@pytest.fixture(autouse=True)
def frozen_now():
    cache.clear()  # per-client rate limits count in the cache; time stands still here
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def free(client, **params):
    return client.get(f"{API}/availability", params)


def book(client, start=None, n=1, headers=None, **fields):
    payload = {
        "location": "centre",
        "services": ["anmeldung"],
        "start": (start or at(9)).isoformat(),
        "name": f"Person {n}",
        "email": f"person{n}@example.org",
        **fields,
    }
    return client.post(
        f"{API}/appointments", payload, content_type="application/json", headers=headers or {}
    )


def problem(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["type"] == PROBLEM_TYPE_BASE + code, body
    return body


def fields_of(body):
    return [e["field"] for e in body.get("errors", [])]


def confirm_token_from(message):
    found = re.search(r"/appointments/confirm/([^/\s]+)/", message.body)
    assert found, message.body
    return found.group(1)


# --- availability -------------------------------------------------------------------------


def test_earliest_times_across_all_locations_offering_the_service(client, city):
    response = free(client, services="anmeldung", limit=4)
    assert response.status_code == 200
    found = response.json()
    assert [f["location"] for f in found[:2]] == ["centre", "other"]
    assert {dt.datetime.fromisoformat(f["start"]) for f in found[:2]} == {at(8, day=TUESDAY)}
    centre = found[0]
    assert centre["counters"] == 2
    assert found[1]["counters"] == 1
    visit = dt.datetime.fromisoformat(centre["end"]) - dt.datetime.fromisoformat(centre["start"])
    assert visit == dt.timedelta(minutes=20)  # 15 minutes on a 10-minute grid
    starts = [dt.datetime.fromisoformat(f["start"]) for f in found]
    assert starts == sorted(starts)


def test_earliest_times_at_one_location(client, city):
    found = free(client, services="anmeldung", location="other", limit=5).json()
    assert len(found) == 5
    assert {f["location"] for f in found} == {"other"}
    assert [dt.datetime.fromisoformat(f["start"]) for f in found] == [
        at(8, m, day=TUESDAY) for m in (0, 10, 20, 30, 40)
    ]


def test_time_of_day_and_date_filters(client, city):
    found = free(
        client, services="anmeldung", location="centre", start=DAY, earliest="10:00", limit=3
    ).json()
    assert [dt.datetime.fromisoformat(f["start"]) for f in found] == [
        at(10),
        at(10, 10),
        at(10, 20),
    ]
    late = free(
        client, services="anmeldung", location="centre", start=DAY, end=DAY, earliest="11:30"
    ).json()
    # 11:40 is the last start: the 20-minute visit ends at closing time.
    assert [dt.datetime.fromisoformat(f["start"]) for f in late] == [at(11, 30), at(11, 40)]
    early = free(
        client, services="anmeldung", location="centre", start=DAY, end=DAY, latest="08:10"
    ).json()
    assert [dt.datetime.fromisoformat(f["start"]) for f in early] == [at(8), at(8, 10)]
    assert not free(client, services="anmeldung", start=DAY, end=DAY, earliest="12:00").json()


def test_several_services_give_a_longer_visit(client, city):
    found = free(client, services=["anmeldung", "passport"], location="centre", limit=1).json()
    start, end = (dt.datetime.fromisoformat(found[0][k]) for k in ("start", "end"))
    assert end - start == dt.timedelta(minutes=40)  # 15 + 20 minutes → 4 units
    last = free(
        client,
        services=["anmeldung", "passport"],
        location="centre",
        start=DAY,
        end=DAY,
        earliest="11:00",
    ).json()
    assert [dt.datetime.fromisoformat(f["start"]) for f in last] == [at(11), at(11, 10), at(11, 20)]


def test_unknown_service_is_422_naming_services(client, city):
    body = problem(free(client, services=["anmeldung", "nonsense"]), 422, "invalid-input")
    assert fields_of(body) == ["services"]
    assert "nonsense" in body["errors"][0]["message"]


def test_missing_service_is_422_naming_services(client, city):
    body = problem(free(client), 422)
    assert "services" in fields_of(body)


def test_unknown_location_is_422_naming_location(client, city):
    body = problem(free(client, services="anmeldung", location="atlantis"), 422)
    assert fields_of(body) == ["location"]
    assert "atlantis" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start", "14.01.2030"),
        ("end", "2030-02-30"),
        ("earliest", "9 Uhr"),
        ("latest", "25:00"),
        ("limit", "many"),
    ],
)
def test_malformed_query_values_are_422_naming_the_field(client, city, field, value):
    body = problem(free(client, services="anmeldung", **{field: value}), 422)
    assert fields_of(body) == [field]
    assert body["errors"][0]["message"]


def test_end_before_start_is_422(client, city):
    body = problem(free(client, services="anmeldung", start=DAY, end=TUESDAY), 422)
    assert fields_of(body) == ["end"]


def test_a_closure_removes_free_times_at_once(client, city):
    query = {"services": "anmeldung", "location": "centre", "start": DAY, "end": DAY}
    assert len(free(client, **query, limit=50).json()) == 23  # 8:00 … 11:40
    Closure.objects.create(location=city.location, start_date=DAY, end_date=DAY)
    assert free(client, **query).json() == []
    everywhere = free(client, services="anmeldung", start=DAY, end=DAY, limit=50).json()
    assert everywhere
    assert {f["location"] for f in everywhere} == {"other"}


def test_booked_seats_leave_the_free_times(client, city):
    query = {"services": "anmeldung", "location": "centre", "start": DAY, "end": DAY, "limit": 1}
    assert free(client, **query).json()[0]["counters"] == 2
    assert book(client, at(8), 1).status_code == 201
    assert free(client, **query).json()[0]["counters"] == 1
    assert book(client, at(8), 2).status_code == 201
    assert dt.datetime.fromisoformat(free(client, **query).json()[0]["start"]) == at(8, 20)


# --- booking ------------------------------------------------------------------------------


def test_booking_without_confirmation_is_confirmed_at_once(
    client, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = book(client, at(9))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["confirmation_required"] is False
    assert body["status"] == "confirmed"
    assert body["hold_expires_at"] is None
    assert body["location"] == "centre"
    assert body["services"] == ["anmeldung"]
    assert dt.datetime.fromisoformat(body["start"]) == at(9)
    assert dt.datetime.fromisoformat(body["end"]) == at(9, 20)
    assert len(body["reference"]) == 8
    assert body["manage_token"]
    appointment = Appointment.objects.get()
    assert appointment.reference == body["reference"]
    assert appointment.status == Status.CONFIRMED
    assert appointment.confirmed_at == NOW
    assert appointment.events.get().actor_name == "person1@example.org"
    assert len(mail.outbox) == 1
    assert body["manage_token"] in mail.outbox[0].body
    assert Message.objects.get().template == "appointments/booked"
    detail = client.get(f"{API}/appointments/{body['manage_token']}")
    assert detail.json()["reference"] == body["reference"]


def test_booking_with_confirmation_is_held_until_the_mailed_link(
    client, city, settings, django_capture_on_commit_callbacks
):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        response = book(client, at(9))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["confirmation_required"] is True
    assert body["status"] == "held"
    assert dt.datetime.fromisoformat(body["hold_expires_at"]) == NOW + dt.timedelta(
        minutes=settings.BOOKING_HOLD_MINUTES
    )
    assert len(mail.outbox) == 1
    token = confirm_token_from(mail.outbox[0])
    assert token not in response.content.decode()
    assert token != body["manage_token"]
    assert Appointment.objects.get().status == Status.HELD

    with unchanged(*BOOK):
        forged = client.post(
            f"{API}/appointments/confirm", {"token": token + "x"}, content_type="application/json"
        )
    problem(forged, 404, "link-invalid")
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(
            f"{API}/appointments/confirm", {"token": token}, content_type="application/json"
        )
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["reference"] == body["reference"]
    assert Appointment.objects.get().status == Status.CONFIRMED
    assert Appointment.objects.get().confirmed_at == NOW
    assert [m.template for m in Message.objects.order_by("pk")] == [
        "appointments/confirm",
        "appointments/confirmed",
    ]
    with unchanged(*BOOK):
        again = client.post(
            f"{API}/appointments/confirm", {"token": token}, content_type="application/json"
        )
    assert again.status_code == 200  # idempotent
    assert again.json()["status"] == "confirmed"


def test_an_expired_hold_cannot_be_confirmed(
    client, city, settings, django_capture_on_commit_callbacks
):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        assert book(client, at(9)).status_code == 201
    token = confirm_token_from(mail.outbox[0])
    later = NOW + dt.timedelta(minutes=settings.BOOKING_HOLD_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False), unchanged(*BOOK):
        response = client.post(
            f"{API}/appointments/confirm", {"token": token}, content_type="application/json"
        )
    problem(response, 409, "hold-expired")
    assert Appointment.objects.get().status != Status.CONFIRMED


def test_a_taken_time_is_409_with_the_next_free_times(client, city):
    assert book(client, at(9), 1).status_code == 201
    assert book(client, at(9), 2).status_code == 201
    with unchanged(*BOOK):
        body = problem(book(client, at(9), 3), 409, "slot-taken")
    assert body["next_free_times"]
    assert {t["location"] for t in body["next_free_times"]} == {"centre"}
    starts = [dt.datetime.fromisoformat(t["start"]) for t in body["next_free_times"]]
    assert at(9) not in starts
    # A suggested time really is bookable.
    assert book(client, starts[0], 3).status_code == 201


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (at(9, day=dt.date(2030, 1, 4)), "time-past"),
        (at(9, 5), "invalid-input"),  # off the grid
        (at(9, 0).replace(second=30), "invalid-input"),  # off the grid
        (at(9, day=dt.date(2031, 1, 13)), "outside-booking-window"),
        (at(9, day=dt.date(2030, 1, 7)), "time-past"),  # earlier today
        # later today, before the first bookable day
        (at(11, day=dt.date(2030, 1, 7)), "outside-booking-window"),
    ],
)
def test_bad_times_are_422_naming_start(client, city, start, code):
    with unchanged(*BOOK):
        body = problem(book(client, start), 422, code)
    assert fields_of(body) == ["start"]


def test_a_time_without_zone_or_not_a_time_is_422_naming_start(client, city):
    with unchanged(*BOOK):
        body = problem(_book_raw(client, "soon"), 422, "invalid-input")
        assert fields_of(body) == ["start"]
        body = problem(_book_raw(client, "2030-01-14T09:00:00"), 422, "invalid-input")
        assert fields_of(body) == ["start"]
    assert not Appointment.objects.exists()


def _book_raw(client, start):
    return client.post(
        f"{API}/appointments",
        {
            "location": "centre",
            "services": ["anmeldung"],
            "start": start,
            "name": "Person 1",
            "email": "person1@example.org",
        },
        content_type="application/json",
    )


def test_an_invalid_email_is_422_naming_email(client, city):
    with unchanged(*BOOK):
        body = problem(book(client, email="not-an-address"), 422, "invalid-input")
        assert fields_of(body) == ["email"]
        body = problem(book(client, email="a@b", name="  "), 422, "invalid-input")
        assert sorted(fields_of(body)) == ["email", "name"]


def test_an_unknown_location_or_service_is_422(client, city):
    with unchanged(*BOOK):
        assert fields_of(problem(book(client, location="atlantis"), 422)) == ["location"]
        assert fields_of(problem(book(client, services=["nonsense"]), 422)) == ["services"]
        permit = problem(book(client, services=["permit"]), 422, "not-offered-here")
        assert fields_of(permit) == ["services"]
        assert fields_of(problem(book(client, services=[]), 422)) == ["services"]
    assert not Appointment.objects.exists()


def test_services_that_cannot_be_combined_are_422(client, city):
    city.anmeldung.combinable_with.clear()
    with unchanged(*BOOK):
        body = problem(book(client, at(10), services=["anmeldung", "passport"]), 422)
    assert body["type"].endswith("/not-combinable")
    assert fields_of(body) == ["services"]
    city.anmeldung.combinable_with.add(city.passport)
    response = book(client, at(10), services=["anmeldung", "passport"])
    assert response.status_code == 201
    assert response.json()["services"] == ["anmeldung", "passport"]
    end = dt.datetime.fromisoformat(response.json()["end"])
    assert end == at(10, 40)


def test_the_same_email_cannot_book_the_same_service_twice(client, city):
    assert book(client, at(9), 1).status_code == 201
    with unchanged(*BOOK):
        body = problem(book(client, at(10), 1, email="Person1+again@Example.org"), 409)
    assert body["type"] == PROBLEM_TYPE_BASE + "already-booked"
    assert body["detail"]
    # A different service is fine.
    assert book(client, at(10), 1, services=["passport"]).status_code == 201


def test_with_confirmation_by_email_a_booking_never_tells_what_an_address_has_booked(
    client, city, settings
):
    """As in production: the answer for an address that has an appointment for the service
    looks exactly like the one for a new address (the owner is told by e-mail)."""
    settings.BOOKING_CONFIRM_BY_EMAIL = False
    assert book(client, at(9), 1).status_code == 201  # person1 has an appointment
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    probing = book(client, at(10), 1, name="Someone Else")
    fresh = book(client, at(11), 2)
    assert probing.status_code == fresh.status_code == 201
    assert probing.json().keys() == fresh.json().keys()
    assert probing.json()["confirmation_required"] is fresh.json()["confirmation_required"] is True


def test_too_many_bookings_for_one_email_are_429(client, city, settings):
    settings.MAX_BOOKINGS_PER_EMAIL_30_DAYS = 2
    first = book(client, at(9), 1).json()
    assert client.post(f"{API}/appointments/{first['manage_token']}/cancel").status_code == 200
    assert book(client, at(10), 1).status_code == 201  # cancelled ones do not block the service
    with unchanged(*BOOK):
        body = problem(book(client, at(11), 1, services=["passport"]), 429, "quota-used-up")
    assert body["detail"]
    assert book(client, at(11), 2, services=["passport"]).status_code == 201


def test_messages_are_german_by_default_and_english_on_request(client, city):
    german = problem(book(client, email="nope"), 422)
    assert german["title"] == "Einige Angaben müssen korrigiert werden."
    assert german["errors"][0]["message"] == "Bitte geben Sie eine gültige E-Mail-Adresse ein."
    english = problem(book(client, email="nope", headers={"Accept-Language": "en"}), 422)
    assert english["title"] == "Some of the information needs correcting."
    assert english["errors"][0]["message"] == "Please enter a valid e-mail address."
    english = problem(
        client.get(
            f"{API}/availability",
            {"start": "x", "services": "anmeldung"},
            headers={"Accept-Language": "en"},
        ),
        422,
    )
    assert english["errors"][0]["message"] == "Enter a valid date as YYYY-MM-DD."


def test_the_booking_language_follows_accept_language(client, city):
    book(client, at(9), 1, headers={"Accept-Language": "en"})
    book(client, at(9), 2)
    book(client, at(9, 30), 3, language="en")
    languages = dict(Appointment.objects.values_list("email", "language"))
    assert languages == {
        "person1@example.org": "en",
        "person2@example.org": "de",
        "person3@example.org": "en",
    }


# --- managing by token --------------------------------------------------------------------


@pytest.fixture
def booked(client, city):
    response = book(client, at(9))
    assert response.status_code == 201
    return response.json()


def test_details_by_token(client, booked):
    response = client.get(f"{API}/appointments/{booked['manage_token']}")
    assert response.status_code == 200
    body = response.json()
    for key in ("reference", "status", "location", "services", "name"):
        assert body[key] == booked[key]
    for key in ("start", "end"):  # the same moment, whatever the offset it is written with
        assert dt.datetime.fromisoformat(body[key]) == dt.datetime.fromisoformat(booked[key])
    assert "email" not in body


def test_an_unknown_token_is_a_404_problem(client, booked):
    body = problem(client.get(f"{API}/appointments/not-a-token"), 404, "link-invalid")
    assert body["instance"] == f"{API}/appointments/not-a-token"
    with unchanged(*BOOK):
        problem(client.post(f"{API}/appointments/not-a-token/cancel"), 404, "link-invalid")
        problem(
            client.post(
                f"{API}/appointments/not-a-token/move",
                {"start": at(10).isoformat()},
                content_type="application/json",
            ),
            404,
            "link-invalid",
        )


def test_move_to_another_time(client, booked):
    token = booked["manage_token"]
    response = client.post(
        f"{API}/appointments/{token}/move",
        {"start": at(10, day=dt.date(2030, 1, 15)).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert dt.datetime.fromisoformat(response.json()["start"]) == at(10, day=dt.date(2030, 1, 15))
    assert response.json()["reference"] == booked["reference"]
    moved = AppointmentEvent.objects.get(kind="moved")
    assert moved.actor_kind == "resident"
    assert dt.datetime.fromisoformat(moved.data["to"]) == at(10, day=dt.date(2030, 1, 15))
    assert Message.objects.filter(template="appointments/moved").count() == 1
    claims = SeatClaim.objects.order_by("start").values_list("start", flat=True)
    assert list(claims) == [at(10, day=dt.date(2030, 1, 15)), at(10, 10, day=dt.date(2030, 1, 15))]
    detail = client.get(f"{API}/appointments/{token}").json()
    assert dt.datetime.fromisoformat(detail["start"]) == at(10, day=dt.date(2030, 1, 15))


def test_move_to_another_location_keeps_the_reference(client, booked):
    token = booked["manage_token"]
    response = client.post(
        f"{API}/appointments/{token}/move",
        {"start": at(11).isoformat(), "location": "other"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["location"], response.json()["reference"]) == (
        "other",
        booked["reference"],
    )
    assert set(SeatClaim.objects.values_list("location__slug", flat=True)) == {"other"}
    with unchanged(*BOOK):
        problem(
            client.post(
                f"{API}/appointments/{token}/move",
                {"start": at(11).isoformat(), "location": "atlantis"},
                content_type="application/json",
            ),
            422,
            "invalid-input",
        )


def test_move_within_the_day_may_overlap_its_own_time(client, booked):
    response = client.post(
        f"{API}/appointments/{booked['manage_token']}/move",
        {"start": at(9, 10).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert SeatClaim.objects.count() == 2


def test_move_to_a_taken_or_bad_time_is_refused(client, booked):
    token = booked["manage_token"]
    assert book(client, at(10), 2).status_code == 201
    assert book(client, at(10), 3).status_code == 201
    with unchanged(*BOOK):
        body = problem(
            client.post(
                f"{API}/appointments/{token}/move",
                {"start": at(10).isoformat()},
                content_type="application/json",
            ),
            409,
            "slot-taken",
        )
        assert body["next_free_times"]
        body = problem(
            client.post(
                f"{API}/appointments/{token}/move",
                {"start": at(10, 5).isoformat()},
                content_type="application/json",
            ),
            422,
        )
        assert fields_of(body) == ["start"]
    detail = client.get(f"{API}/appointments/{token}").json()
    assert dt.datetime.fromisoformat(detail["start"]) == at(9)


def test_cancel_then_cancel_again(client, booked):
    token = booked["manage_token"]
    response = client.post(f"{API}/appointments/{token}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert not SeatClaim.objects.exists()
    cancelled = AppointmentEvent.objects.get(kind="cancelled")
    assert (cancelled.actor_kind, cancelled.data) == ("resident", {"note": "api"})
    with unchanged(*BOOK):
        problem(client.post(f"{API}/appointments/{token}/cancel"), 409, "appointment-inactive")
        problem(
            client.post(
                f"{API}/appointments/{token}/move",
                {"start": at(10).isoformat()},
                content_type="application/json",
            ),
            409,
            "appointment-inactive",
        )
    # The freed time is bookable again.
    assert book(client, at(9), 2).status_code == 201


# --- schema -------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_appointment_paths(client, db):
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    expected = {
        f"{API}/availability": "get",
        f"{API}/appointments": "post",
        f"{API}/appointments/confirm": "post",
        f"{API}/appointments/{{token}}": "get",
        f"{API}/appointments/{{token}}/cancel": "post",
        f"{API}/appointments/{{token}}/move": "post",
    }
    for path, method in expected.items():
        assert method in paths.get(path, {}), path
    created = paths[f"{API}/appointments"]["post"]["responses"]
    assert {"201", "409", "422", "429"} <= set(created)
    assert "application/problem+json" in created["409"]["content"]


# --- bugs found by these tests, fixed ---------------------------------------------------


def test_an_appointment_that_took_place_cannot_be_moved(client, booked):
    token = booked["manage_token"]
    with time_machine.travel(at(12), tick=False), unchanged(*BOOK):
        problem(client.post(f"{API}/appointments/{token}/cancel"), 409, "appointment-past")
        response = client.post(
            f"{API}/appointments/{token}/move",
            {"start": at(10, day=dt.date(2030, 1, 16)).isoformat()},
            content_type="application/json",
        )
    problem(response, 409, "appointment-past")


def test_a_limit_of_two_active_appointments_per_service_is_kept(client, city, settings):
    settings.MAX_ACTIVE_PER_PERSON_AND_SERVICE = 2
    assert book(client, at(8), 1).status_code == 201
    assert book(client, at(9), 1).status_code == 201
    with unchanged(*BOOK):
        problem(book(client, at(10), 1), 409, "already-booked")


def test_availability_refuses_a_service_listed_twice_like_booking_does(client, city):
    with unchanged(*BOOK):
        twice = problem(book(client, services=["anmeldung", "anmeldung"]), 422)
    assert fields_of(twice) == ["services"]
    body = problem(free(client, services=["anmeldung", "anmeldung"]), 422)
    assert fields_of(body) == ["services"]
