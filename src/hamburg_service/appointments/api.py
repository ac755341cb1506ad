"""Appointments API: free times, booking, and the resident's own booking by its token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from hamburg_service.appointments import availability
from hamburg_service.appointments.models import Appointment
from hamburg_service.appointments.selectors import (
    NEAREST_DEFAULT,
    appointment_by_token,
    locations_near,
    waitlist_entry_by_token,
)
from hamburg_service.appointments.services import booking, lifecycle, waitlist
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.appointments.services.tokens import link_key
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Location, Service
from hamburg_service.catalog.places import ATTRIBUTION, near_resolve
from hamburg_service.catalog.revision import revision_pinned
from hamburg_service.catalog.selectors import location_active, locations_offering, services_by_slugs
from hamburg_service.core.actors import Actor
from hamburg_service.core.api_schemas import Day, InputSchema, LocalTime, answers
from hamburg_service.core.captcha import captcha_challenge, captcha_verify
from hamburg_service.core.errors import InvalidInput
from hamburg_service.core.ratelimit import rate_limit

router = Router(tags=["appointments"])


class FreeTimeOut(Schema):
    location: str
    start: dt.datetime
    end: dt.datetime
    counters: int = Field(description="Counters free at that time for the visit.")
    distance_km: float | None = Field(None, description="From `near`, when given.")


class AvailabilityQuery(Schema):
    services: list[str] = Field(
        ..., min_length=1, max_length=5, description="Service slugs", examples=[["anmeldung"]]
    )
    location: list[str] = Field(default_factory=list, description="Only these locations")
    start: Day | None = Field(None, description="First day (default: first bookable day)")
    end: Day | None = Field(None, description="Last day (default: end of booking window)")
    earliest: LocalTime | None = Field(None, description="Starting no earlier than (local time)")
    latest: LocalTime | None = Field(None, description="Starting no later than (local time)")
    limit: int = Field(20, ge=1, le=50)
    near: str = Field(
        "",
        max_length=100,
        description=(
            "Search only the `nearest` locations nearest to this place, nearest first: a Hamburg "
            "postcode (`20095`), an address with its postcode (`Kirchenallee 1, 20099 Hamburg`), "
            "a district (`Ottensen`; umlauts may be typed as ae/oe/ue; a district under several "
            "postcodes means the mean of their points) or `latitude,longitude` (`53.55,10.0`). "
            "A place that cannot be found is 422 naming `near`. " + ATTRIBUTION + "."
        ),
    )
    nearest: int = Field(
        NEAREST_DEFAULT, ge=1, le=31, description="How many nearest locations, with `near`"
    )


def _services(slugs: list[str]) -> list[Service]:
    return services_by_slugs(slugs)


def _locations(slugs: list[str], chosen: list[Service]) -> list[Location]:
    if not slugs:
        return locations_offering(chosen)
    found = {loc.slug: loc for loc in Location.objects.filter(slug__in=slugs, is_active=True)}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        message = _("Unknown location: %(names)s.") % {"names": ", ".join(unknown)}
        raise InvalidInput(message, errors=[{"field": "location", "message": message}])
    return [found[slug] for slug in slugs]


@router.get(
    "/availability",
    response=answers({200: list[FreeTimeOut]}, 422, 429),
    summary="Earliest free appointment times",
    description=(
        "The earliest free start times for one visit covering all given services, across all "
        "locations offering them or at the given ones, within the booking window. With `near` "
        "(a Hamburg postcode, an address with its postcode, a district or latitude,longitude), "
        "only the `nearest` locations nearest to it, nearest first, each time with its "
        "`distance_km`."
    ),
)
def availability_list(request: HttpRequest, params: Query[AvailabilityQuery]) -> list[dict]:
    with revision_pinned():  # one revision read for the whole request
        rate_limit(request, group="search", rate=settings.RATE_LIMIT_SEARCH)
        chosen = _services(params.services)
        places = _locations(params.location, chosen)
        distances: dict[int, float] = {}
        if params.near:
            point = near_resolve(params.near, field="near")
            places, distances = locations_near(places, place=point, count=params.nearest)
        first, last = availability.booking_window(chosen, timezone.localdate())
        start = max(first, params.start or first)
        end = min(last, params.end or last)
        if params.start and params.end and params.end < params.start:
            message = _("The end date lies before the start date.")
            raise InvalidInput(message, errors=[{"field": "end", "message": message}])
        found = availability.free_times(
            locations=places,
            services=chosen,
            start=start,
            end=end,
            earliest_time=params.earliest,
            latest_time=params.latest,
            limit=min(params.limit, settings.AVAILABILITY_MAX_RESULTS),
        )
        slugs = {loc.pk: loc.slug for loc in places}
        rows = [
            {
                "location": slugs[f.location_id],
                "start": f.start,
                "end": f.end,
                "counters": f.counters,
                "distance_km": distances.get(f.location_id),
            }
            for f in found
        ]
        if distances:  # nearest first, then earliest
            rows.sort(key=lambda r: (r["distance_km"], r["start"]))
        return rows


class BookingIn(InputSchema):
    location: str = Field(..., max_length=50)
    services: list[str] = Field(..., min_length=1, max_length=5)
    start: dt.datetime
    name: str = Field(..., max_length=150)
    email: str = Field(..., max_length=254)
    phone: str = Field("", max_length=40)
    language: str = Field("", max_length=5, description="de or en (default: Accept-Language)")
    captcha: str = Field(
        "",
        max_length=2000,
        description="Solved proof-of-work challenge from GET /api/v1/captcha (ALTCHA payload)",
    )


class AppointmentOut(Schema):
    reference: str
    status: str
    location: str
    services: list[str]
    start: dt.datetime
    end: dt.datetime
    name: str


class BookingOut(AppointmentOut):
    manage_token: str = Field(description="Keep it: it moves or cancels the appointment.")
    confirmation_required: bool = Field(
        description="True when the booking is held until confirmed by the link in the e-mail."
    )
    hold_expires_at: dt.datetime | None


def _out(appointment: Appointment, chosen: Sequence[Service] | None = None) -> dict:
    if chosen is None:
        chosen = list(appointment.services.order_by("appointmentservice__position"))
    return {
        "reference": appointment.reference,
        "status": appointment.status,
        "location": appointment.location.slug,
        "services": [s.slug for s in chosen],
        "start": appointment.start.astimezone(hours.BERLIN),
        "end": appointment.end.astimezone(hours.BERLIN),
        "name": appointment.name,
    }


@router.post(
    "/appointments",
    response=answers({201: BookingOut}, 409, 422, 429),
    summary="Book an appointment",
)
def appointment_create(request: HttpRequest, payload: BookingIn) -> Status[dict]:
    with revision_pinned():  # one revision read for the whole request
        rate_limit(request, group="booking", rate=settings.RATE_LIMIT_BOOKING)
        captcha_verify(payload.captcha)
        location = location_active(slug=payload.location)
        if location is None:
            message = _("Unknown location: %(names)s.") % {"names": payload.location}
            raise InvalidInput(message, errors=[{"field": "location", "message": message}])
        chosen = _services(payload.services)
        booked = booking.appointment_book(
            slot=booking.Slot.of(location, chosen, payload.start),
            person=PersonInput(
                name=payload.name,
                email=payload.email,
                phone=payload.phone,
                language=payload.language or get_language() or "de",
            ),
            actor=Actor.resident(payload.email),
        )
        appointment = booked.appointment
        return Status(
            201,
            {
                **_out(appointment, chosen),
                "manage_token": booked.manage_token,
                "confirmation_required": booked.confirm_token is not None,
                "hold_expires_at": appointment.hold_expires_at,
            },
        )


class ChallengeOut(Schema):
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str


@router.get(
    "/captcha",
    response=ChallengeOut,
    openapi_extra={"x-no-database": True},
    summary="A proof-of-work challenge for booking (ALTCHA protocol)",
    description=(
        "Find the number n (0 ≤ n ≤ maxnumber) with SHA-256(salt + n) == challenge, then send "
        "base64(JSON {algorithm, challenge, number, salt, signature}) as `captcha` when booking."
    ),
)
def captcha(request: HttpRequest) -> dict:
    return captcha_challenge()


class TokenIn(InputSchema):
    token: str = Field(..., max_length=100)


@router.post(
    "/appointments/confirm",
    response=answers({200: AppointmentOut}, 404, 409, 429),
    summary="Confirm a held booking with the token from the e-mail",
    description=(
        "Refused (409 already-booked, 429 quota-used-up or no-shows) while the address is at "
        "one of its limits; nothing changes then. The owner may cancel another appointment "
        "and confirm this one while it is held."
    ),
)
def appointment_confirm(request: HttpRequest, payload: TokenIn) -> dict:
    return _out(lifecycle.appointment_confirm(token=payload.token, actor=Actor.resident()))


@router.get(
    "/appointments/{token}",
    response=answers({200: AppointmentOut}, 404),
    summary="Your appointment, by its manage token",
)
def appointment_detail(request: HttpRequest, token: str) -> dict:
    return _out(appointment_by_token(token=token))


@router.post(
    "/appointments/{token}/cancel",
    response=answers({200: AppointmentOut}, 404, 409),
    summary="Cancel your appointment",
)
def appointment_cancel(request: HttpRequest, token: str) -> dict:
    appointment = appointment_by_token(token=token)
    return _out(
        lifecycle.appointment_cancel(
            appointment=appointment, actor=Actor.resident(appointment.email), reason="api"
        )
    )


class LinkIn(InputSchema):
    reference: str = Field(..., min_length=1, max_length=20, description="The booking reference")
    email: str = Field(..., min_length=1, max_length=254, description="The address booked with")


class LinkSentOut(Schema):
    detail: str


@router.post(
    "/appointment-links",
    response=answers({202: LinkSentOut}, 422, 429),
    summary="Send the link to an appointment again",
    description=(
        "If `reference` and `email` belong to one appointment that is still ahead, its link is "
        "sent to that address again. The answer is the same either way."
    ),
)
def appointment_link(request: HttpRequest, payload: LinkIn) -> Status[dict]:
    rate_limit(request, group="link", rate=settings.RATE_LIMIT_BOOKING)
    # and per reference: nobody makes the service mail an appointment's owner again and again
    rate_limit(request, group="link-reference", rate="3/h", key=link_key(payload.reference))
    lifecycle.appointment_link_request(reference=payload.reference, email=payload.email)
    return Status(
        202,
        {
            "detail": _(
                "If an appointment ahead has this reference and was booked with this address, "
                "its link has been sent there."
            )
        },
    )


class MoveIn(InputSchema):
    start: dt.datetime
    location: str = Field(
        "", max_length=100, description="Slug of the new location; empty: the same location"
    )


@router.post(
    "/appointments/{token}/move",
    response=answers({200: AppointmentOut}, 404, 409, 422),
    summary="Move your appointment to another time, at any location that offers its services",
    description=(
        "The reference, the name and the links stay; the old time is freed in the same "
        "transaction. A taken time answers 409 with the next free times at that location."
    ),
)
def appointment_move(request: HttpRequest, token: str, payload: MoveIn) -> dict:
    appointment = appointment_by_token(token=token)
    location = _locations([payload.location], [])[0] if payload.location else None
    return _out(
        lifecycle.appointment_move(
            appointment=appointment,
            start=payload.start,
            location=location,
            actor=Actor.resident(appointment.email),
        )
    )


class WaitlistIn(InputSchema):
    services: list[str] = Field(..., min_length=1, max_length=5)
    locations: list[str] = Field(default_factory=list, description="Empty: any location")
    date_from: Day
    date_to: Day
    name: str = Field(..., max_length=150)
    email: str = Field(..., max_length=254)
    language: str = Field("", max_length=5)
    captcha: str = Field("", max_length=2000)


class WaitlistOut(Schema):
    status: Literal["pending"] = Field(
        description="Always pending: the e-mail sent to the address has the link to confirm "
        "(or leave) the waitlist; the answer is the same whether the address waits already."
    )
    services: list[str]
    locations: list[str]
    date_from: dt.date
    date_to: dt.date


@router.post(
    "/waitlist",
    response=answers({202: WaitlistOut}, 409, 422, 429),
    summary="Ask to join the waitlist",
    description=(
        "Sends an e-mail with a link to confirm the place on the waitlist; only confirmed "
        "entries are offered times. When a suitable time frees up, it is held for the person "
        "waiting longest, who gets an e-mail to confirm it."
    ),
)
def waitlist_join(request: HttpRequest, payload: WaitlistIn) -> Status[dict]:
    rate_limit(request, group="booking", rate=settings.RATE_LIMIT_BOOKING)
    captcha_verify(payload.captcha)
    chosen = _services(payload.services)
    places = _locations(payload.locations, chosen) if payload.locations else []
    waitlist.waitlist_join(
        services=chosen,
        locations=places,
        date_from=payload.date_from,
        date_to=payload.date_to,
        person=PersonInput(
            name=payload.name,
            email=payload.email,
            language=payload.language or get_language() or "de",
        ),
        actor=Actor.resident(payload.email),
    )
    # Echoes the request only: nothing about what the address had before.
    return Status(
        202,
        {
            "status": "pending",
            "services": [s.slug for s in chosen],
            "locations": [loc.slug for loc in places],
            "date_from": payload.date_from,
            "date_to": payload.date_to,
        },
    )


@router.post(
    "/waitlist/{token}/leave",
    response=answers({204: None}, 404),
    summary="Leave the waitlist",
)
def waitlist_leave(request: HttpRequest, token: str) -> Status[None]:
    entry = waitlist_entry_by_token(token=token)
    waitlist.waitlist_leave(entry=entry, actor=Actor.resident(entry.email))
    return Status(204, None)
