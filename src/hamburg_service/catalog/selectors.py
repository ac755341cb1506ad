"""Reads of the catalogue shared by pages, API and (later) appointments and visits."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hamburg_service.catalog import hours
from hamburg_service.catalog.hours import Span
from hamburg_service.catalog.models import (
    Closure,
    Counter,
    District,
    Location,
    Purpose,
    ScheduleRule,
    Service,
    Weekday,
    WeeklySchedule,
)
from hamburg_service.catalog.revision import Revision, cached, revision_current
from hamburg_service.core.errors import InvalidInput, NotFound

# --- services and locations -------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower-case, umlauts and ß spelled out, accents dropped: 'Führungs' ~ 'fuehrungs'."""
    text = text.casefold()
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(src, dst)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _search_text(service: Service) -> str:
    return _fold(
        " ".join(
            (
                service.name_de,
                service.name_en,
                service.keywords_de,
                service.keywords_en,
                service.summary_de,
                service.summary_en,
                service.leika_key,
            )
        )
    )


def services_search(*, query: str = "", agency: str = "") -> list[Service]:
    """Active services matching every word of `query` in German or English, best first.

    The catalogue holds hundreds of services at most, so matching in Python keeps the rules
    (umlaut folding, both languages, ranking) in one readable place. Ranking: the whole query
    as a phrase of the name or the search words first; then words that begin a word of the
    name ("register" begins "Registering" but not "Deregistering"), then words found inside
    the name; ties by the shorter name (fewer other words), then by name.
    """
    qs = Service.objects.filter(is_active=True)
    if agency:
        qs = qs.filter(agency=agency)
    services = list(qs)
    words = [_fold(w) for w in query.split() if w.strip()]
    if not words:
        return sorted(services, key=lambda s: _fold(s.name))
    phrase = " ".join(words)
    starts = [re.compile(rf"(?<![a-z0-9]){re.escape(word)}") for word in words]
    scored: list[tuple[int, int, str, Service]] = []
    for service in services:
        haystack = _search_text(service)
        if not all(word in haystack for word in words):
            continue
        names = _fold(f"{service.name_de} {service.name_en}")
        terms = _fold(f"{service.keywords_de}, {service.keywords_en}")
        score = (
            6
            if phrase in names
            or any(
                term.strip() == phrase or term.strip().startswith(f"{phrase} ")
                for term in terms.split(",")
            )
            else 0
        )
        for word, start in zip(words, starts, strict=True):
            score += 3 if start.search(names) else (1 if word in names else 0)
        scored.append((-score, len(names), _fold(service.name), service))
    return [row[-1] for row in sorted(scored, key=lambda row: row[:3])]


def services_by_slugs(slugs: Sequence[str], *, field: str = "services") -> list[Service]:
    """Active services in the order named; InvalidInput naming `field` for a repeated or
    unknown slug."""
    if len(set(slugs)) != len(slugs):
        message = _("A service is listed twice.")
        raise InvalidInput(message, errors=[{"field": field, "message": message}])
    found = _active_services(revision_current())
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        message = _("Unknown service: %(names)s.") % {"names": ", ".join(unknown)}
        raise InvalidInput(message, errors=[{"field": field, "message": message}])
    return [found[slug] for slug in slugs]


def _active_services(revision: Revision) -> dict[str, Service]:
    return cached(
        revision,
        "active services",
        lambda: {s.slug: s for s in Service.objects.filter(is_active=True)},
    )


def services_offered_at(*, location_id: int) -> frozenset[int]:
    """Ids of the services a location offers (active or not)."""
    return cached(
        revision_current(),
        ("offered at", location_id),
        lambda: frozenset(
            Service.locations.through.objects.filter(location_id=location_id).values_list(
                "service_id", flat=True
            )
        ),
    )


def combinable_pairs(service_ids: Sequence[int]) -> frozenset[tuple[int, int]]:
    """(a, b) for every service a that may be handled in one visit with b."""
    pairs = cached(
        revision_current(),
        "combinable pairs",
        lambda: frozenset(
            Service.combinable_with.through.objects.values_list("from_service_id", "to_service_id")
        ),
    )
    wanted = set(service_ids)
    return frozenset((a, b) for a, b in pairs if a in wanted and b in wanted)


def location_active(*, slug: str) -> Location | None:
    """The active location with this slug, or None (shared, read-only)."""
    found = cached(
        revision_current(),
        "active locations",
        lambda: {loc.slug: loc for loc in Location.objects.filter(is_active=True)},
    )
    return found.get(slug)


def locations_offering(services: Sequence[Service]) -> list[Location]:
    """Active locations offering every one of `services`, by name (shared, read-only)."""
    revision = revision_current()

    def compute() -> list[Location]:
        qs = Location.objects.filter(is_active=True)
        for service in services:
            qs = qs.filter(services=service)
        return list(qs.distinct().order_by("name_de"))

    key = ("locations offering", tuple(s.pk for s in services))
    return list(cached(revision, key, compute))


