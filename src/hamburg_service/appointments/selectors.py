"""Reads of the appointment book shared by staff pages and background work."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.utils import timezone

from hamburg_service.appointments.models import ACTIVE, Appointment
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Closure, Location
from hamburg_service.catalog.places import ResolvedPlace


def appointments_hit_by_closures(
    *, now: dt.datetime | None = None, location: Location | None = None, only_untold: bool = False
) -> list[Appointment]:
    """Active future appointments that a closure (whole location or their counter) covers."""
    now = now or timezone.now()
    today = now.astimezone(hours.BERLIN).date()
    closures = Closure.objects.filter(end_date__gte=today).prefetch_related("counters")
    if location is not None:
        closures = closures.filter(location=location)
    hit: dict[int, Appointment] = {}
    for closure in closures:
        first = hours.local_datetime(closure.start_date, 0)
        last = hours.local_datetime(closure.end_date + dt.timedelta(days=1), 0)
        candidates = Appointment.objects.filter(
            location_id=closure.location_id,
            status__in=ACTIVE,
            start__gte=max(first, now),
            start__lt=last,
        ).select_related("counter")
        counter_ids = {c.pk for c in closure.counters.all()}
        if counter_ids:
            candidates = candidates.filter(counter_id__in=counter_ids)
        if only_untold:
            candidates = candidates.filter(closure_notified_at__isnull=True)
        for appointment in candidates:
            if _inside(closure, appointment):
                hit[appointment.pk] = appointment
    return sorted(hit.values(), key=lambda a: a.start)


def _inside(closure: Closure, appointment: Appointment) -> bool:
    if closure.start_time is None or closure.end_time is None:
        return True
    start = appointment.start.astimezone(hours.BERLIN)
    end = appointment.end.astimezone(hours.BERLIN)
    opens = dt.datetime.combine(start.date(), closure.start_time, tzinfo=hours.BERLIN)
    closes = dt.datetime.combine(start.date(), closure.end_time, tzinfo=hours.BERLIN)
    return start < closes and end > opens


NEAREST_DEFAULT = 5
"""How many nearest locations a search "near" a place looks at, unless asked otherwise."""


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty for "which centre is nearest"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def locations_near(
    locations: Sequence[Location], *, place: ResolvedPlace, count: int = NEAREST_DEFAULT
) -> tuple[list[Location], dict[int, float]]:
    """Of `locations`, the `count` nearest to `place`, nearest first, and each one's distance
    in km rounded to 100 m (by location pk), as the search page and the API show them."""
    ranked = sorted(
        (
            (
                loc,
                distance_km(
                    place.latitude, place.longitude, float(loc.latitude), float(loc.longitude)
                ),
            )
            for loc in locations
        ),
        key=lambda pair: pair[1],
    )[:count]
    return [loc for loc, _km in ranked], {loc.pk: round(km, 1) for loc, km in ranked}
