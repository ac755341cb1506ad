"""Person record (issue 11): staff search, register information, opening a record and the § 51
timing comparison, on a synthetic Hamburg-size population (1.9 million people).

The population comes from `manage.py people_generate --count N --seed 1` in a database of its
own, kept between runs because generating 1.9 million people takes many minutes: SQLite
`var/bench/people-<size>.sqlite3`, PostgreSQL `hamburg_bench_people` (other sizes
`hamburg_bench_people_<size>`). A JSON marker beside it (`var/bench/people-<size>-<db>.json`)
is written only after a complete generation; without it, with another count or seed, when the
last generated person is missing, or with `--regenerate`, the database is made anew. Every run
migrates it (new migrations apply to the cached data). `people_generate` ends with the
planner's statistics (`core.db.statistics_refresh`: ANALYZE on both databases), as the
application does after an import and nightly.

On top of the generated people the benchmark adds, through the services and idempotently:
a clerk (searches and reads) and a member of the central registration office (blocks), five
information blocks (`block_set`) and two people with a history: one residence, and thirty
residences (one Anmeldung and 29 Ummeldungen, 31 events). Register information requests,
their queued tasks and the bench users' access log of earlier runs are deleted first, so every
run starts alike.

(1) GET /api/v1/people?name=&birth=&purpose=person_correction with a signed-in clerk's
session, names spelt differently from the register (phonetic variants, without diacritics,
another transliteration, Cyrillic script) and the date of birth; (2) POST
/api/v1/register-information found by date of birth and by a former address; (3) GET
/api/v1/people/<id>?purpose=person_correction for random people and for the long history,
and in-process the SQL queries of the record and its history for 1 and 30 residences;
(4) ≥ 1,000 register information requests about blocked people and as many about unknown
people (the same names with another date of birth), interleaved in random order, compared by
their medians, a Mann-Whitney U test and a permutation test of the difference of the medians;
the same in-process on the service, without HTTP.

Run with the others (`bench/run.py`, then it serves the people database with a gunicorn of its
own) or alone (`bench/run.py --only people`: then the harness serves the people database and
the shared benchmark database is not touched). `--people N` (default 1,900,000; 20,000 with
`--quick`), `--regenerate`.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import http.client
import itertools
import json
import math
import random
import statistics
import time
import unicodedata
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

DEFAULT_PEOPLE = 1_900_000
QUICK_PEOPLE = 20_000
SEED = 1
PG_PEOPLE_DB = "hamburg_bench_people"
OPTIONS: dict[str, Any] = {"count": None, "regenerate": False}
PURPOSE = "person_correction"
BLOCK_REASON = "Benchmark § 51 BMG (bench/people.py)"
CLERK = "bench-people-clerk"
OFFICE = "bench-people-office"
LONG_FAMILY = "Bench-Verlauf"
TARGETS = {"search_p95": 0.050, "information_p95": 0.050, "record_p95": 0.030}


def configure(*, count: int | None, regenerate: bool) -> None:
    """From bench/run.py: `--people N` and `--regenerate`."""
    OPTIONS.update(count=count, regenerate=regenerate)


@dataclass
class PeopleResult(Result):
    """A result that describes its own data (the population), not the harness's city."""

    data_line: str = ""


# --- the population ------------------------------------------------------------------------


def size_label(count: int) -> str:
    if count >= 1_000_000 and count % 100_000 == 0:
        return f"{count / 1_000_000:g}M"
    if count >= 1000 and count % 1000 == 0:
        return f"{count // 1000}k"
    return str(count)


@dataclass(frozen=True)
class Population:
    backend: str
    count: int
    seed: int

    @property
    def label(self) -> str:
        return size_label(self.count)

    @property
    def sqlite_path(self) -> Path:
        return BENCH_VAR / f"people-{self.label}.sqlite3"

    @property
    def pg_name(self) -> str:
        if self.count == DEFAULT_PEOPLE:
            return PG_PEOPLE_DB
        return f"{PG_PEOPLE_DB}_{self.label.replace('.', '_').lower()}"

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
        return BENCH_VAR / f"people-{self.label}-{self.backend}.json"


def population_for(backend: str, *, quick: bool) -> Population:
    count = OPTIONS["count"] or (QUICK_PEOPLE if quick else DEFAULT_PEOPLE)
    return Population(backend=backend, count=int(count), seed=SEED)


