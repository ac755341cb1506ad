"""Only a ticket machine of the location draws tickets: the kiosk page's POSTs and the API's
tickets and check-ins need the key of one of its active devices (cookie `kiosk-<slug>` or
header X-Kiosk-Key). Without it nothing is written; a revoked key stops working at once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from hamburg_service.accounts.models import Role
from hamburg_service.appointments.models import Appointment
from hamburg_service.appointments.services.booking import Slot, appointment_book
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Conflict, Forbidden
from hamburg_service.visits.models import (
    KioskDevice,
    Ticket,
    TicketEvent,
    TicketSequence,
    TicketService,
)
from hamburg_service.visits.services import kiosks
from tests.support.actors import SYSTEM, staff
from tests.support.db import unchanged

from .conftest import at

PAGE = "/en/visits/kiosk/centre/"
SETUP = "/en/visits/kiosk/centre/setup/"
API = "/api/v1/visits/centre"
VISIT_ROWS = (Ticket, TicketEvent, TicketService, TicketSequence)


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(at(9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def lead(centre, make_staff) -> Actor:
    return staff(make_staff(Role.LOCATION_LEAD, locations=["centre"]))


@pytest.fixture
def device(centre, lead) -> tuple[KioskDevice, str]:
    return kiosks.kiosk_device_create(location=centre.location, name="Eingang", actor=lead)


@pytest.fixture
def key(device) -> str:
    return device[1]


@pytest.fixture
def other_key(centre, lead) -> str:
    """A working key, but of another location's ticket machine."""
    return kiosks.kiosk_device_create(location=centre.other, name="Eingang", actor=lead)[1]


def api_post(client: Client, path: str, body: dict, **headers: str):
    return client.post(f"{API}/{path}", body, content_type="application/json", headers=headers)


def appointment_at(centre, start) -> Appointment:
    return appointment_book(
        slot=Slot.of(centre.location, [centre.anmeldung], start),
        person=PersonInput(name="Erika Mustermann", email="erika@example.org"),
        actor=SYSTEM,
        channel="staff",
    ).appointment


# ------------------------------------------------------------------ the kiosk page


def test_a_kiosk_post_without_a_key_is_refused_and_issues_no_ticket(client, centre, key, other_key):
    appointment = appointment_at(centre, at(9, 30))
    with unchanged(*VISIT_ROWS, Appointment, KioskDevice):
        walk_in = client.post(PAGE, {"service": "anmeldung"})
        check_in = client.post(PAGE, {"action": "check-in", "reference": appointment.reference})
        client.cookies["kiosk-centre"] = "not-the-key"
        wrong = client.post(PAGE, {"service": "anmeldung"})
        client.cookies["kiosk-centre"] = other_key
        elsewhere = client.post(PAGE, {"service": "anmeldung"})
    for refused in (walk_in, check_in, wrong, elsewhere):
        assert refused.status_code == 403
        assert refused.templates[0].name == "visits/kiosk_setup.html"
        assert "This screen is not set up as a ticket machine" in refused.content.decode()
        assert "Location" not in refused  # no ticket to go to


def test_a_screen_without_a_key_shows_the_set_up_page(client, centre, key):
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page.templates[0].name == "visits/kiosk_setup.html"
    assert 'name="key"' in page.content.decode()
    assert 'value="anmeldung"' not in page.content.decode()


def test_set_up_keeps_the_key_as_a_cookie_and_then_tickets_can_be_drawn(client, centre, key):
    with unchanged(*VISIT_ROWS):
        wrong = client.post(SETUP, {"action": "setup", "key": "guessed"})
    assert wrong.status_code == 403
    assert "kiosk-centre" not in wrong.cookies
    done = client.post(SETUP, {"action": "setup", "key": key})
    assert done.status_code == 302
    assert done["Location"].endswith("/visits/kiosk/centre/")
    cookie = done.cookies["kiosk-centre"]
    assert cookie.value == key
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert 'value="anmeldung"' in client.get(PAGE).content.decode()
    drawn = client.post(PAGE, {"service": "anmeldung"})
    assert drawn.status_code == 302
    assert "/visits/ticket/" in drawn["Location"]
    assert Ticket.objects.get().number == "A001"


def test_kiosk_software_may_send_the_key_as_a_header(centre, key):
    machine = Client(headers={"X-Kiosk-Key": key})
    assert machine.post(PAGE, {"service": "anmeldung"}).status_code == 302
    assert Ticket.objects.count() == 1


def test_the_device_records_when_it_was_last_used(client, centre, device, morning):
    kiosk_device, key = device
    assert kiosk_device.last_used_at is None
    client.cookies["kiosk-centre"] = key
    client.post(PAGE, {"service": "anmeldung"})
    kiosk_device.refresh_from_db()
    assert kiosk_device.last_used_at == at(9)


# ------------------------------------------------------------------ the API


def test_the_api_without_a_key_answers_401_and_with_a_wrong_one_403(client, centre, key, other_key):
    appointment = appointment_at(centre, at(9, 30))
    tickets_body = {"services": ["anmeldung"]}
    check_in_body = {"reference": appointment.reference}
    with unchanged(*VISIT_ROWS, Appointment, KioskDevice):
        missing = [
            api_post(client, "tickets", tickets_body),
            api_post(client, "check-in", check_in_body),
        ]
        wrong = [
            api_post(client, "tickets", tickets_body, **{"X-Kiosk-Key": "guessed"}),
            api_post(client, "check-in", check_in_body, **{"X-Kiosk-Key": "guessed"}),
            api_post(client, "tickets", tickets_body, **{"X-Kiosk-Key": other_key}),
            api_post(client, "check-in", check_in_body, **{"X-Kiosk-Key": other_key}),
        ]
        # A cookie is the page's way; the API reads the header only.
        client.cookies["kiosk-centre"] = key
        cookie_only = api_post(client, "tickets", tickets_body)
    for answer in [*missing, cookie_only]:
        assert answer.status_code == 401
        assert answer["Content-Type"] == "application/problem+json"
    for answer in wrong:
        assert answer.status_code == 403
        assert answer["Content-Type"] == "application/problem+json"
        assert answer.json()["type"].endswith("/kiosk-key-missing")
    drawn = api_post(client, "tickets", tickets_body, **{"X-Kiosk-Key": key})
    assert drawn.status_code == 201
    assert drawn.json()["number"] == "A001"


