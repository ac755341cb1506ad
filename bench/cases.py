"""Cases (issue 12): "next case", a caseworker's list, the pool and the applicant's status page
with the expected decision date, on a generated year of cases (50,000 open, 1,000,000 closed).

The cases come from `manage.py cases_generate --open N --closed M --seed 1 --days 365` in a
database of its own, kept between runs (generating a million cases with their histories takes
minutes): SQLite `var/bench/cases-<size>.sqlite3`, PostgreSQL `hamburg_bench_cases` (other sizes
`hamburg_bench_cases_<size>`), with a JSON marker beside it (`var/bench/cases-<size>-<db>.json`)
written only after a complete generation; without it, with other counts or seed, or with
`--regenerate`, the database is made anew. Every run migrates it.

The bench adds, idempotently: a team lead (reads the pool of both agencies), twenty caseworkers
of its own who press "next case" (ten per agency, skilled for every type of it), and known
status secrets for a few cases (the hash is keyed with the server's SECRET_KEY, new every run).
What they did is undone at the end and at the start of the next run (the cases taken go back to
the pool as they were: their events by the bench's caseworkers deleted, the stored clock
recomputed), so the pool stays the same from run to run. If the generated data is from an
earlier day, the nightly urgency refresh runs first (and is timed).

(1) `POST /api/v1/cases/next` (a session and a CSRF token per caseworker, the twenty in turn):
each request takes a case from a pool of tens of thousands — N takes, undone afterwards.
(2) `GET /staff/cases/` of a generated caseworker with about 100 open cases, `GET
/staff/cases/pool/` (page 1) and `GET /api/v1/cases/pool?page=N` for pages 1, 10 and 500 (the
last page where the pool has fewer) as a generated immigration caseworker, and page 500 as the
team lead (both agencies). (3) The status page: `POST /case-status/`
with reference and secret, then `GET /case-status/<reference>/` for cases in the pool (the
expected date from the queue: position and throughput), with a caseworker, and closed. Each
interleaved with `GET /healthz`; in-process the SQL statements of each (Django's test client)
and the query plans (to `var/bench/<db>.log`).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import http.client
import itertools
import json
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import harness
from harness import (
    BENCH_VAR,
    HOST,
    PG_ADMIN_URL,
    BenchError,
    Context,
    Result,
    Timing,
    md_table,
    measure_interleaved,
    ms,
    throughput,
)

DEFAULT_OPEN, DEFAULT_CLOSED = 50_000, 1_000_000
QUICK_OPEN, QUICK_CLOSED = 5_000, 100_000
SEED = 1
DAYS = 365
PG_CASES_DB = "hamburg_bench_cases"
OPTIONS: dict[str, Any] = {"open": None, "closed": None, "regenerate": False}
LEAD = "bench-cases-lead"
NEXT_PREFIX = "bench-cases-next-"
NEXT_WORKERS = 20
MINE_TARGET = 100  # the caseworker whose list is timed has about this many open cases
STATUS_SECRET_PREFIX = "BENCH"  # noqa: S105 - bench data, set anew each run
TARGETS = {"next_p95": 0.030, "list_p95": 0.050, "status_p95": 0.030}
POOL_PAGES = (1, 10, 500)


def configure(*, open_count: int | None, closed_count: int | None, regenerate: bool) -> None:
    """From bench/run.py: `--cases-open`, `--cases-closed`, `--regenerate`."""
    OPTIONS.update(open=open_count, closed=closed_count, regenerate=regenerate)


@dataclass
class CasesResult(Result):
    """A result that describes its own data (the generated cases), not the harness's city."""

    data_line: str = ""


# --- the data -------------------------------------------------------------------------------------


def _label(count: int) -> str:
    if count >= 1_000_000 and count % 100_000 == 0:
        return f"{count / 1_000_000:g}M"
    if count >= 1000 and count % 1000 == 0:
        return f"{count // 1000}k"
    return str(count)


@dataclass(frozen=True)
class Dataset:
    backend: str
    open: int
    closed: int
    seed: int
    days: int

    @property
    def label(self) -> str:
        return f"{_label(self.open)}-{_label(self.closed)}"

    @property
    def sqlite_path(self) -> Path:
        return BENCH_VAR / f"cases-{self.label}.sqlite3"

    @property
    def pg_name(self) -> str:
        if (self.open, self.closed) == (DEFAULT_OPEN, DEFAULT_CLOSED):
            return PG_CASES_DB
        return f"{PG_CASES_DB}_{self.label.replace('.', '_').replace('-', '_').lower()}"

    @property
    def url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.sqlite_path}"
        return f"postgres://postgres@{HOST}:5432/{self.pg_name}"

    @property
    def where(self) -> str:
        if self.backend == "sqlite":
            return f"`{self.sqlite_path.relative_to(harness.ROOT)}`"
        return f"PostgreSQL database `{self.pg_name}`"

    @property
    def marker(self) -> Path:
        return BENCH_VAR / f"cases-{self.label}-{self.backend}.json"

    @property
    def command(self) -> str:
        return (
            f"manage.py cases_generate --open {self.open} --closed {self.closed} "
            f"--seed {self.seed} --days {self.days}"
        )


