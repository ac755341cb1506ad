"""Clerks signing in and out of counters. A session row records each stretch at a counter
(started, ended), so staffing figures come from the rows themselves."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from hamburg_service.catalog.models import Counter
from hamburg_service.core.actors import Actor
from hamburg_service.visits.models import CounterSession


def counter_sign_in(
    *, counter: Counter, actor: Actor, now: dt.datetime | None = None
) -> CounterSession:
    """Sign in at a counter; ends the clerk's other open sessions and the counter's previous one."""
    now = now or timezone.now()
    with transaction.atomic():
        CounterSession.objects.filter(user=actor.user, ended_at__isnull=True).update(ended_at=now)
        CounterSession.objects.filter(counter=counter, ended_at__isnull=True).update(ended_at=now)
        return CounterSession.objects.create(counter=counter, user=actor.user, started_at=now)


def counter_sign_out(*, actor: Actor, now: dt.datetime | None = None) -> None:
    CounterSession.objects.filter(user=actor.user, ended_at__isnull=True).update(
        ended_at=now or timezone.now()
    )
