"""The periodic work of the on-site queue: call notices, and the end of the day."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Location
from hamburg_service.core.actors import Actor
from hamburg_service.core.events import event_record
from hamburg_service.core.scheduler import per_item
from hamburg_service.visits import facts, mails, selectors
from hamburg_service.visits.models import OPEN, CounterSession, EventKind, Ticket, TicketStatus


def day_close(
    *,
    location: Location,
    day: dt.date,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> int:
    """End of day: close every open ticket with a reason (the day's facts stay as events) and
    sign everyone out of the location's counters."""
    now = now or timezone.now()

    def close(pk: int) -> bool:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            if ticket.status not in OPEN:
                return False
            event_record(
                ticket, kind=EventKind.CLOSED, actor=actor, at=now, data={"reason": reason[:300]}
            )
            ticket.status = TicketStatus.CLOSED
            ticket.finished_at = now
            ticket.outcome_note = reason[:300]
            ticket.handled_seconds = facts.handled_seconds(ticket.events.all())
            ticket.save(update_fields=["status", "finished_at", "outcome_note", "handled_seconds"])
            return True

    open_tickets = Ticket.objects.filter(location=location, day=day, status__in=OPEN)
    closed = per_item(list(open_tickets.values_list("pk", flat=True)), close, what="Closing")
    CounterSession.objects.filter(counter__location=location, ended_at__isnull=True).update(
        ended_at=now
    )
    return closed


def call_notices_send(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """E-mail people who asked for it when they will be called in about CALL_NOTICE_MINUTES
    (once per ticket: marked in the same transaction)."""
    now = now or timezone.now()
    day = now.astimezone(hours.BERLIN).date()
    asked = Ticket.objects.filter(
        day=day, status=TicketStatus.WAITING, notice_sent_at__isnull=True
    ).exclude(email="")
    location_ids = sorted(set(asked.values_list("location_id", flat=True)))
    due: list[int] = []
    for location in Location.objects.filter(pk__in=location_ids):
        estimates = selectors.queue_estimates(location=location, now=now)
        due += [
            pk
            for pk in asked.filter(location=location).values_list("pk", flat=True)
            if estimates.get(pk, 0) <= settings.CALL_NOTICE_MINUTES
        ]

    def notify(pk: int) -> bool:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            if ticket.notice_sent_at is not None or ticket.status != TicketStatus.WAITING:
                return False
            ticket.notice_sent_at = now
            ticket.save(update_fields=["notice_sent_at"])
            mails.call_notice_queue(ticket, now=now)
            return True

    return per_item(due, notify, what="A call notice")