def _drop(pop: Population) -> None:
    pop.marker.unlink(missing_ok=True)
    if pop.backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{pop.sqlite_path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        name = sql.Identifier(pop.pg_name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def _exists(pop: Population) -> bool:
    if pop.backend == "sqlite":
        return pop.sqlite_path.exists()
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [pop.pg_name]).fetchone()
    return row is not None


def _generator_report(log: Path) -> dict[str, Any]:
    """The report `people_generate` printed last ("Generated people: {...}")."""
    import ast

    for line in reversed(log.read_text().splitlines()):
        if line.startswith("Generated people: "):
            return dict(ast.literal_eval(line.removeprefix("Generated people: ")))
    raise BenchError(f"people_generate printed no report, see {log}")


def ensure_population(
    pop: Population, env: dict[str, str], log: Path, *, regenerate: bool
) -> dict[str, Any]:
    """The population database, generated unless a complete one is there; migrated. Returns
    the marker (what was generated, when, how long it took) plus `generated_now`."""
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    marker: dict[str, Any] | None = None
    if not regenerate and pop.marker.exists() and _exists(pop):
        with contextlib.suppress(ValueError):
            marker = json.loads(pop.marker.read_text())
        if marker and (marker.get("count"), marker.get("seed")) != (pop.count, pop.seed):
            marker = None
    if marker is not None:
        harness.manage(env, "migrate", "--noinput", log=log, timeout=1800)
        check = harness.django_call(env, "people:population_check", log=log, **_ids(pop))
        if check["complete"]:
            return {**marker, "generated_now": False}
        print(f"   cached population incomplete ({check}); generating anew", flush=True)
    print(
        f"   generating {pop.count:,} people into {pop.where} (log: {log}) …",
        flush=True,
    )
    _drop(pop)
    harness.manage(env, "migrate", "--noinput", log=log, timeout=1800)
    started = time.monotonic()
    harness.manage(
        env,
        "people_generate",
        f"--count={pop.count}",
        f"--seed={pop.seed}",
        "-v2",
        log=log,
        timeout=4 * 3600,
    )
    wall = time.monotonic() - started
    report = _generator_report(log)
    marker = {
        "count": pop.count,
        "seed": pop.seed,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": f"manage.py people_generate --count {pop.count} --seed {pop.seed}",
        "wall_seconds": round(wall, 1),
        "report": report,
    }
    pop.marker.write_text(json.dumps(marker, indent=2))
    print(f"   generated in {wall:.0f} s: {report}", flush=True)
    return {**marker, "generated_now": True}


def _ids(pop: Population) -> dict[str, Any]:
    return {"last": f"gen-{pop.seed}-{pop.count - 1}", "beyond": f"gen-{pop.seed}-{pop.count}"}


def _describe(pop: Population, marker: dict[str, Any], database: str) -> dict[str, Any]:
    report = marker["report"]
    return {
        "database": database,
        "people": report["people"],
        "residences": report["residences"],
        "nationalities": report["nationalities"],
        "documents": report["documents"],
        "titles": report["titles"],
        "with_title": report["with_title"],
        "where": pop.where,
        "marker": marker,
        "url": pop.url,
        "label": pop.label,
    }


def prepare(
    backend: str, log: Path, *, load_env: dict[str, str], collectstatic: bool, quick: bool
) -> tuple[dict[str, str], dict[str, Any]]:
    """For `bench/run.py --only people`: the server environment on the population database
    (generated if need be, migrated) and the data description. Leaves the shared benchmark
    database alone."""
    pop = population_for(backend, quick=quick)
    env = harness.production_env(pop.url, **load_env)
    marker = ensure_population(pop, env, log, regenerate=OPTIONS["regenerate"])
    if collectstatic:
        harness.manage(env, "collectstatic", "--noinput", "-v0", log=log)
    database = harness.django_call(env, "people:database_name", log=log)
    return env, {"database": database, "people": _describe(pop, marker, database)}


# --- HTTP ----------------------------------------------------------------------------------


class Http:
    """Requests to the server on a new connection each (sync workers close them), with the
    clerk's session cookie where given."""

    def __init__(self, port: int, cookie: str = "") -> None:
        self.port = port
        self.cookie = cookie

    def request(self, method: str, path: str, payload: Any = None) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload)
            headers["Content-Type"] = "application/json"
        if self.cookie:
            headers["Cookie"] = f"sessionid={self.cookie}"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def ok(self, method: str, path: str, payload: Any = None) -> bytes:
        status, body = self.request(method, path, payload)
        if status != 200:
            raise BenchError(f"{method} {path} -> {status}: {body[:300]!r}")
        return body


def _cycle(items: list[Any]) -> Iterator[Any]:
    """Round and round; `next` is safe from several client threads (itertools.cycle)."""
    if not items:
        raise BenchError("nothing to cycle through")
    return itertools.cycle(items)


# --- statistics (plain Python) ---------------------------------------------------------------


def _ranks(values: list[float]) -> tuple[list[float], list[int]]:
    """Average ranks (1-based) of `values`, and the sizes of the groups of ties."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties: list[int] = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def mann_whitney(a: list[float], b: list[float]) -> dict[str, float]:
    """Two-sided Mann-Whitney U test with the normal approximation (tie-corrected, with
    continuity correction). U is a's; `prob_a_greater` = P(a > b) + P(a = b)/2 = U / (n1 n2)."""
    n1, n2 = len(a), len(b)
    ranks, ties = _ranks(a + b)
    u = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    n = n1 + n2
    mean = n1 * n2 / 2
    tie_term = sum(t**3 - t for t in ties) / (n * (n - 1))
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term))
    delta = u - mean
    z = 0.0 if sigma == 0 else (delta - math.copysign(0.5, delta) if delta else 0.0) / sigma
    p = math.erfc(abs(z) / math.sqrt(2))
    return {"u": u, "z": z, "p": p, "prob_a_greater": u / (n1 * n2)}


def permutation_median_test(
    a: list[float], b: list[float], *, rounds: int, seed: int = 1
) -> dict[str, float]:
    """Two-sided permutation test of median(a) − median(b): the share of random relabellings
    with a difference at least as large in absolute value (with the +1 correction)."""
    rng = random.Random(seed)
    observed = abs(statistics.median(a) - statistics.median(b))
    pooled = a + b
    n1 = len(a)
    extreme = 0
    for _ in range(rounds):
        rng.shuffle(pooled)
        if abs(statistics.median(pooled[:n1]) - statistics.median(pooled[n1:])) >= observed:
            extreme += 1
    return {"rounds": rounds, "p": (extreme + 1) / (rounds + 1)}


def _compare(blocked: list[float], unknown: list[float], *, rounds: int) -> dict[str, Any]:
    mw = mann_whitney(blocked, unknown)
    perm = permutation_median_test(blocked, unknown, rounds=rounds)
    return {
        "n_blocked": len(blocked),
        "n_unknown": len(unknown),
        "median_blocked": statistics.median(blocked),
        "median_unknown": statistics.median(unknown),
        "p95_blocked": harness.percentile(sorted(blocked), 95),
        "p95_unknown": harness.percentile(sorted(unknown), 95),
        "mean_blocked": statistics.fmean(blocked),
        "mean_unknown": statistics.fmean(unknown),
        "difference": statistics.median(blocked) - statistics.median(unknown),
        "mw": mw,
        "perm": perm,
    }


# --- the benchmark ----------------------------------------------------------------------------


def run(ctx: Context) -> Result:
    quick = ctx.quick
    pop = population_for(ctx.backend, quick=quick)
    data = ctx.data.get("people")
    if data is not None and ctx.env.get("DATABASE_URL") == pop.url:
        return _run(ctx, ctx.server, ctx.env, data)
    # With the other benchmarks: the population has a database (and a server) of its own.
    env = {**ctx.env, "DATABASE_URL": pop.url}
    marker = ensure_population(pop, env, ctx.log, regenerate=OPTIONS["regenerate"])
    database = harness.django_call(env, "people:database_name", log=ctx.log)
    data = _describe(pop, marker, database)
    log = BENCH_VAR / f"gunicorn-people-{ctx.backend}.log"
    log.write_text("")
    with harness.serve(env, log=log, workers=ctx.server.workers) as server:
        print(f"   people: gunicorn pid {server.pid} on port {server.port}", flush=True)
        return _run(ctx, server, env, data)