# ------------------------------------------------------------------ limits behind the key


@pytest.fixture
def limits_on(settings):
    cache.clear()
    settings.RATE_LIMITS_ENABLED = True
    yield settings
    cache.clear()


def test_all_ticket_machines_of_a_location_together_draw_only_so_many_a_minute(
    client, centre, key, lead, limits_on
):
    """A second line behind the device keys: a stolen key cannot empty the day's quota in
    seconds, and the other locations are not touched."""
    limits_on.RATE_LIMIT_KIOSK_LOCATION = "3/m"
    second = kiosks.kiosk_device_create(location=centre.location, name="Treppe", actor=lead)[1]
    body = {"services": ["anmeldung"]}
    drawn = [
        api_post(client, "tickets", body, **{"X-Kiosk-Key": key}),
        api_post(client, "tickets", body, **{"X-Kiosk-Key": second}),
        api_post(client, "tickets", body, **{"X-Kiosk-Key": key}),
    ]
    assert [answer.status_code for answer in drawn] == [201, 201, 201]
    with unchanged(*VISIT_ROWS):
        over = api_post(client, "tickets", body, **{"X-Kiosk-Key": second})
        client.cookies["kiosk-centre"] = key
        page = client.post(PAGE, {"service": "anmeldung"})
    assert over.status_code == 429
    assert over["Content-Type"] == "application/problem+json"
    assert 1 <= int(over["Retry-After"]) <= 120  # the sliding window fades within two
    assert page.status_code == 429
    other = kiosks.kiosk_device_create(location=centre.other, name="Eingang", actor=lead)[1]
    elsewhere = client.post(
        "/api/v1/visits/other/tickets",
        body,
        content_type="application/json",
        headers={"X-Kiosk-Key": other},
    )
    assert elsewhere.status_code == 201


def test_a_ticket_machine_cannot_try_references_until_one_fits(client, centre, key, limits_on):
    limits_on.RATE_LIMIT_CHECK_IN = "3/10m"
    guesses = [
        api_post(client, "check-in", {"reference": f"GUESS{n:03d}"}, **{"X-Kiosk-Key": key})
        for n in range(3)
    ]
    assert [answer.status_code for answer in guesses] == [404, 404, 404]
    appointment = appointment_at(centre, at(9, 30))
    with unchanged(*VISIT_ROWS, Appointment):
        fourth = api_post(
            client, "check-in", {"reference": appointment.reference}, **{"X-Kiosk-Key": key}
        )
    assert fourth.status_code == 429
    assert "Retry-After" in fourth


# ------------------------------------------------------------------ revoking


def test_a_revoked_key_stops_working(client, centre, device, lead, morning):
    kiosk_device, key = device
    client.cookies["kiosk-centre"] = key
    assert client.post(PAGE, {"service": "anmeldung"}).status_code == 302
    morning.shift(dt.timedelta(minutes=5))
    revoked = kiosks.kiosk_device_revoke(device=kiosk_device, actor=lead)
    assert revoked.revoked_at == at(9, 5)
    assert revoked.revoked_by == lead.user
    assert not revoked.is_active
    with unchanged(*VISIT_ROWS, KioskDevice):
        page = client.post(PAGE, {"service": "anmeldung"})
        api = api_post(client, "tickets", {"services": ["anmeldung"]}, **{"X-Kiosk-Key": key})
        setup = client.post(SETUP, {"action": "setup", "key": key})
    assert page.status_code == 403
    assert api.status_code == 403
    assert api.json()["type"].endswith("/kiosk-key-missing")
    assert setup.status_code == 403
    with pytest.raises(Forbidden):
        kiosks.kiosk_device_check(location=centre.location, key=key)
    with unchanged(KioskDevice), pytest.raises(Conflict) as twice:
        kiosks.kiosk_device_revoke(device=kiosk_device, actor=lead)
    assert twice.value.code == "kiosk-revoked"
    assert Ticket.objects.count() == 1


def test_the_lead_creates_and_revokes_ticket_machines_on_the_staff_page(centre, lead):
    staff_page = Client()
    staff_page.force_login(lead.user)
    url = "/en/visits/kiosks/centre/"
    with unchanged(KioskDevice):
        nameless = staff_page.post(url, {"action": "create", "name": ""})
    assert nameless.status_code == 422
    created = staff_page.post(url, {"action": "create", "name": "Eingang links"})
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    device = KioskDevice.objects.get()
    assert (device.name, device.created_by, device.created_at) == (
        "Eingang links",
        lead.user,
        at(9),
    )
    new_key = created.context["new_key"]
    assert new_key in created.content.decode()
    assert new_key not in staff_page.get(url).content.decode()  # shown once
    machine = Client(headers={"X-Kiosk-Key": new_key})
    assert machine.post(PAGE, {"service": "anmeldung"}).status_code == 302
    assert staff_page.post(url, {"action": "revoke", "device": device.pk}).status_code == 302
    device.refresh_from_db()
    assert device.revoked_by == lead.user
    with unchanged(*VISIT_ROWS):
        assert machine.post(PAGE, {"service": "anmeldung"}).status_code == 403
