"""The one event model: every domain's service records the time it was given and its actor,
and `event_record` accepts only its table's kinds and aware times."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.appointments.models import AppointmentEvent, DayLedger, WaitlistEvent
from hamburg_service.appointments.services import booking, waitlist
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.catalog import services as catalog_services
from hamburg_service.catalog.models import CatalogEvent, Counter, District, Service
from hamburg_service.core.actors import Actor, ActorKind
from hamburg_service.core.events import event_record, event_table
from hamburg_service.visits.models import TicketEvent
from hamburg_service.visits.services import calling, counters, tickets
from tests.support.cities import weekday_location

DAY = dt.date(2030, 1, 14)  # a Monday
NOW = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
ON_THE_DAY = dt.datetime(2030, 1, 14, 9, 17, 33, tzinfo=dt.UTC)


@pytest.fixture
def place(db, settings):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    settings.WALK_IN_SHARE = 0.0
    settings.STAFF_SHARE = 0.0
    district = District.objects.create(slug="mitte", name_de="Mitte", name_en="Mitte")
    location = weekday_location("centre", district, opens=8, closes=16)
    service = Service.objects.create(
        slug="anmeldung",
        name_de="Anmeldung",
        name_en="Registration",
        agency="residents",
        handling_minutes=10,
        channel="on_site",
        access="both",
    )
    service.locations.add(location)
    counter = Counter.objects.create(location=location, name="Platz 1")
    counter.services.add(service)
    return location, service, counter


def test_booking_and_waitlist_record_the_given_time_and_the_resident(place):
    location, service, _counter = place
    start = dt.datetime(2030, 1, 14, 10, 0, tzinfo=dt.UTC)
    resident = Actor.resident("anna@example.org")
    booked = booking.appointment_book(
        slot=booking.Slot.of(location, [service], start),
        person=PersonInput(name="Anna", email="anna@example.org"),
        actor=resident,
        now=NOW,
    )
    [held] = AppointmentEvent.objects.filter(appointment=booked.appointment)
    assert (held.kind, held.at) == ("held", NOW)
    assert held.actor == resident
    assert booked.appointment.created_at == NOW
    entry = waitlist.waitlist_join(
        services=[service],
        locations=[location],
        date_from=DAY,
        date_to=DAY,
        person=PersonInput(name="Ben", email="ben@example.org"),
        actor=Actor.resident("ben@example.org"),
        now=NOW,
    )
    assert entry is not None
    [joined] = WaitlistEvent.objects.filter(entry=entry)
    assert (joined.kind, joined.at, joined.actor_kind) == ("joined", NOW, ActorKind.RESIDENT)
    assert entry.created_at == NOW


def test_visits_record_the_given_time_the_counter_and_the_clerk(place, make_staff, settings):
    location, service, counter = place
    clerk = make_staff()
    staff = Actor.staff(clerk)
    ticket, _token = tickets.ticket_issue(
        location=location, services=[service], actor=Actor.resident(), now=ON_THE_DAY
    )
    counters.counter_sign_in(counter=counter, actor=staff, now=ON_THE_DAY)
    later = ON_THE_DAY + dt.timedelta(minutes=4, seconds=5)
    calling.ticket_call_next(counter=counter, actor=staff, now=later)
    issued, called = TicketEvent.objects.filter(ticket=ticket).order_by("at")
    assert (issued.kind, issued.at, issued.actor_kind) == ("issued", ON_THE_DAY, "resident")
    assert (called.kind, called.at, called.counter, called.actor_user) == (
        "called",
        later,
        counter,
        clerk,
    )


def test_catalogue_changes_record_the_given_time_and_the_administrator(place, make_staff):
    location, _service, _counter = place
    admin = make_staff()
    when = dt.datetime(2029, 12, 1, 7, 0, tzinfo=dt.UTC)
    closure = catalog_services.closure_create(
        location=location,
        start_date=DAY,
        end_date=DAY,
        reason_de="Betriebsversammlung",
        actor=Actor.staff(admin),
        now=when,
    )
    event = CatalogEvent.objects.get(object_type="closure", object_id=closure.pk)
    assert (event.kind, event.at, event.actor_user, event.actor_kind) == (
        "closure_created",
        when,
        admin,
        "staff",
    )
    assert event.data == {"summary": str(closure)}


def test_event_record_refuses_free_strings_and_naive_times(place):
    _location, _service, counter = place
    with pytest.raises(ValueError, match="is not a kind of CatalogEvent"):
        event_record(counter, kind="renamed", actor=Actor.system("tests"), at=NOW)
    with pytest.raises(ValueError, match="aware"):
        event_record(
            counter, kind="changed", actor=Actor.system("tests"), at=dt.datetime(2030, 1, 1)
        )
    assert not CatalogEvent.objects.exists()
    assert event_table(Counter) is CatalogEvent
    with pytest.raises(LookupError):
        event_table(DayLedger)  # nothing records events about a day's ledger
