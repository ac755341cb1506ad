"""On-site visits API: the call display's feed, the queue for staff, kiosk tickets, check-in."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status
from ninja.security import django_auth

from hamburg_service.accounts.permissions import Perm, has_perm
from hamburg_service.api_schemas import answers
from hamburg_service.catalog.models import Location
from hamburg_service.catalog.selectors import services_by_slugs
from hamburg_service.errors import Forbidden, NotFound
from hamburg_service.visits import selectors, services
from hamburg_service.visits.models import Ticket, TicketService, TicketStatus
from hamburg_service.visits.views import CALLS_SHOWN, calls_version
from hamburg_service.web.ratelimit import rate_limit

router = Router(tags=["visits"])


def _location(slug: str) -> Location:
    location = Location.objects.filter(slug=slug, is_active=True).first()
    if location is None:
        raise NotFound(_("Unknown location: %(names)s.") % {"names": slug})
    return location


class CallOut(Schema):
    number: str
    counter: str
    called_at: dt.datetime | None
    calls: int = Field(description="How often the number has been called (recalls count).")


class CallsOut(Schema):
    calls: list[CallOut] = Field(description="The latest calls, newest first.")
    version: str = Field(description="Changes whenever the list changes; poll and compare.")


@router.get(
    "/visits/{slug}/calls",
    response=answers({200: CallsOut}, 404),
    summary="The call display: latest called numbers and their counters",
    url_name="visits-calls",
)
def calls(request: HttpRequest, slug: str) -> dict:
    location = _location(slug)
    rows = selectors.recent_calls(location=location, limit=CALLS_SHOWN)
    return {"calls": rows, "version": calls_version(rows)}


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
def queue(request: HttpRequest, slug: str) -> list[dict]:
    location = _location(slug)
    if not has_perm(request.user, Perm.APPOINTMENTS_MANAGE, location):
        raise Forbidden(_("Your role does not allow this here."))
    now = timezone.now()
    waiting = Ticket.objects.filter(
        location=location, day=timezone.localdate(now), status=TicketStatus.WAITING
    )
    ordered = list(selectors.queue_order(waiting, now))
    slugs: dict[int, list[str]] = {}
    for ticket_id, slug_ in (
        TicketService.objects.filter(ticket__in=ordered)
        .order_by("position")
        .values_list("ticket_id", "service__slug")
    ):
        slugs.setdefault(ticket_id, []).append(slug_)
    return [
        {
            "number": t.number,
            "services": slugs.get(t.pk, []),
            "priority": t.priority,
            "appointment": t.appointment_id is not None,
            "arrived_at": t.arrived_at,
            "due_at": t.due_at,
            "estimate_minutes": t.estimate_minutes,
        }
        for t in ordered
    ]


class TicketIn(Schema):
    services: list[str] = Field(..., min_length=1, max_length=5, description="Service slugs")
    needs_priority: bool = Field(False, description="Needs help or an accessible service.")


class TicketOut(Schema):
    number: str
    token: str = Field(description="Follows the ticket at /visits/t/{token}/; keep it.")
    estimate_minutes: int | None


@router.post(
    "/visits/{slug}/tickets",
    response=answers({201: TicketOut}, 404, 409, 422, 429),
    summary="Draw a ticket (Wartenummer) for services without an appointment",
)
def ticket_create(request: HttpRequest, slug: str, payload: TicketIn) -> Status[dict]:
    rate_limit(request, group="visits", rate=settings.RATE_LIMIT_SEARCH)
    location = _location(slug)
    ticket, token = services.ticket_issue(
        location=location,
        services=services_by_slugs(payload.services),
        needs_priority=payload.needs_priority,
        language=get_language() or "de",
    )
    return Status(
        201,
        {"number": ticket.number, "token": token, "estimate_minutes": ticket.estimate_minutes},
    )


class CheckInIn(Schema):
    reference: str = Field(..., min_length=1, max_length=300, description="Reference or QR text")


@router.post(
    "/visits/{slug}/check-in",
    response=answers({201: TicketOut}, 404, 409, 422, 429),
    summary="Check in a booked appointment (reference or the QR code's text)",
)
def check_in(request: HttpRequest, slug: str, payload: CheckInIn) -> Status[dict]:
    rate_limit(request, group="visits", rate=settings.RATE_LIMIT_SEARCH)
    location = _location(slug)
    ticket, token = services.appointment_check_in(location=location, reference=payload.reference)
    return Status(
        201,
        {"number": ticket.number, "token": token, "estimate_minutes": ticket.estimate_minutes},
    )
