"""Uploads' periodic job (run by `manage.py scheduler`)."""

from __future__ import annotations

import datetime as dt

from hamburg_service.core.scheduler import job
from hamburg_service.files.retention import files_retention


@job("files.retention", daily_at=dt.time(3, 50))
def retention(now: dt.datetime) -> int:
    return files_retention(now=now)
