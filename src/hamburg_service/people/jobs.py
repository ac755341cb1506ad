"""The person record's periodic jobs (run by `manage.py scheduler`)."""

from __future__ import annotations

import datetime as dt

from hamburg_service.core.db import statistics_refresh
from hamburg_service.core.scheduler import job
from hamburg_service.people import information
from hamburg_service.people.retention import people_retention, register_information_retention
from hamburg_service.people.services import blocks


@job("people.block_reminders", daily_at=dt.time(6, 0))
def block_reminders(now: dt.datetime) -> int:
    return blocks.blocks_remind_ending(now=now)


@job("people.register_information_settle", every=dt.timedelta(minutes=1))
def register_information_settle(now: dt.datetime) -> int:
    # Behind the task each request enqueues: no receipt or § 51 notice is lost.
    return information.register_information_settle_due(now=now)


@job("people.retention", daily_at=dt.time(3, 45))
def retention(now: dt.datetime) -> int:
    return people_retention(now=now) + register_information_retention(now=now)


@job("people.statistics", daily_at=dt.time(4, 30))
def statistics(now: dt.datetime) -> int:
    """The planner's statistics of the register, fresh each night (core.db)."""
    statistics_refresh()
    return 1