def service_get(*, slug: str) -> Service:
    """The active service with its locations and combinations; NotFound otherwise."""
    service = (
        Service.objects.prefetch_related(
            Prefetch(
                "locations",
                queryset=Location.objects.filter(is_active=True).select_related("district"),
            ),
            "combinable_with",
        )
        .filter(slug=slug, is_active=True)
        .first()
    )
    if service is None:
        raise NotFound(_("There is no such service."), code="service-unknown")
    return service


def service_active(*, slug: str) -> Service:
    """The active service with this slug (shared, read-only); NotFound otherwise."""
    service = _active_services(revision_current()).get(slug)
    if service is None:
        raise NotFound(_("There is no such service."), code="service-unknown")
    return service


def locations_list(
    *, district: str = "", kind: str = "", service: Service | None = None
) -> QuerySet[Location]:
    qs = Location.objects.filter(is_active=True).select_related("district")
    if district:
        qs = qs.filter(district__slug=district)
    if kind:
        qs = qs.filter(kind=kind)
    if service is not None:
        qs = qs.filter(services=service)
    return qs.order_by("district__name_de", "name_de")


def location_get(*, slug: str) -> Location:
    """The active location with its district and active services; NotFound otherwise."""
    location = (
        Location.objects.select_related("district")
        .prefetch_related(Prefetch("services", queryset=Service.objects.filter(is_active=True)))
        .filter(slug=slug, is_active=True)
        .first()
    )
    if location is None:
        raise NotFound(_("There is no such location."), code="location-unknown")
    return location


def districts_with_locations() -> list[tuple[District, list[Location]]]:
    grouped: dict[int, list[Location]] = defaultdict(list)
    for location in locations_list():
        grouped[location.district_id].append(location)
    return [(d, grouped[d.pk]) for d in District.objects.all() if grouped[d.pk]]


# --- opening hours ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch of real time; `counters` says how many counters serve in it."""

    start: dt.datetime
    end: dt.datetime
    counters: int = 0

    @property
    def minutes(self) -> int:
        # In UTC: Python subtracts datetimes sharing one tzinfo by wall clock, wrong across DST.
        real = self.end.astimezone(dt.UTC) - self.start.astimezone(dt.UTC)
        return int(real.total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class ClosureNote:
    reason: str
    whole_location: bool
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class DayHours:
    """What a location offers on one day.

    `open` is when the doors are open (opening or booking hours, minus holidays and closures of
    the whole location); `capacity` is when counters able to serve the asked service (or any
    service) are open, with how many.
    """

    date: dt.date
    open: tuple[Interval, ...]
    capacity: tuple[Interval, ...]
    holiday: str | None = None
    closures: tuple[ClosureNote, ...] = field(default_factory=tuple)

    @property
    def is_open(self) -> bool:
        return bool(self.open)


def _pick_schedules(schedules: Sequence[WeeklySchedule], day: dt.date) -> WeeklySchedule | None:
    """The schedule in force on `day`: among those covering it, the one that started last."""
    best: WeeklySchedule | None = None
    for schedule in schedules:
        if (
            schedule.valid_from <= day
            and (schedule.valid_until is None or day <= schedule.valid_until)
            and (best is None or schedule.valid_from > best.valid_from)
        ):
            best = schedule
    return best


@dataclass(slots=True)
class _LocationRows:
    opening: list[WeeklySchedule] = field(default_factory=list)
    booking: list[WeeklySchedule] = field(default_factory=list)
    closures: list[tuple[Closure, frozenset[int]]] = field(default_factory=list)
    counters: list[int] = field(default_factory=list)


def _load_rows(
    location_ids: Sequence[int],
    start: dt.date,
    end: dt.date,
    services: Sequence[Service],
    purpose: str,
) -> dict[int, _LocationRows]:
    """Everything the resolution needs, in five queries whatever the number of locations."""
    rows: dict[int, _LocationRows] = {pk: _LocationRows() for pk in location_ids}
    purposes = [Purpose.OPENING] if purpose == Purpose.OPENING else [Purpose.OPENING, purpose]
    schedules = (
        WeeklySchedule.objects.filter(
            location_id__in=location_ids, purpose__in=purposes, valid_from__lte=end
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start))
        .order_by()
        .prefetch_related(Prefetch("rules", queryset=ScheduleRule.objects.order_by("opens")))
    )
    for schedule in schedules:
        target = rows[schedule.location_id]
        (target.opening if schedule.purpose == Purpose.OPENING else target.booking).append(schedule)
    closures = (
        Closure.objects.filter(
            location_id__in=location_ids, start_date__lte=end, end_date__gte=start
        )
        .order_by()
        .prefetch_related(Prefetch("counters", queryset=Counter.objects.only("pk").order_by()))
    )
    for closure in closures:
        rows[closure.location_id].closures.append(
            (closure, frozenset(c.pk for c in closure.counters.all()))
        )
    counters = Counter.objects.filter(location_id__in=location_ids, is_active=True)
    for service in services:  # one join each: counters skilled for all of them
        counters = counters.filter(services=service, location__services=service)
    for location_id, counter_id in counters.order_by().values_list("location_id", "pk").distinct():
        rows[location_id].counters.append(counter_id)
    return rows