def dataset_for(backend: str, *, quick: bool) -> Dataset:
    open_count = OPTIONS["open"] or (QUICK_OPEN if quick else DEFAULT_OPEN)
    closed_count = OPTIONS["closed"] or (QUICK_CLOSED if quick else DEFAULT_CLOSED)
    return Dataset(backend, int(open_count), int(closed_count), SEED, DAYS)


def _drop(data: Dataset) -> None:
    data.marker.unlink(missing_ok=True)
    if data.backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{data.sqlite_path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        name = sql.Identifier(data.pg_name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def _exists(data: Dataset) -> bool:
    if data.backend == "sqlite":
        return data.sqlite_path.exists()
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [data.pg_name]
        ).fetchone()
    return row is not None


def _generator_report(log: Path) -> dict[str, Any]:
    for line in reversed(log.read_text().splitlines()):
        if line.startswith("Generated cases: "):
            return dict(ast.literal_eval(line.removeprefix("Generated cases: ")))
    raise BenchError(f"cases_generate printed no report, see {log}")


def ensure_dataset(data: Dataset, env: dict[str, str], log: Path, *, regenerate: bool) -> dict:
    """The cases' database, generated unless a complete one is there; migrated. Returns the
    marker plus `generated_now`."""
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    marker: dict[str, Any] | None = None
    if not regenerate and data.marker.exists() and _exists(data):
        with contextlib.suppress(ValueError):
            marker = json.loads(data.marker.read_text())
        wanted = (data.open, data.closed, data.seed, data.days)
        if marker and tuple(marker.get(k) for k in ("open", "closed", "seed", "days")) != wanted:
            marker = None
    if marker is not None:
        harness.manage(env, "migrate", "--noinput", log=log, timeout=1800)
        check = harness.django_call(
            env, "cases:dataset_check", log=log, cases=data.open + data.closed, seed=data.seed
        )
        if check["complete"]:
            return {**marker, "generated_now": False}
        print(f"   cached cases incomplete ({check}); generating anew", flush=True)
    print(f"   generating into {data.where}: {data.command} (log: {log}) …", flush=True)
    _drop(data)
    harness.manage(env, "migrate", "--noinput", log=log, timeout=1800)
    started = time.monotonic()
    harness.manage(
        env,
        *data.command.removeprefix("manage.py ").split(),
        "-v2",
        log=log,
        timeout=4 * 3600,
    )
    wall = time.monotonic() - started
    report = _generator_report(log)
    vacuum = None
    if data.backend == "postgres":
        # What autovacuum does to a freshly loaded table within minutes: the visibility map
        # (index-only scans of the pool read the table less). The generator already ran ANALYZE.
        import psycopg

        started = time.monotonic()
        url = f"postgresql://postgres@{HOST}:5432/{data.pg_name}"
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            conn.execute("VACUUM (ANALYZE)")
        vacuum = round(time.monotonic() - started, 1)
    marker = {
        "open": data.open,
        "closed": data.closed,
        "seed": data.seed,
        "days": data.days,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": data.command,
        "wall_seconds": round(wall, 1),
        "report": report,
        "vacuum_seconds": vacuum,
    }
    data.marker.write_text(json.dumps(marker, indent=2))
    print(f"   generated in {wall:.0f} s: {report}", flush=True)
    return {**marker, "generated_now": True}


def _describe(data: Dataset, marker: dict[str, Any], database: str) -> dict[str, Any]:
    return {
        "database": database,
        "where": data.where,
        "marker": marker,
        "url": data.url,
        "label": data.label,
    }


def prepare(
    backend: str, log: Path, *, load_env: dict[str, str], collectstatic: bool, quick: bool
) -> tuple[dict[str, str], dict[str, Any]]:
    """For `bench/run.py --only cases`: the server environment on the cases' database
    (generated if need be, migrated) and the data description; the shared benchmark database
    is left alone."""
    data = dataset_for(backend, quick=quick)
    env = harness.production_env(data.url, **load_env)
    marker = ensure_dataset(data, env, log, regenerate=OPTIONS["regenerate"])
    if collectstatic:
        harness.manage(env, "collectstatic", "--noinput", "-v0", log=log)
    database = harness.django_call(env, "cases:database_name", log=log)
    return env, {"database": database, "cases": _describe(data, marker, database)}


# --- HTTP -----------------------------------------------------------------------------------------


class Http:
    """One request per connection (sync workers close them), with cookies and the CSRF
    token where given; answers status, headers and body."""

    def __init__(self, port: int) -> None:
        self.port = port

    def request(
        self,
        method: str,
        path: str,
        *,
        cookies: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        send = {"Accept": "text/html,application/json", **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form)
            send["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=send)
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def ok(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> bytes:
        status, _headers, body = self.request(method, path, **kwargs)
        if status != expect:
            raise BenchError(f"{method} {path} -> {status} (expected {expect}): {body[:300]!r}")
        return body


def _cycle(items: list[Any]) -> Iterator[Any]:
    if not items:
        raise BenchError("nothing to cycle through")
    return itertools.cycle(items)


def _session_cookie(headers: http.client.HTTPMessage) -> str:
    for value in headers.get_all("Set-Cookie") or []:
        match = re.match(r"sessionid=([^;]+)", value)
        if match:
            return match.group(1)
    raise BenchError("no session cookie in the answer")


# --- the benchmark --------------------------------------------------------------------------------


def run(ctx: Context) -> Result:
    data = dataset_for(ctx.backend, quick=ctx.quick)
    described = ctx.data.get("cases")
    if described is not None and ctx.env.get("DATABASE_URL") == data.url:
        return _run(ctx, ctx.server, ctx.env, described)
    # With the other benchmarks: the cases have a database (and a server) of their own.
    env = {**ctx.env, "DATABASE_URL": data.url}
    marker = ensure_dataset(data, env, ctx.log, regenerate=OPTIONS["regenerate"])
    database = harness.django_call(env, "cases:database_name", log=ctx.log)
    described = _describe(data, marker, database)
    log = BENCH_VAR / f"gunicorn-cases-{ctx.backend}.log"
    log.write_text("")
    with harness.serve(env, log=log, workers=ctx.server.workers) as server:
        print(f"   cases: gunicorn pid {server.pid} on port {server.port}", flush=True)
        return _run(ctx, server, env, described)


def _call(env: dict[str, str], ctx: Context, target: str, **kwargs: Any) -> Any:
    return harness.django_call(env, target, log=ctx.log, timeout=3600, **kwargs)


def _run(ctx: Context, server: harness.Server, env: dict[str, str], data: dict[str, Any]) -> Result:
    quick = ctx.quick
    n = 60 if quick else 300
    started = time.monotonic()
    setup = _call(
        env, ctx, "cases:setup", seed=SEED, status_cases=4 if quick else 8, skip_front=4 * n
    )
    print(f"   set-up in {time.monotonic() - started:.0f} s: {setup['summary']}", flush=True)
    try:
        return _measure(ctx, server, env, data, setup, n)
    finally:
        undone = _call(env, ctx, "cases:restore")
        print(f"   restored {undone['cases']} cases taken by the bench", flush=True)


def _measure(
    ctx: Context,
    server: harness.Server,
    env: dict[str, str],
    data: dict[str, Any],
    setup: dict[str, Any],
    n: int,
) -> Result:
    quick = ctx.quick
    plans = _call(
        env,
        ctx,
        "cases:explain",
        lead=setup["lead"]["session_user"],
        reader=setup["reader"]["user"],
    )
    with ctx.log.open("a") as out:
        out.write("\nQuery plans (cases):\n" + plans["text"] + "\n")
    # Also apart: another run of bench/run.py at the same time starts <db>.log anew.
    (BENCH_VAR / f"cases-plans-{ctx.backend}.log").write_text(plans["text"] + "\n")
    web = Http(server.port)
    csrf = setup["csrf"]

    def healthz() -> None:
        web.ok("GET", "/healthz")

    def staff(session: str) -> dict[str, str]:
        return {"sessionid": session, "csrftoken": csrf}

    lead = staff(setup["lead"]["session"])
    reader = staff(setup["reader"]["session"])
    mine = staff(setup["mine"]["session"])
    next_cookies = _cycle([staff(s) for s in setup["next_sessions"]])
    pages = setup["pool_pages"]

    def take() -> None:
        body = web.ok(
            "POST", "/api/v1/cases/next", cookies=next(next_cookies), headers={"X-CSRFToken": csrf}
        )
        taken.append(json.loads(body)["reference"])

    taken: list[str] = []

    def get(path: str, cookies: dict[str, str]) -> Callable[[], None]:
        return lambda: web.ok("GET", path, cookies=cookies)

    # The applicant: a grant per case (POST the form), then the page with that session.
    grants: dict[str, str] = {}

    def unlock(item: dict[str, str]) -> str:
        status, headers, body = web.request(
            "POST",
            "/case-status/",
            cookies={"csrftoken": csrf},
            form={
                "reference": item["reference"],
                "secret": item["secret"],
                "csrfmiddlewaretoken": csrf,
            },
        )
        if status != 302:
            raise BenchError(f"status form for {item['reference']} -> {status}: {body[:300]!r}")
        return _session_cookie(headers)

    def status_page(group: str) -> Callable[[], None]:
        items = _cycle([i for i in setup["status"] if i["group"] == group])

        def one() -> None:
            item = next(items)
            body = web.ok(
                "GET",
                f"/case-status/{item['reference']}/",
                cookies={"sessionid": grants[item["reference"]]},
            )
            if item["group"] != "closed" and item["reference"].encode() not in body:
                raise BenchError(f"status page of {item['reference']} without its reference")

        return one

    unlock_queue = _cycle(setup["status"])

    # Sanity: each request answers as expected before anything is timed.
    if b"case" not in web.ok("GET", "/staff/cases/", cookies=mine):
        raise BenchError("my cases page without cases")
    pool_first = json.loads(web.ok("GET", "/api/v1/cases/pool?page=1", cookies=lead))
    lead_page = setup["lead_page"]
    if pool_first["count"] < 1000 and not quick:
        raise BenchError(f"the pool has only {pool_first['count']} cases")
    take()

    # The status page first: a grant lasts 30 minutes. Every worker serves every request
    # (and computes the forecast's figures of the day) before anything is timed.
    for item in setup["status"]:
        grants[item["reference"]] = unlock(item)
    statuses = {group: status_page(group) for group in ("pool", "taken", "closed")}
    lists = {
        "mine": get("/staff/cases/", mine),
        "pool_html": get("/staff/cases/pool/", reader),
        **{f"pool_api_{p}": get(f"/api/v1/cases/pool?page={p}", reader) for p in pages},
        "pool_lead": get(f"/api/v1/cases/pool?page={lead_page}", lead),
    }
    for fn in [healthz, *statuses.values(), *lists.values()]:
        throughput(fn, 8 * server.workers, threads=ctx.threads, time_limit=180)

    # (3) the status page, and the form that opens it
    seq_status = measure_interleaved(
        {
            "healthz": healthz,
            **statuses,
            "unlock": lambda: unlock(next(unlock_queue)),
        },
        n,
        warmup=3,
        time_limit=200 if quick else 600,
    )
    # (2) the lists
    seq_lists = measure_interleaved(
        {"healthz": healthz, **lists}, n, warmup=3, time_limit=200 if quick else 600
    )
    # (1) next case: each call takes one (last: the pool shrinks by as many)
    seq_next = measure_interleaved(
        {"healthz": healthz, "next": take}, n, warmup=5, time_limit=150 if quick else 400
    )
    inproc = _call(
        env,
        ctx,
        "cases:queries",
        setup=setup,
        pages=pages,
        repeats=10 if quick else 30,
    )
    return _report(
        ctx,
        data=data,
        setup=setup,
        seq_next=seq_next,
        seq_lists=seq_lists,
        seq_status=seq_status,
        taken=len(taken),
        inproc=inproc,
        plans=plans,
        pool_count=pool_first["count"],
    )


# --- the report -----------------------------------------------------------------------------------


def _verdict(ok: bool, text: str) -> str:
    return ("met" if ok else "**missed**") + f" ({text})"


def _report(ctx: Context, *, data: dict[str, Any], **r: Any) -> Result:
    setup = r["setup"]
    marker = data["marker"]
    report = marker["report"]

    def row(label: str, t: Timing, baseline: Timing) -> list[str]:
        return [label, str(t.n), ms(t.median), ms(t.p95), f"{t.median / baseline.median:.1f}"]

    headers = ["request", "n", "median ms", "p95 ms", "median / baseline"]
    sn, sl, ss = r["seq_next"], r["seq_lists"], r["seq_status"]
    pages = setup["pool_pages"]
    mine_count = setup["mine"]["open_cases"]
    next_rows = [
        row("GET /healthz (baseline)", sn["healthz"], sn["healthz"]),
        row("POST /api/v1/cases/next (takes a case)", sn["next"], sn["healthz"]),
    ]
    list_rows = [
        row("GET /healthz (baseline)", sl["healthz"], sl["healthz"]),
        row(f"GET /staff/cases/ (my cases: {mine_count} open)", sl["mine"], sl["healthz"]),
        row("GET /staff/cases/pool/ (page 1, HTML)", sl["pool_html"], sl["healthz"]),
        *[
            row(f"GET /api/v1/cases/pool?page={p}", sl[f"pool_api_{p}"], sl["healthz"])
            for p in pages
        ],
        row(
            f"GET /api/v1/cases/pool?page={setup['lead_page']} (team lead)",
            sl["pool_lead"],
            sl["healthz"],
        ),
    ]
    groups = {
        g: [i for i in setup["status"] if i["group"] == g] for g in ("pool", "taken", "closed")
    }
    status_rows = [
        row("GET /healthz (baseline)", ss["healthz"], ss["healthz"]),
        row(
            f"GET /case-status/<ref>/, in the pool ({len(groups['pool'])} cases)",
            ss["pool"],
            ss["healthz"],
        ),
        row(
            f"GET /case-status/<ref>/, with a caseworker ({len(groups['taken'])} cases)",
            ss["taken"],
            ss["healthz"],
        ),
        row(
            f"GET /case-status/<ref>/, closed ({len(groups['closed'])} cases)",
            ss["closed"],
            ss["healthz"],
        ),
        row("POST /case-status/ (reference + secret → 302)", ss["unlock"], ss["healthz"]),
    ]
    inproc = r["inproc"]
    inproc_rows = [
        [item["label"], str(item["queries"]), ms(item["median"]), ms(item["p95"])]
        for item in inproc["items"]
    ]
    forecast_rows = [
        [item["type"], str(item["decisions"]), ms(item["seconds"])] for item in inproc["history"]
    ]

    def same(prefix: str) -> tuple[bool, str]:
        """Equal counts among the requests of each key that begins with `prefix`."""
        keys = sorted({i["key"] for i in inproc["items"] if i["key"].startswith(prefix)})
        texts, ok = [], True
        for key in keys:
            counts = [i["queries"] for i in inproc["items"] if i["key"] == key]
            ok = ok and len(set(counts)) == 1
            texts.append("/".join(str(c) for c in counts))
        return ok, ", ".join(texts)

    list_p95 = max(sl[k].p95 for k in sl if k != "healthz")
    status_p95 = max(ss[g].p95 for g in ("pool", "taken", "closed"))
    same_mine, mine_text = same("mine")
    same_pool, pool_text = same("pool_api")
    same_html, html_text = same("pool_html")
    same_status_pool, status_pool_text = same("status_pool")
    same_status_taken, status_taken_text = same("status_taken")
    targets = [
        "next case p95 ≤ 30 ms: "
        + _verdict(sn["next"].p95 <= TARGETS["next_p95"], f"{ms(sn['next'].p95)} ms"),
        "lists p95 ≤ 50 ms: " + _verdict(list_p95 <= TARGETS["list_p95"], f"{ms(list_p95)} ms"),
        "status page p95 ≤ 30 ms: "
        + _verdict(status_p95 <= TARGETS["status_p95"], f"{ms(status_p95)} ms"),
        "queries independent of page and list size: "
        + _verdict(
            same_mine and same_pool and same_html,
            f"my cases {mine_text}, pool API pages {pool_text}, pool page {html_text}",
        ),
        "status page queries independent of the history: "
        + _verdict(
            same_status_pool and same_status_taken,
            f"in the pool {status_pool_text}, with a caseworker {status_taken_text}",
        ),
    ]
    ratios = {
        "next_over_healthz": sn["next"].median / sn["healthz"].median,
        "mine_over_healthz": sl["mine"].median / sl["healthz"].median,
        "pool_over_healthz": sl["pool_html"].median / sl["healthz"].median,
        **{
            f"pool_api_{p}_over_healthz": sl[f"pool_api_{p}"].median / sl["healthz"].median
            for p in pages
        },
        "pool_lead_over_healthz": sl["pool_lead"].median / sl["healthz"].median,
        "status_pool_over_healthz": ss["pool"].median / ss["healthz"].median,
        "status_taken_over_healthz": ss["taken"].median / ss["healthz"].median,
    }
    if marker["generated_now"]:
        generation = f"generated in this run in **{marker['wall_seconds']:.0f} s**"
    else:
        generation = (
            f"generated on {marker['generated_at']} in **{marker['wall_seconds']:.0f} s** and "
            "reused by this run"
        )
    generation += f" (the generator's own count {report['seconds']:.0f} s)"
    if marker.get("vacuum_seconds") is not None:
        generation += f", then `VACUUM (ANALYZE)` ({marker['vacuum_seconds']:.0f} s)"
    by_status = ", ".join(f"{k} {v:,}" for k, v in sorted(report["by_status"].items()))
    refresh = setup.get("refresh")
    refresh_text = (
        f" The data was generated on {report['today']}: the nightly refresh of the open cases' "
        f"urgency (`urgency_refresh_all`) ran first, in {refresh['seconds']:.1f} s for "
        f"{refresh['cases']:,} cases."
        if refresh
        else ""
    )
    markdown = "\n\n".join(
        [
            f"Data: `{marker['command']}` into {data['where']}, {generation}: "
            f"{report['cases']:,} cases ({report['open']:,} open, {report['closed']:,} decided "
            f"or withdrawn), {report['events']:,} events, {report['document_requests']:,} open "
            f"document requests, {report['caseworkers']} caseworkers in {report['teams']} teams; "
            f"by status: {by_status}. Added by the bench: {setup['summary']}.{refresh_text}",
            "**(1) Next case over HTTP**, one request at a time interleaved with `/healthz`, "
            f"{NEXT_WORKERS} caseworkers of the bench in turn (a session and the CSRF token "
            f"each): every request takes a case from the pool of {r['pool_count']:,} "
            f"({r['taken']} taken in all, warm-up included; undone after the run).\n\n"
            + md_table(headers, next_rows),
            "**(2) The lists over HTTP**: my cases (the generated caseworker with the open "
            f"case count nearest {MINE_TARGET}), the pool page and the pool API as an "
            f"immigration caseworker ({setup['reader']['pool']:,} cases, "
            f"{setup['pool_last_page']:,} pages of 50) and a deep page as a team lead (both "
            f"agencies: {r['pool_count']:,} cases).\n\n" + md_table(headers, list_rows),
            "**(3) The applicant's status page over HTTP** (the session opened once per case "
            "with the form; the page shows the timeline, what is needed and the expected date: "
            "for a case in the pool from its position in the queue and the type's throughput, "
            "for a case with a caseworker from the durations after taking), and the form "
            "itself:\n\n" + md_table(headers, status_rows),
            "**In-process** (Django's test client, `CaptureQueriesContext`, after a warm-up; "
            "the time is the view's without HTTP):\n\n"
            + md_table(["request", "SQL statements", "median ms", "p95 ms"], inproc_rows)
            + "\n\nThe forecast's figures of a type for the day (`forecast.history_compute`: "
            "decisions of 8 weeks and durations after taking; computed once a day per type "
            "and cache — per gunicorn worker with the default local-memory cache):\n\n"
            + md_table(["case type", "decisions in 8 weeks", "ms"], forecast_rows),
            "Targets: " + "; ".join(targets) + ".",
            "Ratios to `/healthz`: "
            + ", ".join(f"{k.removesuffix('_over_healthz')} **{v:.1f}**" for k, v in ratios.items())
            + ".",
        ]
    )
    data_line = (
        f"{report['cases']:,} generated cases ({report['open']:,} open), seed {marker['seed']}, "
        f"in {data['where']}"
    )
    print(r["plans"]["summary"], flush=True)
    return CasesResult(title="Cases", markdown=markdown, ratios=ratios, data_line=data_line)


# --- in Django (through djcall.py) -------------------------------------------------------------


def database_name() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return f"PostgreSQL {major}.{minor}"
    return f"SQLite {connection.Database.sqlite_version}"


def dataset_check(*, cases: int, seed: int) -> dict[str, Any]:
    """Complete when the generator's caseworkers are there and at least that many cases (the
    bench adds none that stay)."""
    from hamburg_service.accounts.models import User
    from hamburg_service.cases.models import Case

    staff = User.objects.filter(username__startswith=f"gen{seed}-cw-").count()
    count = Case.objects.count()
    return {"complete": staff > 0 and count >= cases, "staff": staff, "cases": count}


def _bench_users() -> Any:
    from hamburg_service.accounts.models import User

    return User.objects.filter(username__startswith=NEXT_PREFIX)


def restore() -> dict[str, int]:
    """Undo what the bench's caseworkers did: the cases they took go back to the pool as they
    were (their events deleted, the stored clock and urgency recomputed); their access log,
    and the team lead's, deleted."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from hamburg_service.accounts.models import AccessLog, User
    from hamburg_service.cases.models import Case, CaseEvent, CaseStatus
    from hamburg_service.cases.services.common import case_refresh

    users = list(_bench_users().values_list("pk", flat=True))
    lead = list(User.objects.filter(username=LEAD).values_list("pk", flat=True))
    now = timezone.now()
    case_ids = list(
        CaseEvent.objects.filter(actor_user_id__in=users)
        .values_list("case_id", flat=True)
        .distinct()
    )
    with transaction.atomic():
        CaseEvent.objects.filter(actor_user_id__in=users).delete()
        for case in Case.objects.select_related("case_type").filter(pk__in=case_ids):
            last = (
                CaseEvent.objects.filter(case=case, kind="status_changed")
                .order_by("-at", "-pk")
                .values_list("data", flat=True)
                .first()
            )
            case.status = (last or {}).get("to", CaseStatus.RECEIVED)
            case.assigned_to = None
            case_refresh(case, now)
        # The reads of the bench's users and of the generated caseworker whose list is timed
        # (the generator writes no access log).
        AccessLog.objects.filter(
            Q(actor_id__in=users + lead) | Q(actor__username__regex=r"^gen[0-9]+-")
        ).delete()
    return {"cases": len(case_ids)}


def setup(*, seed: int, status_cases: int, skip_front: int = 0) -> dict[str, Any]:
    """The bench's users and sessions, known secrets for a few cases, the caseworker whose
    list is timed — idempotent on the cached data (an earlier run's leftovers undone first)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Count, Q
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.utils import timezone

    from hamburg_service.accounts.models import Role, RoleAssignment
    from hamburg_service.cases.models import UNDECIDED, Case, CaseStatus, CaseType, Skill
    from hamburg_service.cases.selectors import POOL_PAGE
    from hamburg_service.cases.services.lifecycle import secret_hash
    from hamburg_service.cases.services.pool import POOL_STATUSES, urgency_refresh_all
    from hamburg_service.people.checks import today_in_hamburg

    restore()
    user_model = get_user_model()

    def session(user: Any) -> str:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        return client.cookies["sessionid"].value

    # The nightly refresh, where the data is from an earlier day.
    today = today_in_hamburg(timezone.now())
    refresh = None
    if Case.objects.filter(status__in=UNDECIDED, urgency_on__lt=today).exists():
        started = time.perf_counter()
        count = urgency_refresh_all()
        refresh = {"cases": count, "seconds": time.perf_counter() - started}

    with transaction.atomic():
        lead, _ = user_model.objects.get_or_create(username=LEAD)
        RoleAssignment.objects.get_or_create(user=lead, role=Role.TEAM_LEAD)
        workers = []
        for n in range(NEXT_WORKERS):
            agency = "immigration" if n % 2 == 0 else "residents"
            role = Role.CASEWORKER_IMMIGRATION if n % 2 == 0 else Role.CASEWORKER_REGISTRATION
            user, _ = user_model.objects.get_or_create(username=f"{NEXT_PREFIX}{n + 1:02d}")
            RoleAssignment.objects.get_or_create(user=user, role=role)
            for case_type in CaseType.objects.filter(agency=agency, is_active=True):
                Skill.objects.get_or_create(user=user, case_type=case_type)
            workers.append(user)

    # The generated caseworker with about MINE_TARGET open cases.
    loads = (
        user_model.objects.filter(username__startswith=f"gen{seed}-cw-")
        .annotate(open=Count("cases", filter=Q(cases__status__in=UNDECIDED)))
        .values_list("pk", "open")
    )
    mine_id, mine_open = min(loads, key=lambda row: (abs(row[1] - MINE_TARGET), row[0]))
    light_id, light_open = min((r for r in loads if r[1] > 0), key=lambda row: (row[1], row[0]))

    # Known secrets: cases in the pool (from the front of the queue to the back), with a
    # caseworker (in review and waiting), and closed.
    pool = Case.objects.filter(assigned_to__isnull=True, status__in=POOL_STATUSES)
    in_pool = pool.count()
    ordered = pool.order_by("-urgency", "received_at", "pk").values_list("pk", flat=True)
    picks: dict[str, list[int]] = {"pool": [], "taken": [], "closed": []}
    # Not from the front: "next case" takes those during the run.
    skip = min(in_pool // 4, skip_front)
    for k in range(status_cases):
        offset = skip + (in_pool - 1 - skip) * k // max(1, status_cases - 1)
        picks["pool"].append(ordered[offset])
    taken = Case.objects.filter(assigned_to__isnull=False, status__in=UNDECIDED)
    for status in (
        CaseStatus.IN_REVIEW,
        CaseStatus.WAITING_APPLICANT,
        CaseStatus.WAITING_AUTHORITY,
    ):
        picks["taken"] += list(
            taken.filter(status=status)
            .order_by("pk")
            .values_list("pk", flat=True)[: max(1, status_cases // 3)]
        )
    picks["closed"] = list(
        Case.objects.filter(status=CaseStatus.CLOSED)
        .order_by("-pk")
        .values_list("pk", flat=True)[: max(2, status_cases // 2)]
    )
    status = []
    with transaction.atomic():
        for group, ids in picks.items():
            for case in Case.objects.filter(pk__in=ids).order_by("pk"):
                secret = f"{STATUS_SECRET_PREFIX}{case.pk:05d}"[-10:]
                Case.objects.filter(pk=case.pk).update(
                    secret_hash=secret_hash(case.reference, secret)
                )
                status.append(
                    {
                        "group": group,
                        "reference": case.reference,
                        "secret": secret,
                        "status": case.status,
                        "events": case.events.count(),
                    }
                )
    # The pool as an immigration caseworker sees it (the agency with most of it), the pages
    # asked for or the last one where it has fewer.
    reader = (
        user_model.objects.filter(
            username__startswith=f"gen{seed}-cw-",
            role_assignments__role=Role.CASEWORKER_IMMIGRATION,
        )
        .order_by("username")
        .first()
    )
    if reader is None:
        raise BenchError("no generated immigration caseworker")
    reader_pool = pool.filter(case_type__agency="immigration").count()
    last_page = max(1, -(-reader_pool // POOL_PAGE))
    pool_pages = sorted({min(p, last_page) for p in POOL_PAGES})
    lead_page = min(POOL_PAGES[-1], max(1, -(-in_pool // POOL_PAGE)))
    summary = (
        f"a team lead, {NEXT_WORKERS} caseworkers for 'next case', known status secrets for "
        f"{len(status)} cases; the list timed is a generated caseworker's with {mine_open} "
        f"open cases"
    )
    return {
        "csrf": _get_new_csrf_string(),
        "lead": {"session": session(lead), "session_user": lead.pk},
        "mine": {
            "session": session(user_model.objects.get(pk=mine_id)),
            "user": mine_id,
            "open_cases": mine_open,
        },
        "light": {"user": light_id, "open_cases": light_open},
        "next_sessions": [session(w) for w in workers],
        "next_users": [w.pk for w in workers],
        "status": status,
        "reader": {"session": session(reader), "user": reader.pk, "pool": reader_pool},
        "pool_count": in_pool,
        "pool_last_page": last_page,
        "pool_pages": pool_pages,
        "lead_page": lead_page,
        "refresh": refresh,
        "summary": summary,
    }


def queries(*, setup: dict[str, Any], pages: list[int], repeats: int) -> dict[str, Any]:
    """The SQL statements and in-process times of the requests timed over HTTP, through
    Django's test client (the same URLs, sessions of the same users)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hamburg_service.cases import forecast
    from hamburg_service.cases.models import CaseType
    from hamburg_service.people.checks import today_in_hamburg

    user_model = get_user_model()

    def signed_in(user_id: int) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user_model.objects.get(pk=user_id))
        return client

    lead = signed_in(setup["lead"]["session_user"])
    items: list[dict[str, Any]] = []

    def measure(key: str, label: str, fn: Callable[[], Any], *, status: int = 200) -> None:
        answer = fn()  # warm: roles, the forecast's figures of the day
        if answer.status_code != status:
            raise BenchError(f"{label}: {answer.status_code}")
        with CaptureQueriesContext(connection) as captured:
            fn()
        # Now: the next request's start empties the connection's log the count is read from.
        count = len(captured)
        samples = []
        for _ in range(repeats):
            begin = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - begin)
        samples.sort()
        items.append(
            {
                "key": key,
                "label": label,
                "queries": count,
                "median": statistics.median(samples),
                "p95": harness.percentile(samples, 95),
            }
        )

    for who in ("light", "mine"):
        client = signed_in(setup[who]["user"])
        measure(
            "mine",
            f"my cases, {setup[who]['open_cases']} open",
            lambda c=client: c.get("/staff/cases/"),
        )
    reader = signed_in(setup["reader"]["user"])
    for page in pages:
        measure(
            "pool_html",
            f"pool page {page} (HTML), immigration caseworker",
            lambda p=page: reader.get(f"/staff/cases/pool/?page={p}"),
        )
    for page in pages:
        measure(
            "pool_api",
            f"pool API page {page}, immigration caseworker",
            lambda p=page: reader.get(f"/api/v1/cases/pool?page={p}"),
        )
    for page in sorted({1, setup["lead_page"]}):
        measure(
            "pool_api",
            f"pool API page {page}, team lead (both agencies)",
            lambda p=page: lead.get(f"/api/v1/cases/pool?page={p}"),
        )
    worker = signed_in(setup["next_users"][0])
    csrf_client = worker  # the test client does not check CSRF
    measure(
        "next",
        "next case (API; takes a case each time)",
        lambda: csrf_client.post("/api/v1/cases/next"),
    )
    for item in setup["status"]:
        if item["group"] == "closed":
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        answer = client.post(
            "/case-status/", {"reference": item["reference"], "secret": item["secret"]}
        )
        if answer.status_code != 302:
            raise BenchError(f"status form {item['reference']}: {answer.status_code}")
        measure(
            f"status_{item['group']}_{item['status']}",
            f"status page, {item['group']} ({item['status']}, {item['events']} events)",
            lambda c=client, r=item["reference"]: c.get(f"/case-status/{r}/"),
        )
    # The forecast's daily figures, uncached: what the first page of a type each day costs.
    from django.utils import timezone

    today = today_in_hamburg(timezone.now())
    history = []
    for case_type in CaseType.objects.order_by("slug"):
        begin = time.perf_counter()
        figures = forecast.history_compute(case_type.pk, today)
        history.append(
            {
                "type": case_type.slug,
                "decisions": figures.decisions,
                "seconds": time.perf_counter() - begin,
            }
        )
    return {"items": items, "history": history}


def explain(*, lead: int, reader: int) -> dict[str, str]:
    """The plans of the statements the pool's count and pages, next case, my cases and the
    forecast (position, figures of the day) run — with their parameters as the driver gets
    them (SQLite uses a partial index only where the condition is in the SQL literally):
    EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from hamburg_service.accounts.models import User
    from hamburg_service.cases import forecast, selectors
    from hamburg_service.cases.models import Case
    from hamburg_service.cases.services import pool
    from hamburg_service.core.actors import Actor
    from hamburg_service.people.checks import today_in_hamburg

    lines: list[str] = []
    summary: list[str] = []

    def plan(label: str, sql: str, params: Any = ()) -> None:
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            rows = cursor.fetchall()
        text = "\n".join("    " + " | ".join(str(c) for c in row) for row in rows)
        lines.append(f"-- {label}\n    {sql}\n    params: {list(params or ())}\n{text}")
        summary.append(f"   plan of {label}: " + "; ".join(str(row[-1]) for row in rows[:5]))

    def executed(fn: Callable[[], Any]) -> list[tuple[str, Any]]:
        """The statements `fn` runs, with their parameters."""
        found: list[tuple[str, Any]] = []

        def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            found.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            fn()
        return found

    def selects(found: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        return [(sql, params) for sql, params in found if sql.lstrip().upper().startswith("SELECT")]

    in_pool = Case.objects.filter(assigned_to__isnull=True, status__in=pool.POOL_STATUSES).count()
    deep = min(500, max(1, -(-in_pool // selectors.POOL_PAGE)))
    for who, user_id in (("team lead", lead), ("immigration caseworker", reader)):
        actor = Actor.staff(get_user_model().objects.get(pk=user_id))
        for page in (1, deep):
            found = selects(executed(lambda a=actor, p=page: selectors.pool_page(actor=a, page=p)))
            for n, (sql, params) in enumerate(found[-3:]):
                plan(f"pool page {page} ({who}), query {n + 1}", sql, params)
    worker = User.objects.filter(username__startswith=NEXT_PREFIX).first()
    if worker is not None:

        def take_and_undo() -> None:
            with transaction.atomic():
                pool.case_next(actor=Actor.staff(worker))
                transaction.set_rollback(True)

        found = [
            (sql, params)
            for sql, params in selects(executed(take_and_undo))
            if "ORDER BY" in sql and "cases_case" in sql
        ]
        for n, (sql, params) in enumerate(found):
            plan(f"next case, query {n + 1}", sql, params)
    busiest = (
        Case.objects.filter(assigned_to__isnull=False, status="in_review")
        .values_list("assigned_to_id", flat=True)
        .first()
    )
    if busiest is not None:
        mine_actor = Actor.staff(get_user_model().objects.get(pk=busiest))
        found = selects(executed(lambda: selectors.cases_mine(actor=mine_actor)))
        plan("my cases", *next(q for q in found if '"cases_case"' in q[0]))
    case = (
        Case.objects.filter(assigned_to__isnull=True, status__in=pool.POOL_STATUSES)
        .order_by("urgency", "-received_at")
        .first()
    )
    if case is not None:
        found = selects(executed(lambda: forecast.position_of(case)))
        plan("forecast position (the back of the queue)", *found[-1])
        today = today_in_hamburg(timezone.now())
        found = selects(executed(lambda: forecast.history_compute(case.case_type_id, today)))
        plan("forecast figures of the day", *found[0])
    return {"text": "\n\n".join(lines), "summary": "\n".join(summary)}
