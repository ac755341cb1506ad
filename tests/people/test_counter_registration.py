"""Registration at the counter: for the ticket being served, the clerk finds the person (a
search with the ticket as its purpose) or registers them, records the move, and the ticket
and its appointment point to the person's record from then on."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.appointments.models import AppointmentEvent, Channel
from hamburg_service.appointments.services.booking import Slot, appointment_book
from hamburg_service.appointments.services.rules import PersonInput as Booker
from hamburg_service.catalog.models import Counter, Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.people.checks import BirthDate
from hamburg_service.people.models import Person, PersonEvent, Residence
from hamburg_service.people.services import identity
from hamburg_service.visits.models import EventKind, Ticket, TicketEvent
from hamburg_service.visits.services import tickets
from tests.support.actors import RESIDENT, SYSTEM
from tests.support.db import unchanged

BERLIN = dt.timezone(dt.timedelta(hours=1))
NOW = dt.datetime(2030, 1, 8, 9, 0, tzinfo=BERLIN)  # a Tuesday morning
CITY = "kundenzentrum-city"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desk(demo_city, client_as):
    """A clerk signed in at a counter of the City, serving a checked-in appointment."""
    city = Location.objects.get(slug=CITY)
    counter = Counter.objects.filter(location=city).order_by("pk").first()
    anmeldung = Service.objects.get(slug="anmeldung")
    appointment = appointment_book(
        slot=Slot.of(city, [anmeldung], dt.datetime(2030, 1, 8, 9, 10, tzinfo=BERLIN)),
        person=Booker(name="Ayşe Yılmaz", email="ayse@example.org"),
        actor=SYSTEM,
        channel=Channel.STAFF,
    ).appointment
    ticket, _token = tickets.appointment_check_in(
        location=city, reference=appointment.reference, actor=RESIDENT
    )
    clerk = client_as(Role.CLERK, locations=[CITY])
    url = f"/visits/counter/{counter.pk}/"
    clerk.post(url, {"action": "sign-in"})
    assert clerk.post(url, {"action": "call-next"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.counter_id == counter.pk
    return clerk, url, ticket, appointment


def follow(client, page: str, pattern: str) -> str:
    match = re.search(pattern, page)
    assert match, pattern
    return html.unescape(match.group(1))


def test_a_walk_in_is_found_or_registered_linked_and_the_move_recorded(desk):
    clerk, url, ticket, appointment = desk
    counter_page = clerk.get(url).content.decode()
    search_url = follow(clerk, counter_page, r'href="(/staff/people/\?purpose=person_ticket[^"]+)"')
    assert f"ticket={ticket.pk}" in search_url
    # Not in the register: the search says so and offers to register the person.
    search = clerk.get(search_url + "&name=Yilmaz").content.decode()
    assert "Niemand im Melderegister passt" in search
    logged = AccessLog.objects.get(subject_type="person_search")
    assert logged.case_reference == f"{CITY}/2030-01-08/{ticket.number}".upper()
    new_url = follow(clerk, search, r'href="(/staff/people/new/\?[^"]+)"')
    created = clerk.post(
        new_url,
        {
            "family_name": "Yılmaz",
            "given_names": "Ayşe",
            "sex": "w",
            "birth_date": "04.03.1985",
            "birth_place": "İzmir",
            "birth_country": "TUR",
            "nationalities": "TUR",
            "purpose": "person_ticket",
            "reference": logged.case_reference,
        },
    )
    assert created.status_code == 302, created.content.decode()[-3000:]
    person = Person.objects.get()
    # Found now, and linked to the ticket from the list.
    search = clerk.get(search_url + "&name=Yilmaz+Ayse").content.decode()
    assert f'value="{person.pk}"' in search  # a button links this person to the ticket
    linked = clerk.post(
        url, {"action": "link-person", "ticket": ticket.pk, "person-person": person.pk}
    )
    assert linked.status_code == 302
    ticket.refresh_from_db()
    appointment.refresh_from_db()
    assert ticket.person == appointment.person == person
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PERSON_LINKED).exists()
    assert AppointmentEvent.objects.filter(appointment=appointment, kind="person").exists()
    # The counter page now leads to the record and to registering the move.
    counter_page = clerk.get(url).content.decode()
    register_url = follow(clerk, counter_page, r'href="(/staff/people/\d+/register/\?[^"]+)"')
    moved = clerk.post(
        register_url,
        {
            "kind": "register",
            "street": "Kirchenallee",
            "house_number": "1",
            "postcode": "20099",
            "moved_on": "2029-12-01",  # more than two weeks ago
            "landlord_confirmation": "WGB-4711",
        },
    )
    assert moved.status_code == 302
    residence = Residence.objects.get(person=person)
    assert (residence.street, residence.late, residence.landlord_confirmation) == (
        "Kirchenallee",
        True,
        "WGB-4711",
    )
    record = clerk.get(moved["Location"]).content.decode()
    assert "verspätet" in record or "registered late" in record
    # One person, one view: the appointment and the visit are on the record now (logged).
    assert f'href="/appointments/staff/appointment/{appointment.reference}/"' in record
    assert f": {ticket.number} –" in record
    assert "appointment" in AccessLog.objects.filter(subject_type="person").latest("pk").categories
    assert PersonEvent.objects.filter(person=person, kind="moved_in").exists()


def test_a_future_move_in_and_an_unknown_postcode_are_refused_keeping_the_input(desk, clerk_person):
    clerk, _url, ticket, _appointment = desk
    register_url = (
        f"/staff/people/{clerk_person.pk}/register/?purpose=person_ticket&reference=T-{ticket.pk}"
    )
    with unchanged(Residence, PersonEvent):
        future = clerk.post(
            register_url,
            {
                "kind": "register",
                "street": "Kirchenallee",
                "house_number": "1",
                "postcode": "80331",
                "moved_on": "2030-02-01",
            },
        )
    assert future.status_code == 422
    page = future.content.decode()
    assert "80331 ist keine Hamburger Postleitzahl." in page
    assert 'value="Kirchenallee"' in page


def test_linking_needs_the_ticket_to_be_served_here(desk, clerk_person):
    clerk, url, ticket, _appointment = desk
    clerk.post(url, {"action": "finish", "ticket": ticket.pk, "finish-outcome": "served"})
    with unchanged(Ticket):
        refused = clerk.post(
            url, {"action": "link-person", "ticket": ticket.pk, "person-person": clerk_person.pk}
        )
    assert refused.status_code == 409  # the ticket is no longer served here
    ticket.refresh_from_db()
    assert ticket.person is None


@pytest.fixture
def clerk_person(make_staff):
    actor = Actor.staff(make_staff(Role.CLERK))
    return identity.person_create(
        data=identity.PersonInput(
            family_name="Meier", given_names="Anna", sex="w", birth=BirthDate(1980, 1, 2)
        ),
        actor=actor,
    ).person
