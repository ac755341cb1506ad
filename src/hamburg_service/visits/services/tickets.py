"""Tickets (Wartenummern): drawn at the kiosk or the front desk, or a checked-in appointment."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.appointments.models import Appointment
from hamburg_service.appointments.models import Status as AppointmentStatus
from hamburg_service.appointments.services.tokens import reference_normalise
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Access, Agency, Location, Service
from hamburg_service.catalog.selectors import opening_hours
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound
from hamburg_service.core.events import event_record
from hamburg_service.core.tokens import token_hash
from hamburg_service.visits import selectors
from hamburg_service.visits.models import (
    EventKind,
    Ticket,
    TicketSequence,
    TicketService,
    TicketStatus,
)

PREFIX: dict[str, str] = {Agency.RESIDENTS: "A", Agency.IMMIGRATION: "B"}
APPOINTMENT_PREFIX = "T"


def next_number(location: Location, day: dt.date, prefix: str) -> str:
    """The next number of a prefix at a location and day (its sequence row stays locked)."""
    TicketSequence.objects.get_or_create(location=location, day=day, prefix=prefix)
    sequence = TicketSequence.objects.select_for_update().get(
        location=location, day=day, prefix=prefix
    )
    sequence.last = F("last") + 1
    sequence.save(update_fields=["last"])
    sequence.refresh_from_db(fields=["last"])
    return f"{prefix}{sequence.last:03d}"


def _lock_quota(location: Location, day: dt.date) -> None:
    TicketSequence.objects.get_or_create(location=location, day=day, prefix="Q")
    TicketSequence.objects.select_for_update().get(location=location, day=day, prefix="Q")


def location_is_open(location: Location, now: dt.datetime) -> bool:
    day = now.astimezone(hours.BERLIN).date()
    today = opening_hours(location=location, start=day, end=day)[0]
    return any(i.start <= now < i.end for i in today.open)


def _create(
    *,
    location: Location,
    services: Sequence[Service],
    prefix: str,
    now: dt.datetime,
    due_at: dt.datetime,
    priority: int = 0,
    appointment: Appointment | None = None,
    email: str = "",
    language: str = "de",
) -> tuple[Ticket, str]:
    day = now.astimezone(hours.BERLIN).date()
    token = secrets.token_urlsafe(18)
    ticket = Ticket.objects.create(
        location=location,
        day=day,
        number=next_number(location, day, prefix),
        appointment=appointment,
        priority=priority,
        arrived_at=now,
        due_at=due_at,
        email=email.strip(),
        language=language if language in ("de", "en") else "de",
        mobile_token_hash=token_hash(token),
    )
    TicketService.objects.bulk_create(
        TicketService(ticket=ticket, service=s, position=i) for i, s in enumerate(services)
    )
    ticket.estimate_minutes = selectors.waiting_estimate(ticket=ticket, now=now)
    ticket.save(update_fields=["estimate_minutes"])
    return ticket, token


def ticket_issue(
    *,
    location: Location,
    services: Sequence[Service],
    actor: Actor,
    needs_priority: bool = False,
    email: str = "",
    language: str = "de",
    now: dt.datetime | None = None,
) -> tuple[Ticket, str]:
    """A walk-in ticket (Wartenummer) for `services`; returns the ticket and its mobile token."""
    now = now or timezone.now()
    services = list(services)
    if not services:
        raise InvalidInput.field("services", _("Choose a service."))
    offered = set(location.services.values_list("pk", flat=True))
    for service in services:
        if service.pk not in offered or not service.is_active:
            raise InvalidInput(
                _("%(service)s is not offered here.") % {"service": service.name},
                code="not-offered-here",
                errors=[{"field": "services", "message": _("Not offered here.")}],
            )
        if service.access == Access.APPOINTMENT:
            raise Conflict(
                _(
                    "%(service)s is only possible with an appointment. You can book one online "
                    "or here at the front desk."
                )
                % {"service": service.name},
                code="appointment-only",
                title=_("Only with an appointment"),
            )
    if not location_is_open(location, now):
        raise Conflict(
            _("We are closed now. Please come back during opening hours."), code="closed-now"
        )
    agency = services[0].agency
    with transaction.atomic():
        day = now.astimezone(hours.BERLIN).date()
        _lock_quota(location, day)  # count and issue as one step, also on PostgreSQL
        if selectors.walk_ins_left(location=location, day=day) == 0:
            raise Conflict(
                _(
                    "Today's tickets for visits without an appointment are all given out. Please "
                    "book an appointment or come back another day."
                ),
                code="quota-used-up",
                title=_("No more tickets today"),
            )
        ticket, token = _create(
            location=location,
            services=services,
            prefix=PREFIX.get(agency, "A"),
            now=now,
            due_at=now,
            priority=1
            if needs_priority or any(sv.slug in settings.PRIORITY_SERVICES for sv in services)
            else 0,
            email=email,
            language=language,
        )
        event_record(ticket, kind=EventKind.ISSUED, actor=actor, at=now)
    return ticket, token


def appointment_check_in(
    *, location: Location, reference: str, actor: Actor, now: dt.datetime | None = None
) -> tuple[Ticket, str]:
    """Check in a booked appointment at the kiosk or front desk (QR code or reference)."""
    now = now or timezone.now()
    code = reference_normalise(reference)
    appointment = (
        Appointment.objects.select_related("location").filter(reference=code).first()
        if code
        else None
    )
    if appointment is None:
        raise NotFound(
            _(
                "We cannot find an appointment with this reference. Please check it, or ask "
                "at the front desk."
            ),
            code="reference-unknown",
        )
    local = appointment.start.astimezone(hours.BERLIN)
    if appointment.status != AppointmentStatus.CONFIRMED:
        raise Conflict(
            _("This appointment is not (or no longer) confirmed. Please ask at the front desk."),
            code="not-confirmed",
        )
    # A kiosk is public: it says where to look, never another booking's place or time.
    if appointment.location_id != location.pk:
        raise Conflict(
            _(
                "This appointment is not at this location. Your confirmation e-mail says where "
                "it is; the front desk will gladly help."
            ),
            code="other-location",
            title=_("This appointment is at another location"),
        )
    if local.date() != now.astimezone(hours.BERLIN).date():
        raise Conflict(
            _(
                "This appointment is not today. Your confirmation e-mail says when it is; the "
                "front desk will gladly help."
            ),
            code="other-day",
            title=_("This appointment is on another day"),
        )
    if now < appointment.start - dt.timedelta(minutes=settings.CHECK_IN_EARLY_MINUTES):
        raise Conflict(
            _("It is too early to check in. Please come back from %(time)s.")
            % {
                "time": (local - dt.timedelta(minutes=settings.CHECK_IN_EARLY_MINUTES)).strftime(
                    "%H:%M"
                )
            },
            code="too-early",
        )
    late = now > appointment.start + dt.timedelta(minutes=settings.APPOINTMENT_LATE_MINUTES)
    with transaction.atomic():
        if Ticket.objects.filter(appointment=appointment).exists():
            raise Conflict(_("This appointment is already checked in."), code="checked-in")
        services = list(appointment.services.order_by("appointmentservice__position"))
        try:
            with transaction.atomic():
                ticket, token = _create(
                    location=location,
                    services=services,
                    prefix=APPOINTMENT_PREFIX,
                    now=now,
                    due_at=now if late else appointment.start,
                    appointment=appointment,
                    language=appointment.language,
                )
        except IntegrityError as error:
            raise Conflict(
                _("This appointment is already checked in."), code="checked-in"
            ) from error
        event_record(
            ticket,
            kind=EventKind.CHECKED_IN,
            actor=actor,
            at=now,
            data={"late": late, "reference": appointment.reference},
        )
    return ticket, token


def ticket_notice_request(
    *, ticket: Ticket, email: str, actor: Actor, now: dt.datetime | None = None
) -> Ticket:
    """The person asks, on the mobile ticket, for an e-mail shortly before their turn."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status != TicketStatus.WAITING:
            raise Conflict(
                _("Your ticket is no longer waiting; no notice is needed."), code="not-waiting"
            )
        ticket.email = email.strip()
        ticket.notice_sent_at = None
        ticket.save(update_fields=["email", "notice_sent_at"])
        event_record(ticket, kind=EventKind.NOTICE_ASKED, actor=actor, at=now)
    return ticket
