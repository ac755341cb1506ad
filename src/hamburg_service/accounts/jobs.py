"""The staff accounts' periodic jobs (run by `manage.py scheduler`)."""

from __future__ import annotations

import datetime as dt

from hamburg_service.accounts.audit import access_log_expire
from hamburg_service.core.scheduler import job


@job("accounts.access_log_retention", daily_at=dt.time(3, 15))
def access_log_retention(now: dt.datetime) -> int:
    return access_log_expire(now=now)
