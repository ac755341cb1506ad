"""An appointment from a case: the caseworker offers a window, the applicant chooses a free
time at a location offering the service; it is booked within the window only, on the channel
`case` — confirmed at once, free of the public per-address limits and not counted towards
them — and a bad link answers alike."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from hamburg_service.accounts.models import Role
from hamburg_service.appointments.models import Appointment, Channel, Status
from hamburg_service.appointments.services.booking import Slot, appointment_book
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.cases.models import AppointmentOffer, Case, CaseEvent
from hamburg_service.cases.services import pool
from hamburg_service.cases.services.offers import (
    appointment_offer_book,
    appointment_offer_create,
    appointment_offer_open,
    offer_times,
)
from hamburg_service.catalog.hours import BERLIN
from hamburg_service.catalog.models import Counter, District, Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import InvalidInput, NotFound, TooMany
from hamburg_service.notifications.models import Message
from hamburg_service.notifications.renderers import render
from tests.support.cities import weekday_location

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
EMAIL = "priya@example.org"
# The window: Thursday 5 and Friday 6 March 2026.
FIRST, LAST = TODAY + 3 * DAY, TODAY + 4 * DAY


@pytest.fixture
def office(db, settings, case_types) -> tuple[Location, Location, Service]:
    """Two immigration offices open 8–12 on weekdays, a counter each, both offering the
    extension's service; the whole capacity bookable (no shares kept back)."""
    settings.APPOINTMENT_SLOT_MINUTES = 10
    settings.WALK_IN_SHARE = 0.0
    settings.STAFF_SHARE = 0.0
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    service = case_types["residence-permit-extension"].service
    district = District.objects.create(slug="mitte", name_de="Mitte", name_en="Mitte")
    places = []
    for slug in ("office-a", "office-b"):
        location = weekday_location(slug, district, opens=8, closes=12)
        service.locations.add(location)
        counter = Counter.objects.create(location=location, name="Platz 1")
        counter.services.add(service)
        places.append(location)
    return places[0], places[1], service


@pytest.fixture
def worker(caseworker) -> Actor:
    return caseworker(Role.CASEWORKER_IMMIGRATION)


@pytest.fixture
def case(open_case, worker, office) -> Case:
    opened = open_case(name="Priya Raghunathan", applicant_email=EMAIL, language="en")
    taken = pool.case_next(actor=worker, now=NOW)
    assert taken is not None
    assert taken.pk == opened.pk
    return taken


def offer_for(case: Case, worker: Actor, service: Service, **kwargs):
    return appointment_offer_create(
        case=case,
        service=service,
        purpose=kwargs.pop("purpose", "Fingerprints and photo for your card"),
        window_from=kwargs.pop("window_from", FIRST),
        window_until=kwargs.pop("window_until", LAST),
        actor=worker,
        now=NOW,
        **kwargs,
    )


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def test_an_offer_is_an_event_and_an_e_mail_with_the_link(case, worker, office):
    offer, token = offer_for(case, worker, office[2])
    event = CaseEvent.objects.get(case=case, kind="appointment_offered")
    assert event.data["from"] == FIRST.isoformat()
    assert event.data["until"] == LAST.isoformat()
    case.refresh_from_db()
    assert case.status == "in_review"  # nothing else changes
    message = Message.objects.get(template="cases/appointment_offer")
    assert (message.recipient, message.language) == (EMAIL, "en")
    with translation.override("en"):
        mail = render(message.template, message.context)
    assert f"/en/case-appointment/{token}/" in mail.body
    assert "Fingerprints and photo for your card" in mail.body
    assert "Thursday, 5 March 2026" in mail.body
    assert offer.token_hash != token


@pytest.mark.parametrize(
    ("window", "field", "code"),
    [
        ((TODAY, TODAY + DAY), "window_from", "window-outside"),  # today: too soon
        ((TODAY - DAY, TODAY + DAY), "window_from", "window-outside"),
        ((TODAY + 5 * DAY, TODAY + 4 * DAY), "window_until", "window-reversed"),
        ((TODAY + DAY, TODAY + 61 * DAY), "window_until", "window-outside"),
    ],
)
def test_a_window_outside_one_to_sixty_days_is_refused(case, worker, office, window, field, code):
    with pytest.raises(InvalidInput) as caught:
        offer_for(case, worker, office[2], window_from=window[0], window_until=window[1])
    assert (caught.value.errors[0]["field"], caught.value.code) == (field, code)
    assert not AppointmentOffer.objects.exists()
    assert not Message.objects.filter(template="cases/appointment_offer").exists()