def _call(env: dict[str, str], ctx: Context, target: str, **kwargs: Any) -> Any:
    return harness.django_call(env, target, log=ctx.log, timeout=1800, **kwargs)


def _run(ctx: Context, server: harness.Server, env: dict[str, str], data: dict[str, Any]) -> Result:
    quick = ctx.quick
    n = 60 if quick else 300
    pairs = 200 if quick else 1000
    started = time.monotonic()
    setup = _call(env, ctx, "people:setup", seed=SEED, per_kind=3 if quick else 6)
    print(f"   set-up in {time.monotonic() - started:.0f} s: {setup['summary']}", flush=True)
    plans = _call(env, ctx, "people:explain", searches=setup["searches"][:3], info=setup["info"])
    with ctx.log.open("a") as out:
        out.write("\nQuery plans (people):\n" + plans["text"] + "\n")
    public = Http(server.port)
    clerk = Http(server.port, setup["session"])

    def healthz() -> None:
        public.ok("GET", "/healthz")

    # Sanity: the clerk's session works, the answers are what the set-up expects.
    first = setup["searches"][0]
    json.loads(clerk.ok("GET", _search_path(first["name"], first["birth"])))
    for payload in setup["info"]["birth"][:2] + setup["info"]["address"][:2]:
        answer = json.loads(public.ok("POST", "/api/v1/register-information", payload))
        if answer["answer"] != "found":
            raise BenchError(f"register information not found: {payload} -> {answer}")
    for payload in setup["blocked"] + setup["unknown"]:
        answer = json.loads(public.ok("POST", "/api/v1/register-information", payload))
        if answer["answer"] != "not_found":
            raise BenchError(f"expected not_found: {payload} -> {answer}")

    # Every gunicorn worker serves requests before anything is timed.
    warm_searches = _cycle(setup["searches"])

    def warm_search() -> None:
        clerk.ok("GET", _search_path(**_nb(next(warm_searches))))

    for _ in range(2):
        throughput(healthz, 40, threads=ctx.threads, time_limit=60)
        throughput(warm_search, 3 * ctx.threads, threads=ctx.threads, time_limit=120)

    # (1) search: name spelt differently + date of birth
    recall: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    hits: list[int] = []
    queue = _cycle(setup["searches"])

    def search() -> None:
        item = next(queue)
        found = json.loads(clerk.ok("GET", _search_path(item["name"], item["birth"])))
        hits.append(len(found))
        recall[item["kind"]][1] += 1
        if any(h["id"] == item["target"] for h in found):
            recall[item["kind"]][0] += 1

    name_only_hits: list[int] = []
    name_queue = _cycle(setup["searches"])

    def search_name_only() -> None:
        item = next(name_queue)
        found = json.loads(clerk.ok("GET", _search_path(item["name"], "")))
        name_only_hits.append(len(found))

    seq_search = measure_interleaved(
        {"healthz": healthz, "search": search},
        n,
        warmup=5,
        time_limit=150 if quick else 300,
    )
    seq_name_only = measure_interleaved(
        {"healthz": healthz, "name_only": search_name_only},
        max(20, n // 3),
        warmup=2,
        time_limit=90 if quick else 150,
    )

    # (2) register information
    birth_queue = _cycle(setup["info"]["birth"])
    address_queue = _cycle(setup["info"]["address"])
    info_answers: collections.Counter[str] = collections.Counter()

    def info(queue: Iterator[dict[str, Any]]) -> Callable[[], None]:
        def one() -> None:
            answer = json.loads(public.ok("POST", "/api/v1/register-information", next(queue)))
            info_answers[answer["answer"]] += 1

        return one

    seq_info = measure_interleaved(
        {"healthz": healthz, "birth": info(birth_queue), "address": info(address_queue)},
        n,
        warmup=5,
        time_limit=150 if quick else 400,
    )

    # (3) opening a record
    record_queue = _cycle(setup["records"])
    long_id = setup["history"]["long"]["id"]
    seq_record = measure_interleaved(
        {
            "healthz": healthz,
            "random": lambda: clerk.ok("GET", _record_path(next(record_queue))),
            "long": lambda: clerk.ok("GET", _record_path(long_id)),
        },
        n,
        warmup=5,
        time_limit=150 if quick else 400,
    )
    record_inproc = _call(
        env, ctx, "people:record_queries", history=setup["history"], repeats=30 if quick else 100
    )
    with ctx.log.open("a") as out:
        out.write("\nSQL of the record view (30 residences):\n")
        out.writelines(f"  {line}\n" for line in record_inproc["sql"])

    # (4) § 51: blocked against unknown, interleaved in random order within each pair
    rng = random.Random(51)
    blocked_queue = _cycle(setup["blocked"])
    unknown_queue = _cycle(setup["unknown"])
    samples: dict[str, list[float]] = {"blocked": [], "unknown": []}
    bodies: dict[str, collections.Counter[tuple[int, bytes]]] = {
        "blocked": collections.Counter(),
        "unknown": collections.Counter(),
    }
    for _ in range(10):  # warm-up, not recorded
        public.request("POST", "/api/v1/register-information", next(blocked_queue))
        public.request("POST", "/api/v1/register-information", next(unknown_queue))
    deadline = time.monotonic() + (300 if quick else 900)
    for _ in range(pairs):
        order = ["blocked", "unknown"]
        rng.shuffle(order)
        for group in order:
            payload = next(blocked_queue if group == "blocked" else unknown_queue)
            begin = time.perf_counter()
            status, body = public.request("POST", "/api/v1/register-information", payload)
            samples[group].append(time.perf_counter() - begin)
            bodies[group][(status, body)] += 1
        if time.monotonic() > deadline:
            break
    rounds = 500 if quick else 2000
    http51 = _compare(samples["blocked"], samples["unknown"], rounds=rounds)
    distinct = set(bodies["blocked"]) | set(bodies["unknown"])
    http51["distinct_answers"] = len(distinct)
    http51["statuses"] = sorted({status for status, _ in distinct})
    service = _call(
        env,
        ctx,
        "people:service_timing",
        blocked=setup["blocked"],
        unknown=setup["unknown"],
        pairs=pairs,
    )
    service51 = _compare(service["blocked"], service["unknown"], rounds=rounds)

    return _report(
        ctx,
        data=data,
        setup=setup,
        seq_search=seq_search,
        seq_name_only=seq_name_only,
        seq_info=seq_info,
        seq_record=seq_record,
        record_inproc=record_inproc,
        recall=dict(recall),
        hits=hits,
        name_only_hits=name_only_hits,
        info_answers=info_answers,
        http51=http51,
        service51=service51,
        plans=plans,
    )


def _nb(item: dict[str, Any]) -> dict[str, str]:
    return {"name": item["name"], "birth": item["birth"]}


def _search_path(name: str, birth: str) -> str:
    query = {"name": name, "purpose": PURPOSE}
    if birth:
        query["birth"] = birth
    return "/api/v1/people?" + urlencode(query)


def _record_path(person_id: int) -> str:
    return f"/api/v1/people/{person_id}?purpose={PURPOSE}"


# --- the report -------------------------------------------------------------------------------


def _verdict(ok: bool, text: str) -> str:
    return ("met" if ok else "**missed**") + f" ({text})"


def _p_text(p: float) -> str:
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def _report(ctx: Context, *, data: dict[str, Any], **r: Any) -> Result:
    setup = r["setup"]
    marker = data["marker"]
    report = marker["report"]

    def row(label: str, t: Timing, baseline: Timing) -> list[str]:
        return [label, str(t.n), ms(t.median), ms(t.p95), f"{t.median / baseline.median:.1f}"]

    headers = ["request", "n", "median ms", "p95 ms", "median / baseline"]
    s, so = r["seq_search"], r["seq_name_only"]
    search_rows = [
        row("GET /healthz (baseline)", s["healthz"], s["healthz"]),
        row("GET people search, name spelt differently + birth", s["search"], s["healthz"]),
        row("GET /healthz (baseline, second round)", so["healthz"], so["healthz"]),
        row("GET people search, name only (context, no target)", so["name_only"], so["healthz"]),
    ]
    recall_rows = [
        [kind, f"{got} / {total}", example]
        for kind, (got, total) in sorted(r["recall"].items())
        for example in [setup["examples"].get(kind, "")]
    ]
    i = r["seq_info"]
    info_rows = [
        row("GET /healthz (baseline)", i["healthz"], i["healthz"]),
        row("POST register-information, name + date of birth (found)", i["birth"], i["healthz"]),
        row(
            "POST register-information, name + former address (found)",
            i["address"],
            i["healthz"],
        ),
    ]
    rec = r["seq_record"]
    long = setup["history"]["long"]
    record_rows = [
        row("GET /healthz (baseline)", rec["healthz"], rec["healthz"]),
        row(
            f"GET person record, {len(setup['records'])} random generated people",
            rec["random"],
            rec["healthz"],
        ),
        row(
            f"GET person record, {long['residences']} residences / {long['events']} events",
            rec["long"],
            rec["healthz"],
        ),
    ]
    inproc = r["record_inproc"]
    inproc_rows = [
        [
            item["label"],
            str(item["residences"]),
            str(item["events"]),
            str(item["queries"]["record"]),
            str(item["queries"]["history"]),
            str(item["queries"]["person_for"]),
            ms(statistics.median(item["record_samples"])),
            ms(harness.percentile(sorted(item["record_samples"]), 95)),
        ]
        for item in inproc["people"]
    ]
    counts = {tuple(item["queries"].values()) for item in inproc["people"]}

    def comparison_rows(c: dict[str, Any]) -> list[list[str]]:
        return [
            [
                "blocked",
                str(c["n_blocked"]),
                ms(c["median_blocked"]),
                ms(c["mean_blocked"]),
                ms(c["p95_blocked"]),
            ],
            [
                "unknown",
                str(c["n_unknown"]),
                ms(c["median_unknown"]),
                ms(c["mean_unknown"]),
                ms(c["p95_unknown"]),
            ],
        ]

    def comparison_text(c: dict[str, Any]) -> str:
        mw, perm = c["mw"], c["perm"]
        return (
            f"difference of the medians (blocked − unknown) **{c['difference'] * 1e6:+.0f} µs** "
            f"({c['difference'] / c['median_unknown']:+.1%}); Mann-Whitney U = {mw['u']:,.0f}, "
            f"z = {mw['z']:+.2f}, **p = {_p_text(mw['p'])}** (two-sided; P(blocked slower) = "
            f"{mw['prob_a_greater']:.3f}); permutation test of the difference of the medians "
            f"({perm['rounds']:,} relabellings): p = {_p_text(perm['p'])}"
        )

    h51, s51 = r["http51"], r["service51"]
    c_headers = ["requests about", "n", "median ms", "mean ms", "p95 ms"]
    ratios = {
        "search_over_healthz": s["search"].median / s["healthz"].median,
        "information_birth_over_healthz": i["birth"].median / i["healthz"].median,
        "information_address_over_healthz": i["address"].median / i["healthz"].median,
        "record_over_healthz": rec["random"].median / rec["healthz"].median,
        "record_long_over_healthz": rec["long"].median / rec["healthz"].median,
    }
    info_p95 = max(i["birth"].p95, i["address"].p95)
    record_p95 = max(rec["random"].p95, rec["long"].p95)
    targets = [
        "search p95 ≤ 50 ms: "
        + _verdict(s["search"].p95 <= TARGETS["search_p95"], f"{ms(s['search'].p95)} ms"),
        "register information p95 ≤ 50 ms: "
        + _verdict(info_p95 <= TARGETS["information_p95"], f"{ms(info_p95)} ms"),
        "record p95 ≤ 30 ms: "
        + _verdict(record_p95 <= TARGETS["record_p95"], f"{ms(record_p95)} ms"),
        "queries independent of the history: "
        + _verdict(
            len(counts) == 1,
            "record / history / person_for: "
            + ", ".join("/".join(str(v) for v in c) for c in sorted(counts)),
        ),
        "§ 51 blocked and unknown not told apart over HTTP (p ≥ 0.05, same answer): "
        + _verdict(
            h51["mw"]["p"] >= 0.05 and h51["distinct_answers"] == 1,
            f"p = {_p_text(h51['mw']['p'])}, {h51['distinct_answers']} distinct status+body",
        ),
    ]
    if marker["generated_now"]:
        generation = (
            f"generated in this run in **{marker['wall_seconds']:.0f} s** (the generator's own "
            f"count {report['seconds']:.0f} s, then its `ANALYZE`)"
        )
    else:
        generation = (
            f"generated on {marker['generated_at']} in **{marker['wall_seconds']:.0f} s** (the "
            f"generator's own count {report['seconds']:.0f} s, then its `ANALYZE`) and reused "
            "by this run, migrated"
        )
    median_hits = statistics.median(r["hits"]) if r["hits"] else 0
    markdown = "\n\n".join(
        [
            f"Population: `{marker['command']}` into {data['where']}, {generation}: "
            f"{report['people']:,} people, {report['residences']:,} residences, "
            f"{report['nationalities']:,} nationalities, {report['documents']:,} documents, "
            f"{report['titles']:,} residence titles of {report['with_title']:,} people. Added "
            f"by the bench: {setup['summary']}.",
            "**(1) Staff search over HTTP**, a clerk's session, one request at a time "
            f"(interleaved with `/healthz`), cycling through {len(setup['searches'])} searches "
            "for people drawn from the data, each name spelt differently from the register, "
            "with the date of birth (half as `DD.MM.YYYY`, half ISO; `00` where the register "
            f"does not know it). Median hits per search {median_hits:g}; the name-only row "
            "searches the same names without a date (up to 20 hits).\n\n"
            + md_table(headers, search_rows)
            + "\n\nThe person searched for among the hits, by kind of spelling:\n\n"
            + md_table(["spelling", "found / searches", "example (register → typed)"], recall_rows),
            "**(2) Register information over HTTP** (`POST /api/v1/register-information`, "
            "captcha and rate limits off), one request at a time, interleaved: "
            f"{len(setup['info']['birth'])} people found by name and date of birth, "
            f"{len(setup['info']['address'])} by name and a former address (street written "
            "`Str.` for `Straße`); answers: "
            + ", ".join(f"{k}: {v}" for k, v in sorted(r["info_answers"].items()))
            + ".\n\n"
            + md_table(headers, info_rows),
            "**(3) Opening a record over HTTP** (`GET /api/v1/people/<id>?purpose="
            "person_correction`, the clerk's session):\n\n"
            + md_table(headers, record_rows)
            + "\n\n**In-process** (Django's test client, `CaptureQueriesContext`; the record "
            "and its history through the API views, and `access.person_for` alone):\n\n"
            + md_table(
                [
                    "person",
                    "residences",
                    "events",
                    "SQL: record view",
                    "SQL: history view",
                    "SQL: `person_for`",
                    "record view median ms",
                    "p95 ms",
                ],
                inproc_rows,
            ),
            f"**(4) § 51: blocked against unknown.** {len(setup['blocked'])} residents with an "
            "information block (`block_set`) and, as the unknown, the same names with another "
            "date of birth that nobody with that name has (the same shape of input); requests "
            "interleaved in pairs, the order within each pair random. Over HTTP (the requests "
            "as a stranger would time them; "
            f"{h51['distinct_answers']} distinct status and body over all of them, status "
            f"{', '.join(str(x) for x in h51['statuses'])}):\n\n"
            + md_table(c_headers, comparison_rows(h51))
            + f"\n\n{comparison_text(h51)}.\n\nIn-process, the service "
            "`register_information_request` alone (no HTTP, no gunicorn; the lookup, the "
            "insert and the task enqueued):\n\n"
            + md_table(c_headers, comparison_rows(s51))
            + f"\n\n{comparison_text(s51)}.",
            "Targets: " + "; ".join(targets) + ".",
            f"Ratios: search / healthz = **{ratios['search_over_healthz']:.1f}**; register "
            f"information / healthz = **{ratios['information_birth_over_healthz']:.1f}** (date of "
            f"birth), **{ratios['information_address_over_healthz']:.1f}** (former address); "
            f"record / healthz = **{ratios['record_over_healthz']:.1f}** "
            f"(30 residences: **{ratios['record_long_over_healthz']:.1f}**).",
        ]
    )
    data_line = (
        f"{report['people']:,} generated people ({report['with_title']:,} with residence "
        f"titles), seed {marker['seed']}, in {data['where']}"
    )
    result = PeopleResult(
        title="Person record", markdown=markdown, ratios=ratios, data_line=data_line
    )
    print(r["plans"]["summary"], flush=True)
    return result


# --- in Django (through djcall.py) ------------------------------------------------------------


def database_name() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return f"PostgreSQL {major}.{minor}"
    return f"SQLite {connection.Database.sqlite_version}"


def population_check(*, last: str, beyond: str) -> dict[str, Any]:
    """Complete when the last generated person is there and none after it (the generator
    writes its batches in order, one transaction each)."""
    from hamburg_service.people.models import Person

    has_last = Person.objects.filter(external_id=last).exists()
    has_beyond = Person.objects.filter(external_id=beyond).exists()
    return {"complete": has_last and not has_beyond, "last": has_last, "beyond": has_beyond}


def _fold(text: str) -> str:
    """Without diacritics, as typed on a German keyboard by someone who does not know them:
    "Yılmaz" → "Yilmaz", "Nguyễn" → "Nguyen", "Jürgen" → "Jurgen"."""
    text = text.replace("ı", "i").replace("İ", "I").replace("ß", "ss")
    text = text.replace("Đ", "D").replace("đ", "d").replace("Ø", "O").replace("ø", "o")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


# Family names of the generator (population.py) spelt as they sound (Kölner Phonetik alike).
GERMAN_VARIANTS = {
    "MEIER": "Mayer",
    "MAYER": "Meier",
    "MEYER": "Maier",
    "MAIER": "Meyer",
    "SCHMIDT": "Schmitt",
    "SCHMITT": "Schmidt",
    "SCHMID": "Schmitt",
    "MUELLER": "Müler",
    "SCHAEFER": "Schäffer",
    "HOFFMANN": "Hofmann",
    "HOFMANN": "Hoffmann",
    "WEISS": "Weis",
    "KRUEGER": "Kruger",
    "SCHROEDER": "Schröter",
    "MOELLER": "Möler",
    "VOSS": "Foss",
    "CLAUSSEN": "Klausen",
    "JUERGENSEN": "Jurgensen",
    "SCHMITZ": "Schmiz",
}
TURKISH = [
    *("YILMAZ", "OEZTUERK", "CELIK", "SAHIN", "DOGAN", "YILDIZ", "GUENES", "KILIC"),
    *("YILDIRIM", "OEZDEMIR", "ERDOGAN", "SIMSEK", "CAKIR", "OEZKAN", "AYDIN"),
]
VIETNAMESE = ["NGUYEN", "TRAN", "PHAM", "HOANG", "HUYNH", "DANG", "BUI", "DUONG"]
ARABIC = [
    *("AHMADI", "KARIMI", "RAHIMI", "HOSSEINI", "MOHAMMADI", "REZAEI", "HADDAD"),
    *("KHALIL", "MANSOUR", "HAKIMI", "AZIZI", "NAJAFI", "KAZEMI", "JAFARI"),
]
HYPHENATED = ["AL AHMAD", "AL KHATIB", "AL HUSSEIN", "AL HASSAN", "AL ALI", "AL JUBOURI"]
# Another transliteration of Russian and Ukrainian names than ICAO's (German or English
# habits): Aleksandr → Alexandr, Ivanov → Iwanow, Sergei → Sergej, Evgenii → Ewgeni.
TRANSLIT = (
    ("ks", "x"),
    ("v", "w"),
    ("ii", "i"),
    ("ei", "ej"),
    ("ia", "ja"),
    ("iu", "ju"),
    ("kh", "ch"),
    ("zh", "sch"),
    ("ts", "z"),
)


def _translit(text: str) -> str:
    out = []
    for word in text.split():
        lower = word.lower()
        for old, new in TRANSLIT:
            lower = lower.replace(old, new)
        out.append(lower.capitalize())
    return " ".join(out)


def _arabic_variant(family: str, given: str) -> tuple[str, str]:
    """Another common spelling: Mohammad ↔ Muhammad, a doubled consonant single (Hosseini →
    Hoseini) or a single one doubled, a final i as y (Karimi → Karimy)."""
    given = given.replace("Moham", "Muham").replace("Moha", "Muha")
    for double in ("ss", "mm", "dd", "ll", "ff"):
        if double in family:
            return family.replace(double, double[0], 1), given
    if family.endswith("i"):
        return family[:-1] + "y", given
    return family[:1] + family[1:].replace("a", "aa", 1), given


def _birth_text(person: Any, iso: bool) -> str:
    year, month, day = person.birth_year, person.birth_month or 0, person.birth_day or 0
    return f"{year:04d}-{month:02d}-{day:02d}" if iso else f"{day:02d}.{month:02d}.{year:04d}"


def setup(*, seed: int, per_kind: int) -> dict[str, Any]:
    """Users and session, earlier bench rows removed, the people to search for (with their
    spellings), register information inputs (checked to be found), the blocked people and
    the unknown ones, and the people with a history — all idempotent on the cached data."""
    from django.db import transaction
    from django.db.models import Max, Min, Q
    from django.test import Client
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from hamburg_service.accounts.models import AccessLog, Role, RoleAssignment, User
    from hamburg_service.core.actors import Actor
    from hamburg_service.people import information
    from hamburg_service.people.models import (
        InformationBlock,
        Person,
        PersonStatus,
        RegisterInformationRequest,
        Residence,
    )
    from hamburg_service.people.services.blocks import block_set

    def staff(username: str, role: Role) -> User:
        user, _ = User.objects.get_or_create(username=username)
        RoleAssignment.objects.get_or_create(user=user, role=role)
        return user

    clerk = staff(CLERK, Role.CLERK)
    office = staff(OFFICE, Role.CENTRAL_REGISTRATION)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(clerk)
    session = client.cookies["sessionid"].value

    # Earlier runs' rows: the requests, their queued tasks, the bench users' access log.
    with transaction.atomic():
        RegisterInformationRequest.objects.all().delete()
        DBTaskResult.objects.filter(task_path__endswith="register_information_settle").delete()
        AccessLog.objects.filter(actor__in=[clerk, office]).delete()

    rng = random.Random(seed)
    bounds = Person.objects.filter(external_id__isnull=False).aggregate(lo=Min("pk"), hi=Max("pk"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None:
        raise BenchError("no generated people")
    living = Q(merged_into__isnull=True)

    def sample(condition: Q, count: int, *, seen: set[int]) -> list[Any]:
        out: list[Any] = []
        for _ in range(count * 20):
            if len(out) >= count:
                break
            x = rng.randint(lo, hi)
            person = (
                Person.objects.filter(condition, living, pk__gte=x, pk__lte=hi)
                .order_by("pk")
                .first()
            )
            if person is not None and person.pk not in seen:
                seen.add(person.pk)
                out.append(person)
        return out

    seen: set[int] = set()
    searches: list[dict[str, Any]] = []
    examples: dict[str, str] = {}

    def add(kind: str, person: Any, family: str, given: str, *, name: str = "") -> None:
        typed = name or f"{family} {given}".strip()
        searches.append(
            {
                "kind": kind,
                "name": typed,
                "birth": _birth_text(person, iso=len(searches) % 2 == 0),
                "target": person.pk,
            }
        )
        examples.setdefault(kind, f"{person.family_name} {person.given_names} → {typed}")

    kinds = [
        ("German, spelt as it sounds (Mayer for Meier)", Q(family_key__in=list(GERMAN_VARIANTS))),
        ("Turkish, without Turkish letters (Yilmaz for Yılmaz)", Q(family_key__in=TURKISH)),
        ("Cyrillic origin, another transliteration", ~Q(original_family_name="")),
        ("Cyrillic origin, typed in Cyrillic", ~Q(original_family_name="")),
        ("Vietnamese, without diacritics", Q(family_key__in=VIETNAMESE)),
        ("Arabic/Persian, another spelling", Q(family_key__in=ARABIC)),
        ("two-word family name, as registered (Al-Ahmad)", Q(family_key__in=HYPHENATED)),
    ]
    for kind, condition in kinds:
        for person in sample(condition, per_kind, seen=seen):
            family, given = person.family_name, person.given_names
            if kind.startswith("German"):
                add(kind, person, GERMAN_VARIANTS[person.family_key], _fold(given))
            elif kind.startswith("Turkish") or kind.startswith("Vietnamese"):
                add(kind, person, _fold(family), _fold(given))
            elif kind.endswith("another transliteration"):
                add(kind, person, _translit(family), _translit(given))
            elif kind.endswith("typed in Cyrillic"):
                add(kind, person, person.original_family_name, person.original_given_names)
            elif kind.startswith("Arabic"):
                add(kind, person, *_arabic_variant(family, given))
            else:
                add(kind, person, family, given)

    # Register information: residents found by name + date of birth, and by a former address.
    now = timezone.now()
    requester = {
        "requester_name": "Bench Auskunft GmbH",
        "requester_email": "bench-information@example.org",
        "purpose": "private",
    }

    def payload(person: Any, **details: str) -> dict[str, str]:
        return {
            "family_name": person.family_name,
            "given_names": person.given_names,
            **details,
            **requester,
        }

    def candidates(data: dict[str, str]) -> list[Any]:
        fields = {k: v for k, v in data.items() if k in information.InformationQuery.__slots__}
        query = information.information_query_check(information.InformationQuery(**fields), now=now)
        return information.information_candidates(query=query, now=now)

    def found(data: dict[str, str], person: Any) -> bool:
        shown = [c for c in candidates(data) if c.block_id is None]
        return len(shown) == 1 and shown[0].person_id == person.pk

    resident = Q(status=PersonStatus.RESIDENT)
    info_birth: list[dict[str, str]] = []
    for person in sample(resident, per_kind * 4, seen=seen):
        data = payload(person, birth_date=_birth_text(person, iso=False))
        if found(data, person):
            info_birth.append(data)
    info_address: list[dict[str, str]] = []
    for person in sample(resident, per_kind * 6, seen=seen):
        rows = list(Residence.objects.filter(person=person).order_by("moved_in_on", "pk"))
        former = rows[0]  # the first residence: a former one where there were moves
        number = former.house_number
        if number and number[-1].isalpha():
            number = f"{number[:-1]} {number[-1]}"  # "12a" typed "12 a"
        data = payload(
            person,
            street=former.street.replace("straße", "str.").replace("Straße", "Str."),
            house_number=number,
            postcode=former.postcode,
        )
        if found(data, person):
            info_address.append(data)
        if len(info_address) >= per_kind * 2:
            break

    # § 51: five blocked residents (the same ones on every run) and the unknown: the same
    # names with a date of birth that nobody with that name has.
    actor = Actor.staff(office)
    blocks = list(
        InformationBlock.objects.filter(reason=BLOCK_REASON, lifted_on__isnull=True)
        .select_related("person")
        .order_by("pk")
    )
    blocked_people = [b.person for b in blocks]
    for person in sample(resident & Q(birth_day__isnull=False), 200, seen=seen):
        if len(blocked_people) >= 5:
            break
        data = payload(person, birth_date=_birth_text(person, iso=False))
        if found(data, person):
            block_set(person=person, reason=BLOCK_REASON, actor=actor)
            blocked_people.append(person)
    blocked: list[dict[str, str]] = []
    unknown: list[dict[str, str]] = []
    for person in blocked_people[:5]:
        data = payload(person, birth_date=_birth_text(person, iso=False))
        if [c.person_id for c in candidates(data)] != [person.pk]:
            raise BenchError(f"blocked person {person.pk} is not the only match: {data}")
        blocked.append(data)
        birth = dt.date(person.birth_year, person.birth_month, person.birth_day)
        for shift in range(37, 400, 37):
            other = birth - dt.timedelta(days=shift)
            guess = payload(person, birth_date=other.strftime("%d.%m.%Y"))
            if not candidates(guess):
                unknown.append(guess)
                break
    if len(blocked) < 5 or len(unknown) < 5:
        raise BenchError(f"§ 51 set-up: {len(blocked)} blocked, {len(unknown)} unknown")

    records = [p.pk for p in sample(Q(), 40, seen=seen)]
    one = next(
        p
        for p in sample(Q(external_id__isnull=False), 50, seen=seen)
        if Residence.objects.filter(person=p).count() == 1
    )
    short = _history_person(clerk, given="Eins", moves=1)
    long = _history_person(clerk, given="Dreißig", moves=30)
    history = {
        "generated": {
            "label": "generated (no events)",
            "id": one.pk,
            "residences": Residence.objects.filter(person=one).count(),
            "events": one.events.count(),
        },
        "short": {"label": "made by the services, 1 residence", **short},
        "long": {"label": "made by the services, 30 residences", **long},
    }
    summary = (
        f"{len(blocked)} information blocks, a person with {short['residences']} residence "
        f"({short['events']} events) and one with {long['residences']} residences "
        f"({long['events']} events), a clerk and a member of the central registration office"
    )
    return {
        "session": session,
        "searches": searches,
        "examples": examples,
        "info": {"birth": info_birth, "address": info_address},
        "blocked": blocked,
        "unknown": unknown,
        "records": records,
        "history": history,
        "summary": summary,
    }


def _history_person(clerk: Any, *, given: str, moves: int) -> dict[str, Any]:
    """A person made through the services (person_create, residence_register, then
    residence_change for every further move), or the one made by an earlier run."""
    from hamburg_service.core.actors import Actor
    from hamburg_service.people.checks import Address, BirthDate
    from hamburg_service.people.models import Person, Residence
    from hamburg_service.people.services.identity import PersonInput, person_create
    from hamburg_service.people.services.residences import residence_change, residence_register

    namesakes = list(
        Person.objects.filter(family_name=LONG_FAMILY, given_names=given).order_by("pk")
    )
    done = [p for p in namesakes if Residence.objects.filter(person=p).count() == moves]
    if done:
        person = done[0]
    else:
        actor = Actor.staff(clerk)
        # An earlier run that stopped half-way left a namesake: confirmed as somebody else.
        distinct = tuple(p.pk for p in namesakes)
        person = person_create(
            data=PersonInput(
                family_name=LONG_FAMILY,
                given_names=given,
                sex="x",
                birth=BirthDate(1970, 5, 5),
                nationalities=("DEU",),
            ),
            actor=actor,
            distinct_from=distinct,
        ).person
        first = dt.date(1994, 1, 10)
        residence_register(
            person=person,
            address=Address("Osterstraße", "1", "20259"),
            moved_in_on=first,
            actor=actor,
        )
        for i in range(1, moves):
            residence_change(
                person=person,
                address=Address("Osterstraße", str(i + 1), "20259"),
                moved_in_on=first + dt.timedelta(days=300 * i),
                actor=actor,
            )
    return {
        "id": person.pk,
        "residences": Residence.objects.filter(person=person).count(),
        "events": person.events.count(),
    }


def record_queries(*, history: dict[str, Any], repeats: int) -> dict[str, Any]:
    """SQL queries of the record view, the history view and `access.person_for` (Django's test
    client, signed in as the bench clerk), and the record view's time, for each person."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hamburg_service.accounts.models import User
    from hamburg_service.core.actors import Actor
    from hamburg_service.people import access

    clerk = User.objects.get(username=CLERK)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(clerk)
    out = []
    sql: list[str] = []
    for item in history.values():
        path = _record_path(item["id"])
        history_path = f"/api/v1/people/{item['id']}/history?purpose={PURPOSE}"
        for warm in (path, history_path):
            if client.get(warm).status_code != 200:
                raise BenchError(f"{warm} did not answer 200")
        access.person_for(  # warm: the user's roles are cached on it after the first read
            actor=Actor.staff(clerk), person_id=item["id"], purpose=access.Purpose.of(PURPOSE)
        )
        queries = {}
        for key, fn in (
            ("record", lambda p=path: client.get(p)),
            ("history", lambda p=history_path: client.get(p)),
            (
                "person_for",
                lambda i=item["id"]: access.person_for(
                    actor=Actor.staff(clerk), person_id=i, purpose=access.Purpose.of(PURPOSE)
                ),
            ),
        ):
            with CaptureQueriesContext(connection) as captured:
                fn()
            queries[key] = len(captured)
            if key == "record" and item["residences"] > 1 and not sql:
                sql = [q["sql"][:300] for q in captured.captured_queries]
        samples = []
        for _ in range(repeats):
            begin = time.perf_counter()
            client.get(path)
            samples.append(time.perf_counter() - begin)
        out.append({**item, "queries": queries, "record_samples": samples})
    return {"people": out, "sql": sql}


def service_timing(
    *, blocked: list[dict[str, str]], unknown: list[dict[str, str]], pairs: int
) -> dict[str, list[float]]:
    """`register_information_request` in-process for blocked and unknown, interleaved in pairs
    in random order (the input checked beforehand, as the view does before it)."""
    from django.utils import timezone

    from hamburg_service.people import information
    from hamburg_service.people.models import InformationAnswer, InformationChannel

    def checked(data: dict[str, str]) -> Any:
        return information.information_query_check(
            information.InformationQuery(**data), now=timezone.now()
        )

    queries = {"blocked": [checked(d) for d in blocked], "unknown": [checked(d) for d in unknown]}
    rng = random.Random(44)
    out: dict[str, list[float]] = {"blocked": [], "unknown": []}
    for i in range(pairs + 10):
        order = ["blocked", "unknown"]
        rng.shuffle(order)
        for group in order:
            query = queries[group][i % len(queries[group])]
            begin = time.perf_counter()
            result = information.register_information_request(
                query=query, channel=InformationChannel.API, language="de"
            )
            elapsed = time.perf_counter() - begin
            if result.answer != InformationAnswer.NOT_FOUND:
                raise BenchError(f"{group}: answer {result.answer}")
            if i >= 10:  # the first ten pairs warm up
                out[group].append(elapsed)
    return out


def explain(*, searches: list[dict[str, Any]], info: dict[str, Any]) -> dict[str, str]:
    """The plans of the search and register information queries (EXPLAIN QUERY PLAN on
    SQLite, EXPLAIN ANALYZE on PostgreSQL), for the log."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from hamburg_service.people import information, selectors
    from hamburg_service.people.checks import BirthDate

    lines: list[str] = []
    summary: list[str] = []

    def plan(label: str, sql: str) -> None:
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            rows = cursor.fetchall()
        text = "\n".join("    " + " | ".join(str(c) for c in row) for row in rows)
        lines.append(f"-- {label}\n    {sql}\n{text}")
        summary.append(f"   plan of {label}: " + "; ".join(str(row[-1]) for row in rows[:6]))

    for item in searches:
        birth = BirthDate.parse(item["birth"], field="birth")
        with CaptureQueriesContext(connection) as captured:
            selectors.persons_matching(name=item["name"], birth=birth, limit=20)
        plan(f"search {item['name']!r} {item['birth']}", captured.captured_queries[-1]["sql"])
    for key in ("birth", "address"):
        data = info[key][0]
        now = timezone.now()
        query = information.information_query_check(
            information.InformationQuery(
                **{k: v for k, v in data.items() if k in information.InformationQuery.__slots__}
            ),
            now=now,
        )
        with CaptureQueriesContext(connection) as captured:
            information.information_candidates(query=query, now=now)
        plan(f"register information by {key}", captured.captured_queries[-1]["sql"])
    return {"text": "\n\n".join(lines), "summary": "\n".join(summary)}
