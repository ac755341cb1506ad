"""Calling and serving at a counter.

A counter serves one person at a time: every action that gives a counter a called ticket
locks the counter row first and checks that nothing is called there, and a unique constraint
on (counter, status = called) is the last line of defence. "Call next" locks the first waiting
ticket the counter can serve with SKIP LOCKED on PostgreSQL, so clerks calling at the same
moment take different tickets without waiting on each other; on SQLite the immediate
transaction serialises them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hamburg_service.appointments.services import lifecycle
from hamburg_service.catalog.models import Counter, Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.core.events import event_record
from hamburg_service.people.models import Person
from hamburg_service.visits import facts, selectors
from hamburg_service.visits.models import (
    EventKind,
    Outcome,
    Ticket,
    TicketService,
    TicketStatus,
)
from hamburg_service.visits.services.tickets import next_number


def _lock_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _own(ticket: Ticket, counter: Counter) -> None:
    if ticket.status != TicketStatus.CALLED or ticket.counter_id != counter.pk:
        raise Conflict(
            _("Another counter has taken this ticket, or it is no longer called here."),
            code="ticket-not-yours",
        )


def _serving(counter: Counter) -> Ticket | None:
    """Lock the counter and return the ticket called there, if any."""
    Counter.objects.select_for_update().filter(pk=counter.pk).first()
    return Ticket.objects.filter(counter=counter, status=TicketStatus.CALLED).first()


def _counter_free(counter: Counter) -> None:
    """Lock the counter; Conflict if it has a called customer (finish before calling)."""
    busy = _serving(counter)
    if busy is not None:
        raise Conflict(
            _("Please finish, park or transfer %(number)s before calling the next person.")
            % {"number": busy.number},
            code="counter-busy",
        )


def _called(ticket_id: int, counter: Counter, now: dt.datetime) -> int:
    """Mark a waiting ticket called at `counter`; the first call is kept for the figures."""
    return Ticket.objects.filter(pk=ticket_id, status=TicketStatus.WAITING).update(
        status=TicketStatus.CALLED,
        counter=counter,
        called_at=now,
        first_called_at=Coalesce(F("first_called_at"), now),
        calls=1,
    )


def ticket_call_next(
    *, counter: Counter, actor: Actor, now: dt.datetime | None = None
) -> Ticket | None:
    """Call the next customer this counter can serve (None when nobody waits)."""
    now = now or timezone.now()
    with transaction.atomic():
        _counter_free(counter)
        candidate = (
            selectors.queue_for_counter_qs(counter=counter, now=now)
            .select_for_update(skip_locked=True, of=("self",))
            .only("pk")
            .first()
        )
        if candidate is None or not _called(candidate.pk, counter, now):
            return None
        ticket = Ticket.objects.get(pk=candidate.pk)
        event_record(ticket, kind=EventKind.CALLED, actor=actor, at=now, counter=counter)
    return ticket


def ticket_call(
    *,
    ticket: Ticket,
    counter: Counter,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Ticket:
    """Call a specific waiting ticket out of order (with a reason)."""
    now = now or timezone.now()
    if not reason.strip():
        raise InvalidInput.field("reason", _("Please give a reason."))
    if ticket.location_id != counter.location_id or not selectors.counter_can_serve(
        counter=counter, ticket=ticket
    ):
        raise Conflict(
            _("This counter cannot serve all services of this ticket."), code="not-skilled"
        )
    with transaction.atomic():
        _counter_free(counter)
        if not _called(ticket.pk, counter, now):
            raise Conflict(
                _("Another counter has taken this ticket, or it is no longer waiting."),
                code="ticket-taken",
            )
        ticket.refresh_from_db()
        event_record(
            ticket,
            kind=EventKind.CALLED_OUT_OF_ORDER,
            actor=actor,
            at=now,
            counter=counter,
            data={"reason": reason.strip()[:300]},
        )
    return ticket


def ticket_recall(
    *, ticket: Ticket, counter: Counter, actor: Actor, now: dt.datetime | None = None
) -> Ticket:
    """Call the same person again (the display shows the number anew)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        ticket.calls += 1
        ticket.called_at = now
        ticket.save(update_fields=["calls", "called_at"])
        event_record(ticket, kind=EventKind.RECALLED, actor=actor, at=now, counter=counter)
    return ticket


def _finished(ticket: Ticket, status: str, now: dt.datetime) -> None:
    ticket.status = status
    ticket.finished_at = now
    ticket.handled_seconds = facts.handled_seconds(ticket.events.all())
    ticket.save(
        update_fields=["status", "finished_at", "handled_seconds", "outcome", "outcome_note"]
    )


def ticket_no_show(
    *, ticket: Ticket, counter: Counter, actor: Actor, now: dt.datetime | None = None
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
                % {"n": calls},
                code="call-again-first",
            )
        event_record(ticket, kind=EventKind.NO_SHOW, actor=actor, at=now, counter=counter)
        _finished(ticket, TicketStatus.NO_SHOW, now)
        # Called early (within the grace window) the person may still come at their time:
        # only a no-show after the start counts against the appointment.
        if ticket.appointment is not None and ticket.appointment.start <= now:
            lifecycle.appointment_no_show(appointment=ticket.appointment, actor=actor, now=now)
    return ticket