def test_a_service_offered_nowhere_cannot_be_offered(case, worker, office):
    nowhere = Service.objects.create(
        slug="nowhere",
        name_de="Nirgends",
        name_en="Nowhere",
        agency="immigration",
        handling_minutes=10,
        channel="on_site",
        access="appointment",
    )
    with pytest.raises(InvalidInput) as caught:
        offer_for(case, worker, nowhere)
    assert caught.value.code == "not-bookable"
    assert not CaseEvent.objects.filter(kind="appointment_offered").exists()


def test_the_times_shown_lie_within_the_window_at_the_offices_offering_the_service(
    case, worker, office
):
    offer, _token = offer_for(case, worker, office[2])
    times = offer_times(offer=offer, now=NOW, limit=200)
    assert times
    assert {t.start.date() for t in times} == {FIRST, LAST}
    assert {t.location.slug for t in times} == {"office-a", "office-b"}
    only_b = offer_times(offer=offer, now=NOW, location=office[1])
    assert {t.location.slug for t in only_b} == {"office-b"}
    friday = offer_times(offer=offer, now=NOW, day=LAST)
    assert {t.start.date() for t in friday} == {LAST}
    assert len(friday) == 2 * (4 * 6 - 1)  # two offices 8–12, 20 minutes from every 10
    assert offer_times(offer=offer, now=NOW, day=LAST + DAY) == []  # outside the window


def test_booking_within_the_window_only(case, worker, office):
    offer, token = offer_for(case, worker, office[2])
    resident = Actor.resident(EMAIL)
    outside = at(TODAY + 7 * DAY, 9)
    with pytest.raises(InvalidInput) as caught:
        appointment_offer_book(
            offer=offer, location=office[0], start=outside, actor=resident, now=NOW
        )
    assert caught.value.code == "outside-offer-window"
    assert not Appointment.objects.exists()
    booking = appointment_offer_book(
        offer=offer, location=office[0], start=at(FIRST, 9), actor=resident, now=NOW
    )
    appointment = booking.appointment
    assert (appointment.channel, appointment.status) == (Channel.CASE, Status.CONFIRMED)
    assert appointment.confirmed_at == NOW  # confirmed at once, not held for an e-mail
    assert (appointment.name, appointment.email, appointment.language) == (
        "Priya Raghunathan",
        EMAIL,
        "en",
    )
    offer.refresh_from_db()
    assert (offer.appointment_id, offer.booked_at) == (appointment.pk, NOW)
    event = CaseEvent.objects.get(case=case, kind="appointment_booked")
    assert event.data["appointment"] == appointment.reference
    assert Message.objects.filter(template="appointments/booked", recipient=EMAIL).exists()
    # Used: the link answers like an unknown one — until the appointment is cancelled.
    with pytest.raises(NotFound):
        appointment_offer_open(token=token, now=NOW)
    appointment.status = Status.CANCELLED
    appointment.save(update_fields=["status"])
    assert appointment_offer_open(token=token, now=NOW).pk == offer.pk


def test_the_case_appointment_is_free_of_the_public_limits_and_not_counted(
    case, worker, office, settings
):
    settings.MAX_ACTIVE_PER_PERSON_AND_SERVICE = 1
    settings.MAX_BOOKINGS_PER_EMAIL_30_DAYS = 2
    settings.BOOKING_CONFIRM_BY_EMAIL = False
    location, _other, service = office
    counter = Counter.objects.get(location=location)
    more = []
    for slug in ("second", "third"):
        extra = Service.objects.create(
            slug=slug,
            name_de=slug,
            name_en=slug,
            agency="immigration",
            handling_minutes=10,
            channel="on_site",
            access="appointment",
        )
        extra.locations.add(location)
        counter.services.add(extra)
        more.append(extra)
    me = PersonInput(name="Priya Raghunathan", email=EMAIL)
    resident = Actor.resident(EMAIL)

    def public(services: list[Service], day: dt.date) -> Appointment:
        return appointment_book(
            slot=Slot.of(location, services, at(day, 9)), person=me, actor=resident, now=NOW
        ).appointment

    first, _token = offer_for(case, worker, service)
    appointment_offer_book(
        offer=first, location=location, start=at(FIRST, 10), actor=resident, now=NOW
    )
    # Not counted: the same service once more (limit one per service) and a second booking
    # (limit two in 30 days) are still the address's to book online.
    public([service], TODAY + 10 * DAY)
    public([more[0]], TODAY + 11 * DAY)
    # The public limits hold for public bookings...
    with pytest.raises(TooMany):
        public([more[1]], TODAY + 12 * DAY)
    # ...and not for the case's: a second offer books although the address is at its limits.
    second, _token = offer_for(case, worker, service, purpose="Handing over your card")
    booked = appointment_offer_book(
        offer=second, location=location, start=at(LAST, 10), actor=resident, now=NOW
    )
    assert booked.appointment.channel == Channel.CASE
    assert Appointment.objects.filter(channel=Channel.CASE).count() == 2
    assert Appointment.objects.filter(channel=Channel.PUBLIC).count() == 2


