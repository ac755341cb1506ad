"""The on-site visit pages through the Django test client: kiosk, printed and mobile ticket,
front desk, counter workstation, call display and the visits API, on the demo city.

Messages are checked on the English pages (/en/...), where the English msgids are the text."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from html import unescape

import pytest
import time_machine
from django.test import Client

from hamburg_service.accounts.models import Role
from hamburg_service.appointments.models import Appointment, Channel
from hamburg_service.appointments.services.booking import Slot, appointment_book
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.catalog.models import Counter, Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.core.tokens import token_hash
from hamburg_service.visits.models import (
    CounterSession,
    EventKind,
    Outcome,
    Ticket,
    TicketEvent,
    TicketSequence,
    TicketService,
    TicketStatus,
)
from hamburg_service.visits.services import calling, kiosks, tickets
from tests.support.actors import RESIDENT, SYSTEM, staff
from tests.support.db import unchanged

BERLIN = dt.timezone(dt.timedelta(hours=1))  # winter time
TODAY = dt.date(2030, 1, 8)  # a Tuesday: Kundenzentrum City is open 08:00–18:00
NOW = dt.datetime(2030, 1, 8, 9, 0, tzinfo=BERLIN)
CITY = "kundenzentrum-city"
KIOSK = f"/en/visits/kiosk/{CITY}/"
TOKEN_URL = re.compile(r"/visits/ticket/(?P<token>[\w-]+)/print/$")
VISIT_ROWS = (Ticket, TicketEvent, TicketService, TicketSequence)  # what a refusal leaves alone


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def city(demo_city) -> Location:
    return Location.objects.get(slug=CITY)


@pytest.fixture
def counters(city) -> list[Counter]:
    return list(Counter.objects.filter(location=city).order_by("pk")[:2])


@pytest.fixture
def lead(city, make_staff) -> Actor:
    return staff(make_staff(Role.LOCATION_LEAD, locations=[CITY]))


def kiosk_key_of(location: Location, lead: Actor) -> str:
    return kiosks.kiosk_device_create(location=location, name="Eingang", actor=lead)[1]


@pytest.fixture
def kiosk_key(city, lead) -> str:
    """The key of a ticket machine set up at Kundenzentrum City."""
    return kiosk_key_of(city, lead)


@pytest.fixture
def kiosk(client, kiosk_key) -> Client:
    """The test client as that ticket machine: it keeps the key as its cookie."""
    client.cookies[f"kiosk-{CITY}"] = kiosk_key
    return client


PEOPLE = itertools.count(1)


def book(location: Location, hour: int, minute: int = 0, day: dt.date = TODAY) -> Appointment:
    """An appointment booked by staff (confirmed at once, no captcha), for today if need be."""
    n = next(PEOPLE)
    start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)
    return appointment_book(
        slot=Slot.of(location, [Service.objects.get(slug="anmeldung")], start),
        person=PersonInput(name="Erika Mustermann", email=f"erika{n}@example.org"),
        actor=SYSTEM,
        channel=Channel.STAFF,
    ).appointment


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = TOKEN_URL.search(response["Location"])
    assert match, response["Location"]
    return match["token"]


def walk_in(city: Location, **kw) -> tuple[Ticket, str]:
    return tickets.ticket_issue(
        location=city, services=[Service.objects.get(slug="anmeldung")], actor=RESIDENT, **kw
    )


# ------------------------------------------------------------------ kiosk and tickets


def test_kiosk_offers_walk_in_services_as_buttons(kiosk, city):
    page = kiosk.get(KIOSK)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="screen kiosk"' in html  # CSS scales the kiosk up
    assert 'value="anmeldung"' in html
    assert 'value="personalausweis"' not in html  # appointment only: no button
    assert 'name="needs_priority"' in html
    assert 'name="reference"' in html
    assert "autofocus" in html
    german = kiosk.get(f"/visits/kiosk/{CITY}/")
    assert german.status_code == 200
    assert 'lang="de"' in german.content.decode()


def test_kiosk_issue_leads_to_the_ticket_with_number_wait_and_qr(kiosk, city):
    token = token_of(kiosk.post(KIOSK, {"service": "anmeldung", "needs_priority": "on"}))
    ticket = Ticket.objects.get()
    assert ticket.priority == 1
    assert ticket.language == "en"
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ISSUED).exists()
    page = kiosk.get(f"/en/visits/ticket/{token}/print/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<p class="ticket-number">{ticket.number}</p>' in html
    assert ticket.number == "A001"
    assert "<svg" in html  # the QR code, inline
    assert "You are next." in html  # never "about 0 minutes"
    assert "about 0 minutes" not in html
    assert "visits/kiosk.js" in html
    assert "<script>" not in html


def test_second_ticket_waits_behind_the_first(kiosk, city):
    walk_in(city)
    token = token_of(kiosk.post(KIOSK, {"service": "anmeldung"}))
    html = kiosk.get(f"/en/visits/t/{token}/").content.decode()
    assert "A002" in html
    assert re.search(r'class="ticket-position">2<', html)
    assert re.search(r"about \d+ minutes?<", html)


def test_appointment_only_service_is_refused_with_a_message(kiosk, city):
    with unchanged(*VISIT_ROWS):
        page = kiosk.post(KIOSK, {"service": "personalausweis"})
    html = page.content.decode()
    assert page.status_code == 409
    assert 'role="alert"' in html
    assert "Only with an appointment" in html
    assert "only possible with an appointment" in html
    assert not Ticket.objects.exists()


def test_closed_location_says_so(kiosk, city, morning):
    morning.move_to(dt.datetime(2030, 1, 8, 19, 30, tzinfo=BERLIN))
    assert "We are closed now" in kiosk.get(KIOSK).content.decode()
    with unchanged(*VISIT_ROWS):
        page = kiosk.post(KIOSK, {"service": "anmeldung"})
    assert page.status_code == 409
    assert "We are closed now" in page.content.decode()


def test_used_up_quota_says_so(kiosk, city, settings):
    settings.WALK_IN_DAILY_QUOTA = 1
    token_of(kiosk.post(KIOSK, {"service": "anmeldung"}))
    with unchanged(*VISIT_ROWS):
        page = kiosk.post(KIOSK, {"service": "anmeldung"})
    assert page.status_code == 409
    assert "No more tickets today" in page.content.decode()


def test_location_with_appointments_only_says_so(client, demo_city, lead):
    slug = "auslaenderdienststelle-hamburg-mitte"
    client.cookies[f"kiosk-{slug}"] = kiosk_key_of(Location.objects.get(slug=slug), lead)
    page = client.get(f"/en/visits/kiosk/{slug}/")
    assert page.status_code == 200
    assert "only possible with an appointment" in page.content.decode()


def test_unknown_location_is_a_404(client, demo_city):
    assert client.get("/en/visits/kiosk/nowhere/").status_code == 404
    assert client.get("/en/visits/t/not-a-token/").status_code == 404


def test_check_in_of_todays_appointment_gives_a_ticket(kiosk, city):
    appointment = book(city, 9, 30)
    # A hand scanner types the QR code's text (the reference) and Enter.
    token = token_of(
        kiosk.post(KIOSK, {"action": "check-in", "reference": appointment.reference.lower()})
    )
    ticket = Ticket.objects.get(appointment=appointment)
    assert ticket.number == "T001"
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CHECKED_IN).exists()
    html = kiosk.get(f"/en/visits/ticket/{token}/print/").content.decode()
    assert "T001" in html
    assert "Your appointment is at 09:30" in html


def test_check_in_at_the_wrong_location_says_so_but_not_where_or_when(kiosk, city):
    altona = Location.objects.get(slug="kundenzentrum-altona")
    appointment = book(altona, 9, 30)
    with unchanged(*VISIT_ROWS, Appointment):
        page = kiosk.post(KIOSK, {"action": "check-in", "reference": appointment.reference})
    html = unescape(page.content.decode())
    assert page.status_code == 409
    assert "This appointment is at another location" in html
    assert "confirmation e-mail" in html
    # A kiosk is public: a guessed reference must not tell whose booking is where and when.
    assert altona.name_de not in html
    assert altona.street not in html
    assert "09:30" not in html


def test_a_ticket_machine_allows_only_so_many_check_ins(kiosk, city, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_CHECK_IN = "3/10m"
    with unchanged(*VISIT_ROWS, Appointment):
        answers = [
            kiosk.post(KIOSK, {"action": "check-in", "reference": f"ZZZZZZ{n}2"}).status_code
            for n in range(4)
        ]
    assert answers == [404, 404, 404, 429]


def test_check_in_on_another_day_and_unknown_reference(kiosk, city):
    tomorrow = book(city, 10, 0, day=TODAY + dt.timedelta(days=1))
    kiosk.get(KIOSK)  # the device's last use is marked once a minute
    with unchanged(*VISIT_ROWS, Appointment):
        page = kiosk.post(KIOSK, {"action": "check-in", "reference": tomorrow.reference})
        unknown = kiosk.post(KIOSK, {"action": "check-in", "reference": "ZZZZZZZZ"})
        empty = kiosk.post(KIOSK, {"action": "check-in", "reference": ""})
    assert page.status_code == 409
    assert "not today" in page.content.decode()
    assert "10:00" not in page.content.decode()
    assert unknown.status_code == 404
    assert "We cannot find an appointment" in unknown.content.decode()
    assert empty.status_code == 422
    assert 'aria-invalid="true"' in empty.content.decode()


def test_mobile_ticket_shows_status_refreshes_and_takes_an_email(client, city, counters):
    ticket, token = walk_in(city)
    url = f"/en/visits/t/{token}/"
    html = client.get(url).content.decode()
    assert "A001" in html
    assert "visits/ticket.js" in html
    assert 'aria-live="polite"' in html
    part = client.get(url, {"part": "live"})
    assert part.status_code == 200
    assert "<html" not in part.content.decode()
    with unchanged(*VISIT_ROWS):
        bad = client.post(url, {"email": "not-an-address"})
    assert bad.status_code == 422
    assert client.post(url, {"email": "me@example.org"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.email == "me@example.org"
    calling.ticket_call_next(counter=counters[0], actor=SYSTEM)
    called = client.get(url, {"part": "live"}).content.decode()
    assert f"please go to {counters[0].name}" in called


# ------------------------------------------------------------------ call display and API


def test_call_display_page_and_api_show_the_call(client, city, counters):
    ticket, _token = walk_in(city)
    empty = client.get(f"/api/v1/visits/{CITY}/calls").json()
    assert empty["calls"] == []
    calling.ticket_call_next(counter=counters[0], actor=SYSTEM)
    page = client.get(f"/en/visits/display/{CITY}/").content.decode()
    assert 'class="screen call-display"' in page
    assert "visits/display.js" in page
    assert 'aria-live="polite"' in page
    assert ticket.number in page
    assert counters[0].name in page
    body = client.get(f"/api/v1/visits/{CITY}/calls").json()
    assert body["calls"][0]["number"] == ticket.number
    assert body["calls"][0]["counter"] == counters[0].name
    assert body["calls"][0]["calls"] == 1
    assert body["version"] != empty["version"]
    calling.ticket_recall(ticket=ticket, counter=counters[0], actor=SYSTEM)
    again = client.get(f"/api/v1/visits/{CITY}/calls").json()
    assert again["calls"][0]["calls"] == 2
    assert again["version"] != body["version"]
    assert client.get("/api/v1/visits/nowhere/calls").status_code == 404


def test_api_issues_tickets_and_checks_in(city, kiosk_key):
    machine = Client(headers={"X-Kiosk-Key": kiosk_key})  # kiosk software sends its key
    answer = machine.post(
        f"/api/v1/visits/{CITY}/tickets",
        {"services": ["anmeldung"], "needs_priority": True},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["number"] == "A001"
    assert Ticket.objects.get(mobile_token_hash=token_hash(answer.json()["token"]))
    with unchanged(*VISIT_ROWS):
        refused = machine.post(
            f"/api/v1/visits/{CITY}/tickets",
            {"services": ["personalausweis"]},
            content_type="application/json",
        )
        unknown = machine.post(
            f"/api/v1/visits/{CITY}/tickets",
            {"services": ["nope"]},
            content_type="application/json",
        )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/appointment-only")
    assert refused["Content-Type"] == "application/problem+json"
    assert unknown.status_code == 422
    appointment = book(city, 9, 30)
    checked = machine.post(
        f"/api/v1/visits/{CITY}/check-in",
        {"reference": appointment.reference},
        content_type="application/json",
    )
    assert checked.status_code == 201
    assert checked.json()["number"] == "T001"
    with unchanged(*VISIT_ROWS):
        twice = machine.post(
            f"/api/v1/visits/{CITY}/check-in",
            {"reference": appointment.reference},
            content_type="application/json",
        )
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/checked-in")


def test_queue_api_is_for_staff_of_the_location(client, city, client_as):
    walk_in(city)
    assert client.get(f"/api/v1/visits/{CITY}/queue").status_code == 401
    other = client_as(Role.CLERK, locations=["kundenzentrum-altona"])
    assert other.get(f"/api/v1/visits/{CITY}/queue").status_code == 403
    clerk = client_as(Role.CLERK, locations=[CITY])
    rows = clerk.get(f"/api/v1/visits/{CITY}/queue").json()
    assert [r["number"] for r in rows] == ["A001"]
    assert rows[0]["services"] == ["anmeldung"]


# ------------------------------------------------------------------ counter workstation


def test_counter_pages_need_sign_in_and_the_right_role(client, city, counters, client_as):
    url = f"/en/visits/counter/{counters[0].pk}/"
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "/staff/login/" in anonymous["Location"]
    assert client.get("/en/visits/counter/").status_code == 302
    assert client.get(f"/en/visits/desk/{CITY}/").status_code == 302
    caseworker = client_as(Role.CASEWORKER_REGISTRATION, locations=[CITY])
    assert caseworker.get(url).status_code == 403
    assert caseworker.get(f"/en/visits/desk/{CITY}/").status_code == 403
    elsewhere = client_as(Role.CLERK, locations=["kundenzentrum-altona"])
    assert elsewhere.get(url).status_code == 403
    clerk = client_as(Role.CLERK, locations=[CITY])
    listing = clerk.get("/en/visits/counter/").content.decode()
    assert counters[0].name in listing
    assert f"/en/visits/counter/{counters[0].pk}/" in listing


def test_clerk_signs_in_calls_next_and_finishes(city, counters, client_as):
    clerk = client_as(Role.CLERK, locations=[CITY])
    url = f"/en/visits/counter/{counters[0].pk}/"
    first = clerk.get(url).content.decode()
    assert 'value="sign-in"' in first
    assert 'value="call-next"' not in first
    # Not signed in: actions are refused with a message.
    with unchanged(*VISIT_ROWS, CounterSession):
        refused = clerk.post(url, {"action": "call-next"})
    assert refused.status_code == 409
    assert "not signed in" in refused.content.decode()
    assert clerk.post(url, {"action": "sign-in"}).status_code == 302
    assert CounterSession.objects.filter(counter=counters[0], ended_at__isnull=True).exists()
    nobody = clerk.post(url, {"action": "call-next"}, follow=True)
    assert "Nobody is waiting" in nobody.content.decode()

    ticket, _token = walk_in(city)
    appointment = book(city, 9, 10)
    checked_in, _ = tickets.appointment_check_in(
        location=city, reference=appointment.reference, actor=RESIDENT
    )
    page = clerk.get(url).content.decode()
    assert ticket.number in page
    assert checked_in.number in page

    called = clerk.post(url, {"action": "call-next"}, follow=True)
    html = called.content.decode()
    checked_in.refresh_from_db()
    assert checked_in.status == TicketStatus.CALLED  # a due appointment goes first
    number = '<span class="visually-hidden">Number: </span>'
    assert f'<p class="current-number">{number}{checked_in.number}' in html
    assert appointment.reference in html
    assert "Erika Mustermann" in html
    assert "Required documents" in html
    assert 'value="no-show"' in html
    assert "disabled" in html
    # One person at a time: "call next" while someone is called here is refused.
    with unchanged(*VISIT_ROWS):
        busy = clerk.post(url, {"action": "call-next"})
    assert busy.status_code == 409
    assert f"Please finish, park or transfer {checked_in.number}" in busy.content.decode()

    finish = clerk.post(
        url,
        {"action": "finish", "ticket": checked_in.pk, "finish-outcome": Outcome.SERVED},
    )
    assert finish.status_code == 302
    checked_in.refresh_from_db()
    appointment.refresh_from_db()
    assert checked_in.status == TicketStatus.DONE
    assert checked_in.outcome == Outcome.SERVED
    assert appointment.status == "completed"
    kinds = list(TicketEvent.objects.filter(ticket=checked_in).values_list("kind", flat=True))
    assert kinds == [EventKind.CHECKED_IN, EventKind.CALLED, EventKind.FINISHED]
    assert TicketEvent.objects.get(ticket=checked_in, kind=EventKind.CALLED).actor.is_staff

    clerk.post(url, {"action": "call-next"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED
    assert ticket.counter == counters[0]
    with unchanged(*VISIT_ROWS):
        partly = clerk.post(
            url, {"action": "finish", "ticket": ticket.pk, "finish-outcome": Outcome.PARTLY}
        )
    assert partly.status_code == 422  # a reason is needed
    assert "Please give a reason" in partly.content.decode()
    clerk.post(
        url,
        {
            "action": "finish",
            "ticket": ticket.pk,
            "finish-outcome": Outcome.PARTLY,
            "finish-note": "passport missing",
        },
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DONE
    assert ticket.outcome_note == "passport missing"


def test_recall_no_show_park_resume_transfer_and_add_service(city, counters, client_as):
    clerk = client_as(Role.CLERK, locations=[CITY])
    url = f"/en/visits/counter/{counters[0].pk}/"
    clerk.post(url, {"action": "sign-in"})
    ticket, _ = walk_in(city)
    clerk.post(url, {"action": "call-next"})
    with unchanged(*VISIT_ROWS):
        early = clerk.post(url, {"action": "no-show", "ticket": ticket.pk})
    assert early.status_code == 409
    assert "Please call 3 times" in early.content.decode()
    for _ in range(2):
        assert clerk.post(url, {"action": "recall", "ticket": ticket.pk}).status_code == 302
    assert clerk.post(url, {"action": "no-show", "ticket": ticket.pk}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NO_SHOW
    assert ticket.calls == 3

    second, _ = walk_in(city)
    clerk.post(url, {"action": "call-next"})
    clerk.post(url, {"action": "park", "ticket": second.pk, "park-note": "fetches passport"})
    second.refresh_from_db()
    assert second.status == TicketStatus.PARKED
    page = clerk.get(url).content.decode()
    assert "Parked here" in page
    assert 'value="resume"' in page
    clerk.post(url, {"action": "resume", "ticket": second.pk})
    second.refresh_from_db()
    assert second.status == TicketStatus.CALLED

    added = clerk.post(
        url, {"action": "add-service", "ticket": second.pk, "add-service": "meldebescheinigung"}
    )
    assert added.status_code == 302
    assert second.services.filter(slug="meldebescheinigung").exists()

    with unchanged(*VISIT_ROWS):
        nothing = clerk.post(url, {"action": "transfer", "ticket": second.pk})
    assert nothing.status_code == 422
    assert "Choose a counter, a service or a location" in nothing.content.decode()
    moved = clerk.post(
        url, {"action": "transfer", "ticket": second.pk, "transfer-to_counter": counters[1].pk}
    )
    assert moved.status_code == 302
    second.refresh_from_db()
    assert second.counter == counters[1]
    assert second.status == TicketStatus.CALLED
    assert TicketEvent.objects.filter(ticket=second, kind=EventKind.TRANSFERRED).exists()


def test_another_clerk_on_the_same_ticket_gets_a_message_not_an_error(city, counters, client_as):
    first = client_as(Role.CLERK, locations=[CITY])
    second = client_as(Role.CLERK, locations=[CITY])
    url1 = f"/en/visits/counter/{counters[0].pk}/"
    url2 = f"/en/visits/counter/{counters[1].pk}/"
    first.post(url1, {"action": "sign-in"})
    second.post(url2, {"action": "sign-in"})
    ticket, _ = walk_in(city)
    # The second clerk's page still lists the ticket as waiting when the first one calls it.
    assert ticket.number in second.get(url2).content.decode()
    first.post(url1, {"action": "call-next"})
    with unchanged(*VISIT_ROWS):
        late = second.post(
            url2,
            {"action": "call", "call-ticket": ticket.pk, "ticket": ticket.pk, "call-reason": "x"},
        )
        finish = second.post(
            url2, {"action": "finish", "ticket": ticket.pk, "finish-outcome": Outcome.SERVED}
        )
    assert late.status_code == 409
    assert "Another counter has taken this ticket" in late.content.decode()
    assert finish.status_code == 409
    assert 'role="alert"' in finish.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED
    assert ticket.counter == counters[0]
    # Taking over a counter ends the other clerk's session there; their buttons then refuse.
    second.post(url1, {"action": "sign-in"})
    with unchanged(*VISIT_ROWS):
        gone = first.post(url1, {"action": "recall", "ticket": ticket.pk})
    assert gone.status_code == 409
    assert "not signed in" in gone.content.decode()


def test_call_out_of_order_needs_a_reason(city, counters, client_as):
    clerk = client_as(Role.CLERK, locations=[CITY])
    url = f"/en/visits/counter/{counters[0].pk}/"
    clerk.post(url, {"action": "sign-in"})
    walk_in(city)
    later, _ = walk_in(city)
    with unchanged(*VISIT_ROWS):
        missing = clerk.post(url, {"action": "call", "call-ticket": later.pk, "ticket": later.pk})
    assert missing.status_code == 422
    assert "Please give a reason" in missing.content.decode()
    clerk.post(
        url,
        {"action": "call", "call-ticket": later.pk, "ticket": later.pk, "call-reason": "urgent"},
    )
    later.refresh_from_db()
    assert later.status == TicketStatus.CALLED
    picked = TicketEvent.objects.get(ticket=later, kind=EventKind.CALLED_OUT_OF_ORDER)
    assert picked.data == {"reason": "urgent"}


# ------------------------------------------------------------------ front desk


def test_front_desk_issues_checks_in_and_sees_the_day(city, client_as):
    desk = client_as(Role.FRONT_DESK, locations=[CITY])
    url = f"/en/visits/desk/{CITY}/"
    appointment = book(city, 9, 30)
    later = book(city, 14, 0)
    page = desk.get(url).content.decode()
    assert appointment.reference in page
    assert later.reference in page
    assert "Erika Mustermann" in page
    issued = desk.post(url, {"action": "issue", "issue-service": "anmeldung"}, follow=True)
    html = issued.content.decode()
    ticket = Ticket.objects.get(appointment__isnull=True)
    assert f'<span class="issued-number">{ticket.number}</span>' in html
    assert "/visits/ticket/" in html  # the print link
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.ISSUED).actor.is_staff
    with unchanged(*VISIT_ROWS):
        refused = desk.post(url, {"action": "issue", "issue-service": "personalausweis"})
    assert refused.status_code == 422  # not in the walk-in choice
    desk.post(url, {"action": "check-in", "checkin-reference": appointment.reference})
    checked = Ticket.objects.get(appointment=appointment)
    page = desk.get(url).content.decode()
    assert checked.number in page
    assert ticket.number in page
    with unchanged(*VISIT_ROWS, Appointment):
        early = desk.post(url, {"action": "check-in", "checkin-reference": later.reference})
    assert early.status_code == 409
    assert "too early" in early.content.decode()


def test_counters_are_listed_in_natural_order(city, client_as):
    """Platz 2 before Platz 10, on the counter list and in the transfer choices."""
    for number in (10, 11, 12):
        Counter.objects.get_or_create(location=city, name=f"Platz {number}")
    names = list(Counter.objects.filter(location=city).values_list("name", flat=True))
    assert names == sorted(names, key=lambda name: int(name.split()[-1]))
    clerk = client_as(Role.CLERK, locations=[CITY])
    page = clerk.get(f"/visits/counter/?location={CITY}").content.decode()
    assert page.index(">Platz 2<") < page.index(">Platz 10<")


def test_a_closed_ticket_machine_says_when_it_opens_next(kiosk, city, morning):
    morning.move_to(dt.datetime(2030, 1, 12, 20, 0, tzinfo=BERLIN))  # Saturday evening
    html = kiosk.get(KIOSK).content.decode()
    assert "We are closed now." in html
    assert re.search(r"We open again on Monday, 14 January 2030 at \d\d:\d\d\.", html)
    assert 'name="service"' not in html


def test_a_ticket_machine_says_no_more_tickets_before_a_button_is_pressed(kiosk, city, settings):
    settings.WALK_IN_DAILY_QUOTA = 1
    assert "service-anmeldung" in kiosk.get(KIOSK).content.decode()
    walk_in(city)
    html = kiosk.get(KIOSK).content.decode()
    assert "all given out" in html
    assert 'name="service"' not in html
