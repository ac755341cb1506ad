"""The one scheduler: jobs run when due, once per tick among any number of schedulers, and a
failing job is logged, counted and retried without stopping the others."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hamburg_service.core import scheduler
from hamburg_service.core.models import JobState
from tests.support.db import database_url

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2030, 1, 14, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def registry(monkeypatch):
    """An empty job registry for the test (the apps' own jobs are not discovered)."""
    monkeypatch.setattr(scheduler, "_registry", {})
    monkeypatch.setattr(scheduler, "_discovered", True)
    return scheduler._registry


@pytest.mark.django_db
def test_a_job_runs_when_due_and_once_per_tick(registry):
    runs: list[dt.datetime] = []
    scheduler.job("tests.every_minute", every=dt.timedelta(minutes=1))(runs.append)
    assert scheduler.scheduler_tick(T0) == ["tests.every_minute"]
    assert scheduler.scheduler_tick(T0 + dt.timedelta(seconds=30)) == []
    assert scheduler.scheduler_tick(T0 + dt.timedelta(minutes=1)) == ["tests.every_minute"]
    assert runs == [T0, T0 + dt.timedelta(minutes=1)]
    state = JobState.objects.get(name="tests.every_minute")
    assert state.runs == 2
    assert state.failures == 0
    assert state.next_run_at == T0 + dt.timedelta(minutes=2)


@pytest.mark.django_db
def test_a_daily_job_waits_for_its_local_time(registry, settings):
    runs: list[dt.datetime] = []
    scheduler.job("tests.nightly", daily_at=dt.time(2, 30))(runs.append)
    evening = dt.datetime(2030, 1, 14, 21, 0, tzinfo=dt.UTC)  # 22:00 in Berlin
    assert scheduler.scheduler_tick(evening) == []
    night = dt.datetime(2030, 1, 15, 1, 30, tzinfo=dt.UTC)  # 02:30 in Berlin
    assert scheduler.scheduler_tick(night) == ["tests.nightly"]
    assert runs == [night]
    assert JobState.objects.get(name="tests.nightly").next_run_at == night + dt.timedelta(days=1)


@pytest.mark.django_db
def test_a_failing_job_is_retried_and_never_stops_the_others(registry, caplog):
    done: list[dt.datetime] = []

    def broken(now: dt.datetime) -> None:
        raise OverflowError("date value out of range")

    scheduler.job("tests.broken", every=dt.timedelta(minutes=30))(broken)
    scheduler.job("tests.fine", every=dt.timedelta(minutes=30))(done.append)
    assert scheduler.scheduler_tick(T0) == ["tests.broken", "tests.fine"]
    assert done == [T0]
    state = JobState.objects.get(name="tests.broken")
    assert state.failures == 1
    assert "OverflowError: date value out of range" in state.last_error
    assert state.next_run_at == T0 + scheduler.RETRY_AFTER  # tried again soon, not in 30 minutes
    assert "Job tests.broken failed" in caplog.text
    assert scheduler.scheduler_tick(T0 + scheduler.RETRY_AFTER) == ["tests.broken"]
    assert JobState.objects.get(name="tests.broken").failures == 2


def test_per_item_skips_the_item_that_fails(caplog):
    seen: list[int] = []

    def handle(item: int) -> bool:
        if item == 2:
            raise ValueError("bad item")
        seen.append(item)
        return item != 3

    assert scheduler.per_item([1, 2, 3, 4], handle, what="Handling") == 2
    assert seen == [1, 3, 4]
    assert "Handling failed for 2" in caplog.text


def test_the_apps_register_their_jobs():
    names = {job.name for job in scheduler.jobs()}
    assert {
        "appointments.holds_release",
        "appointments.waitlist_offer",
        "appointments.reminders",
        "appointments.closure_notices",
        "visits.call_notices",
        "visits.end_of_day",
        "notifications.deliver",
    } <= names


SCHEDULER = """
import datetime as dt, os, sys, time, django
sys.path.insert(0, {src!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamburg_service.settings")
django.setup()
from hamburg_service.core import scheduler
scheduler._registry.clear()
scheduler._discovered = True

@scheduler.job("tests.tick", every=dt.timedelta(seconds=1))
def tick(now):
    with open({log!r}, "a") as log:
        log.write(f"{{os.getpid()}} {{now.timestamp()}}\\n")

time.sleep(max(0.0, {start} - time.time()))  # both start at the same moment
scheduler.scheduler_run(seconds={seconds}, pause=0.02)
"""


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_run_each_tick_once(tmp_path):
    log = tmp_path / "ticks.log"
    seconds = 3.0
    script = SCHEDULER.format(
        src=str(ROOT / "src"), log=str(log), start=time.time() + 2, seconds=seconds
    )
    env = {**os.environ, "DATABASE_URL": database_url(), "CONN_MAX_AGE": "0"}
    processes = [
        subprocess.Popen([sys.executable, "-c", script], env=env, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for process in processes:
        _out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
    runs = sorted(float(line.split()[1]) for line in log.read_text().splitlines())
    # One run per second among both, never two for one tick.
    assert seconds - 1 <= len(runs) <= seconds + 1, runs
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    assert min(gaps) > 0.9, gaps
    assert JobState.objects.get(name="tests.tick").runs == len(runs)
