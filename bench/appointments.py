"""Appointments: free-time search, booking throughput and a booking rush, on a generated year of
appointments (`manage.py appointments_generate_history`, about a million rows).

(a) GET /api/v1/availability?services=<common service>&limit=20 one at a time against
GET /healthz, and `availability.free_times` in-process (SQL queries, cProfile);
(b) throughput of that search and of POST /api/v1/appointments (free times from earlier
searches, distinct e-mails) against /healthz;
(c) a rush: exactly 100 seats released at once, 1,000 clients in 4 processes booking them.

Also runnable as `python bench/appointments.py rush-client '<json>'` (one client process of
the rush; used by `run`).
"""

from __future__ import annotations

import collections
import datetime as dt
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from harness import (
    HOST,
    PYTHON,
    BenchError,
    Context,
    Result,
    Timing,
    django_call,
    md_table,
    measure_interleaved,
    ms,
    percentile,
    throughput,
    throughput_interleaved,
)

HISTORY = {"days_back": 365, "days_ahead": 180, "seed": 1}
HISTORY_QUICK = {"days_back": 30, "days_ahead": 180, "seed": 1}
RUSH_SEATS = 100
RUSH_CLIENTS = 1000
RUSH_PROCESSES = 4
RUSH_SERVICE = "bench-rush"
RUSH_LOCATION = "bench-rush"


def _search_path(service: str, *, limit: int = 20, start: str | None = None) -> str:
    path = f"/api/v1/availability?services={service}&limit={limit}"
    return path + (f"&start={start}" if start else "")


