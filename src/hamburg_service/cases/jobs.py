"""The cases' periodic jobs (run by `manage.py scheduler`)."""

from __future__ import annotations

import datetime as dt

from hamburg_service.cases.models import Case
from hamburg_service.cases.provisional import provisional_warn
from hamburg_service.cases.services.pool import urgency_refresh_all
from hamburg_service.cases.services.requests import (
    document_requests_overdue,
    document_requests_remind,
)
from hamburg_service.core.db import table_vacuum
from hamburg_service.core.scheduler import job


@job("cases.urgency_refresh", daily_at=dt.time(0, 15))
def urgency_refresh(now: dt.datetime) -> int:
    """The score depends on the day: every undecided case for the new one. That rewrites every
    open row: PostgreSQL's pool index serves the pool again only after a vacuum."""
    changed = urgency_refresh_all(now=now)
    table_vacuum(Case)
    return changed


@job("cases.document_requests", daily_at=dt.time(7, 0))
def document_requests(now: dt.datetime) -> int:
    """In the morning: reminders before the deadline; requests past it are overdue and their
    cases go back to the caseworkers."""
    return document_requests_remind(now=now) + document_requests_overdue(now=now)


@job("cases.provisional_warnings", daily_at=dt.time(7, 10))
def provisional_warnings(now: dt.datetime) -> int:
    """Two weeks before a provisional certificate of an open case ends: an event on the case
    and an e-mail to the applicant."""
    return provisional_warn(now=now)
