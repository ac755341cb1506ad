"""The forms app's periodic jobs (run by `manage.py scheduler`)."""

from __future__ import annotations

import datetime as dt

from hamburg_service.core.scheduler import job
from hamburg_service.forms.services.drafts import drafts_expire


@job("forms.drafts_expire", every=dt.timedelta(hours=1))
def drafts_expire_job(now: dt.datetime) -> int:
    """Drafts not finished in time: expired, their uploads deleted."""
    return drafts_expire(now=now)