def _rule_spans(schedule: WeeklySchedule | None, weekday: int) -> list[Span]:
    if schedule is None:
        return []
    return hours.normalise(
        (hours.minutes(r.opens), hours.minutes(r.closes))
        for r in schedule.rules.all()
        if r.weekday == weekday
    )


def _closure_span(closure: Closure) -> Span:
    if closure.start_time is None or closure.end_time is None:
        return (0, hours.DAY)
    return (hours.minutes(closure.start_time), hours.minutes(closure.end_time))


def _to_intervals(day: dt.date, pieces: Iterable[tuple[int, int, int]]) -> tuple[Interval, ...]:
    return tuple(
        Interval(hours.local_datetime(day, s), hours.local_datetime(day, e), n)
        for s, e, n in pieces
    )


@dataclass(frozen=True, slots=True)
class _DaySpans:
    open: list[Span]
    per_counter: dict[int, list[Span]]
    holiday: str | None
    notes: tuple[ClosureNote, ...]


def _day_spans(rows: _LocationRows, day: dt.date, purpose: str, *, notes: bool) -> _DaySpans:
    """The wall-clock spans of one location-day: open, and open per counter."""
    schedule = None
    if purpose == Purpose.BOOKING:
        schedule = _pick_schedules(rows.booking, day)
    if schedule is None:
        schedule = _pick_schedules(rows.opening, day)
    spans = _rule_spans(schedule, day.weekday())
    holiday = hours.holiday_on(day, (get_language() or "de") if notes else "de")
    whole_cuts: list[Span] = []
    counter_cuts: dict[int, list[Span]] = defaultdict(list)
    closure_notes: list[ClosureNote] = []
    for closure, counter_ids in rows.closures:
        if not (closure.start_date <= day <= closure.end_date):
            continue
        span = _closure_span(closure)
        if counter_ids:
            for counter_id in counter_ids:
                counter_cuts[counter_id].append(span)
        else:
            whole_cuts.append(span)
        if notes:
            timed = closure.start_time is not None
            closure_notes.append(
                ClosureNote(
                    reason=closure.t("reason"),
                    whole_location=not counter_ids,
                    start=hours.local_datetime(day, span[0]) if timed else None,
                    end=hours.local_datetime(day, span[1]) if timed else None,
                )
            )
    if holiday is not None:
        spans = []
    open_spans = hours.subtract(spans, hours.normalise(whole_cuts))
    per_counter = {
        counter_id: hours.subtract(open_spans, hours.normalise(counter_cuts.get(counter_id, ())))
        for counter_id in rows.counters
    }
    return _DaySpans(open_spans, per_counter, holiday, tuple(closure_notes))


def _resolve_day(rows: _LocationRows, day: dt.date, purpose: str) -> DayHours:
    spans = _day_spans(rows, day, purpose, notes=True)
    return DayHours(
        date=day,
        open=_to_intervals(day, ((s, e, 0) for s, e in spans.open)),
        capacity=_to_intervals(day, hours.coverage(list(spans.per_counter.values()))),
        holiday=spans.holiday,
        closures=spans.notes,
    )


def counter_spans_many(
    *,
    location_ids: Sequence[int],
    start: dt.date,
    end: dt.date,
    services: Sequence[Service],
    purpose: str = Purpose.BOOKING,
) -> dict[int, dict[dt.date, dict[int, list[Span]]]]:
    """Per location, day and counter able to serve all `services`: its open wall-clock spans
    (minutes since local midnight). What appointment availability is computed from."""
    rows = _load_rows(location_ids, start, end, services, purpose)
    days = _days(start, end)
    return {
        pk: {day: _day_spans(rows[pk], day, purpose, notes=False).per_counter for day in days}
        for pk in location_ids
    }


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def opening_hours_many(
    *,
    locations: Iterable[Location],
    start: dt.date,
    end: dt.date,
    service: Service | None = None,
    services: Sequence[Service] = (),
    purpose: str = Purpose.OPENING,
) -> dict[int, list[DayHours]]:
    """Per location id, per day from `start` to `end` inclusive: when open, with how many
    counters able to serve `service` (or all of `services`; any service if neither). Holidays,
    closures of the whole location or of single counters, and overlapping validity periods are
    resolved; times are aware datetimes in Europe/Berlin, right across both DST switches."""
    ids = [loc.pk for loc in locations]
    wanted = [service] if service is not None else list(services)
    rows = _load_rows(ids, start, end, wanted, purpose)
    days = _days(start, end)
    return {pk: [_resolve_day(rows[pk], day, purpose) for day in days] for pk in ids}


