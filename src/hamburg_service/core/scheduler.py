"""The one scheduler of periodic work. Each app registers its jobs in its `jobs.py`:

    @job("appointments.holds_release", every=dt.timedelta(seconds=30))
    def holds_release(now: dt.datetime) -> int:
        return holds_release_expired(now=now, actor=Actor.system("appointments.holds_release"))

`manage.py scheduler` runs them (`make run` starts one). Any number of schedulers may run: a
run is claimed by a conditional update of the job's `JobState.next_run_at`, which exactly one
process wins per tick, on SQLite and PostgreSQL. A job that raises is logged, counted and tried
again after `retry` (at most its interval); it never stops the other jobs. Jobs that work
through many items use `per_item`, so that one bad item (a closure with an absurd date) is
logged and skipped instead of stopping the job at it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from hamburg_service.core.models import JobState

logger = logging.getLogger(__name__)
T = TypeVar("T")
JobFunction = Callable[[dt.datetime], Any]
RETRY_AFTER = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    function: JobFunction
    every: dt.timedelta | None = None
    daily_at: dt.time | None = None  # local (Europe/Berlin) wall-clock time

    def next_after(self, now: dt.datetime) -> dt.datetime:
        if self.every is not None:
            return now + self.every
        assert self.daily_at is not None
        local = timezone.localtime(now)
        candidate = timezone.make_aware(dt.datetime.combine(local.date(), self.daily_at))
        if candidate <= now:
            candidate = timezone.make_aware(
                dt.datetime.combine(local.date() + dt.timedelta(days=1), self.daily_at)
            )
        return candidate

    def first_run(self, now: dt.datetime) -> dt.datetime:
        return now if self.every is not None else self.next_after(now)

    @property
    def retry(self) -> dt.timedelta:
        return min(self.every, RETRY_AFTER) if self.every is not None else RETRY_AFTER


_registry: dict[str, Job] = {}
_discovered = False


def job(
    name: str, *, every: dt.timedelta | None = None, daily_at: dt.time | None = None
) -> Callable[[JobFunction], JobFunction]:
    """Register a periodic job: every `every`, or daily at `daily_at` (Berlin time)."""
    if (every is None) == (daily_at is None):
        raise ValueError("A job runs either every so often or daily at a time.")

    def register(function: JobFunction) -> JobFunction:
        _registry[name] = Job(name, function, every, daily_at)
        return function

    return register


def jobs() -> list[Job]:
    """Every registered job, in the order the apps registered them."""
    global _discovered
    if not _discovered:
        autodiscover_modules("jobs")
        _discovered = True
    return list(_registry.values())


def _claim(job: Job, now: dt.datetime) -> bool:
    state, _created = JobState.objects.get_or_create(
        name=job.name, defaults={"next_run_at": job.first_run(now)}
    )
    return bool(
        JobState.objects.filter(pk=state.pk, next_run_at__lte=now).update(
            next_run_at=job.next_after(now), last_started_at=now
        )
    )


def job_run(job: Job, now: dt.datetime | None = None) -> bool:
    """Run `job` if it is due and no other scheduler has claimed this tick; True if it ran
    (successfully or not)."""
    now = now or timezone.now()
    if not _claim(job, now):
        return False
    try:
        result = job.function(now)
    except Exception as error:
        logger.exception("Job %s failed", job.name)
        JobState.objects.filter(name=job.name).update(
            next_run_at=now + job.retry,
            last_finished_at=timezone.now(),
            last_error=f"{type(error).__name__}: {error}"[:500],
            failures=F("failures") + 1,
            runs=F("runs") + 1,
        )
        return True
    JobState.objects.filter(name=job.name).update(
        last_finished_at=timezone.now(),
        last_result=str(result if result is not None else "")[:200],
        last_error="",
        runs=F("runs") + 1,
    )
    if result:
        logger.info("Job %s: %s", job.name, result)
    return True


def scheduler_tick(now: dt.datetime | None = None) -> list[str]:
    """One pass over every job; returns the names of those that ran."""
    ran = []
    for each in jobs():
        try:
            if job_run(each, now):
                ran.append(each.name)
        except Exception:  # the scheduler's own bookkeeping failed (database away): go on
            logger.exception("Scheduling %s failed", each.name)
    return ran


def scheduler_run(*, seconds: float | None = None, pause: float = 1.0) -> None:
    """Tick until stopped (or for `seconds`), pausing between ticks."""
    until = time.monotonic() + seconds if seconds is not None else None
    while until is None or time.monotonic() < until:
        scheduler_tick()
        close_old_connections()
        time.sleep(pause)


def per_item(items: Iterable[T], action: Callable[[T], object], *, what: str) -> int:
    """Apply `action` to each item; an item that fails is logged and skipped. Returns for how
    many the action returned a true value (did something)."""
    done = 0
    for item in items:
        try:
            done += bool(action(item))
        except Exception:
            logger.exception("%s failed for %r; going on with the next", what, item)
    return done
