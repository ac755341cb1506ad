"""On-site visits API: the call display's feed, the queue for staff, and the ticket machine's
tickets and check-ins (which need the device key of one of the location's ticket machines)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Field, Router, Schema
from ninja.responses import Status
from ninja.security import APIKeyHeader, django_auth

from hamburg_service.accounts.access import location_for
from hamburg_service.accounts.permissions import VisitsPerm
from hamburg_service.catalog.selectors import services_by_slugs
from hamburg_service.core.actors import Actor
from hamburg_service.core.api_schemas import InputSchema, answers
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.core.tokens import token_hash
from hamburg_service.visits import selectors
from hamburg_service.visits.models import Ticket
from hamburg_service.visits.services import kiosks, tickets

router = Router(tags=["visits"])
KIOSK = Actor.resident()


class KioskKey(APIKeyHeader):
    """The key of one of the location's ticket machines (Staff area → Ticket machines)."""

    param_name = "X-Kiosk-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> str | None:
        return key or None  # checked against the location's devices in the operation


class CallOut(Schema):
    number: str
    counter: str
    called_at: dt.datetime | None
    calls: int = Field(description="How often the number has been called (recalls count).")
    finished: bool = Field(
        description="An earlier call: served or did not come in the last "
        "CALL_DISPLAY_KEEP_MINUTES; show it less prominently and do not announce it."
    )


class CallsOut(Schema):
    calls: list[CallOut] = Field(
        description="The live calls, newest first, then the earlier (finished) ones, newest first."
    )
    version: str = Field(description="Changes whenever the list changes; poll and compare.")


@router.get(
    "/visits/{slug}/calls",
    response=answers({200: CallsOut}, 404),
    summary="The call display: latest called numbers and their counters",
    url_name="visits-calls",
)
def calls(request: HttpRequest, slug: str) -> Any:
    location = selectors.public_location(slug)
    rows = selectors.recent_calls(location=location)
    return {"calls": rows, "version": selectors.calls_version(rows)}


class QueueOut(Schema):
    number: str
    services: list[str]
    priority: int
    appointment: bool = Field(description="A checked-in appointment (queued at its time).")
    arrived_at: dt.datetime
    due_at: dt.datetime
    estimate_minutes: int | None = Field(description="Estimate given when the ticket was issued.")


@router.get(
    "/visits/{slug}/queue",
    response=answers({200: list[QueueOut]}, 401, 403, 404),
    auth=django_auth,
    summary="Waiting tickets of a location in the order they will be called (staff)",
)
def queue(request: HttpRequest, slug: str) -> Any:
    location = location_for(request.user, slug, VisitsPerm.DESK, active_only=True)
    snapshot = selectors.QueueSnapshot.of(location, now=timezone.now(), full=True)
    return [
        {
            "number": t.number,
            "services": [s.slug for s in snapshot.services.get(t.pk, [])],
            "priority": t.priority,
            "appointment": t.appointment_id is not None,
            "arrived_at": t.arrived_at,
            "due_at": t.due_at,
            "estimate_minutes": t.estimate_minutes,
        }
        for t in snapshot.ordered()
    ]


class TicketIn(InputSchema):
    services: list[str] = Field(..., min_length=1, max_length=5, description="Service slugs")
    needs_priority: bool = Field(False, description="Needs help or an accessible service.")


class TicketOut(Schema):
    number: str
    token: str = Field(description="Follows the ticket at /visits/t/{token}/; keep it.")
    estimate_minutes: int | None


def _from_kiosk(request: HttpRequest, slug: str) -> Any:
    location = selectors.public_location(slug)
    kiosks.kiosk_device_check(location=location, key=str(getattr(request, "auth", "") or ""))
    rate_limit(request, group="visits", rate=settings.RATE_LIMIT_SEARCH)
    rate_limit(
        request,
        group="kiosk-location",
        rate=settings.RATE_LIMIT_KIOSK_LOCATION,
        key=f"location:{location.pk}",
    )
    return location


def _ticket_out(drawn: tuple[Ticket, str]) -> dict[str, Any]:
    ticket, token = drawn
    return {"number": ticket.number, "token": token, "estimate_minutes": ticket.estimate_minutes}


@router.post(
    "/visits/{slug}/tickets",
    response=answers({201: TicketOut}, 401, 403, 404, 409, 422, 429),
    auth=KioskKey(),
    summary="Draw a ticket (Wartenummer) for services without an appointment (ticket machines)",
)
def ticket_create(request: HttpRequest, slug: str, payload: TicketIn) -> Status[Any]:
    location = _from_kiosk(request, slug)
    drawn = tickets.ticket_issue(
        location=location,
        services=services_by_slugs(payload.services),
        needs_priority=payload.needs_priority,
        language=get_language() or "de",
        actor=KIOSK,
    )
    return Status(201, _ticket_out(drawn))


class CheckInIn(InputSchema):
    reference: str = Field(..., min_length=1, max_length=300, description="Reference or QR text")


@router.post(
    "/visits/{slug}/check-in",
    response=answers({201: TicketOut}, 401, 403, 404, 409, 422, 429),
    auth=KioskKey(),
    summary="Check in a booked appointment (reference or the QR code's text; ticket machines)",
)
def check_in(request: HttpRequest, slug: str, payload: CheckInIn) -> Status[Any]:
    location = _from_kiosk(request, slug)
    rate_limit(
        request,
        group="kiosk-check-in",
        rate=settings.RATE_LIMIT_CHECK_IN,
        key=f"kiosk-key:{token_hash(str(getattr(request, 'auth', '') or ''))}",
    )
    drawn = tickets.appointment_check_in(
        location=location, reference=payload.reference, actor=KIOSK
    )
    return Status(201, _ticket_out(drawn))