def test_without_an_address_the_applicant_books_all_the_same(open_case, worker, office):
    case = open_case(name="Amadou Diallo")
    pool.case_next(actor=worker, now=NOW)
    offer, _token = offer_for(case, worker, office[2])
    assert not Message.objects.exists()  # the caseworker posts the letter
    booked = appointment_offer_book(
        offer=offer, location=office[1], start=at(LAST, 11), actor=Actor.resident(), now=NOW
    )
    assert booked.appointment.email == ""
    assert booked.appointment.status == Status.CONFIRMED
    assert not Message.objects.exists()


def test_the_applicant_chooses_a_time_on_the_page(case, worker, office):
    _offer, token = offer_for(case, worker, office[2])
    client = Client()
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/en/case-appointment/{token}/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "Fingerprints and photo for your card" in text
        values = re.findall(r'name="time" id="[^"]+" value="([^"]+)"', text)
        assert values
        assert all(v.split("|")[1].startswith("2026-03-0") for v in values)
        empty = client.post(f"/en/case-appointment/{token}/", {})
        assert empty.status_code == 422
        assert "Choose a time." in empty.content.decode()
        answer = client.post(f"/en/case-appointment/{token}/", {"time": values[0]})
    assert answer.status_code == 302
    appointment = Appointment.objects.get()
    assert "/appointments/manage/" in answer["Location"]
    assert appointment.channel == Channel.CASE
    assert appointment.start.astimezone(BERLIN).date() == FIRST


def test_unknown_used_and_expired_links_answer_alike(case, worker, office):
    offer, token = offer_for(case, worker, office[2])
    client = Client()
    with time_machine.travel(NOW, tick=False):
        unknown = client.get(f"/en/case-appointment/{'x' * len(token)}/")
    with time_machine.travel(dt.datetime.combine(LAST + DAY, dt.time(9), tzinfo=BERLIN)):
        expired = client.get(f"/en/case-appointment/{token}/")
    appointment_offer_book(
        offer=offer,
        location=office[0],
        start=at(FIRST, 9),
        actor=Actor.resident(EMAIL),
        now=NOW,
    )
    with time_machine.travel(NOW, tick=False):
        used = client.get(f"/en/case-appointment/{token}/")
    pages = [
        p.content.decode().replace("x" * len(token), "TOKEN").replace(token, "TOKEN")
        for p in (unknown, expired, used)
    ]
    assert unknown.status_code == expired.status_code == used.status_code == 404
    assert pages[0] == pages[1] == pages[2]
    # ...and like the upload page's bad links.
    with time_machine.travel(NOW, tick=False):
        upload = client.get(f"/en/case-upload/{'x' * len(token)}/")
    assert (
        upload.content.decode()
        .replace("x" * len(token), "TOKEN")
        .replace("case-upload", "case-appointment")
        == pages[0]
    )


def test_the_case_page_offers_and_lists_the_offer(case, worker, office):
    client = Client()
    client.force_login(worker.user)
    page = client.get(f"/en/staff/cases/{case.reference}/").content.decode()
    assert "Offer an appointment" in page
    today = dt.date.today()
    answer = client.post(
        f"/en/staff/cases/{case.reference}/offer/",
        {
            "o-service": office[2].pk,
            "o-purpose": "Handing over your card",
            "o-window_from": (today + 2 * DAY).isoformat(),
            "o-window_until": (today + 90 * DAY).isoformat(),
        },
    )
    assert answer.status_code == 422  # too far: said, and what was typed kept
    assert "Handing over your card" in answer.content.decode()
    answer = client.post(
        f"/en/staff/cases/{case.reference}/offer/",
        {
            "o-service": office[2].pk,
            "o-purpose": "Handing over your card",
            "o-window_from": (today + 2 * DAY).isoformat(),
            "o-window_until": (today + 9 * DAY).isoformat(),
        },
    )
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert "waiting for the applicant" in page
    assert "Handing over your card" in page
