"""Reads of the on-site queue: who is next at a counter, waiting estimates, the call display."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Counter, Location, Service
from hamburg_service.visits.models import CounterSession, Ticket, TicketService, TicketStatus


def skills_of(counter: Counter) -> set[int]:
    return set(counter.services.values_list("pk", flat=True)) if counter.is_active else set()


def counter_can_serve(*, counter: Counter, ticket: Ticket) -> bool:
    needed = set(TicketService.objects.filter(ticket=ticket).values_list("service_id", flat=True))
    return needed <= skills_of(counter)


def _queue(location: Location, day: dt.date) -> QuerySet[Ticket]:
    return Ticket.objects.filter(location=location, day=day, status=TicketStatus.WAITING)


def queue_order(qs: QuerySet[Ticket], now: dt.datetime) -> QuerySet[Ticket]:
    """Queue rules: appointments due now first (at their time, within the grace window), then
    priority (needs), then by due time: walk-ins in order of arrival."""
    grace = dt.timedelta(minutes=settings.APPOINTMENT_GRACE_MINUTES)
    return (
        qs.filter(Q(appointment__isnull=True) | Q(due_at__lte=now + grace))
        .annotate(
            due_appointment=Case(
                When(appointment__isnull=False, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-due_appointment", "-priority", "due_at", "pk")
    )


def queue_for_counter(*, counter: Counter, now: dt.datetime, limit: int = 50) -> list[Ticket]:
    """Waiting tickets this counter can serve, in the order they are to be called."""
    skills = skills_of(counter)
    if not skills:
        return []
    day = now.astimezone(hours.BERLIN).date()
    qs = _queue(counter.location, day).exclude(
        ticketservice__service__in=Service.objects.exclude(pk__in=skills)
    )
    return list(queue_order(qs, now)[:limit])


def recent_handling_minutes(
    location: Location, *, now: dt.datetime, days: int = 14
) -> dict[int, float]:
    """Median handling time (called → finished) per service over recent single-service visits;
    services without enough history fall back to their catalogue handling time."""
    since = now - dt.timedelta(days=days)
    samples: dict[int, list[float]] = defaultdict(list)
    rows = (
        Ticket.objects.filter(
            location=location,
            status=TicketStatus.DONE,
            finished_at__gte=since,
            called_at__isnull=False,
        )
        .annotate(n_services=Count("ticketservice"))
        .filter(n_services=1)  # a visit for several services says nothing about each one
        .values_list("ticketservice__service_id", "called_at", "finished_at")
        .order_by()[:5000]
    )
    for service_id, called, finished in rows:
        if called is not None and finished is not None:
            samples[service_id].append((finished - called).total_seconds() / 60)
    defaults = dict(location.services.values_list("pk", "handling_minutes"))
    out = {pk: float(minutes) for pk, minutes in defaults.items()}
    for service_id, values in samples.items():
        if len(values) >= 5:
            out[service_id] = statistics.median(values)
    return out


def waiting_estimate(*, ticket: Ticket, now: dt.datetime | None = None) -> int:
    """Expected minutes until `ticket` is called: the work ahead of it that the counters able to
    serve it must do, shared by those counters that are staffed now."""
    now = now or timezone.now()
    ticket_services = set(
        TicketService.objects.filter(ticket=ticket).values_list("service_id", flat=True)
    )
    counters = [
        c
        for c in Counter.objects.filter(
            location_id=ticket.location_id, is_active=True
        ).prefetch_related("services")
        if ticket_services <= {s.pk for s in c.services.all()}
    ]
    staffed = set(
        CounterSession.objects.filter(counter__in=counters, ended_at__isnull=True).values_list(
            "counter_id", flat=True
        )
    )
    serving = max(1, len(staffed) or len(counters))
    minutes = recent_handling_minutes(ticket.location, now=now)
    # The work ahead: tickets called before this one (in the queue's own order, as if it were
    # due now) that one of the counters able to serve it could take.
    skills = [{s.pk for s in c.services.all()} for c in counters]
    queue = queue_order(_queue(ticket.location, ticket.day), max(now, ticket.due_at))
    work = 0.0
    for other in queue.prefetch_related("ticketservice_set"):
        if other.pk == ticket.pk:
            break
        needed = {ts.service_id for ts in other.ticketservice_set.all()}
        if any(needed <= skill for skill in skills):
            work += sum(minutes.get(ts.service_id, 15.0) for ts in other.ticketservice_set.all())
    return round(work / serving)


def position_of(ticket: Ticket, now: dt.datetime | None = None) -> int:
    """1 = next. Counts the waiting tickets ordered before this one."""
    now = now or timezone.now()
    order = list(queue_order(_queue(ticket.location, ticket.day), now).values_list("pk", flat=True))
    return order.index(ticket.pk) + 1 if ticket.pk in order else 0


def recent_calls(*, location: Location, limit: int = 8) -> list[dict[str, object]]:
    """What the call display shows: the latest calls, newest first."""
    day = timezone.localdate()
    rows = (
        Ticket.objects.filter(
            location=location, day=day, status=TicketStatus.CALLED, called_at__isnull=False
        )
        .select_related("counter")
        .order_by("-called_at", "-pk")[:limit]
    )
    return [
        {
            "number": t.number,
            "counter": t.counter.name if t.counter else "",
            "called_at": t.called_at,
            "calls": t.calls,
        }
        for t in rows
    ]


def estimate_accuracy(*, location: Location, day: dt.date) -> dict[str, float | int]:
    """Mean absolute error of the estimate given at issue against the real wait (called −
    arrived), over the day's called tickets."""
    rows = Ticket.objects.filter(
        location=location, day=day, called_at__isnull=False, estimate_minutes__isnull=False
    ).values_list("estimate_minutes", "arrived_at", "called_at")
    errors = [
        abs(est - (called - arrived).total_seconds() / 60)
        for est, arrived, called in rows
        if est is not None and called is not None
    ]
    return {
        "tickets": len(errors),
        "mae_minutes": round(statistics.mean(errors), 1) if errors else 0.0,
    }


def walk_in_estimates(
    *, location: Location, now: dt.datetime | None = None
) -> list[dict[str, object]]:
    """For the location page: the expected wait of someone arriving now, per walk-in service
    (the queue's work a counter able to serve it could take, over the staffed such counters)."""
    now = now or timezone.now()
    day = now.astimezone(hours.BERLIN).date()
    minutes = recent_handling_minutes(location, now=now)
    counters = list(
        Counter.objects.filter(location=location, is_active=True).prefetch_related("services")
    )
    staffed = set(
        CounterSession.objects.filter(counter__in=counters, ended_at__isnull=True).values_list(
            "counter_id", flat=True
        )
    )
    waiting = list(queue_order(_queue(location, day), now).prefetch_related("ticketservice_set"))
    out = []
    walk_in_services = location.services.filter(is_active=True, access__in=("walk_in", "both"))
    for service in walk_in_services.order_by("name_de"):
        able = [c for c in counters if service.pk in {s.pk for s in c.services.all()}]
        if not able:
            continue
        skills = [{s.pk for s in c.services.all()} for c in able]
        work = sum(
            sum(minutes.get(ts.service_id, 15.0) for ts in t.ticketservice_set.all())
            for t in waiting
            if any({ts.service_id for ts in t.ticketservice_set.all()} <= skill for skill in skills)
        )
        serving = max(1, len([c for c in able if c.pk in staffed]) or len(able))
        out.append({"service": service, "minutes": round(work / serving), "waiting": len(waiting)})
    return out
