"""The on-site queue's periodic jobs (run by `manage.py scheduler`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from hamburg_service.catalog.models import Location
from hamburg_service.core.actors import Actor
from hamburg_service.core.scheduler import job, per_item
from hamburg_service.visits.retention import tickets_anonymise
from hamburg_service.visits.services import days


@job("visits.call_notices", every=dt.timedelta(seconds=30))
def call_notices(now: dt.datetime) -> int:
    return days.call_notices_send(now=now, actor=Actor.system("visits.call_notices"))


@job("visits.end_of_day", daily_at=dt.time.fromisoformat(settings.END_OF_DAY_AT))
def end_of_day(now: dt.datetime) -> int:
    """Close the day's open tickets at every location and sign clerks out."""
    actor = Actor.system("visits.end_of_day")
    today = timezone.localdate(now)
    return per_item(
        Location.objects.all(),
        lambda location: days.day_close(
            location=location, day=today, reason="End of day", actor=actor, now=now
        ),
        what="End of day",
    )


@job("visits.retention", daily_at=dt.time(3, 35))
def retention(now: dt.datetime) -> int:
    return tickets_anonymise(now=now)
