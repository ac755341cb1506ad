"""Every write of an on-site visit: issue, check in, call, recall, park, transfer, finish.

Two clerks pressing "call next" at once never get the same ticket: the call is a conditional
UPDATE (status still waiting) that only one transaction can win; the loser takes the next one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hamburg_service.appointments import services as appointment_services
from hamburg_service.appointments.models import Appointment
from hamburg_service.appointments.models import Status as AppointmentStatus
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Access, Agency, Counter, Location, Service
from hamburg_service.catalog.selectors import opening_hours
from hamburg_service.errors import Conflict, InvalidInput, NotFound
from hamburg_service.visits import selectors
from hamburg_service.visits.models import (
    OPEN,
    CounterSession,
    EventKind,
    Outcome,
    Ticket,
    TicketEvent,
    TicketSequence,
    TicketService,
    TicketStatus,
)

PREFIX: dict[str, str] = {Agency.RESIDENTS: "A", Agency.IMMIGRATION: "B"}
APPOINTMENT_PREFIX = "T"


def _staff(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _event(
    ticket: Ticket,
    kind: str,
    now: dt.datetime,
    *,
    counter: Counter | None = None,
    by: Any = None,
    note: str = "",
) -> None:
    TicketEvent.objects.create(
        ticket=ticket, kind=kind, at=now, counter=counter, actor=_staff(by), note=note[:300]
    )


def _next_number(location: Location, day: dt.date, prefix: str) -> str:
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
        number=_next_number(location, day, prefix),
        appointment=appointment,
        priority=priority,
        arrived_at=now,
        due_at=due_at,
        email=email.strip(),
        language=language if language in ("de", "en") else "de",
        mobile_token_hash=appointment_services.token_hash(token),
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
    needs_priority: bool = False,
    email: str = "",
    language: str = "de",
    by: Any = None,
    now: dt.datetime | None = None,
) -> tuple[Ticket, str]:
    """A walk-in ticket (Wartenummer) for `services`; returns the ticket and its mobile token."""
    now = now or timezone.now()
    services = list(services)
    if not services:
        raise InvalidInput(
            _("Choose a service."),
            errors=[{"field": "services", "message": _("Choose a service.")}],
        )
    offered = set(location.services.values_list("pk", flat=True))
    for service in services:
        if service.pk not in offered or not service.is_active:
            raise InvalidInput(
                _("%(service)s is not offered here.") % {"service": service.name},
                errors=[{"field": "services", "message": _("Not offered here.")}],
            )
        if service.access == Access.APPOINTMENT:
            raise Conflict(
                _(
                    "%(service)s is only possible with an appointment. You can book one online "
                    "or here at the front desk."
                )
                % {"service": service.name},
                title=_("Only with an appointment"),
            )
    if not location_is_open(location, now):
        raise Conflict(_("We are closed now. Please come back during opening hours."))
    agency = services[0].agency
    with transaction.atomic():
        day = now.astimezone(hours.BERLIN).date()
        _lock_quota(location, day)  # count and issue as one step, also on PostgreSQL
        walk_ins = Ticket.objects.filter(
            location=location, day=day, appointment__isnull=True
        ).count()
        if walk_ins >= settings.WALK_IN_DAILY_QUOTA:
            raise Conflict(
                _(
                    "Today's tickets for visits without an appointment are all given out. Please "
                    "book an appointment or come back another day."
                ),
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
        _event(ticket, EventKind.ISSUED, now, by=by)
    return ticket, token


def appointment_check_in(
    *,
    location: Location,
    reference: str,
    by: Any = None,
    now: dt.datetime | None = None,
) -> tuple[Ticket, str]:
    """Check in a booked appointment at the kiosk or front desk (QR code or reference)."""
    now = now or timezone.now()
    code = "".join(ch for ch in reference.upper() if ch.isalnum())[-8:]
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
            )
        )
    local = appointment.start.astimezone(hours.BERLIN)
    if appointment.status != AppointmentStatus.CONFIRMED:
        raise Conflict(
            _("This appointment is not (or no longer) confirmed. Please ask at the front desk.")
        )
    if appointment.location_id != location.pk:
        raise Conflict(
            _("Your appointment is at %(place)s, %(street)s, on %(date)s at %(time)s.")
            % {
                "place": appointment.location.name,
                "street": appointment.location.street,
                "date": local.strftime("%d.%m.%Y"),
                "time": local.strftime("%H:%M"),
            },
            title=_("This appointment is at another location"),
        )
    if local.date() != now.astimezone(hours.BERLIN).date():
        raise Conflict(
            _("Your appointment is on %(date)s at %(time)s, not today.")
            % {"date": local.strftime("%d.%m.%Y"), "time": local.strftime("%H:%M")},
            title=_("This appointment is on another day"),
        )
    if now < appointment.start - dt.timedelta(minutes=settings.CHECK_IN_EARLY_MINUTES):
        raise Conflict(
            _("It is too early to check in. Please come back from %(time)s.")
            % {
                "time": (local - dt.timedelta(minutes=settings.CHECK_IN_EARLY_MINUTES)).strftime(
                    "%H:%M"
                )
            }
        )
    late = now > appointment.start + dt.timedelta(minutes=settings.APPOINTMENT_LATE_MINUTES)
    with transaction.atomic():
        if Ticket.objects.filter(appointment=appointment).exists():
            raise Conflict(_("This appointment is already checked in."))
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
            raise Conflict(_("This appointment is already checked in.")) from error
        _event(
            ticket,
            EventKind.CHECKED_IN,
            now,
            by=by,
            note="late" if late else "",  # a code, not a sentence: events are data
        )
    return ticket, token


def _lock_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _own(ticket: Ticket, counter: Counter) -> None:
    if ticket.status != TicketStatus.CALLED or ticket.counter_id != counter.pk:
        raise Conflict(_("Another counter has taken this ticket, or it is no longer called here."))


def _not_busy(counter: Counter) -> None:
    if Ticket.objects.filter(counter=counter, status=TicketStatus.CALLED).exists():
        raise Conflict(_("Finish, park or transfer the current customer first."))


def ticket_call_next(
    *, counter: Counter, by: Any = None, now: dt.datetime | None = None
) -> Ticket | None:
    """Call the next customer this counter can serve (None when nobody waits)."""
    now = now or timezone.now()
    _not_busy(counter)
    while True:  # each round, someone wins every ticket it looked at: the queue shrinks
        candidates = selectors.queue_for_counter(counter=counter, now=now, limit=5)
        if not candidates:
            return None
        for candidate in candidates:
            with transaction.atomic():
                won = Ticket.objects.filter(pk=candidate.pk, status=TicketStatus.WAITING).update(
                    status=TicketStatus.CALLED, counter=counter, called_at=now, calls=1
                )
                if won:
                    ticket = Ticket.objects.get(pk=candidate.pk)
                    _event(ticket, EventKind.CALLED, now, counter=counter, by=by)
                    return ticket


def ticket_call(
    *, ticket: Ticket, counter: Counter, reason: str, by: Any = None, now: dt.datetime | None = None
) -> Ticket:
    """Call a specific waiting ticket out of order (with a reason)."""
    now = now or timezone.now()
    if not reason.strip():
        raise InvalidInput(
            _("Please give a reason."),
            errors=[{"field": "reason", "message": _("Please give a reason.")}],
        )
    if not selectors.counter_can_serve(counter=counter, ticket=ticket):
        raise Conflict(_("This counter cannot serve all services of this ticket."))
    with transaction.atomic():
        _not_busy(counter)
        won = Ticket.objects.filter(
            pk=ticket.pk,
            status=TicketStatus.WAITING,
            location=counter.location,
        ).update(status=TicketStatus.CALLED, counter=counter, called_at=now, calls=1)
        if not won:
            raise Conflict(_("Another counter has taken this ticket, or it is no longer waiting."))
        ticket.refresh_from_db()
        _event(ticket, EventKind.CALLED_OUT_OF_ORDER, now, counter=counter, by=by, note=reason)
    return ticket


def ticket_recall(
    *, ticket: Ticket, counter: Counter, by: Any = None, now: dt.datetime | None = None
) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        ticket.calls += 1
        ticket.called_at = now
        ticket.save(update_fields=["calls", "called_at"])
        _event(ticket, EventKind.RECALLED, now, counter=counter, by=by)
    return ticket


def ticket_no_show(
    *, ticket: Ticket, counter: Counter, by: Any = None, now: dt.datetime | None = None
) -> Ticket:
    """The person did not come after NO_SHOW_AFTER_CALLS calls (feeds the appointment no-shows)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        if ticket.calls < settings.NO_SHOW_AFTER_CALLS:
            calls = settings.NO_SHOW_AFTER_CALLS
            raise Conflict(
                ngettext(
                    "Please call once before recording that the person did not come.",
                    "Please call %(n)d times before recording that the person did not come.",
                    calls,
                )
                % {"n": calls}
            )
        ticket.status = TicketStatus.NO_SHOW
        ticket.finished_at = now
        ticket.save(update_fields=["status", "finished_at"])
        _event(ticket, EventKind.NO_SHOW, now, counter=counter, by=by)
        # Called early (within the grace window) the person may still come at their time:
        # only a no-show after the start counts against the appointment.
        if ticket.appointment is not None and ticket.appointment.start <= now:
            appointment_services.appointment_no_show(appointment=ticket.appointment, by=by, now=now)
    return ticket


