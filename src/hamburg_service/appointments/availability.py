"""Free appointment times, computed from the catalogue and the booked seats.

No availability table is kept: the opening grids derived from the catalogue are cached per
catalogue revision (`catalog.revision`), so a change to opening hours, closures or counters
shows at once, and the taken units are read from the counter-day masks on every call. Per
location-day, each counter's open grid units and its taken units are bit masks (Python ints),
so "which counters have k free units in a row, starting where" is a handful of shifts and ANDs
rather than a loop over minutes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from hamburg_service.appointments.models import CounterDay, SeatClaim
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Counter, Location, Purpose, Service
from hamburg_service.catalog.revision import Revision, cached, cached_many, revision_current
from hamburg_service.catalog.selectors import counter_spans_many

GridKey = tuple[int, int, dt.date]  # grid unit minutes, location id, day


def unit_minutes() -> int:
    return int(settings.APPOINTMENT_SLOT_MINUTES)


def units_for(services: Sequence[Service]) -> int:
    """Grid units one visit for `services` takes: their handling times added up."""
    total = sum(s.handling_minutes for s in services)
    return max(1, math.ceil(total / unit_minutes()))


def span_mask(spans: Iterable[tuple[int, int]]) -> int:
    """Bit i set when grid unit i (minutes i·U … (i+1)·U) lies wholly inside a span."""
    size = unit_minutes()
    mask = 0
    for start, end in spans:
        first, last = -(-start // size), end // size
        if last > first:
            mask |= ((1 << (last - first)) - 1) << first
    return mask


def run_starts(free: int, k: int) -> int:
    """Bits i where units i … i+k-1 are all set in `free`."""
    run = free
    for shift in range(1, k):
        run &= free >> shift
    return run


def unit_of(moment: dt.datetime, day: dt.date) -> int:
    local = moment.astimezone(hours.BERLIN)
    minutes = (local.date() - day).days * hours.DAY + local.hour * 60 + local.minute
    return minutes // unit_minutes()


def unit_start(day: dt.date, unit: int) -> dt.datetime:
    return hours.local_datetime(day, unit * unit_minutes())


def share_limit(capacity_units: int, channel: str) -> int:
    """How many units of a day's capacity a channel may fill (walk-ins keep their share)."""
    usable = 1.0 - settings.WALK_IN_SHARE
    if channel not in ("staff", "case"):  # staff and appointments for a case may use it
        usable -= settings.STAFF_SHARE
    return math.floor(capacity_units * max(0.0, usable))


@dataclass(frozen=True, slots=True)
class DayBoard:
    """One location-day: each skilled counter's free units, and the share left."""

    location_id: int
    date: dt.date
    free: dict[int, int]  # counter id -> mask of free units
    units_left: int  # of the channel's share
    taken: dict[int, int]  # counter id -> mask of taken units, as stored

    def start_mask(self, k: int) -> int:
        """Bits of the units where at least one counter could start a k-unit visit."""
        if self.units_left < k:
            return 0
        union = 0
        for mask in self.free.values():
            union |= run_starts(mask, k)
        return union

    def counters_at(self, unit: int, k: int) -> int:
        """How many counters could take a k-unit visit starting at `unit`."""
        need = ((1 << k) - 1) << unit
        return sum(1 for mask in self.free.values() if mask & need == need)

    def counter_for(self, start: int, k: int) -> int | None:
        """A counter free for units start … start+k-1 (the least booked one), or None."""
        need = ((1 << k) - 1) << start
        fits = [c for c, mask in self.free.items() if mask & need == need]
        if not fits or self.units_left < k:
            return None
        return max(fits, key=lambda c: (self.free[c].bit_count(), -c))


def skilled_counters(services: Sequence[Service], revision: Revision) -> frozenset[int]:
    """Active counters, city-wide, skilled for all `services` at a location offering them."""

    def compute() -> frozenset[int]:
        qs = Counter.objects.filter(is_active=True).order_by()
        for service in services:
            qs = qs.filter(services=service, location__services=service)
        return frozenset(qs.values_list("pk", flat=True).distinct())

    key = ("skilled", tuple(sorted(s.pk for s in services)))
    return cached(revision, key, compute)


