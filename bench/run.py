"""Benchmarks of Hamburg Service against the production set-up of docs/deploy.md.

    make bench                                  # = .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --db sqlite --quick
    .venv/bin/python bench/run.py --db postgres --only opening-hours
    .venv/bin/python bench/run.py --only appointments
    .venv/bin/python bench/run.py --only people --people 100000   # population cached
    .venv/bin/python bench/run.py --only cases --quick             # 5,000 open / 100,000 closed
    .venv/bin/python bench/run.py --only online                    # forms: steps, uploads, rush

Per backend: a fresh database (SQLite under var/bench/, PostgreSQL `hamburg_bench`), migrated,
with the Hamburg-scale generated city and some closures; gunicorn started as documented; then
every selected benchmark. Results are printed and written to docs/benchmarks.md (one section per
benchmark and backend, replaced on the next run). Because the machine is shared, compare the
ratios against the baseline measured in the same run, not the absolute numbers.

To add a benchmark: write `run(ctx: harness.Context) -> harness.Result` in a module under bench/
(in-process parts go through `ctx.call("module:function", ...)`) and register it in BENCHMARKS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import harness
import online
import opening_hours
from harness import BENCH_VAR, ROOT, Context, Result

import appointments
import cases
import people
import visits

BENCHMARKS: dict[str, Callable[[Context], Result]] = {
    "opening-hours": opening_hours.run,
    "appointments": appointments.run,
    "visits": visits.run,
    "people": people.run,
    "cases": cases.run,
    "online": online.run,
}
CITY = {"locations": 31, "services": 30, "counters": 8, "seed": 1}
# Settings for load runs: bookings confirmed at once (no e-mail round trip), no per-address
# limit, no per-IP rate limits and no captcha, so that all clients can come from 127.0.0.1.
LOAD_ENV = {
    "BOOKING_CONFIRM_BY_EMAIL": "false",
    "MAX_BOOKINGS_PER_EMAIL_30_DAYS": "1000000",
    "RATE_LIMITS_ENABLED": "false",
    "CAPTCHA_ENABLED": "false",
}
DOCS = ROOT / "docs" / "benchmarks.md"
DOCS_HEADER = "# Benchmarks\n\nResults of `make bench` (bench/run.py).\n"
BACKEND_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def prepare(backend: str, log: Path, *, collectstatic: bool) -> tuple[dict[str, str], dict]:
    """Fresh database, migrated, with the generated city and closures; returns the server
    environment and the data description."""
    harness.reset_database(backend)
    env = harness.production_env(harness.database_url(backend), **LOAD_ENV)
    harness.manage(env, "migrate", "--noinput", log=log)
    harness.manage(
        env,
        "city_generate",
        f"--locations={CITY['locations']}",
        f"--services={CITY['services']}",
        f"--counters={CITY['counters']}",
        f"--seed={CITY['seed']}",
        log=log,
    )
    data = harness.django_call(env, "fixtures:add_closures", log=log, seed=CITY["seed"])
    if collectstatic:
        harness.manage(env, "collectstatic", "--noinput", "-v0", log=log)
    return env, data


def section(
    name: str, backend: str, result: Result, data: dict, info: dict, server: harness.Server
) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    # A benchmark on data of its own (people.PeopleResult) describes it.
    data_line = getattr(result, "data_line", "") or (
        f"{data['locations']} locations, {data['services']} services, "
        f"{data['counters']} counters ({CITY['counters']} per location), "
        f"{data['closures']} closures ({data['counter_closures']} of single counters), "
        f"{opening_hours.DAYS_LONG} days"
    )
    return "\n".join(
        [
            f"### {result.title} — {BACKEND_NAMES[backend]}",
            "",
            f"- date: {when}",
            f"- command: `{info['command']}`",
            f"- data: {data_line}",
            f"- machine: nproc {info['nproc']}, {info['arch']}, Python {info['python']}, "
            f"CPU {info['cpu']} (shared, noisy)",
            f"- backend: {data['database']}; gunicorn, {server.workers} sync workers, "
            "persistent connections (CONN_MAX_AGE=60)",
            "",
            result.markdown,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only these"
    )
    parser.add_argument("--workers", type=int, default=None, help="default: 2 × cores + 1")
    parser.add_argument("--threads", type=int, default=8, help="client threads for throughput")
    parser.add_argument(
        "--people",
        type=int,
        default=None,
        help="people benchmark: population size (default 1,900,000; 20,000 with --quick)",
    )
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="people and cases benchmarks: generate the data anew even if a complete one is cached",
    )
    parser.add_argument(
        "--cases-open",
        type=int,
        default=None,
        help="cases benchmark: open cases (default 50,000; 5,000 with --quick)",
    )
    parser.add_argument(
        "--cases-closed",
        type=int,
        default=None,
        help="cases benchmark: closed cases (default 1,000,000; 100,000 with --quick)",
    )
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--docs", dest="docs", action="store_true", default=None)
    docs.add_argument(
        "--no-docs",
        dest="docs",
        action="store_false",
        help="do not write docs/benchmarks.md (default: write unless --quick)",
    )
    args = parser.parse_args(argv)
    write_docs = (not args.quick) if args.docs is None else args.docs
    people.configure(count=args.people, regenerate=args.regenerate)
    cases.configure(
        open_count=args.cases_open, closed_count=args.cases_closed, regenerate=args.regenerate
    )

    # A TERM (e.g. from a CI timeout) unwinds like an error, so the server is always stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    selected = args.only or list(BENCHMARKS)
    info = harness.machine()
    info["command"] = shlex.join([".venv/bin/python", "bench/run.py", *sys.argv[1:]])
    for i, backend in enumerate(backends):
        log = BENCH_VAR / f"{backend}.log"
        log.write_text("")
        print(f"== {BACKEND_NAMES[backend]}: preparing data (log: {log})", flush=True)
        if selected == ["people"]:  # its own cached database; the shared one is left alone
            env, data = people.prepare(
                backend, log, load_env=LOAD_ENV, collectstatic=i == 0, quick=args.quick
            )
        elif selected == ["cases"]:  # the same
            env, data = cases.prepare(
                backend, log, load_env=LOAD_ENV, collectstatic=i == 0, quick=args.quick
            )
        else:
            env, data = prepare(backend, log, collectstatic=i == 0)
        print(f"   {data}", flush=True)
        gunicorn_log = BENCH_VAR / f"gunicorn-{backend}.log"
        gunicorn_log.write_text("")
        with harness.serve(env, log=gunicorn_log, workers=args.workers) as server:
            print(f"   gunicorn pid {server.pid} on port {server.port}, {server.workers} workers")
            ctx = Context(
                backend=backend,
                server=server,
                env=env,
                data=data,
                quick=args.quick,
                threads=args.threads,
                log=log,
            )
            for name in selected:
                print(f"== {BACKEND_NAMES[backend]}: {name}", flush=True)
                result = BENCHMARKS[name](ctx)
                text = section(name, backend, result, data, info, server)
                print("\n" + text + "\n", flush=True)
                if write_docs:
                    harness.replace_section(DOCS, f"{name}:{backend}", text, header=DOCS_HEADER)
    print(f"done in {time.monotonic() - started:.0f} s" + (f"; see {DOCS}" if write_docs else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
