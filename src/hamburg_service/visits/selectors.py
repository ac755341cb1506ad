"""Reads of the on-site queue: who is next at a counter, waiting estimates, the call display.

Everything a page shows about a location's queue is read set-based: the waiting tickets with
their services, the counters with their skills, who is signed in and the recent handling
times — a fixed number of queries however long the queue is (`QueueSnapshot`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import access_record
from hamburg_service.accounts.models import AccessPurpose, DataCategory
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Access, Counter, Location, Service
from hamburg_service.catalog.selectors import location_active, opening_hours
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import NotFound
from hamburg_service.core.tokens import token_hash
from hamburg_service.visits.models import CounterSession, Ticket, TicketService, TicketStatus

DEFAULT_MINUTES = 15.0  # a service without a handling time of its own
CALLS_SHOWN = 8  # the live calls a call display shows
CALLS_KEPT = 4  # the finished calls it keeps showing (for CALL_DISPLAY_KEEP_MINUTES)


def skills_of(counter: Counter) -> set[int]:
    return set(counter.services.values_list("pk", flat=True)) if counter.is_active else set()


def counter_can_serve(*, counter: Counter, ticket: Ticket) -> bool:
    needed = set(TicketService.objects.filter(ticket=ticket).values_list("service_id", flat=True))
    return needed <= skills_of(counter)


def _waiting(location_id: int, day: dt.date) -> QuerySet[Ticket]:
    return Ticket.objects.filter(location_id=location_id, day=day, status=TicketStatus.WAITING)


# --- the queue rules, once for the database and once for tickets in memory -------------------


def _grace() -> dt.timedelta:
    return dt.timedelta(minutes=settings.APPOINTMENT_GRACE_MINUTES)


def queue_order(qs: QuerySet[Ticket], now: dt.datetime) -> QuerySet[Ticket]:
    """Queue rules: appointments due now first (at their time, within the grace window), then
    priority (needs), then by due time: walk-ins in order of arrival. `in_queue_order` is the
    same rule for tickets already loaded."""
    return (
        qs.filter(Q(appointment__isnull=True) | Q(due_at__lte=now + _grace()))
        .annotate(
            due_appointment=Case(
                When(appointment__isnull=False, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-due_appointment", "-priority", "due_at", "pk")
    )


def in_queue_order(tickets: Sequence[Any], now: dt.datetime) -> list[Any]:
    """`queue_order` for loaded tickets (Ticket instances or `Waiting` rows)."""
    limit = now + _grace()
    due = [t for t in tickets if t.appointment_id is None or t.due_at <= limit]
    return sorted(due, key=lambda t: (-(t.appointment_id is not None), -t.priority, t.due_at, t.pk))


def queue_for_counter_qs(*, counter: Counter, now: dt.datetime) -> QuerySet[Ticket]:
    """Waiting tickets this counter can serve, in the order they are to be called."""
    day = now.astimezone(hours.BERLIN).date()
    skills = skills_of(counter)
    qs = _waiting(counter.location_id, day)
    if not skills:
        return qs.none()
    qs = qs.exclude(ticketservice__service__in=Service.objects.exclude(pk__in=skills))
    return queue_order(qs, now)


def queue_for_counter(*, counter: Counter, now: dt.datetime, limit: int = 50) -> list[Ticket]:
    return list(queue_for_counter_qs(counter=counter, now=now)[:limit])


# --- handling times and estimates ------------------------------------------------------------


def recent_handling_minutes(
    location: Location, *, now: dt.datetime, days: int = 14
) -> dict[int, float]:
    """Median time at the counter per service over recent single-service visits (from their
    events, `Ticket.handled_seconds`); services with fewer than five such visits fall back
    to their catalogue handling time."""
    since = now - dt.timedelta(days=days)
    samples: dict[int, list[float]] = defaultdict(list)
    rows = (
        Ticket.objects.filter(
            location=location,
            status=TicketStatus.DONE,
            finished_at__gte=since,
            handled_seconds__isnull=False,
        )
        .annotate(n_services=Count("ticketservice"))
        .filter(n_services=1)  # a visit for several services says nothing about each one
        .values_list("ticketservice__service_id", "handled_seconds")
        .order_by()[:5000]
    )
    for service_id, seconds in rows:
        if seconds is not None:
            samples[service_id].append(seconds / 60)
    defaults = dict(location.services.values_list("pk", "handling_minutes"))
    out = {pk: float(minutes) for pk, minutes in defaults.items()}
    for service_id, values in samples.items():
        if len(values) >= 5:
            out[service_id] = statistics.median(values)
    return out


class Waiting(NamedTuple):
    """What the queue rules need of a waiting ticket."""

    pk: int
    appointment_id: int | None
    priority: int
    due_at: dt.datetime


@dataclass
class QueueSnapshot:
    """A location's waiting tickets (with their services), counters (with their skills), who
    is signed in, and the handling times: what every estimate is computed from, in seven
    queries however long the queue. With `full`, the tickets are model instances (with their
    appointment) and `services` their services, for pages that show them."""

    now: dt.datetime
    tickets: Sequence[Any]  # Ticket instances with `full`, else Waiting rows
    needs: dict[int, frozenset[int]]  # ticket pk -> service ids
    skills: dict[int, frozenset[int]]  # active counter pk -> service ids
    staffed: frozenset[int]
    minutes: dict[int, float]
    services: dict[int, list[Service]] = field(default_factory=dict)  # ticket pk -> services

    @classmethod
    def of(
        cls,
        location: Location,
        *,
        now: dt.datetime,
        day: dt.date | None = None,
        full: bool = False,
    ) -> QueueSnapshot:
        day = day or now.astimezone(hours.BERLIN).date()
        waiting = _waiting(location.pk, day)
        tickets: Sequence[Ticket | Waiting] = (
            list(waiting.select_related("appointment"))
            if full
            else [
                Waiting(*row)
                for row in waiting.values_list("pk", "appointment_id", "priority", "due_at")
            ]
        )
        needs: dict[int, set[int]] = defaultdict(set)
        ordered_needs: dict[int, list[int]] = defaultdict(list)
        for ticket_id, service_id in (
            TicketService.objects.filter(
                ticket__location_id=location.pk,
                ticket__day=day,
                ticket__status=TicketStatus.WAITING,
            )
            .order_by("ticket_id", "position")
            .values_list("ticket_id", "service_id")
        ):
            needs[ticket_id].add(service_id)
            ordered_needs[ticket_id].append(service_id)
        services: dict[int, list[Service]] = {}
        if full:
            by_pk = Service.objects.in_bulk({s for ids in needs.values() for s in ids})
            services = {t: [by_pk[s] for s in ids] for t, ids in ordered_needs.items()}
        skills: dict[int, set[int]] = {
            pk: set()
            for pk in Counter.objects.filter(location=location, is_active=True).values_list(
                "pk", flat=True
            )
        }
        for counter_id, service_id in Counter.services.through.objects.filter(
            counter_id__in=list(skills)
        ).values_list("counter_id", "service_id"):
            skills[counter_id].add(service_id)
        staffed = frozenset(
            CounterSession.objects.filter(
                counter_id__in=list(skills), ended_at__isnull=True
            ).values_list("counter_id", flat=True)
        )
        return cls(
            now=now,
            tickets=tickets,
            needs={pk: frozenset(ids) for pk, ids in needs.items()},
            skills={pk: frozenset(ids) for pk, ids in skills.items()},
            staffed=staffed,
            minutes=recent_handling_minutes(location, now=now),
            services=services,
        )

    def work_minutes(self, ticket: Ticket | Waiting) -> float:
        return sum(self.minutes.get(s, DEFAULT_MINUTES) for s in self.needs.get(ticket.pk, ()))

    def serving(self, able: list[int]) -> int:
        return max(1, len([c for c in able if c in self.staffed]) or len(able))

    def _able(self, needed: frozenset[int]) -> list[int]:
        return [c for c, skill in self.skills.items() if needed <= skill]

    def _serves(self, ticket: Ticket | Waiting, able: list[int]) -> bool:
        needed = self.needs.get(ticket.pk, frozenset())
        return any(needed <= self.skills[c] for c in able)

    def _ahead(self, order: Sequence[Ticket | Waiting], able: list[int]) -> list[float]:
        """For each position in `order`: the work before it the `able` counters could take."""
        out, work = [], 0.0
        for other in order:
            out.append(work)
            if self._serves(other, able):
                work += self.work_minutes(other)
        return out

    def estimate(self, ticket: Ticket | Waiting) -> int:
        """Expected minutes until `ticket` is called: the work ahead of it that the counters
        able to serve it must do, shared by those of them that are staffed now."""
        able = self._able(self.needs.get(ticket.pk, frozenset()))
        work = 0.0
        # The queue's own order, as if the ticket were due now.
        for other in in_queue_order(self.tickets, max(self.now, ticket.due_at)):
            if other.pk == ticket.pk:
                break
            if self._serves(other, able):
                work += self.work_minutes(other)
        return round(work / self.serving(able))

    def estimates(self) -> dict[int, int]:
        """Every waiting ticket's estimate; the tickets due now share one order, so each
        distinct set of services costs one pass over the queue."""
        order = in_queue_order(self.tickets, self.now)
        position = {t.pk: i for i, t in enumerate(order)}
        by_needs: dict[frozenset[int], list[float]] = {}
        out: dict[int, int] = {}
        for ticket in self.tickets:
            if ticket.due_at > self.now or ticket.pk not in position:
                out[ticket.pk] = self.estimate(ticket)
                continue
            needed = self.needs.get(ticket.pk, frozenset())
            able = self._able(needed)
            if needed not in by_needs:
                by_needs[needed] = self._ahead(order, able)
            out[ticket.pk] = round(by_needs[needed][position[ticket.pk]] / self.serving(able))
        return out

    def ordered(self) -> list[Any]:
        return in_queue_order(self.tickets, self.now)


def queue_estimates(*, location: Location, now: dt.datetime) -> dict[int, int]:
    """Minutes until each waiting ticket of the location is expected to be called."""
    return QueueSnapshot.of(location, now=now).estimates()


def waiting_estimate(*, ticket: Ticket, now: dt.datetime | None = None) -> int:
    """Expected minutes until `ticket` is called (see QueueSnapshot.estimate)."""
    now = now or timezone.now()
    snapshot = QueueSnapshot.of(ticket.location, now=now, day=ticket.day)
    own = next((t for t in snapshot.tickets if t.pk == ticket.pk), ticket)
    return snapshot.estimate(own)


def position_of(ticket: Ticket, now: dt.datetime | None = None) -> int:
    """1 = next. Counts the waiting tickets ordered before this one."""
    now = now or timezone.now()
    order = list(
        queue_order(_waiting(ticket.location_id, ticket.day), now).values_list("pk", flat=True)
    )
    return order.index(ticket.pk) + 1 if ticket.pk in order else 0


def walk_in_estimates(
    *, location: Location, now: dt.datetime | None = None
) -> list[dict[str, object]]:
    """For the location page: the expected wait of someone arriving now, per walk-in service
    (the queue's work a counter able to serve it could take, over the staffed such counters)."""
    now = now or timezone.now()
    snapshot = QueueSnapshot.of(location, now=now)
    waiting = snapshot.ordered()
    out = []
    walk_in = location.services.filter(is_active=True, access__in=(Access.WALK_IN, Access.BOTH))
    for service in walk_in.order_by("name_de"):
        able = [c for c, skill in snapshot.skills.items() if service.pk in skill]
        if not able:
            continue
        skills = [snapshot.skills[c] for c in able]
        work = sum(
            snapshot.work_minutes(t)
            for t in waiting
            if any(snapshot.needs.get(t.pk, frozenset()) <= skill for skill in skills)
        )
        out.append(
            {
                "service": service,
                "minutes": round(work / snapshot.serving(able)),
                "waiting": len(waiting),
                # Nobody able to serve it is signed in at a counter: no estimate to give.
                "staffed": any(c in snapshot.staffed for c in able),
            }
        )
    return out


# --- the call display and accuracy -----------------------------------------------------------


def recent_calls(*, location: Location, now: dt.datetime | None = None) -> list[dict[str, object]]:
    """What the call display shows: the live calls (numbers at a counter now), newest first,
    then up to CALLS_KEPT calls finished in the last CALL_DISPLAY_KEEP_MINUTES (`finished`),
    newest first — so whoever looked away, or came back too late, sees which numbers
    were called."""
    now = now or timezone.now()
    today = (
        Ticket.objects.filter(
            location=location, day=timezone.localdate(now), called_at__isnull=False
        )
        .select_related("counter")
        .order_by("-called_at", "-pk")
    )
    live = list(today.filter(status=TicketStatus.CALLED)[:CALLS_SHOWN])
    keep = dt.timedelta(minutes=settings.CALL_DISPLAY_KEEP_MINUTES)
    # Served or did not come: a parked or transferred ticket is not over, so it leaves the
    # display until it is called again.
    earlier = list(
        today.filter(
            status__in=(TicketStatus.DONE, TicketStatus.NO_SHOW), finished_at__gt=now - keep
        )[:CALLS_KEPT]
    )
    return [
        {
            "number": t.number,
            "counter": t.counter.name if t.counter else "",
            "called_at": t.called_at,
            "calls": t.calls,
            "finished": t.status != TicketStatus.CALLED,
        }
        for t in live + earlier
    ]


def calls_version(calls: list[dict[str, object]]) -> str:
    """Changes whenever the shown calls change (a new call, a recall, a finished ticket, an
    earlier call whose time on screen is up)."""
    text = "|".join(
        f"{c['number']};{c['counter']};"
        f"{c['called_at'].isoformat() if isinstance(c['called_at'], dt.datetime) else ''};"
        f"{c['calls']};{c['finished']}"
        for c in calls
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def estimate_accuracy(*, location: Location, day: dt.date) -> dict[str, float | int]:
    """Mean absolute error of the estimate given at issue against the real wait (first call −
    arrival), over the day's called tickets."""
    rows = Ticket.objects.filter(
        location=location, day=day, first_called_at__isnull=False, estimate_minutes__isnull=False
    ).values_list("estimate_minutes", "arrived_at", "first_called_at")
    errors = [
        abs(est - (called - arrived).total_seconds() / 60)
        for est, arrived, called in rows
        if est is not None and called is not None
    ]
    return {
        "tickets": len(errors),
        "mae_minutes": round(statistics.mean(errors), 1) if errors else 0.0,
    }


# --- single tickets and locations for the pages ----------------------------------------------


def ticket_by_token(token: str) -> Ticket:
    """The ticket a mobile or printed ticket link is for; NotFound otherwise."""
    ticket = (
        Ticket.objects.select_related("location", "counter", "appointment")
        .filter(mobile_token_hash=token_hash(token))
        .first()
    )
    if ticket is None:
        raise NotFound(_("This ticket does not exist."), code="ticket-unknown")
    return ticket


def ticket_services(ticket: Ticket) -> list[Service]:
    return [
        ts.service for ts in TicketService.objects.filter(ticket=ticket).select_related("service")
    ]


def public_location(slug: str) -> Location:
    """An active location for a public screen (kiosk, display); NotFound otherwise."""
    location = location_active(slug=slug)
    if location is None:
        raise NotFound(_("There is no such location."), code="location-unknown")
    return location


# --- the counter pages ------------------------------------------------------------------------


def counters_with_sessions(locations: Sequence[Location]) -> list[dict[str, Any]]:
    """Per location, its active counters by name, each with who is signed in there (two
    queries, whatever the number of locations and counters)."""
    sessions = {
        s.counter_id: s
        for s in CounterSession.objects.filter(
            ended_at__isnull=True, counter__location__in=locations
        ).select_related("user")
    }
    by_location: dict[int, list[Counter]] = {}
    for counter in Counter.objects.filter(location__in=locations, is_active=True):
        by_location.setdefault(counter.location_id, []).append(counter)
    return [
        {
            "location": location,
            "counters": [
                {"c": c, "session": sessions.get(c.pk)} for c in by_location.get(location.pk, [])
            ],
        }
        for location in locations
    ]


def session_of_user(user_id: int) -> CounterSession | None:
    """The counter a member of staff is signed in at, if any."""
    return (
        CounterSession.objects.filter(user_id=user_id, ended_at__isnull=True)
        .select_related("counter__location")
        .first()
    )


def counter_session(counter: Counter) -> CounterSession | None:
    """Who is signed in at `counter` now."""
    return (
        CounterSession.objects.filter(counter=counter, ended_at__isnull=True)
        .select_related("user")
        .first()
    )


def ticket_at_counter(*, counter: Counter, ticket_id: int | None, day: dt.date) -> Ticket:
    """The ticket a counter's form names, if it is today's and here (or parked at this
    counter); NotFound otherwise."""
    ticket = Ticket.objects.filter(pk=ticket_id, day=day).first() if ticket_id else None
    if ticket is None or (
        ticket.location_id != counter.location_id and ticket.counter_id != counter.pk
    ):
        raise NotFound(
            _("This ticket no longer exists here. The page has been updated."),
            code="ticket-gone",
        )
    return ticket


def ticket_served_for(*, counter: Counter, day: dt.date, actor: Actor) -> Ticket | None:
    """The ticket called at `counter`, shown to `actor`: the name and time of a checked-in
    appointment on it are personal data, so showing them is logged."""
    current = (
        Ticket.objects.filter(counter=counter, day=day, status=TicketStatus.CALLED)
        .select_related("appointment")
        .first()
    )
    appointment = current.appointment if current else None
    if appointment is not None:
        access_record(
            actor=actor,
            subject_type="appointment",
            subject_ref=appointment.reference,
            purpose=AccessPurpose.COUNTER,
            categories=(DataCategory.NAME, DataCategory.APPOINTMENT),
            location=counter.location,
            case_reference=appointment.reference,
        )
    return current


def services_of_tickets(tickets: Sequence[Ticket]) -> dict[int, list[Service]]:
    """Each ticket's services, in one query."""
    out: dict[int, list[Service]] = {}
    for row in TicketService.objects.filter(ticket__in=tickets).select_related("service"):
        out.setdefault(row.ticket_id, []).append(row.service)
    return out


def tickets_parked_at(*, counter: Counter, day: dt.date) -> list[Ticket]:
    return list(
        Ticket.objects.filter(counter=counter, day=day, status=TicketStatus.PARKED).order_by(
            "arrived_at"
        )
    )


# --- the ticket machine -----------------------------------------------------------------------


def walk_ins_left(*, location: Location, day: dt.date) -> int:
    """Tickets for visits without an appointment still to be had today (WALK_IN_DAILY_QUOTA)."""
    drawn = Ticket.objects.filter(location=location, day=day, appointment__isnull=True).count()
    return max(0, settings.WALK_IN_DAILY_QUOTA - drawn)


def opens_next(*, location: Location, now: dt.datetime, days: int = 14) -> dt.datetime | None:
    """When the location opens next after `now` (within `days`), in Berlin time."""
    today = now.astimezone(hours.BERLIN).date()
    for day in opening_hours(location=location, start=today, end=today + dt.timedelta(days=days)):
        for interval in day.open:
            if interval.start > now:
                return interval.start.astimezone(hours.BERLIN)
    return None