def open_grids(
    location_ids: Sequence[int], start: dt.date, end: dt.date, revision: Revision
) -> dict[tuple[int, dt.date], dict[int, int]]:
    """Per location-day, each counter's public booking hours as a mask of grid units (only
    counters open that day). Computed from the catalogue once per catalogue revision."""
    size = unit_minutes()
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]

    def compute(keys: list[GridKey]) -> dict[GridKey, dict[int, int]]:
        # A miss computes the whole booking window ahead for the locations concerned: five
        # queries whatever the number of days (about 6 ms per location for 180 days), and
        # later bookings and searches there hit the cache until the catalogue changes.
        ids = sorted({key[1] for key in keys})
        first = min(key[2] for key in keys)
        ahead = max(window[1] for window in settings.BOOKING_WINDOW_DAYS.values())
        last = max(max(key[2] for key in keys), first + dt.timedelta(days=ahead))
        spans = counter_spans_many(
            location_ids=ids, start=first, end=last, services=(), purpose=Purpose.BOOKING
        )
        return {
            (size, location_id, day): {c: m for c, s in per_counter.items() if (m := span_mask(s))}
            for location_id in ids
            for day, per_counter in spans[location_id].items()
        }

    keys = [(size, location_id, day) for location_id in location_ids for day in days]
    grids = cached_many(revision, keys, compute)
    return {(key[1], key[2]): grid for key, grid in grids.items()}