def ticket_park(
    *,
    ticket: Ticket,
    counter: Counter,
    note: str = "",
    by: Any = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Park a ticket while the person fetches a document; it stays with this counter."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        ticket.status = TicketStatus.PARKED
        ticket.save(update_fields=["status"])
        _event(ticket, EventKind.PARKED, now, counter=counter, by=by, note=note)
    return ticket


def ticket_resume(
    *, ticket: Ticket, counter: Counter, by: Any = None, now: dt.datetime | None = None
) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        if ticket.status != TicketStatus.PARKED or ticket.counter_id != counter.pk:
            raise Conflict(_("This ticket is not parked at this counter."))
        _not_busy(counter)
        ticket.status = TicketStatus.CALLED
        ticket.called_at = now  # shows again as the newest call on the display
        ticket.save(update_fields=["status", "called_at"])
        _event(ticket, EventKind.RESUMED, now, counter=counter, by=by)
    return ticket


def ticket_transfer(
    *,
    ticket: Ticket,
    counter: Counter,
    to_counter: Counter | None = None,
    to_service: Service | None = None,
    to_location: Location | None = None,
    note: str = "",
    by: Any = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Send the person on: to another counter (called there), another service or location
    (back into that queue, keeping the original arrival)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        if to_service is not None:
            TicketService.objects.filter(ticket=ticket).delete()
            TicketService.objects.create(ticket=ticket, service=to_service, position=0)
        if to_location is not None and to_location.pk != ticket.location_id:
            needed = set(
                TicketService.objects.filter(ticket=ticket).values_list("service_id", flat=True)
            )
            if not needed <= set(to_location.services.values_list("pk", flat=True)):
                raise Conflict(
                    _("%(place)s does not offer this service.") % {"place": to_location.name}
                )
            ticket.location = to_location
            ticket.number = _next_number(to_location, ticket.day, ticket.number[:1])
        if to_counter is not None:
            if to_counter.location_id != ticket.location_id:
                raise Conflict(_("This counter is at another location."))
            if not selectors.counter_can_serve(counter=to_counter, ticket=ticket):
                raise Conflict(
                    _("%(counter)s cannot serve all services of this ticket.")
                    % {"counter": to_counter.name}
                )
            ticket.counter = to_counter
            ticket.status = TicketStatus.CALLED
            ticket.called_at = now
        else:
            ticket.counter = None
            ticket.status = TicketStatus.WAITING
        ticket.save(update_fields=["location", "number", "counter", "status", "called_at"])
        target = (
            to_counter.name
            if to_counter
            else (to_location.name if to_location else (to_service.name if to_service else ""))
        )
        _event(
            ticket,
            EventKind.TRANSFERRED,
            now,
            counter=counter,
            by=by,
            note=f"{target} {note}".strip(),
        )
    return ticket


def ticket_add_service(
    *,
    ticket: Ticket,
    counter: Counter,
    service: Service,
    by: Any = None,
    now: dt.datetime | None = None,
) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        if TicketService.objects.filter(ticket=ticket, service=service).exists():
            raise Conflict(_("This service is already part of the visit."))
        position = TicketService.objects.filter(ticket=ticket).count()
        TicketService.objects.create(ticket=ticket, service=service, position=position)
        _event(ticket, EventKind.SERVICE_ADDED, now, counter=counter, by=by, note=service.slug)
    return ticket


def ticket_finish(
    *,
    ticket: Ticket,
    counter: Counter,
    outcome: str,
    note: str = "",
    by: Any = None,
    now: dt.datetime | None = None,
) -> Ticket:
    now = now or timezone.now()
    if outcome not in Outcome.values:
        raise InvalidInput(
            _("Choose an outcome."),
            errors=[{"field": "outcome", "message": _("Choose an outcome.")}],
        )
    if outcome != Outcome.SERVED and not note.strip():
        raise InvalidInput(
            _("Please give a reason."),
            errors=[{"field": "note", "message": _("Please give a reason.")}],
        )
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        ticket.status = TicketStatus.DONE
        ticket.outcome = outcome
        ticket.outcome_note = note.strip()[:300]
        ticket.finished_at = now
        ticket.save(update_fields=["status", "outcome", "outcome_note", "finished_at"])
        summary = f"{outcome}: {note.strip()}" if note.strip() else outcome
        _event(ticket, EventKind.FINISHED, now, counter=counter, by=by, note=summary)
        if ticket.appointment is not None:
            appointment_services.appointment_complete(appointment=ticket.appointment, by=by)
    return ticket


def counter_sign_in(
    *, counter: Counter, user: Any, now: dt.datetime | None = None
) -> CounterSession:
    """Sign in at a counter; ends the user's other open sessions and the counter's previous one."""
    now = now or timezone.now()
    with transaction.atomic():
        CounterSession.objects.filter(user=user, ended_at__isnull=True).update(ended_at=now)
        CounterSession.objects.filter(counter=counter, ended_at__isnull=True).update(ended_at=now)
        return CounterSession.objects.create(counter=counter, user=user, started_at=now)


def counter_sign_out(*, user: Any, now: dt.datetime | None = None) -> None:
    CounterSession.objects.filter(user=user, ended_at__isnull=True).update(
        ended_at=now or timezone.now()
    )


def day_close(
    *, location: Location, day: dt.date, reason: str, now: dt.datetime | None = None
) -> int:
    """End of day: close every open ticket with a reason (the day's facts stay as events)."""
    now = now or timezone.now()
    closed = 0
    for ticket in Ticket.objects.filter(location=location, day=day, status__in=OPEN):
        with transaction.atomic():
            locked = _lock_ticket(ticket)
            if locked.status not in OPEN:
                continue
            locked.status = TicketStatus.CLOSED
            locked.finished_at = now
            locked.outcome_note = reason[:300]
            locked.save(update_fields=["status", "finished_at", "outcome_note"])
            _event(locked, EventKind.CLOSED, now, note=reason)
            closed += 1
    CounterSession.objects.filter(counter__location=location, ended_at__isnull=True).update(
        ended_at=now
    )
    return closed


def call_notices_send(*, now: dt.datetime | None = None) -> int:
    """E-mail people who asked for it when they will be called in about CALL_NOTICE_MINUTES
    (once per ticket: marked in the same transaction)."""
    from hamburg_service.visits import notifications

    now = now or timezone.now()
    day = now.astimezone(hours.BERLIN).date()
    sent = 0
    waiting = Ticket.objects.filter(
        day=day, status=TicketStatus.WAITING, notice_sent_at__isnull=True
    ).exclude(email="")
    for ticket in waiting.select_related("location"):
        if selectors.waiting_estimate(ticket=ticket, now=now) > settings.CALL_NOTICE_MINUTES:
            continue
        with transaction.atomic():
            locked = _lock_ticket(ticket)
            if locked.notice_sent_at is not None or locked.status != TicketStatus.WAITING:
                continue
            locked.notice_sent_at = now
            locked.save(update_fields=["notice_sent_at"])
            notifications.call_notice_on_commit(ticket=locked)
            sent += 1
    return sent
