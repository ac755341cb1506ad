"""Booking a time (Termin buchen): online by the resident, by staff for a caller, or held for
a person from the waitlist."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from hamburg_service.appointments import availability, mails
from hamburg_service.appointments.models import (
    Appointment,
    AppointmentService,
    Channel,
    EventKind,
    Status,
)
from hamburg_service.appointments.services import rules, seats, tokens
from hamburg_service.appointments.services.rules import PersonInput, SlotTaken
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.core.db import rows_insert, write_transaction
from hamburg_service.core.events import event_record
from hamburg_service.core.tokens import token_hash


@dataclass(frozen=True, slots=True)
class Slot:
    """A visit for `services` at `location` starting at `start`."""

    location: Location
    services: tuple[Service, ...]
    start: dt.datetime

    @classmethod
    def of(cls, location: Location, services: Sequence[Service], start: dt.datetime) -> Slot:
        return cls(location, tuple(services), start)


@dataclass(frozen=True, slots=True)
class Offer:
    """A time booked for a person from the waitlist: held (for `hold_minutes`) until they
    confirm it, possibly on the seats held back from a cancellation (`reuse`)."""

    hold_minutes: int
    reuse: Appointment | None = None


@dataclass(frozen=True, slots=True)
class Booking:
    appointment: Appointment
    manage_token: str
    confirm_token: str | None


def appointment_book(
    *,
    slot: Slot,
    person: PersonInput,
    actor: Actor,
    channel: str = Channel.PUBLIC,
    offer: Offer | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Book `slot` for `person`. Online bookings are held until confirmed by the link in the
    e-mail when BOOKING_CONFIRM_BY_EMAIL is on, offers from the waitlist always; bookings by
    staff are confirmed at once. Raises InvalidInput (422), Conflict (409, with the next free
    times) or TooMany (429); nothing is written then.

    A public booking held for confirmation answers alike whatever the address has booked
    before, so that nobody learns another person's appointments by typing their address: the
    per-person limits are checked when the owner confirms, and the e-mail tells the owner at
    once when this booking cannot be confirmed (issue 9, enumeration)."""
    now = now or timezone.now()
    services = list(slot.services)
    location = slot.location
    rules.check_services(location=location, services=services)
    rules.check_person(person, channel=channel)
    day, unit = rules.check_time(start=slot.start, services=services, channel=channel, now=now)
    confirm_by_email = offer is not None or (
        channel == Channel.PUBLIC and settings.BOOKING_CONFIRM_BY_EMAIL
    )
    email_key = tokens.email_normalise(person.email)
    manage_nonce = secrets.token_hex(16)
    manage_token = tokens.manage_token_from(manage_nonce)
    confirm_token = secrets.token_urlsafe(24) if confirm_by_email else None
    k = availability.units_for(services)
    hold_minutes = offer.hold_minutes if offer else settings.BOOKING_HOLD_MINUTES
    try:
        for attempt in range(3):
            reference = tokens.reference_new()
            try:
                with write_transaction():
                    if email_key:
                        seats.lock_booker(email_key)
                    hit = rules.person_limit_hit(
                        email_key=email_key, services=services, now=now, channel=channel
                    )
                    if hit is not None and (offer is not None or not confirm_by_email):
                        raise hit
                    seats.lock_day(location, day, add_units=k)  # rolled back if the time is taken
                    if offer is not None and offer.reuse is not None:  # seats held back
                        offer.reuse.refresh_from_db()
                        if offer.reuse.status == Status.CANCELLED and offer.reuse.release_at:
                            seats.release_seats(offer.reuse)
                    find = functools.partial(
                        seats.seats_find,
                        location=location,
                        day=day,
                        unit=unit,
                        services=services,
                        channel=channel,
                    )
                    try:
                        counter, k, taken = find()
                    except SlotTaken:
                        # Holds past their time may still block seats until the scheduler
                        # releases them; free them and look once more.
                        expired = seats.release_expired_holds(
                            location, day, now=now, actor=Actor.system("appointments.booking")
                        )
                        if not expired:
                            raise
                        counter, k, taken = find()
                    appointment = _create(
                        reference=reference,
                        location=location,
                        counter_id=counter,
                        day=day,
                        unit=unit,
                        k=k,
                        services=services,
                        person=person,
                        email_key=email_key,
                        channel=channel,
                        manage_nonce=manage_nonce,
                        confirm_token=confirm_token,
                        now=now,
                        hold_minutes=hold_minutes,
                    )
                    seats.seats_claim(
                        appointment=appointment,
                        counter_id=counter,
                        day=day,
                        unit=unit,
                        k=k,
                        taken_before=taken,
                    )
                    event_record(
                        appointment,
                        kind=EventKind.HELD if confirm_token else EventKind.CONFIRMED,
                        actor=actor,
                        at=now,
                        data={"channel": channel},
                    )
                    links = {
                        "manage_url": mails.site_url(
                            "appointments:manage", manage_token, appointment.language
                        )
                    }
                    if confirm_token:
                        links["confirm_url"] = mails.site_url(
                            "appointments:confirm", confirm_token, appointment.language
                        )
                    template = (
                        "waitlist_offer" if offer else ("confirm" if confirm_token else "booked")
                    )
                    if hit is not None:  # for the owner's eyes only
                        links["limit"] = hit.code
                    mails.appointment_mail(appointment, template, now=now, **links)
                break
            except IntegrityError as error:
                # Without savepoints (they cost round trips) the whole transaction is gone;
                # a drawn reference that exists already is drawn again, anything else is a
                # seat taken by someone faster.
                if attempt < 2 and Appointment.objects.filter(reference=reference).exists():
                    continue
                raise SlotTaken() from error
    except SlotTaken as conflict:
        conflict.extra["next_free_times"] = next_free_times_of(slot)
        raise
    return Booking(appointment, manage_token, confirm_token)


