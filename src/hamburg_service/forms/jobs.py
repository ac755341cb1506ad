"""The forms app's periodic jobs (run by `manage.py scheduler`)."""

from __future__ import annotations

import datetime as dt

from hamburg_service.core.scheduler import job
from hamburg_service.forms.services.drafts import drafts_expire


@job("forms.drafts_expire", every=dt.timedelta(hours=1))
def drafts_expire_job(now: dt.datetime) -> int:
    """Drafts not finished in time: expired, their answers cleared and uploads deleted; those
    expired FORMS_EXPIRED_DRAFTS_KEEP_DAYS ago deleted with their events."""
    return drafts_expire(now=now)