def opening_hours(
    *,
    location: Location,
    start: dt.date,
    end: dt.date,
    service: Service | None = None,
    purpose: str = Purpose.OPENING,
) -> list[DayHours]:
    return opening_hours_many(
        locations=[location], start=start, end=end, service=service, purpose=purpose
    )[location.pk]


@dataclass(frozen=True, slots=True)
class WeekRow:
    """One weekday of a location's current standard week, for the location page."""

    weekday: int
    spans: tuple[tuple[dt.time, dt.time], ...]

    @property
    def label(self) -> str:
        return str(Weekday(self.weekday).label)


def standard_week(
    *, location: Location, on: dt.date, purpose: str = Purpose.OPENING
) -> list[WeekRow]:
    """The weekly timetable in force on `on` (without holidays or closures)."""
    schedules = list(
        WeeklySchedule.objects.filter(
            location=location, purpose__in={Purpose.OPENING, purpose}
        ).prefetch_related("rules")
    )
    schedule = _pick_schedules([s for s in schedules if s.purpose == purpose], on)
    if schedule is None:  # booking hours fall back to opening hours, as in opening_hours()
        schedule = _pick_schedules([s for s in schedules if s.purpose == Purpose.OPENING], on)
    out = []
    for weekday in range(7):
        spans = _rule_spans(schedule, weekday)
        out.append(
            WeekRow(
                weekday=weekday,
                spans=tuple((dt.time(s // 60, s % 60), dt.time(e // 60, e % 60)) for s, e in spans),
            )
        )
    return out


def closures_upcoming(*, location: Location, today: dt.date, days: int = 60) -> list[Closure]:
    return list(
        Closure.objects.filter(
            location=location,
            end_date__gte=today,
            start_date__lte=today + dt.timedelta(days=days),
            counters__isnull=True,
        ).order_by("start_date")
    )


def closures_all_upcoming(*, location: Location, today: dt.date) -> list[Closure]:
    """Every closure not yet over, including those of single counters (for staff)."""
    return list(
        Closure.objects.filter(location=location, end_date__gte=today)
        .prefetch_related("counters")
        .order_by("start_date")
    )


# --- lookups for staff writes -----------------------------------------------------------------


def _found(obj: Any, message: str) -> Any:
    if obj is None:
        raise NotFound(message)
    return obj


def schedule_by_id(*, schedule_id: int) -> WeeklySchedule:
    return _found(
        WeeklySchedule.objects.select_related("location").filter(pk=schedule_id).first(),
        _("There is no such timetable."),
    )


def closure_by_id(*, closure_id: int) -> Closure:
    return _found(
        Closure.objects.select_related("location").filter(pk=closure_id).first(),
        _("There is no such closure."),
    )


def counter_by_id(*, counter_id: int) -> Counter:
    return _found(
        Counter.objects.select_related("location").filter(pk=counter_id).first(),
        _("There is no such counter."),
    )


def service_by_slug(*, slug: str) -> Service:
    """Any service, active or not (for administrators)."""
    return _found(Service.objects.filter(slug=slug).first(), _("There is no such service."))


def counters_named(*, location: Location, names: Sequence[str], field: str) -> list[Counter]:
    """The counters of `location` with these names; InvalidInput naming `field` otherwise."""
    found = list(Counter.objects.filter(location=location, name__in=names))
    unknown = sorted(set(names) - {c.name for c in found})
    if unknown:
        message = _("%(location)s has no counters named: %(names)s.") % {
            "location": location.name,
            "names": ", ".join(unknown),
        }
        raise InvalidInput.field(field, message)
    return found


def _by_slugs(model: Any, slugs: Sequence[str], field: str) -> list[Any]:
    found = list(model.objects.filter(slug__in=slugs))
    unknown = sorted(set(slugs) - {o.slug for o in found})
    if unknown:
        raise InvalidInput.field(field, _("Unknown: %(names)s.") % {"names": ", ".join(unknown)})
    return found


def services_named(*, slugs: Sequence[str], field: str) -> list[Service]:
    """Services, active or not, by slug; InvalidInput naming `field` for unknown ones."""
    return _by_slugs(Service, slugs, field)


def locations_named(*, slugs: Sequence[str], field: str) -> list[Location]:
    return _by_slugs(Location, slugs, field)