def post_json(port: int, path: str, payload: dict[str, Any], timeout: float = 120) -> int:
    """One POST on a new connection; returns the status (transport errors raise)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(payload),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _tally_md(tally: collections.Counter[str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(tally.items())) or "none"


def run(ctx: Context) -> Result:
    quick = ctx.quick
    history = HISTORY_QUICK if quick else HISTORY
    started = time.monotonic()
    book = django_call(
        ctx.env, "appointments:generate_history", log=ctx.log, timeout=1800, **history
    )
    generate_seconds = time.monotonic() - started
    print(f"   history: {book} ({generate_seconds:.0f} s)", flush=True)
    service = ctx.data["service"]
    get = ctx.server.get
    port = ctx.server.port
    search_path = _search_path(service)

    # Sanity: the search answers 20 times.
    found = json.loads(get(search_path))
    if len(found) != 20:
        raise BenchError(f"{search_path} answered {len(found)} times: {str(found)[:300]}")
    first_day = found[0]["start"][:10]

    # Every gunicorn worker fills its own catalogue cache (and Django its lazy state) on its
    # first requests; concurrent calls reach all workers, sequential ones mostly the same one.
    throughput(lambda: get(search_path), 100, threads=ctx.threads, time_limit=60)

    # (a) one at a time
    n = 60 if quick else 300
    seq = measure_interleaved(
        {"a": lambda: get("/healthz"), "b": lambda: get(search_path)},
        n,
        warmup=5 if quick else 20,
        time_limit=120 if quick else 300,
    )
    inproc = ctx.call(
        "appointments:inprocess_search",
        service=service,
        repeats=20 if quick else 100,
        baseline_repeats=60 if quick else 300,
    )
    with ctx.log.open("a") as out:
        out.write("\nSQL of one free_times call (in-process):\n")
        out.writelines(f"  {sql}\n" for sql in inproc["sql"])
        out.write("\ncProfile of one free_times call (top 15, cumulative):\n")
        out.write(inproc["profile"])
    print(inproc["profile"], flush=True)

    # (b) throughput: search, then booking at free times spread over the whole window
    total = 160 if quick else 800
    names = {"a": "GET /healthz (baseline)", "b": "GET availability, limit 20"}
    tp = throughput_interleaved(
        {names["a"]: lambda: get("/healthz"), names["b"]: lambda: get(search_path)},
        total,
        threads=ctx.threads,
        time_limit=120 if quick else 240,
    )
    per_process = 100 if quick else 300  # for the in-process booking rate below
    slots = _free_slots(ctx, service, need=total * 2 + 2 * per_process)
    rng = random.Random(1)
    rng.shuffle(slots)
    lock = threading.Lock()
    statuses: collections.Counter[str] = collections.Counter()
    serial = iter(range(10**9))

    def book_one() -> None:
        with lock:
            if not slots:
                raise BenchError("ran out of free times to book")
            location, start = slots.pop()
            number = next(serial)
        status = post_json(
            port,
            "/api/v1/appointments",
            {
                "location": location,
                "services": [service],
                "start": start,
                "name": f"Bench {number}",
                "email": f"bench-b{number}@example.org",
            },
        )
        with lock:
            statuses[str(status) if status in (201, 409) else f"other {status}"] += 1

    names["c"] = "POST appointments (booking)"
    tp_book = throughput_interleaved(
        {names["a"]: lambda: get("/healthz"), names["c"]: book_one},
        total,
        threads=ctx.threads,
        time_limit=120 if quick else 300,
    )

    # The same bookings without HTTP: the view through Django's test client in two processes
    # at once (one per core), to show what Django and the database alone allow.
    inproc_book = _inprocess_booking_rate(ctx, service, slots, per_process=per_process)

    # (c) the rush
    rush = _rush(ctx)

    base = seq["a"].median
    ratios = {
        "http_search_over_healthz": seq["b"].median / base,
        "rps_search_over_healthz": tp[names["b"]].rps / tp[names["a"]].rps,
        "rps_book_over_healthz": tp_book[names["c"]].rps / tp_book[names["a"]].rps,
        "rps_book_inprocess_over_healthz": (
            inproc_book["requests"] / inproc_book["seconds"] / tp_book[names["a"]].rps
        ),
    }
    p95_ms = seq["b"].p95 * 1000
    http_rows = [
        [label, str(seq[k].n), ms(seq[k].median), ms(seq[k].p95), f"{seq[k].median / base:.1f}"]
        for k, label in (("a", names["a"]), ("b", f"GET availability, `{service}`, limit 20"))
    ]
    tp_rows = []
    for burst in (tp, tp_book):
        base_rps = burst[names["a"]].rps
        for t in burst.values():
            tp_rows.append(
                [
                    t.name,
                    str(t.threads),
                    str(t.requests),
                    f"{t.seconds:.1f}",
                    f"{t.rps:.0f}",
                    f"{t.rps / base_rps:.3f}",
                ]
            )
    timings = {k: Timing.from_json(v) for k, v in inproc["timings"].items()}
    base_in = timings["count"].median
    in_rows = [
        [
            label,
            str(timings[k].n),
            ms(timings[k].median),
            ms(timings[k].p95),
            f"{timings[k].median / base_in:.0f}",
            str(inproc["queries"][k]),
        ]
        for k, label in (
            ("count", "`Location.objects.count()` (baseline)"),
            (
                "free_times",
                f"`free_times`, {inproc['locations']} locations, limit 20 "
                f"(days searched: {inproc['days_searched']})",
            ),
            ("view", "availability view via test client (no HTTP, no gunicorn)"),
        )
    ]

    def verdict(ok: bool, text: str) -> str:
        return ("met" if ok else "**missed**") + f" ({text})"

    targets = [
        "search p95 ≤ 20 ms: "
        + verdict(p95_ms <= 20, f"{p95_ms:.1f} ms, {p95_ms / 20:.1f}× the target"),
        "search throughput ≥ 0.3 × healthz: "
        + verdict(
            ratios["rps_search_over_healthz"] >= 0.3,
            f"{ratios['rps_search_over_healthz']:.3f}",
        ),
        "booking throughput ≥ 0.3 × healthz: "
        + verdict(ratios["rps_book_over_healthz"] >= 0.3, f"{ratios['rps_book_over_healthz']:.3f}"),
        f"rush: exactly {RUSH_SEATS} bookings: "
        + verdict(rush["db"]["active"] == RUSH_SEATS, f"{rush['db']['active']}"),
        "rush: no double booking: "
        + verdict(
            rush["db"]["overbooked_starts"] == 0 and rush["db"]["duplicate_claims"] == 0,
            f"{rush['db']['overbooked_starts']} starts over their seats, "
            f"{rush['db']['duplicate_claims']} duplicate claims",
        ),
        "rush: no 5xx: " + verdict(rush["5xx"] == 0, f"{rush['5xx']}"),
    ]
    markdown = "\n\n".join(
        [
            f"Appointment book generated with `appointments_generate_history "
            f"--days-back {history['days_back']} --days-ahead {history['days_ahead']} "
            f"--seed {history['seed']}` in **{book['seconds']:.0f} s** "
            f"(whole call {generate_seconds:.0f} s): {book['appointments']:,} appointments "
            f"({book['past']:,} past, {book['no_show']:,} of them no-shows; "
            f"{book['future']:,} future), {book['seat_claims']:,} seat claims, "
            f"{book['day_ledgers']:,} day ledgers; future public share "
            f"{book['future_booked_units'] / max(1, book['future_public_limit_units']):.0%} "
            f"booked. Service `{service}` (offered at {ctx.data['service_locations']} "
            f"locations); the first free time found is on {first_day}.",
            "**(a) Search over HTTP, one request at a time** (interleaved rounds after a "
            "warm-up; new connection per request):\n\n"
            + md_table(["request", "n", "median ms", "p95 ms", "median / baseline"], http_rows),
            "**In-process** (one Python process, no HTTP; the cProfile of one call is in "
            "the set-up log):\n\n"
            + md_table(
                ["call", "n", "median ms", "p95 ms", "median / baseline", "SQL queries"],
                in_rows,
            ),
            f"**(b) Throughput, {ctx.threads} client threads** (two alternating bursts each; "
            f"client and server share the CPUs). Bookings at {len(slots) + sum(statuses.values())}"
            f" free times collected from availability searches across the booking window, "
            f"in random order, one e-mail each; answers: {_tally_md(statuses)}.\n\n"
            + md_table(
                ["request", "threads", "requests", "seconds", "req/s", "req/s / baseline"],
                tp_rows,
            ),
            f"**Booking without HTTP**: the same booking request through Django's test client "
            f"(the view, middleware and database, no gunicorn, no sockets), "
            f"{inproc_book['processes']} processes at once, {inproc_book['requests']} bookings "
            f"at further free times in {inproc_book['seconds']:.2f} s = "
            f"**{inproc_book['requests'] / inproc_book['seconds']:.0f} bookings/s**, "
            f"{ratios['rps_book_inprocess_over_healthz']:.3f} × the healthz rate over HTTP "
            f"above (answers: {_tally_md(collections.Counter(inproc_book['codes']))}). This "
            "bounds what any server set-up of this code could reach on this machine.",
            f"**(c) Rush**: a new location `{RUSH_LOCATION}` open on {rush['day']} only, one "
            f"counter skilled for the 10-minute service `{RUSH_SERVICE}` (100 start times, one "
            "seat each) and one counter without it (so the public share, 70 % of 200 units, "
            f"does not bind); {RUSH_CLIENTS} clients in {RUSH_PROCESSES} processes, started "
            "together, each POSTing one booking at a random one of the 100 times.\n\n"
            + md_table(
                ["measure", "value"],
                [
                    ["answers", _tally_md(rush["statuses"])],
                    ["bookings succeeded (HTTP 201)", str(rush["statuses"].get("201", 0))],
                    ["active appointments in the database", str(rush["db"]["active"])],
                    [
                        "seat claims / ledger units",
                        f"{rush['db']['claims']} / {rush['db']['ledger']}",
                    ],
                    ["starts with more bookings than seats", str(rush["db"]["overbooked_starts"])],
                    ["duplicate (counter, start) claims", str(rush["db"]["duplicate_claims"])],
                    ["5xx answers / transport errors", f"{rush['5xx']} / {rush['errors']}"],
                    ["latency p50 / p99 / max ms", rush["latency"]],
                    ["rush wall time s", f"{rush['seconds']:.1f}"],
                    [
                        "gunicorn RSS (master + workers) idle → peak MiB",
                        f"{rush['rss_idle_mib']:.0f} → {rush['rss_peak_mib']:.0f} "
                        f"({rush['rss_samples']} samples every 50 ms)",
                    ],
                ],
            ),
            "Targets: " + "; ".join(targets) + ".",
            f"Ratios: HTTP search / healthz = **{ratios['http_search_over_healthz']:.1f}**; "
            f"throughput search / healthz = **{ratios['rps_search_over_healthz']:.3f}**; "
            f"booking / healthz = **{ratios['rps_book_over_healthz']:.3f}**.",
        ]
    )
    return Result(title="Appointments", markdown=markdown, ratios=ratios)


def _free_slots(ctx: Context, service: str, *, need: int) -> list[tuple[str, str]]:
    """(location, start) of free times from availability searches starting every few days
    across the booking window (limit 50 each), each (location, start) once."""
    today = dt.date.fromisoformat(ctx.data["today"])
    seen: dict[tuple[str, str], None] = {}
    step = 2
    deadline = time.monotonic() + 180
    for offset in range(1, 181, step):
        day = (today + dt.timedelta(days=offset)).isoformat()
        for item in json.loads(ctx.server.get(_search_path(service, limit=50, start=day))):
            seen[(item["location"], item["start"])] = None
        if time.monotonic() > deadline:
            break
    if len(seen) < need:
        raise BenchError(f"only {len(seen)} free times found, {need} wanted")
    return list(seen)


def _rss_kib(pid: int) -> int:
    """RSS of `pid` and its children (gunicorn's master and workers), 0 when gone."""
    total = 0
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        return 0
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total


def _rush(ctx: Context) -> dict[str, Any]:
    setup = ctx.call("appointments:rush_setup", seats=RUSH_SEATS)
    starts: list[str] = setup["starts"]
    rng = random.Random(2)
    payloads = [
        {
            "location": RUSH_LOCATION,
            "services": [RUSH_SERVICE],
            "start": rng.choice(starts),
            "name": f"Rush {i}",
            "email": f"bench-rush{i}@example.org",
        }
        for i in range(RUSH_CLIENTS)
    ]
    idle = _rss_kib(ctx.server.pid)
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        deadline = time.monotonic() + 600
        while not stop.is_set() and time.monotonic() < deadline:
            samples.append(_rss_kib(ctx.server.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start_at = time.time() + 3.0  # all client processes up and their threads connected
    per = -(-RUSH_CLIENTS // RUSH_PROCESSES)
    procs = []
    for i in range(RUSH_PROCESSES):
        job = {
            "port": ctx.server.port,
            "start_at": start_at,
            "payloads": payloads[i * per : (i + 1) * per],
        }
        procs.append(
            subprocess.Popen(
                [PYTHON, __file__, "rush-client", json.dumps(job)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results: list[list[Any]] = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            if proc.returncode != 0:
                raise BenchError(f"rush client failed: {err[-2000:]}")
            results += json.loads(out.strip().splitlines()[-1])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        stop.set()
        sampler.join(timeout=5)
    statuses: collections.Counter[str] = collections.Counter()
    latencies = []
    errors = 0
    for status, seconds, _ended in results:
        if status is None:
            errors += 1
            statuses["transport error"] += 1
            continue
        statuses[str(status)] += 1
        latencies.append(seconds)
    latencies.sort()
    ends = [ended for _s, _l, ended in results]
    check = ctx.call("appointments:rush_check", day=setup["day"])
    return {
        "day": setup["day"],
        "statuses": statuses,
        "5xx": sum(v for k, v in statuses.items() if k.startswith("5")),
        "errors": errors,
        "latency": " / ".join(ms(percentile(latencies, q)) for q in (50, 99, 100)),
        "seconds": max(ends) - start_at if ends else float("nan"),
        "rss_idle_mib": idle / 1024,
        "rss_peak_mib": max(samples, default=0) / 1024,
        "rss_samples": len(samples),
        "db": check,
    }


def rush_client(job: dict[str, Any]) -> list[list[Any]]:
    """One client process: a thread per payload, all released at `start_at`."""
    results: list[list[Any]] = []
    lock = threading.Lock()

    def one(payload: dict[str, Any]) -> None:
        time.sleep(max(0.0, job["start_at"] - time.time()))
        started = time.perf_counter()
        try:
            status: int | None = post_json(job["port"], "/api/v1/appointments", payload, 300)
        except (OSError, http.client.HTTPException):
            status = None
        elapsed = time.perf_counter() - started
        with lock:
            results.append([status, elapsed, time.time()])

    threads = [threading.Thread(target=one, args=(p,), daemon=True) for p in job["payloads"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, job["start_at"] - time.time()) + 330)
    return results


# --- in Django (through djcall.py) ------------------------------------------------------------


def generate_history(*, days_back: int, days_ahead: int, seed: int) -> dict[str, Any]:
    from hamburg_service.appointments.history import history_generate

    return history_generate(days_back=days_back, days_ahead=days_ahead, seed=seed)


def inprocess_search(*, service: str, repeats: int, baseline_repeats: int) -> dict[str, Any]:
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from harness import measure

    from hamburg_service.appointments import availability
    from hamburg_service.catalog.models import Location, Service
    from hamburg_service.catalog.selectors import locations_offering

    svc = Service.objects.get(slug=service)
    places = locations_offering([svc])
    first, last = availability.booking_window([svc], timezone.localdate())
    client = Client(HTTP_HOST="127.0.0.1")
    path = _search_path(service)

    def count() -> None:
        Location.objects.count()

    def free_times() -> list[availability.FreeTime]:
        found = availability.free_times(
            locations=places, services=[svc], start=first, end=last, limit=20
        )
        if len(found) != 20:
            raise BenchError(f"free_times found {len(found)}")
        return found

    def view() -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise BenchError(f"{path} -> {response.status_code}")

    queries: dict[str, int] = {}
    sql: list[str] = []
    for name, fn in {"count": count, "free_times": free_times, "view": view}.items():
        with CaptureQueriesContext(connection) as captured:
            fn()
        queries[name] = len(captured)
        if name == "free_times":
            sql = [q["sql"][:400] for q in captured.captured_queries]
    found = free_times()
    days_searched = (found[-1].start.date() - first).days + 1
    profiler = cProfile.Profile()
    profiler.enable()
    free_times()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(15)
    tottime = io.StringIO()
    pstats.Stats(profiler, stream=tottime).sort_stats("tottime").print_stats(15)
    timings = {
        "count": measure(count, baseline_repeats, name="count", warmup=20, time_limit=60),
        "free_times": measure(free_times, repeats, name="free_times", warmup=3, time_limit=120),
        "view": measure(view, repeats, name="view", warmup=3, time_limit=120),
    }
    return {
        "timings": {k: t.to_json() for k, t in timings.items()},
        "queries": queries,
        "sql": sql,
        "profile": text.getvalue() + tottime.getvalue(),
        "locations": len(places),
        "days_searched": days_searched,
    }


def _inprocess_booking_rate(
    ctx: Context, service: str, slots: list[tuple[str, str]], *, per_process: int
) -> dict[str, Any]:
    processes = 2
    if len(slots) < processes * per_process:
        raise BenchError("too few free times left for the in-process booking rate")
    start_at = time.time() + 15  # every process set up and waiting by then
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            mine = slots[i * per_process : (i + 1) * per_process]
            results.append(
                ctx.call(
                    "appointments:book_in_process",
                    service=service,
                    slots=mine,
                    prefix=f"inproc{i}",
                    start_at=start_at,
                )
            )
        except BaseException as error:  # any failure, raised again below
            errors.append(error)

    workers = [threading.Thread(target=one, args=(i,)) for i in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    done = sum(r["requests"] for r in results)
    seconds = max(r["last"] for r in results) - min(r["first"] for r in results)
    codes: collections.Counter[str] = collections.Counter()
    for r in results:
        codes.update(r["codes"])
    return {"processes": processes, "requests": done, "seconds": seconds, "codes": dict(codes)}


def book_in_process(
    *, service: str, slots: list[list[str]], prefix: str, start_at: float
) -> dict[str, Any]:
    """POST each booking through Django's test client, starting at `start_at` (epoch)."""
    from django.test import Client

    from hamburg_service.appointments.availability import grids_warm

    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/healthz")
    grids_warm()  # as every gunicorn worker does at start (deploy/gunicorn.conf.py)
    time.sleep(max(0.0, start_at - time.time()))
    codes: collections.Counter[str] = collections.Counter()
    first = time.time()
    for number, (location, start) in enumerate(slots):
        response = client.post(
            "/api/v1/appointments",
            {
                "location": location,
                "services": [service],
                "start": start,
                "name": f"Bench {prefix} {number}",
                "email": f"bench-{prefix}-{number}@example.org",
            },
            content_type="application/json",
        )
        codes[str(response.status_code)] += 1
    return {"first": first, "last": time.time(), "requests": len(slots), "codes": dict(codes)}


def rush_setup(*, seats: int) -> dict[str, Any]:
    """A location open on one day only, where exactly `seats` bookings of the 10-minute rush
    service fit: one skilled counter open `seats` × 10 minutes, one unskilled counter (so the
    public share of the day, 70 % of 2 × seats units, is not what limits)."""
    from django.db import transaction
    from django.utils import timezone

    from hamburg_service.appointments import availability
    from hamburg_service.catalog import hours
    from hamburg_service.catalog.models import (
        Counter,
        District,
        Location,
        Purpose,
        ScheduleRule,
        Service,
        WeeklySchedule,
    )

    size = availability.unit_minutes()
    opens = 6 * 60
    closes = opens + seats * size
    if closes > hours.DAY or size != 10:
        raise BenchError("the rush needs 10-minute units and fewer than 108 seats")
    today = timezone.localdate()
    day = today + dt.timedelta(days=3)
    for _ in range(30):  # bounded: the next weekday without a holiday
        if hours.holiday_on(day) is None:
            break
        day += dt.timedelta(days=1)
    with transaction.atomic():
        service = Service.objects.create(
            slug=RUSH_SERVICE,
            name_de="Ansturm",
            name_en="Rush",
            agency="residents",
            handling_minutes=size,
            channel="on_site",
            access="appointment",
        )
        location = Location.objects.create(
            slug=RUSH_LOCATION,
            name_de="Ansturm",
            name_en="Rush",
            kind="residents",
            district=District.objects.order_by("pk").first(),
            street="Musterstraße 100",
            postcode="20095",
            latitude=53.55,
            longitude=10.0,
        )
        service.locations.add(location)
        schedule = WeeklySchedule.objects.create(
            location=location, purpose=Purpose.OPENING, valid_from=day, valid_until=day
        )
        ScheduleRule.objects.create(
            schedule=schedule,
            weekday=day.weekday(),
            opens=dt.time(opens // 60, opens % 60),
            closes=dt.time(closes // 60, closes % 60),
        )
        skilled = Counter.objects.create(location=location, name="Platz 1")
        skilled.services.add(service)
        Counter.objects.create(location=location, name="Platz 2")
    found = availability.free_times(
        locations=[location], services=[service], start=day, end=day, limit=seats + 10
    )
    boards = availability.day_boards(
        location_ids=[location.pk], start=day, end=day, services=[service], channel="public"
    )
    if len(found) != seats or any(f.counters != 1 for f in found) or boards[0].units_left < seats:
        raise BenchError(f"rush set-up: {len(found)} free times, boards {boards}")
    return {"day": day.isoformat(), "starts": [f.start.isoformat() for f in found]}


def rush_check(*, day: str) -> dict[str, int]:
    from django.db.models import Count

    from hamburg_service.appointments.models import ACTIVE, Appointment, DayLedger, SeatClaim

    date = dt.date.fromisoformat(day)
    active = Appointment.objects.filter(location__slug=RUSH_LOCATION, status__in=ACTIVE)
    claims = SeatClaim.objects.filter(location__slug=RUSH_LOCATION)
    ledger = DayLedger.objects.filter(location__slug=RUSH_LOCATION, date=date).first()
    return {
        "active": active.count(),
        "claims": claims.count(),
        "ledger": ledger.booked_units if ledger else 0,
        # One skilled counter: one seat per start.
        "overbooked_starts": active.values("start").annotate(n=Count("pk")).filter(n__gt=1).count(),
        "duplicate_claims": claims.values("counter_id", "start")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "rush-client":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        print(json.dumps(rush_client(json.loads(sys.argv[2]))), flush=True)
    else:
        sys.exit(__doc__)