def ticket_park(
    *,
    ticket: Ticket,
    counter: Counter,
    actor: Actor,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Park a ticket while the person fetches a document; it stays with this counter."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        ticket.status = TicketStatus.PARKED
        ticket.save(update_fields=["status"])
        event_record(
            ticket,
            kind=EventKind.PARKED,
            actor=actor,
            at=now,
            counter=counter,
            data={"note": note.strip()[:300]} if note.strip() else None,
        )
    return ticket


def ticket_resume(
    *, ticket: Ticket, counter: Counter, actor: Actor, now: dt.datetime | None = None
) -> Ticket:
    """Serve a parked ticket again at the counter it is parked at."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        if ticket.status != TicketStatus.PARKED or ticket.counter_id != counter.pk:
            raise Conflict(_("This ticket is not parked at this counter."), code="not-parked-here")
        _counter_free(counter)
        ticket.status = TicketStatus.CALLED
        ticket.called_at = now  # shows again as the newest call on the display
        ticket.save(update_fields=["status", "called_at"])
        event_record(ticket, kind=EventKind.RESUMED, actor=actor, at=now, counter=counter)
    return ticket


def ticket_transfer(
    *,
    ticket: Ticket,
    counter: Counter,
    actor: Actor,
    to_counter: Counter | None = None,
    to_service: Service | None = None,
    to_location: Location | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Send the person on: to another counter (called there, or parked there while it serves
    someone), another service or location (back into that queue, keeping the original
    arrival)."""
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
                    _("%(place)s does not offer this service.") % {"place": to_location.name},
                    code="not-offered-there",
                )
            ticket.location = to_location
            ticket.number = next_number(to_location, ticket.day, ticket.number[:1])
        data: dict[str, object] = {}
        if to_counter is not None:
            if to_counter.location_id != ticket.location_id:
                raise Conflict(_("This counter is at another location."), code="other-location")
            if not selectors.counter_can_serve(counter=to_counter, ticket=ticket):
                raise Conflict(
                    _("%(counter)s cannot serve all services of this ticket.")
                    % {"counter": to_counter.name},
                    code="not-skilled",
                )
            ticket.counter = to_counter
            if _serving(to_counter) is not None:
                ticket.status = TicketStatus.PARKED  # waits there until that counter is free
                data["parked_at_busy_counter"] = True
            else:
                ticket.status = TicketStatus.CALLED
                ticket.called_at = now
                data["to_counter"] = to_counter.name
        else:
            ticket.counter = None
            ticket.status = TicketStatus.WAITING
        if to_service is not None:
            data["to_service"] = to_service.slug
        if to_location is not None:
            data["to_location"] = to_location.slug
        if note.strip():
            data["note"] = note.strip()[:200]
        try:
            with transaction.atomic():
                ticket.save(update_fields=["location", "number", "counter", "status", "called_at"])
        except IntegrityError as error:  # that location has given out this number already
            raise Conflict(
                _("%(number)s cannot move there: that location has given out the same number.")
                % {"number": ticket.number},
                code="number-taken-there",
            ) from error
        event_record(
            ticket, kind=EventKind.TRANSFERRED, actor=actor, at=now, counter=counter, data=data
        )
    return ticket


def ticket_add_service(
    *,
    ticket: Ticket,
    counter: Counter,
    service: Service,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        if TicketService.objects.filter(ticket=ticket, service=service).exists():
            raise Conflict(_("This service is already part of the visit."), code="already-added")
        position = TicketService.objects.filter(ticket=ticket).count()
        TicketService.objects.create(ticket=ticket, service=service, position=position)
        event_record(
            ticket,
            kind=EventKind.SERVICE_ADDED,
            actor=actor,
            at=now,
            counter=counter,
            data={"service": service.slug},
        )
    return ticket


def ticket_person_link(
    *,
    ticket: Ticket,
    counter: Counter,
    person: Person,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Ticket:
    """The clerk serving `ticket` identified the person in the register: the ticket and its
    appointment point to the record from now on."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        if ticket.person_id != person.pk:
            ticket.person = person
            ticket.save(update_fields=["person"])
            event_record(
                ticket,
                kind=EventKind.PERSON_LINKED,
                actor=actor,
                at=now,
                counter=counter,
                data={"person": person.pk},
            )
        if ticket.appointment is not None:
            lifecycle.appointment_person_link(
                appointment=ticket.appointment, person=person, actor=actor, now=now
            )
    return ticket


def ticket_finish(
    *,
    ticket: Ticket,
    counter: Counter,
    outcome: str,
    actor: Actor,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    now = now or timezone.now()
    if outcome not in Outcome.values:
        raise InvalidInput.field("outcome", _("Choose an outcome."))
    if outcome != Outcome.SERVED and not note.strip():
        raise InvalidInput.field("note", _("Please give a reason."))
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        _own(ticket, counter)
        ticket.outcome = outcome
        ticket.outcome_note = note.strip()[:300]
        data = (
            {"outcome": outcome, "note": ticket.outcome_note}
            if note.strip()
            else {"outcome": outcome}
        )
        event_record(
            ticket, kind=EventKind.FINISHED, actor=actor, at=now, counter=counter, data=data
        )
        _finished(ticket, TicketStatus.DONE, now)
        if ticket.appointment is not None:
            lifecycle.appointment_complete(appointment=ticket.appointment, actor=actor, now=now)
    return ticket
