"""Shared pieces of the benchmarks under bench/: databases, the production server, timing, report.

Nothing here knows about a particular benchmark. A benchmark is a function that gets a
`Context` (backend, running server, environment for in-process calls) and returns a `Result`
(Markdown tables and ratios); see run.py for the registry.

Only 127.0.0.1 is ever contacted. Every loop is bounded in count and in time.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn")
HOST = "127.0.0.1"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "hamburg_bench"
RESULT_MARK = "BENCH-RESULT "


class BenchError(RuntimeError):
    pass


# --- databases ----------------------------------------------------------------------------------


def database_url(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{BENCH_VAR / 'bench.sqlite3'}"
    if backend == "postgres":
        return f"postgres://postgres@{HOST}:5432/{PG_BENCH_DB}"
    raise ValueError(backend)


def reset_database(backend: str) -> None:
    """A fresh, empty database: SQLite file removed, PostgreSQL database dropped and created."""
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (BENCH_VAR / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        name = sql.Identifier(PG_BENCH_DB)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def production_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of docs/deploy.md, for plain http on loopback, with all files under
    var/bench/ (the shared var/ is left alone)."""
    env = dict(os.environ)
    for name in ("DEBUG", "DJANGO_SETTINGS_MODULE", "LOG_LEVEL"):
        env.pop(name, None)
    env.update(
        ENVIRONMENT="production",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        CONN_MAX_AGE="60",
        VAR_DIR=str(BENCH_VAR),
        STATIC_ROOT=str(BENCH_VAR / "static"),
        MEDIA_ROOT=str(BENCH_VAR / "media"),
        # The private uploads of the files app: a directory of their own (files.E001).
        UPLOADS_ROOT=str(BENCH_VAR / "uploads"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, log: Path, timeout: float = 600) -> None:
    """`python manage.py <args>`, output appended to `log`."""
    with log.open("a") as out:
        out.write(f"\n$ manage.py {' '.join(args)}\n")
        out.flush()
        proc = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    if proc.returncode != 0:
        raise BenchError(f"manage.py {args[0]} failed (exit {proc.returncode}), see {log}")


def django_call(
    env: dict[str, str], target: str, *, log: Path, timeout: float = 600, **kwargs: Any
) -> Any:
    """Run `module:function(**kwargs)` inside Django (bench/djcall.py) in a fresh process with
    `env`, and return its JSON-serialisable result. Used for data set-up and for in-process
    timings, so each backend gets its own settings."""
    proc = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "djcall.py"), target, json.dumps(kwargs)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    with log.open("a") as out:
        out.write(f"\n$ djcall {target} {kwargs}\n{proc.stdout}{proc.stderr}")
    if proc.returncode != 0:
        raise BenchError(f"{target} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise BenchError(f"{target} printed no result")


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    workers: int
    log: Path
    pid: int

    def get(self, path: str, timeout: float = 30) -> bytes:
        """One GET on a new connection (gunicorn's sync workers close after each response);
        anything but 200 is an error."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Accept": "application/json"})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise BenchError(f"GET {path} -> {response.status}: {body[:300]!r}")
        return body


@contextlib.contextmanager
def serve(
    env: dict[str, str], *, log: Path, workers: int | None = None, start_timeout: float = 60
) -> Iterator[Server]:
    """gunicorn as documented (deploy/gunicorn.conf.py) on a free loopback port; output to
    `log`. Waits for /healthz; always stops the server (TERM, then KILL of its process group)."""
    workers = workers or 2 * (os.cpu_count() or 1) + 1
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "WEB_CONCURRENCY": str(workers)}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"\n--- gunicorn on {HOST}:{port}, {workers} workers ---\n")
        out.flush()
        proc = subprocess.Popen(
            [GUNICORN, "-c", "deploy/gunicorn.conf.py", "hamburg_service.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
        )
    server = Server(port=port, workers=workers, log=log, pid=proc.pid)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {proc.returncode}, see {log}")
            try:
                server.get("/healthz", timeout=2)
                break
            except (OSError, BenchError, http.client.HTTPException) as exc:
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"no healthy /healthz after {start_timeout}s, see {log}"
                    ) from exc
                time.sleep(0.2)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


# --- timing -------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


@dataclass
class Timing:
    name: str
    samples: list[float] = field(default_factory=list)  # seconds

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def median(self) -> float:
        return percentile(sorted(self.samples), 50)

    @property
    def p95(self) -> float:
        return percentile(sorted(self.samples), 95)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "samples": self.samples}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Timing:
        return cls(name=data["name"], samples=list(data["samples"]))


def measure(
    fn: Callable[[], object],
    n: int,
    *,
    name: str = "",
    warmup: int = 10,
    time_limit: float = 120,
) -> Timing:
    """Call `fn` `warmup` times, then time up to `n` sequential calls (fewer if `time_limit`
    seconds run out; the report shows the real count)."""
    deadline = time.monotonic() + time_limit
    for _ in range(warmup):
        fn()
        if time.monotonic() > deadline:
            break
    timing = Timing(name=name)
    deadline = time.monotonic() + time_limit
    for _ in range(n):
        started = time.perf_counter()
        fn()
        timing.samples.append(time.perf_counter() - started)
        if time.monotonic() > deadline:
            break
    return timing


def measure_interleaved(
    fns: dict[str, Callable[[], object]],
    n: int,
    *,
    warmup: int = 10,
    time_limit: float = 300,
) -> dict[str, Timing]:
    """Like `measure` for several functions at once, in rounds (a, b, c, a, b, c, …), so that
    a noisy neighbour slows all of them alike and their ratios stay meaningful."""
    deadline = time.monotonic() + time_limit
    for _ in range(warmup):
        for fn in fns.values():
            fn()
        if time.monotonic() > deadline:
            break
    timings = {name: Timing(name=name) for name in fns}
    deadline = time.monotonic() + time_limit
    for _ in range(n):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            timings[name].samples.append(time.perf_counter() - started)
        if time.monotonic() > deadline:
            break
    return timings


@dataclass
class Throughput:
    name: str
    requests: int
    seconds: float
    threads: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else float("nan")


def throughput(
    fn: Callable[[], object],
    total: int,
    *,
    threads: int,
    name: str = "",
    time_limit: float = 120,
) -> Throughput:
    """`total` calls of `fn` shared by `threads` client threads (stops early when `time_limit`
    runs out); any failed call fails the measurement."""
    lock = threading.Lock()
    issued = 0
    done = 0
    errors: list[BaseException] = []
    deadline = time.monotonic() + time_limit

    def worker() -> None:
        nonlocal issued, done
        while True:
            with lock:
                if issued >= total or errors or time.monotonic() > deadline:
                    return
                issued += 1
            try:
                fn()
            except Exception as exc:
                with lock:
                    errors.append(exc)
                return
            with lock:
                done += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=time_limit + 60)
    elapsed = time.perf_counter() - started
    if errors:
        raise BenchError(f"{name}: {len(errors)} failed request(s): {errors[0]}")
    return Throughput(name=name, requests=done, seconds=elapsed, threads=threads)


def throughput_interleaved(
    fns: dict[str, Callable[[], object]],
    total: int,
    *,
    threads: int,
    rounds: int = 2,
    time_limit: float = 120,
) -> dict[str, Throughput]:
    """`throughput` for several functions, `total` calls each, split into `rounds` alternating
    bursts (a, b, a, b) so a noisy neighbour affects all of them alike; the counts and times
    of the bursts are added up."""
    out = {name: Throughput(name=name, requests=0, seconds=0.0, threads=threads) for name in fns}
    per_round = max(1, total // rounds)
    for _ in range(rounds):
        for name, fn in fns.items():
            burst = throughput(
                fn, per_round, threads=threads, name=name, time_limit=time_limit / rounds
            )
            out[name].requests += burst.requests
            out[name].seconds += burst.seconds
    return out


# --- report -------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    python = subprocess.run(
        [PYTHON, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout.strip()
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "arch": platform.machine(),
        "python": python or platform.python_version(),
        "cpu": cpu,
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def md_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Context:
    """What a benchmark gets: the backend, the running server, the environment for in-process
    calls (django_call), the data description and the size of the run."""

    backend: str
    server: Server
    env: dict[str, str]
    data: dict[str, Any]
    quick: bool
    threads: int
    log: Path

    def call(self, target: str, **kwargs: Any) -> Any:
        return django_call(self.env, target, log=self.log, **kwargs)


@dataclass
class Result:
    """A benchmark's answer: Markdown (tables, notes) and the ratios worth comparing."""

    title: str
    markdown: str
    ratios: dict[str, float] = field(default_factory=dict)


def replace_section(path: Path, key: str, body: str, *, header: str) -> None:
    """Put `body` between `<!-- bench:key -->` markers in `path`: replacing the earlier
    section with that key, or appended at the end."""
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else header
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