def _masks_read(
    location_ids: Sequence[int], start: dt.date, end: dt.date
) -> list[tuple[int, int, object, str]]:
    """The stored counter-day masks; plain SQL, as this runs on every search and booking and
    the ORM's row conversion cost more than the query (dates come back as text on SQLite,
    as dates on PostgreSQL: callers key by `str()`)."""
    if not location_ids:
        return []
    marks = ", ".join(["%s"] * len(location_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT location_id, counter_id, date, taken FROM appointments_counterday "  # noqa: S608
            f"WHERE location_id IN ({marks}) AND date >= %s AND date <= %s",  # only placeholders
            [*location_ids, start.isoformat(), end.isoformat()],
        )
        return cursor.fetchall()


def grids_warm(*, today: dt.date | None = None) -> int:
    """Fill this process's cache with the opening grids of every active location over the
    whole booking window (about 0.2 s for the city), so that the first searches and bookings
    a new server worker answers are as fast as the later ones. Returns the number of grids."""
    today = today or timezone.localdate()
    ahead = max(window[1] for window in settings.BOOKING_WINDOW_DAYS.values())
    ids = list(Location.objects.filter(is_active=True).values_list("pk", flat=True))
    if not ids:
        return 0
    grids = open_grids(ids, today, today + dt.timedelta(days=ahead), revision_current())
    return len(grids)


def day_boards(
    *,
    location_ids: Sequence[int],
    start: dt.date,
    end: dt.date,
    services: Sequence[Service],
    channel: str,
    revision: Revision | None = None,
) -> list[DayBoard]:
    """Boards for every location-day in the range, in date order: the opening grids and
    skilled counters from the per-revision cache, then one query for what is taken."""
    if revision is None:
        revision = revision_current()
    grids = open_grids(location_ids, start, end, revision)
    skilled = skilled_counters(services, revision)
    taken: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    for location_id, counter_id, day_, hex_mask in _masks_read(location_ids, start, end):
        taken[(location_id, str(day_))][counter_id] = int(hex_mask, 16)
    boards = []
    day = start
    while day <= end:
        for location_id in location_ids:
            open_masks = grids[(location_id, day)]
            capacity = sum(m.bit_count() for m in open_masks.values())
            if capacity == 0:
                continue
            used = taken.get((location_id, day.isoformat()), {})
            free = {c: m & ~used.get(c, 0) for c, m in open_masks.items() if c in skilled}
            # Units booked that day: the ledger's count, which the masks always equal.
            booked = sum(m.bit_count() for m in used.values())
            left = share_limit(capacity, channel) - booked
            if free and left > 0:
                boards.append(DayBoard(location_id, day, free, left, used))
        day += dt.timedelta(days=1)
    return boards


@dataclass(frozen=True, slots=True)
class FreeTime:
    location_id: int
    start: dt.datetime
    end: dt.datetime
    counters: int


def booking_window(services: Sequence[Service], today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last bookable day: the strictest window of the services' agencies."""
    windows = [settings.BOOKING_WINDOW_DAYS[s.agency] for s in services]
    earliest = max(w[0] for w in windows)
    latest = min(w[1] for w in windows)
    return today + dt.timedelta(days=earliest), today + dt.timedelta(days=latest)


def free_times(
    *,
    locations: Sequence[Location],
    services: Sequence[Service],
    start: dt.date,
    end: dt.date,
    channel: str = "public",
    earliest_time: dt.time | None = None,
    latest_time: dt.time | None = None,
    limit: int = 20,
    now: dt.datetime | None = None,
) -> list[FreeTime]:
    """The earliest `limit` free start times for a visit for `services` at any of `locations`,
    between `start` and `end`, optionally only starting within a time of day."""
    if not locations or start > end:
        return []
    now = now or timezone.now()
    k = units_for(services)
    ids = [loc.pk for loc in locations]
    lo = (earliest_time.hour * 60 + earliest_time.minute) if earliest_time else 0
    hi = (latest_time.hour * 60 + latest_time.minute) if latest_time else hours.DAY
    revision = revision_current()
    found: list[FreeTime] = []
    # Near days first in small chunks: the earliest times are usually found early.
    chunk_start, chunk_days = start, 1
    while chunk_start <= end and len(found) < limit:
        chunk_end = min(end, chunk_start + dt.timedelta(days=chunk_days - 1))
        boards = day_boards(
            location_ids=ids,
            start=chunk_start,
            end=chunk_end,
            services=services,
            channel=channel,
            revision=revision,
        )
        # Per day, at most the `need` earliest units of each location, as plain integers;
        # datetimes and counter counts only for the times that are returned.
        by_day: dict[dt.date, list[DayBoard]] = defaultdict(list)
        for board in boards:
            by_day[board.date].append(board)
        for day in sorted(by_day):
            allowed = _allowed_units(day, now=now, earliest=lo, latest=hi)
            starts = [
                (mask, board)
                for board in sorted(by_day[day], key=lambda b: b.location_id)
                if (mask := board.start_mask(k) & allowed)
            ]
            # Unit by unit from the earliest over all locations at once, each unit's
            # locations in id order, until enough are found.
            pending = 0
            for mask, _board in starts:
                pending |= mask
            while pending and len(found) < limit:
                low = pending & -pending
                pending ^= low
                unit = low.bit_length() - 1
                for mask, board in starts:
                    if mask & low and len(found) < limit:
                        found.append(
                            FreeTime(
                                board.location_id,
                                unit_start(day, unit),
                                unit_start(day, unit + k),
                                board.counters_at(unit, k),
                            )
                        )
            if len(found) >= limit:
                break
        chunk_start = chunk_end + dt.timedelta(days=1)
        chunk_days *= 3
    return found[:limit]


def _allowed_units(day: dt.date, *, now: dt.datetime, earliest: int, latest: int) -> int:
    """Mask of the units of `day` that start within [earliest, latest] minutes of the day and
    after `now`."""
    size = unit_minutes()
    first = -(-earliest // size)
    local_now = now.astimezone(hours.BERLIN)
    if day < local_now.date():
        return 0
    if day == local_now.date():  # only starts after now
        first = max(first, (local_now.hour * 60 + local_now.minute) // size + 1)
    last = latest // size
    if last < first:
        return 0
    return ((1 << (last + 1)) - 1) & ~((1 << first) - 1)


def booked_units_by_day(location_id: int, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """Units held by active appointments per day, recomputed from the seats (for checks)."""
    first = hours.local_datetime(start, 0)
    last = hours.local_datetime(end + dt.timedelta(days=1), 0)
    out: dict[dt.date, int] = defaultdict(int)
    rows = (
        SeatClaim.objects.filter(location_id=location_id, start__gte=first, start__lt=last)
        .values("start")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        out[row["start"].astimezone(hours.BERLIN).date()] += row["n"]
    return dict(out)


def counter_days_rebuild(*, start: dt.date | None = None) -> int:
    """Recompute every counter-day mask from the seats (from `start` on); returns the rows."""
    from django.db import transaction

    claims = SeatClaim.objects.all()
    if start is not None:
        claims = claims.filter(start__gte=hours.local_datetime(start, 0))
    masks: dict[tuple[int, int, dt.date], int] = defaultdict(int)
    for location_id, counter_id, moment in claims.values_list(
        "location_id", "counter_id", "start"
    ).iterator():
        day = moment.astimezone(hours.BERLIN).date()
        masks[(location_id, counter_id, day)] |= 1 << unit_of(moment, day)
    with transaction.atomic():
        stale = CounterDay.objects.all()
        if start is not None:
            stale = stale.filter(date__gte=start)
        stale.delete()
        CounterDay.objects.bulk_create(
            (
                CounterDay(location_id=loc, counter_id=counter, date=day, taken=format(mask, "x"))
                for (loc, counter, day), mask in masks.items()
            ),
            batch_size=5000,
        )
    return len(masks)