def next_free_times_of(slot: Slot) -> list[dict[str, str]]:
    """Alternatives to a taken slot, as the 409 answer lists them."""
    return [
        {"location": slug, "start": moment.isoformat()}
        for slug, moment in next_free_times(
            location=slot.location, services=slot.services, after=slot.start
        )
    ]


def next_free_times(
    *, location: Location, services: Sequence[Service], after: dt.datetime, limit: int = 5
) -> list[tuple[str, dt.datetime]]:
    day = after.astimezone(hours.BERLIN).date()
    _, last = availability.booking_window(services, timezone.localdate())
    # A fortnight is plenty for alternatives, and keeps a rush of refusals cheap.
    found = availability.free_times(
        locations=[location],
        services=services,
        start=day,
        end=min(last, day + dt.timedelta(days=14)),
        limit=limit,
    )
    return [(location.slug, f.start) for f in found]


def _create(
    *,
    reference: str,
    location: Location,
    counter_id: int,
    day: dt.date,
    unit: int,
    k: int,
    services: Sequence[Service],
    person: PersonInput,
    email_key: str,
    channel: str,
    manage_nonce: str,
    confirm_token: str | None,
    now: dt.datetime,
    hold_minutes: int,
) -> Appointment:
    appointment = Appointment(
        reference=reference,
        location=location,
        counter_id=counter_id,
        start=availability.unit_start(day, unit),
        end=availability.unit_start(day, unit + k),
        units=k,
        status=Status.HELD if confirm_token else Status.CONFIRMED,
        channel=channel,
        name=person.name.strip(),
        email=person.email.strip(),
        email_normalised=email_key,
        phone=person.phone.strip(),
        language=person.language if person.language in ("de", "en") else "de",
        manage_nonce=manage_nonce,
        manage_token_hash=token_hash(tokens.manage_token_from(manage_nonce)),
        confirm_token_hash=token_hash(confirm_token) if confirm_token else "",
        # A hold never outlasts the appointment itself.
        hold_expires_at=(
            min(now + dt.timedelta(minutes=hold_minutes), availability.unit_start(day, unit))
            if confirm_token
            else None
        ),
        confirmed_at=None if confirm_token else now,
        created_at=now,
    )
    rows_insert([appointment])
    rows_insert(
        [
            AppointmentService(appointment=appointment, service=s, position=i)
            for i, s in enumerate(services)
        ]
    )
    return appointment
