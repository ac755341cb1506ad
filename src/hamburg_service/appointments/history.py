"""A synthetic appointment book for benchmarks: a year of past visits and a filling future.

`history_generate` works on the city already in the database (`manage.py city_generate`) and
is reproducible from its seed. Per location-day it packs visits onto the counters' open grid
units with per-counter bit masks (as availability.py does), so that no two visits overlap on a
counter and the booked units never exceed the public share of the day's capacity:

- past days: visits up to `fill_past` of the public share, status completed (about 10 %
  no-show); no SeatClaim rows (the seats of past days are never looked at again), but a
  DayLedger row with the units the day's visits took;
- today and later: confirmed visits whose fill drops with lead time (`fill_near` up to
  `near_days`, falling to `fill_far` at `far_days` and after), each with its
  AppointmentService row(s), one SeatClaim per grid unit, and DayLedger.booked_units equal to
  the claims of the location-day.

Every visit also gets the events its figures are read from: confirmed when it was booked (1 to
30 days ahead, never after the generation), and on past days completed or not attended.

Rows get explicit primary keys (so services and claims can refer to their appointment without
reading ids back) and are written with bulk_create in batches, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from hamburg_service.appointments import availability
from hamburg_service.appointments.availability import counter_days_rebuild
from hamburg_service.appointments.models import (
    Appointment,
    AppointmentEvent,
    AppointmentService,
    Channel,
    DayLedger,
    EventKind,
    SeatClaim,
    Status,
)
from hamburg_service.appointments.services.tokens import REFERENCE_ALPHABET
from hamburg_service.catalog.models import Access, Counter, Location, Purpose, Service
from hamburg_service.catalog.selectors import counter_spans_many

NO_SHOW_RATE = 0.10
STAFF_RATE = 0.10
PAIR_RATE = 0.08  # visits for two combinable services, where a location has such pairs
MAX_FAILURES = 25  # placement attempts in a row that found no room: the day is full
_REF_BITS = 5 * len("ABCDEFGH")  # 8 characters of a 32-letter alphabet
_REF_MULT = 0x5DEECE66D  # odd, so pk -> pk * mult mod 2**40 is a bijection


class HistoryError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class _Visit:
    services: tuple[int, ...]  # service ids in order
    units: int
    latest_lead: int  # last bookable day ahead (booking window of the strictest agency)


def _reference(pk: int, seed: int) -> str:
    """8 characters, distinct for distinct pks (a bijection of 40 bits)."""
    value = (pk * _REF_MULT + seed * 0x9E3779B1) % (1 << _REF_BITS)
    chars = []
    for _ in range(8):
        chars.append(REFERENCE_ALPHABET[value & 31])
        value >>= 5
    return "".join(chars)


def fill_for_lead(
    lead: int, *, fill_near: float, fill_far: float, near_days: int = 10, far_days: int = 30
) -> float:
    """Share of the public capacity booked `lead` days ahead: full soon, sparse later."""
    if lead <= near_days:
        return fill_near
    if lead >= far_days:
        return fill_far
    return fill_far + (fill_near - fill_far) * (far_days - lead) / (far_days - near_days)


def _nth_bit(mask: int, n: int) -> int:
    for _ in range(n):
        mask &= mask - 1
    return (mask & -mask).bit_length() - 1


def history_generate(
    *,
    days_back: int,
    days_ahead: int,
    seed: int,
    fill_near: float = 0.95,
    fill_far: float = 0.1,
    fill_past: float = 1.0,
    batch_size: int = 5000,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int | float]:
    """Generate the appointment book of the last `days_back` days and of today and the next
    `days_ahead` days; returns the counts written (and the seconds taken)."""
    started = time.monotonic()
    if Appointment.objects.exists():
        raise HistoryError("The appointment book is not empty; generate into a fresh city.")
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days_back)
    last = today + dt.timedelta(days=days_ahead)
    rng = random.Random(seed)
    say = progress or (lambda _message: None)

    locations = list(Location.objects.filter(is_active=True).order_by("pk"))
    location_ids = [loc.pk for loc in locations]
    if not location_ids:
        raise HistoryError("No locations: run city_generate first.")
    bookable = {
        s.pk: s
        for s in Service.objects.filter(is_active=True).order_by("pk")
        if s.access != Access.WALK_IN and s.on_site
    }
    offered: dict[int, set[int]] = {pk: set() for pk in location_ids}
    for service_id, location_id in Service.locations.through.objects.filter(
        location_id__in=location_ids, service_id__in=list(bookable)
    ).values_list("service_id", "location_id"):
        offered[location_id].add(service_id)
    skills: dict[int, set[int]] = {}
    for counter_id, service_id in Counter.services.through.objects.filter(
        counter__location_id__in=location_ids, counter__is_active=True
    ).values_list("counter_id", "service_id"):
        skills.setdefault(counter_id, set()).add(service_id)
    pairs = sorted(
        (a, b)
        for a, b in Service.combinable_with.through.objects.values_list(
            "from_service_id", "to_service_id"
        )
        if a < b and a in bookable and b in bookable
    )

    # Per location: the visits people book, with popularity weights (a few services are
    # booked far more often than the rest).
    visits: dict[int, tuple[list[_Visit], list[float]]] = {}
    skilled_at: dict[int, dict[_Visit, list[int]]] = {}
    counters_at: dict[int, list[int]] = {pk: [] for pk in location_ids}
    for location_id, counter_id in (
        Counter.objects.filter(location_id__in=location_ids, is_active=True)
        .order_by("pk")
        .values_list("location_id", "pk")
    ):
        counters_at[location_id].append(counter_id)
        skills.setdefault(counter_id, set())
    for location_id in location_ids:
        ids = sorted(offered[location_id])
        options: list[_Visit] = []
        weights: list[float] = []
        for rank, service_id in enumerate(ids):
            options.append(_make_visit((service_id,), bookable))
            weights.append(1.0 / (rank + 1) ** 0.7)
        local_pairs = [
            p for p in pairs if p[0] in offered[location_id] and p[1] in offered[location_id]
        ]
        if local_pairs:
            share = PAIR_RATE * sum(weights) / (1 - PAIR_RATE) / len(local_pairs)
            for pair in local_pairs:
                options.append(_make_visit(pair, bookable))
                weights.append(share)
        visits[location_id] = (options, weights)
        skilled_at[location_id] = {
            visit: [c for c in counters_at[location_id] if skills[c].issuperset(visit.services)]
            for visit in options
        }

    say(f"loading opening hours of {len(location_ids)} locations, {first} … {last}")
    spans = counter_spans_many(
        location_ids=location_ids, start=first, end=last, services=(), purpose=Purpose.BOOKING
    )
    next_service_pk = (
        AppointmentService.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    next_claim_pk = (
        SeatClaim.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    next_pk = (Appointment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    counts: dict[str, int | float] = {
        "events": 0,
        "location_days": 0,
        "appointments": 0,
        "past": 0,
        "future": 0,
        "no_show": 0,
        "staff": 0,
        "appointment_services": 0,
        "seat_claims": 0,
        "day_ledgers": 0,
        "booked_units": 0,
        "future_booked_units": 0,
        "future_public_limit_units": 0,
    }
    appointments: list[Appointment] = []
    links: list[AppointmentService] = []
    claims: list[SeatClaim] = []
    ledgers: list[DayLedger] = []

    events: list[AppointmentEvent] = []
    generated_at = timezone.now()

    def flush() -> None:
        Appointment.objects.bulk_create(appointments, batch_size=batch_size)
        AppointmentService.objects.bulk_create(links, batch_size=batch_size)
        SeatClaim.objects.bulk_create(claims, batch_size=batch_size)
        AppointmentEvent.objects.bulk_create(events, batch_size=batch_size)
        counts["events"] += len(events)
        events.clear()
        appointments.clear()
        links.clear()
        claims.clear()

    with transaction.atomic():
        day = first
        while day <= last:
            lead = (day - today).days
            past = lead < 0
            fill = (
                fill_past if past else fill_for_lead(lead, fill_near=fill_near, fill_far=fill_far)
            )
            at = _Moments(day)
            for location_id in location_ids:
                per_counter = spans[location_id][day]
                free = {
                    c: m
                    for c in sorted(per_counter)
                    if (m := availability.span_mask(per_counter[c]))
                }
                capacity = sum(m.bit_count() for m in free.values())
                if capacity == 0:
                    continue
                counts["location_days"] += 1
                limit = availability.share_limit(capacity, Channel.PUBLIC)
                target = min(limit, round(limit * fill * rng.uniform(0.97, 1.03)))
                if not past:
                    counts["future_public_limit_units"] += limit
                options, weights = visits[location_id]
                skilled = skilled_at[location_id]
                booked = 0
                failures = 0
                while booked < target and failures < MAX_FAILURES and options:
                    visit = rng.choices(options, weights)[0]
                    k = visit.units
                    if booked + k > limit or lead > visit.latest_lead:
                        failures += 1
                        continue
                    able = [c for c in skilled[visit] if c in free]
                    rng.shuffle(able)
                    placed = None
                    for counter_id in able:
                        starts = availability.run_starts(free[counter_id], k)
                        if starts:
                            unit = _nth_bit(starts, rng.randrange(starts.bit_count()))
                            placed = (counter_id, unit)
                            break
                    if placed is None:
                        failures += 1
                        continue
                    failures = 0
                    counter_id, unit = placed
                    free[counter_id] &= ~(((1 << k) - 1) << unit)
                    booked += k
                    pk = next_pk
                    next_pk += 1
                    if past:
                        status = Status.NO_SHOW if rng.random() < NO_SHOW_RATE else Status.COMPLETED
                    else:
                        status = Status.CONFIRMED
                    channel = Channel.STAFF if rng.random() < STAFF_RATE else Channel.PUBLIC
                    counts["no_show"] += status == Status.NO_SHOW
                    counts["staff"] += channel == Channel.STAFF
                    email = f"p{pk}@example.org"
                    # Booked some days ahead, never later than now; confirmed at once.
                    booked_at = min(generated_at, at(unit) - dt.timedelta(days=rng.randint(1, 30)))
                    by = "staff" if channel == Channel.STAFF else "resident"
                    events.append(
                        AppointmentEvent(
                            appointment_id=pk,
                            at=booked_at,
                            kind=EventKind.CONFIRMED,
                            actor_kind=by,
                            data={"channel": channel},
                        )
                    )
                    if past:
                        events.append(
                            AppointmentEvent(
                                appointment_id=pk,
                                at=at(unit + k) if status == Status.COMPLETED else at(unit + 2),
                                kind=EventKind.COMPLETED
                                if status == Status.COMPLETED
                                else EventKind.NO_SHOW,
                                actor_kind="staff",
                            )
                        )
                    appointments.append(
                        Appointment(
                            pk=pk,
                            reference=_reference(pk, seed),
                            location_id=location_id,
                            counter_id=counter_id,
                            start=at(unit),
                            end=at(unit + k),
                            units=k,
                            status=status,
                            channel=channel,
                            name=f"Person {pk}",
                            email=email,
                            email_normalised=email,
                            language="en" if rng.random() < 0.15 else "de",
                            manage_token_hash=hashlib.sha256(
                                f"history:{seed}:{pk}".encode()
                            ).hexdigest(),
                            created_at=booked_at,
                            confirmed_at=booked_at,
                        )
                    )
                    for position, service_id in enumerate(visit.services):
                        links.append(
                            AppointmentService(
                                pk=next_service_pk,
                                appointment_id=pk,
                                service_id=service_id,
                                position=position,
                            )
                        )
                        next_service_pk += 1
                    if not past:
                        for i in range(k):
                            claims.append(
                                SeatClaim(
                                    pk=next_claim_pk,
                                    counter_id=counter_id,
                                    location_id=location_id,
                                    start=at(unit + i),
                                    appointment_id=pk,
                                )
                            )
                            next_claim_pk += 1
                        counts["seat_claims"] += k
                    counts["appointments"] += 1
                    counts["past" if past else "future"] += 1
                    counts["appointment_services"] += len(visit.services)
                    if len(appointments) >= batch_size:
                        flush()
                if booked:
                    ledgers.append(
                        DayLedger(location_id=location_id, date=day, booked_units=booked)
                    )
                    counts["booked_units"] += booked
                    if not past:
                        counts["future_booked_units"] += booked
            if day.day == 1 or day == last:
                say(f"{day}: {counts['appointments']} appointments so far")
            day += dt.timedelta(days=1)
        flush()
        DayLedger.objects.bulk_create(ledgers, batch_size=batch_size)
        counts["day_ledgers"] = len(ledgers)
        counts["counter_days"] = counter_days_rebuild()
        _reset_sequences()
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


class _Moments:
    """unit -> its start instant on one day (cached: every visit needs a few)."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.cache: dict[int, dt.datetime] = {}

    def __call__(self, unit: int) -> dt.datetime:
        moment = self.cache.get(unit)
        if moment is None:
            moment = self.cache[unit] = availability.unit_start(self.day, unit)
        return moment


def _make_visit(service_ids: Sequence[int], bookable: dict[int, Service]) -> _Visit:
    services = [bookable[pk] for pk in service_ids]
    latest = min(settings.BOOKING_WINDOW_DAYS[s.agency][1] for s in services)
    return _Visit(tuple(service_ids), availability.units_for(services), latest)


def _reset_sequences() -> None:
    """After inserts with explicit keys, PostgreSQL's sequences must move past them (SQLite
    keeps its AUTOINCREMENT counter up to date by itself)."""
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Appointment, AppointmentService, SeatClaim, DayLedger]
    )
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
