"""Delivery of the outbox: retries that are due, and anything a lost wake-up left behind."""

from __future__ import annotations

import datetime as dt

from hamburg_service.core.scheduler import job
from hamburg_service.notifications.retention import messages_anonymise
from hamburg_service.notifications.services import messages_deliver_due


@job("notifications.deliver", every=dt.timedelta(seconds=10))
def deliver(now: dt.datetime) -> int:
    return messages_deliver_due(now=now)


@job("notifications.retention", daily_at=dt.time(3, 40))
def retention(now: dt.datetime) -> int:
    return messages_anonymise(now=now)
