"""The access log (§ 40 BMG) for its one reader, the data protection officer, and its
retention: kept at least twelve months and deleted by the end of the following calendar year."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hamburg_service.accounts.access import require
from hamburg_service.accounts.models import AccessLog
from hamburg_service.accounts.permissions import AccountsPerm
from hamburg_service.catalog import hours

PAGE_SIZE = 50


@dataclass(frozen=True)
class LogFilter:
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    staff: str = ""  # a username
    purpose: str = ""
    person_id: int | None = None


def access_log_page(*, user: Any, where: LogFilter, before: int | None = None) -> list[AccessLog]:
    """One page of the log, newest first, for the data protection officer only (Forbidden to
    everyone else): `PAGE_SIZE` entries older than the entry `before` (keyset paging, so a
    page costs the same however long the log). Two queries: the entries with their staff
    member, and the persons of each."""
    require(user, AccountsPerm.ACCESS_LOG_READ)
    rows: QuerySet[AccessLog] = AccessLog.objects.select_related("actor", "location")
    if where.first_day:
        rows = rows.filter(at__gte=hours.local_datetime(where.first_day, 0))
    if where.last_day:
        rows = rows.filter(at__lt=hours.local_datetime(where.last_day + dt.timedelta(days=1), 0))
    if where.staff:
        rows = rows.filter(actor__username=where.staff)
    if where.purpose:
        rows = rows.filter(purpose=where.purpose)
    if where.person_id is not None:
        rows = rows.filter(subjects__person_id=where.person_id)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return list(rows.order_by("-pk").prefetch_related("subjects")[:PAGE_SIZE])


def access_log_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the entries of the year before last: each is kept at least twelve months and is
    gone by the end of the calendar year after its own (§ 40 (3) BMG). Returns how many."""
    now = now or timezone.now()
    this_year = now.astimezone(hours.BERLIN).year
    cutoff = hours.local_datetime(dt.date(this_year - 1, 1, 1), 0)
    _total, by_model = AccessLog.objects.filter(at__lt=cutoff).delete()
    return int(by_model.get(AccessLog._meta.label, 0))
