"""On-site visits: "call next" with 500 waiting tickets and 40 counters, against a trivial
in-process baseline; and the waiting estimate's error over a simulated day.

The simulated day drives the real service layer with an explicit clock: walk-ins arrive as a
Poisson stream (seeded), every counter calls the next ticket it can serve as soon as it is
free, and handling times are drawn around each service's catalogue time. Each ticket's estimate
is the one computed when it was issued; the error is |estimate − (called − arrived)|.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from typing import Any

from harness import Context, Result, md_table, ms

DAY = dt.date(2031, 3, 4)  # a Tuesday, far from holidays and DST


def run(ctx: Context) -> Result:
    calls = ctx.call("visits:call_next_timing", rounds=60 if ctx.quick else 300)
    sim = ctx.call("visits:simulated_day", seed=1, hours=3 if ctx.quick else 8)
    ratio = calls["call_next"]["median"] / calls["baseline"]["median"]
    rows = [
        [
            "`Location.objects.count()` (baseline)",
            str(calls["baseline"]["n"]),
            ms(calls["baseline"]["median"]),
            ms(calls["baseline"]["p95"]),
            ms(calls["baseline"]["p99"]),
            "1.0",
        ],
        [
            "`ticket_call_next` (500 waiting, 40 counters)",
            str(calls["call_next"]["n"]),
            ms(calls["call_next"]["median"]),
            ms(calls["call_next"]["p95"]),
            ms(calls["call_next"]["p99"]),
            f"{ratio:.1f}",
        ],
    ]
    markdown = "\n".join(
        [
            f"Data: one location, {calls['counters']} counters with mixed skills, "
            f"{calls['waiting']} waiting tickets kept topped up; "
            f"{calls['queries']} SQL statements per call.",
            "",
            "**In-process, one call at a time** (server time without HTTP):",
            "",
            md_table(["call", "n", "median ms", "p95 ms", "p99 ms", "median / baseline"], rows),
            "",
            f"Target p95 ≤ 20 ms: **{'met' if calls['call_next']['p95'] <= 0.020 else 'missed'}** "
            f"({ms(calls['call_next']['p95'])}).",
            "",
            f"**Waiting estimate on a simulated day** ({sim['hours']} opening hours, "
            f"{sim['counters']} counters, {sim['arrivals']} walk-ins, seed 1): mean absolute error "
            f"**{sim['mae_minutes']} min** against a mean real wait of "
            f"{sim['mean_wait_minutes']} min "
            f"(median error {sim['median_error_minutes']} min). Method: see the module docstring "
            "of `bench/visits.py`.",
        ]
    )
    return Result(title="On-site visits", markdown=markdown, ratios={"call_next/baseline": ratio})


# --- in Django (through djcall.py) ------------------------------------------------------------


def _setup_location(*, slug: str, counters: int, seed: int) -> tuple[Any, list[Any], list[Any]]:
    from hamburg_service.catalog.models import (
        Counter,
        District,
        Location,
        Purpose,
        ScheduleRule,
        Service,
        WeeklySchedule,
    )

    rng = random.Random(seed)
    district, _ = District.objects.get_or_create(
        slug="bench-visits", defaults={"name_de": "Bench", "name_en": "Bench"}
    )
    location = Location.objects.create(
        slug=slug,
        name_de=slug,
        name_en=slug,
        kind="residents",
        district=district,
        street="Benchstraße 1",
        postcode="20095",
        latitude=53.55,
        longitude=10.0,
    )
    schedule = WeeklySchedule.objects.create(
        location=location, purpose=Purpose.OPENING, valid_from=dt.date(2020, 1, 1)
    )
    ScheduleRule.objects.bulk_create(
        ScheduleRule(schedule=schedule, weekday=d, opens=dt.time(0), closes=dt.time(23, 59))
        for d in range(7)
    )
    services = []
    for i, minutes in enumerate((10, 15, 20, 30, 12)):
        service = Service.objects.create(
            slug=f"{slug}-s{i}",
            name_de=f"S{i}",
            name_en=f"S{i}",
            agency="residents",
            handling_minutes=minutes,
            channel="on_site",
            access="both",
        )
        service.locations.add(location)
        services.append(service)
    made = []
    for n in range(counters):
        counter = Counter.objects.create(location=location, name=f"Platz {n + 1}")
        counter.services.add(*[s for s in services if rng.random() < 0.7] or services[:1])
        made.append(counter)
    return location, services, made


def call_next_timing(*, rounds: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    from hamburg_service.catalog.models import Location
    from hamburg_service.core.actors import Actor
    from hamburg_service.visits.services import calling, tickets

    actor = Actor.system("bench")
    settings.WALK_IN_DAILY_QUOTA = 10**6  # this run issues far more than a day's quota
    rng = random.Random(7)
    now = dt.datetime.combine(DAY, dt.time(9), tzinfo=dt.UTC)
    location, services, counters = _setup_location(slug="bench-calls", counters=40, seed=3)
    for _ in range(500):
        tickets.ticket_issue(
            location=location, services=[rng.choice(services)], actor=actor, now=now
        )

    def timed(fn: Any) -> list[float]:
        out = []
        for _ in range(rounds):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
        return out

    baseline = timed(lambda: Location.objects.count())
    # Only the call is timed; the refill keeps the queue at 500.
    samples = []
    for _ in range(rounds):
        counter = rng.choice(counters)
        start = time.perf_counter()
        ticket = calling.ticket_call_next(counter=counter, actor=actor, now=now)
        samples.append(time.perf_counter() - start)
        if ticket is not None:  # the counter is free for its next call
            calling.ticket_finish(
                ticket=ticket, counter=counter, outcome="served", actor=actor, now=now
            )
        tickets.ticket_issue(
            location=location, services=[rng.choice(services)], actor=actor, now=now
        )
    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        called = calling.ticket_call_next(counter=rng.choice(counters), actor=actor, now=now)
    if called is None:
        raise RuntimeError("nothing to call: the benchmark queue ran dry")

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "n": len(ordered),
            "median": statistics.median(ordered),
            "p95": ordered[int(0.95 * (len(ordered) - 1))],
            "p99": ordered[int(0.99 * (len(ordered) - 1))],
        }

    return {
        "baseline": summary(baseline),
        "call_next": summary(samples),
        "counters": len(counters),
        "waiting": 500,
        "queries": len(statements),
    }


def simulated_day(*, seed: int, hours: int) -> dict[str, Any]:
    from django.conf import settings

    from hamburg_service.accounts.models import User
    from hamburg_service.core.actors import Actor
    from hamburg_service.visits import selectors
    from hamburg_service.visits.models import Ticket
    from hamburg_service.visits.services import calling, tickets
    from hamburg_service.visits.services import counters as sessions

    settings.WALK_IN_DAILY_QUOTA = 10**6
    rng = random.Random(seed)
    location, services, counters = _setup_location(slug=f"bench-day-{seed}", counters=8, seed=seed)
    clerks = [User.objects.create(username=f"bench-clerk-{seed}-{i}") for i in range(len(counters))]
    opening = dt.datetime.combine(DAY, dt.time(8), tzinfo=dt.UTC)
    closing = opening + dt.timedelta(hours=hours)
    for counter, clerk in zip(counters, clerks, strict=True):
        sessions.counter_sign_in(counter=counter, actor=Actor.staff(clerk), now=opening)
    # Arrivals: about 95 % of the counters' capacity, so queues form and drain.
    mean_minutes = statistics.mean(s.handling_minutes for s in services)
    rate_per_minute = 0.95 * len(counters) / mean_minutes
    arrivals, clock = [], opening
    while True:
        clock += dt.timedelta(minutes=rng.expovariate(rate_per_minute))
        if clock >= closing:
            break
        arrivals.append((clock, rng.choice(services)))
    free_at = {c.pk: opening for c in counters}
    serving: dict[int, tuple[Any, dt.datetime]] = {}
    events = sorted(
        [(t, 0, i) for i, (t, _s) in enumerate(arrivals)]
    )  # (time, kind 0 = arrival, index)
    step = dt.timedelta(minutes=1)
    clock = opening
    pending = list(events)
    while clock < closing + dt.timedelta(hours=4):
        while pending and pending[0][0] <= clock:
            _t, _kind, index = pending.pop(0)
            tickets.ticket_issue(
                location=location,
                services=[arrivals[index][1]],
                actor=Actor.resident(),
                now=arrivals[index][0],
            )
        for counter, clerk in zip(counters, clerks, strict=True):
            current = serving.get(counter.pk)
            if current and current[1] <= clock:
                calling.ticket_finish(
                    ticket=current[0],
                    counter=counter,
                    outcome="served",
                    actor=Actor.staff(clerk),
                    now=current[1],
                )
                serving.pop(counter.pk)
            if counter.pk not in serving and free_at[counter.pk] <= clock:
                ticket = calling.ticket_call_next(
                    counter=counter, actor=Actor.staff(clerk), now=clock
                )
                if ticket is not None:
                    minutes = ticket.services.first().handling_minutes  # type: ignore[union-attr]
                    duration = dt.timedelta(minutes=max(2.0, rng.lognormvariate(0, 0.35) * minutes))
                    serving[counter.pk] = (ticket, clock + duration)
        if (
            not pending
            and not serving
            and not Ticket.objects.filter(location=location, status="waiting").exists()
        ):
            break
        clock += step
    accuracy = selectors.estimate_accuracy(location=location, day=DAY)
    waits = [
        (called - arrived).total_seconds() / 60
        for arrived, called in Ticket.objects.filter(
            location=location, first_called_at__isnull=False
        ).values_list("arrived_at", "first_called_at")
    ]
    errors = [
        abs(est - (called - arrived).total_seconds() / 60)
        for est, arrived, called in Ticket.objects.filter(
            location=location, first_called_at__isnull=False, estimate_minutes__isnull=False
        ).values_list("estimate_minutes", "arrived_at", "first_called_at")
    ]
    return {
        "hours": hours,
        "counters": len(counters),
        "arrivals": len(arrivals),
        "mae_minutes": accuracy["mae_minutes"],
        "median_error_minutes": round(statistics.median(errors), 1) if errors else 0.0,
        "mean_wait_minutes": round(statistics.mean(waits), 1) if waits else 0.0,
    }
