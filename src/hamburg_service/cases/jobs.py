"""The cases' periodic jobs (run by `manage.py scheduler`)."""

from __future__ import annotations

import datetime as dt

from hamburg_service.cases.services.pool import urgency_refresh_all
from hamburg_service.core.scheduler import job


@job("cases.urgency_refresh", daily_at=dt.time(0, 15))
def urgency_refresh(now: dt.datetime) -> int:
    """The score depends on the day: every undecided case for the new one."""
    return urgency_refresh_all(now=now)
