"""Benchmark data added through the ORM on top of `manage.py city_generate` (run in Django
through djcall.py)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any


def add_closures(*, seed: int = 1, horizon_days: int = 180) -> dict[str, Any]:
    """Five closures per location within the next `horizon_days`: a whole day, three whole
    days, an afternoon of the whole location, five days of two counters and a morning of one
    counter. Returns the data size and the location and service the benchmarks ask about."""
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from hamburg_service.catalog.models import Closure, Counter, Location, Service

    rng = random.Random(seed)
    today = timezone.localdate()

    def day() -> dt.date:
        return today + dt.timedelta(days=rng.randrange(1, horizon_days - 5))

    with transaction.atomic():
        for location in Location.objects.order_by("pk"):
            counters = list(Counter.objects.filter(location=location).order_by("pk"))
            one = day()
            Closure.objects.create(
                location=location, start_date=one, end_date=one, reason_de="Betriebsausflug"
            )
            first = day()
            Closure.objects.create(
                location=location,
                start_date=first,
                end_date=first + dt.timedelta(days=2),
                reason_de="Umbau",
                reason_en="Renovation",
            )
            afternoon = day()
            Closure.objects.create(
                location=location,
                start_date=afternoon,
                end_date=afternoon,
                start_time=dt.time(12, 0),
                end_time=dt.time(16, 0),
                reason_de="Personalversammlung",
            )
            if counters:
                first = day()
                closure = Closure.objects.create(
                    location=location,
                    start_date=first,
                    end_date=first + dt.timedelta(days=4),
                    reason_de="Technik",
                )
                closure.counters.set(rng.sample(counters, min(2, len(counters))))
                morning = day()
                closure = Closure.objects.create(
                    location=location,
                    start_date=morning,
                    end_date=morning,
                    start_time=dt.time(8, 0),
                    end_time=dt.time(12, 0),
                    reason_de="Schulung",
                )
                closure.counters.set([rng.choice(counters)])

    # The service offered at the most locations; the first location offering it.
    service = (
        Service.objects.filter(is_active=True)
        .annotate(n=Count("locations"))
        .order_by("-n", "pk")
        .first()
    )
    if service is None:
        raise RuntimeError("no services: did city_generate run?")
    location = Location.objects.filter(services=service, is_active=True).order_by("pk").first()
    if location is None:
        raise RuntimeError(f"no location offers {service.slug}")
    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        database = f"PostgreSQL {major}.{minor}"
    else:
        database = f"SQLite {connection.Database.sqlite_version}"
    return {
        "database": database,
        "locations": Location.objects.count(),
        "services": Service.objects.count(),
        "counters": Counter.objects.count(),
        "closures": Closure.objects.count(),
        "counter_closures": Closure.objects.filter(counters__isnull=False).distinct().count(),
        "service": service.slug,
        "service_locations": service.n,  # type: ignore[attr-defined]
        "location": location.slug,
        "today": today.isoformat(),
    }
