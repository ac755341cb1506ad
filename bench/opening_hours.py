"""Opening hours: GET /api/v1/locations/<slug>/opening-hours (180 and 7 days, one service)
against GET /healthz over HTTP, and the selector `opening_hours_many` (all locations × 180 days)
in-process against `Location.objects.count()`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from harness import (
    BenchError,
    Context,
    Result,
    Timing,
    md_table,
    measure,
    measure_interleaved,
    ms,
    throughput_interleaved,
)

DAYS_LONG = 180
DAYS_SHORT = 7


def _hours_path(location: str, service: str, start: dt.date, days: int) -> str:
    end = start + dt.timedelta(days=days - 1)
    return (
        f"/api/v1/locations/{location}/opening-hours"
        f"?start={start.isoformat()}&end={end.isoformat()}&service={service}"
    )


def run(ctx: Context) -> Result:
    quick = ctx.quick
    n = 60 if quick else 300
    total = 160 if quick else 800
    start = dt.date.fromisoformat(ctx.data["today"])
    location, service = ctx.data["location"], ctx.data["service"]
    long_path = _hours_path(location, service, start, DAYS_LONG)
    short_path = _hours_path(location, service, start, DAYS_SHORT)
    get = ctx.server.get

    # Sanity: the endpoint answers what we think it answers.
    body = json.loads(get(long_path))
    if len(body["days"]) != DAYS_LONG or body["service"] != service:
        raise BenchError(f"unexpected answer from {long_path}: {str(body)[:300]}")
    long_bytes = len(get(long_path))

    names = {
        "a": "GET /healthz (baseline)",
        "b": f"GET opening-hours, {DAYS_LONG} days, service",
        "c": f"GET opening-hours, {DAYS_SHORT} days, service",
    }
    seq = measure_interleaved(
        {
            "a": lambda: get("/healthz"),
            "b": lambda: get(long_path),
            "c": lambda: get(short_path),
        },
        n,
        warmup=5 if quick else 20,
        time_limit=120 if quick else 300,
    )
    tp = throughput_interleaved(
        {names["a"]: lambda: get("/healthz"), names["b"]: lambda: get(long_path)},
        total,
        threads=ctx.threads,
        time_limit=120 if quick else 240,
    )
    tp_a, tp_b = tp[names["a"]], tp[names["b"]]

    inproc = ctx.call(
        "opening_hours:inprocess",
        location=location,
        service=service,
        start=start.isoformat(),
        days=DAYS_LONG,
        repeats=5 if quick else 20,
        baseline_repeats=60 if quick else 300,
    )
    timings = {k: Timing.from_json(v) for k, v in inproc["timings"].items()}
    queries = inproc["queries"]
    with ctx.log.open("a") as out:
        out.write("\nSQL of one opening-hours request (in-process):\n")
        out.writelines(f"  {sql}\n" for sql in inproc["endpoint_sql"])

    base = seq["a"].median
    ratios = {
        "http_180_over_healthz": seq["b"].median / base,
        "http_7_over_healthz": seq["c"].median / base,
        "rps_180_over_healthz": tp_b.rps / tp_a.rps,
        "inproc_many_over_count": timings["many"].median / timings["count"].median,
    }
    http_rows = [
        [names[k], str(seq[k].n), ms(seq[k].median), ms(seq[k].p95), f"{seq[k].median / base:.1f}"]
        for k in ("a", "b", "c")
    ]
    tp_rows = [
        [
            tp.name,
            str(tp.threads),
            str(tp.requests),
            f"{tp.seconds:.1f}",
            f"{tp.rps:.0f}",
            f"{tp.rps / tp_a.rps:.3f}",
        ]
        for tp in (tp_a, tp_b)
    ]
    n_loc = ctx.data["locations"]
    call_names = {
        "count": ("`Location.objects.count()` (baseline)", queries["count"]),
        "many": (
            f"`opening_hours_many`, {n_loc} locations × {DAYS_LONG} days, service",
            queries["many"],
        ),
        "one": (f"`opening_hours`, 1 location × {DAYS_LONG} days, service", queries["one"]),
        "endpoint": (
            f"opening-hours view via test client, {DAYS_LONG} days (no HTTP, no gunicorn)",
            queries["endpoint"],
        ),
    }
    base_in = timings["count"].median
    in_rows = [
        [
            label,
            str(timings[k].n),
            ms(timings[k].median),
            ms(timings[k].p95),
            f"{timings[k].median / base_in:.0f}",
            str(nq),
        ]
        for k, (label, nq) in call_names.items()
    ]
    markdown = "\n\n".join(
        [
            f"Location `{location}`, service `{service}` (offered at "
            f"{ctx.data['service_locations']} locations), days from {start.isoformat()}; "
            f"the {DAYS_LONG}-day answer is {long_bytes / 1024:.0f} KiB of JSON.",
            "**Over HTTP, one request at a time** (interleaved rounds after a warm-up; "
            "new connection per request):\n\n"
            + md_table(["request", "n", "median ms", "p95 ms", "median / baseline"], http_rows),
            f"**Throughput, {ctx.threads} client threads** (two alternating bursts each; client "
            "and server share the CPUs):"
            "\n\n"
            + md_table(
                ["request", "threads", "requests", "seconds", "req/s", "req/s / baseline"],
                tp_rows,
            ),
            "**In-process** (one Python process, no HTTP):\n\n"
            + md_table(
                ["call", "n", "median ms", "p95 ms", "median / baseline", "SQL queries"],
                in_rows,
            ),
            f"Ratios: HTTP {DAYS_LONG} days / healthz = "
            f"**{ratios['http_180_over_healthz']:.1f}**, {DAYS_SHORT} days / healthz = "
            f"**{ratios['http_7_over_healthz']:.1f}**; throughput {DAYS_LONG} days / healthz = "
            f"**{ratios['rps_180_over_healthz']:.3f}**; in-process `opening_hours_many` / "
            f"count = **{ratios['inproc_many_over_count']:.0f}**.",
        ]
    )
    return Result(title="Opening hours", markdown=markdown, ratios=ratios)


# --- in Django (through djcall.py) ------------------------------------------------------------


def inprocess(
    *,
    location: str,
    service: str,
    start: str,
    days: int,
    repeats: int,
    baseline_repeats: int,
) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hamburg_service.catalog import selectors
    from hamburg_service.catalog.models import Location, Service

    svc = Service.objects.get(slug=service)
    locations = list(Location.objects.filter(is_active=True).order_by("pk"))
    one_location = next(loc for loc in locations if loc.slug == location)
    first = dt.date.fromisoformat(start)
    last = first + dt.timedelta(days=days - 1)
    path = _hours_path(location, service, first, days)
    client = Client(HTTP_HOST="127.0.0.1")

    def count() -> None:
        Location.objects.count()

    def many() -> None:
        result = selectors.opening_hours_many(
            locations=locations, start=first, end=last, service=svc
        )
        if len(result) != len(locations):
            raise BenchError("opening_hours_many lost locations")

    def one() -> None:
        selectors.opening_hours(location=one_location, start=first, end=last, service=svc)

    def endpoint() -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise BenchError(f"{path} -> {response.status_code}")

    fns = {"count": count, "many": many, "one": one, "endpoint": endpoint}
    queries: dict[str, int] = {}
    endpoint_sql: list[str] = []
    for name, fn in fns.items():
        with CaptureQueriesContext(connection) as captured:
            fn()
        queries[name] = len(captured)
        if name == "endpoint":
            endpoint_sql = [q["sql"][:300] for q in captured.captured_queries]
    timings = {
        "count": measure(count, baseline_repeats, name="count", warmup=20, time_limit=60),
        "many": measure(many, repeats, name="many", warmup=2, time_limit=120),
        "one": measure(one, baseline_repeats // 3, name="one", warmup=5, time_limit=60),
        "endpoint": measure(endpoint, baseline_repeats // 3, name="endpoint", time_limit=60),
    }
    return {
        "timings": {k: t.to_json() for k, t in timings.items()},
        "queries": queries,
        "endpoint_sql": endpoint_sql,
    }
