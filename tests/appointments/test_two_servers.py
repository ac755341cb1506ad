"""Two server processes against one database: web processes keep no state of their own, so
bookings racing through both still get exactly one seat each (SQLite file and PostgreSQL)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter as Tally
from collections.abc import Iterator
from pathlib import Path

import pytest

from hamburg_service.appointments.models import Appointment
from tests.support.db import database_url

from .test_races import assert_book_is_consistent, first_free

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_servers(city) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "60",
        "WALK_IN_SHARE": "0",
        "STAFF_SHARE": "0",
        "BOOKING_CONFIRM_BY_EMAIL": "false",
        "CAPTCHA_ENABLED": "false",
        "RATE_LIMITS_ENABLED": "false",
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "PYTHONPATH": str(ROOT / "src"),
    }
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "hamburg_service.wsgi",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 90
        for url in urls:
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:  # not up yet: refused, reset or timed out
                    pass
                assert time.monotonic() < deadline, "servers did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


def test_bookings_racing_through_two_servers_get_one_seat_each(city, two_servers):
    start = first_free(city)
    outcomes: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def attempt(n: int) -> None:
        body = json.dumps(
            {
                "location": "centre",
                "services": ["anmeldung"],
                "start": start.isoformat(),
                "name": f"Person {n}",
                "email": f"p{n}@example.org",
            }
        ).encode()
        request = urllib.request.Request(
            f"{two_servers[n % 2]}/api/v1/appointments",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        barrier.wait(timeout=10)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        with lock:
            outcomes.append(status)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Tally(outcomes) == {201: 2, 409: 14}
    assert Appointment.objects.count() == 2
    assert_book_is_consistent(city)
