"""What a booking must satisfy: the services, the person, the time and the per-person limits.
Each refusal is an AppError with a domain code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.appointments import availability
from hamburg_service.appointments.models import (
    ACTIVE,
    Appointment,
    AppointmentService,
    Channel,
    Status,
)
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Access, Location, Service
from hamburg_service.catalog.selectors import combinable_pairs, services_offered_at
from hamburg_service.core.errors import Conflict, InvalidInput, TooMany

MAX_SERVICES = 5


class SlotTaken(Conflict):
    """The asked time has no free seat (any more); the answer lists the next free times."""

    default_code = "slot-taken"

    def __init__(self, detail: str = "", **kwargs: object) -> None:
        super().__init__(
            detail or _("This time has just been taken. Please choose another one."),
            **kwargs,  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True)
class PersonInput:
    name: str
    email: str
    phone: str = ""
    language: str = "de"


def check_services(*, location: Location, services: Sequence[Service]) -> None:
    """The services can be booked together at `location`."""
    if not services:
        raise InvalidInput.field("services", _("Choose at least one service."))
    if len(services) > MAX_SERVICES:
        raise InvalidInput.field(
            "services", _("At most %(n)d services fit in one visit.") % {"n": MAX_SERVICES}
        )
    if len({s.pk for s in services}) != len(services):
        raise InvalidInput.field("services", _("A service is listed twice."))
    for service in services:
        if not service.is_active or service.access == Access.WALK_IN or not service.on_site:
            raise InvalidInput.field(
                "services",
                _("%(name)s cannot be booked as an appointment.") % {"name": service.name},
                code="not-bookable",
            )
    offered = services_offered_at(location_id=location.pk)
    missing = [s.name for s in services if s.pk not in offered]
    if missing:
        raise InvalidInput.field(
            "services",
            _("%(location)s does not offer: %(names)s.")
            % {"location": location.name, "names": ", ".join(missing)},
            code="not-offered-here",
        )
    if len(services) > 1:
        pairs = combinable_pairs([s.pk for s in services])
        for i, a in enumerate(services):
            for b in services[i + 1 :]:
                if (a.pk, b.pk) not in pairs:
                    raise InvalidInput.field(
                        "services",
                        _(
                            "%(a)s and %(b)s cannot be handled in one visit. Please book them "
                            "separately."
                        )
                        % {"a": a.name, "b": b.name},
                        code="not-combinable",
                    )


def check_person(person: PersonInput, *, channel: str = "public") -> None:
    """The person's details are complete. Staff may book a caller without an e-mail address
    (by phone, or with no contact at all: the reference is read out to them), and so may an
    applicant whose case has none (the offer came by post)."""
    errors = []
    if not person.name.strip():
        errors.append({"field": "name", "message": _("Please enter your name.")})
    elif len(person.name) > 150:
        errors.append({"field": "name", "message": _("The name is too long.")})
    if person.email.strip() or channel not in (Channel.STAFF, Channel.CASE):
        try:
            validate_email(person.email.strip())
        except ValidationError:
            errors.append({"field": "email", "message": _("Please enter a valid e-mail address.")})
    if len(person.phone) > 40:
        errors.append({"field": "phone", "message": _("The phone number is too long.")})
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)


def check_time(
    *, start: dt.datetime, services: Sequence[Service], channel: str, now: dt.datetime
) -> tuple[dt.date, int]:
    """The day and grid unit of a bookable start time, or InvalidInput naming `start`."""
    if timezone.is_naive(start):
        raise InvalidInput.field("start", _("Give the time with its time zone."))
    local = start.astimezone(hours.BERLIN)
    day = local.date()
    size = availability.unit_minutes()
    if (local.hour * 60 + local.minute) % size or local.second or local.microsecond:
        raise InvalidInput.field("start", _("This is not a bookable start time."))
    if start <= now:
        raise InvalidInput.field("start", _("This time lies in the past."), code="time-past")
    first, last = availability.booking_window(services, timezone.localdate(now))
    if channel == Channel.STAFF:
        first = min(first, timezone.localdate(now))
    if not (first <= day <= last):
        raise InvalidInput.field(
            "start",
            _("Appointments can be booked from %(first)s to %(last)s.")
            % {"first": first.strftime("%d.%m.%Y"), "last": last.strftime("%d.%m.%Y")},
            code="outside-booking-window",
        )
    return day, availability.unit_of(start, day)


def check_person_limits(
    *,
    email_key: str,
    services: Sequence[Service],
    now: dt.datetime,
    channel: str,
    besides: int | None = None,
) -> None:
    """Raise what `person_limit_hit` finds."""
    hit = person_limit_hit(
        email_key=email_key, services=services, now=now, channel=channel, besides=besides
    )
    if hit is not None:
        raise hit


def person_limit_hit(
    *,
    email_key: str,
    services: Sequence[Service],
    now: dt.datetime,
    channel: str,
    besides: int | None = None,
) -> Conflict | TooMany | None:
    """The per-person limit a booking for these services would break, if any, counted under
    the person's lock (`besides`: an appointment not to count, the one being confirmed). Only
    bookings the address's owner confirmed count towards the 30-day limit: holds someone else
    made with the address and never confirmed (cancelled or expired) cost its owner nothing.

    The answers name the address's other bookings, so they are for its owner only: a public
    booking held for confirmation by e-mail is checked when it is confirmed, not when it is
    made (booking.py)."""
    # One indexed look at the person's own appointments (a handful of rows, whatever the size
    # of the book); every limit is counted from it. A filter on status or time in SQL would
    # tempt the planner to scan the whole book by those columns instead.
    if not email_key:  # a caller booked by staff without an address: staff judge the limits
        return None
    if channel == Channel.CASE:  # the office asked the applicant to come
        return None
    own = [
        row[:5]
        for row in Appointment.objects.filter(email_normalised=email_key).values_list(
            "pk", "status", "start", "end", "confirmed_at", "channel"
        )
        # Appointments for a case are the office's, not the address's: they never count.
        if row[0] != besides and row[5] != Channel.CASE
    ]
    # When a hold is being confirmed (`besides`), only its owner's confirmed appointments
    # count: another hold made with the address (by a double submit, or by a stranger) must
    # not block the owner's own.
    mine = [
        pk
        for pk, status, _start, end, confirmed in own
        if status in ACTIVE and end > now and (besides is None or confirmed is not None)
    ]
    active = (
        list(
            AppointmentService.objects.filter(
                appointment_id__in=mine, service__in=services
            ).select_related("service", "appointment")
        )
        if mine
        else []
    )
    per_service: dict[int, list[AppointmentService]] = {}
    for row in active:
        per_service.setdefault(row.service_id, []).append(row)
    full = [
        rows
        for rows in per_service.values()
        if len(rows) >= settings.MAX_ACTIVE_PER_PERSON_AND_SERVICE
    ]
    if full:
        existing = full[0][0]
        return Conflict(
            _(
                "You already have an appointment for %(service)s on %(date)s. Please move or "
                "cancel that one instead."
            )
            % {
                "service": existing.service.name,
                "date": existing.appointment.start.astimezone(hours.BERLIN).strftime("%d.%m.%Y"),
            },
            code="already-booked",
            title=_("You already have an appointment for this service."),
        )
    if channel == Channel.PUBLIC and settings.NO_SHOW_LIMIT:
        year_ago = now - dt.timedelta(days=365)
        missed = sum(
            1 for _pk, st, start, _e, _c in own if st == Status.NO_SHOW and start >= year_ago
        )
        if missed >= settings.NO_SHOW_LIMIT:
            return TooMany(
                _(
                    "Appointments booked with this e-mail address were missed several times. "
                    "Please call 115: our staff will gladly book for you."
                ),
                code="no-shows",
            )
    if channel == Channel.PUBLIC:
        month_ago = now - dt.timedelta(days=30)
        recent = sum(1 for *_rest, confirmed in own if confirmed and confirmed >= month_ago)
        if recent >= settings.MAX_BOOKINGS_PER_EMAIL_30_DAYS:
            return TooMany(
                _(
                    "This e-mail address has booked too many appointments recently. Please call "
                    "115 if you need another one."
                ),
                code="quota-used-up",
            )
    return None
