"""The appointment book's periodic jobs (run by `manage.py scheduler`). In a tick they run in
this order: holds first, then the waitlist, before held-back seats go to everyone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from hamburg_service.appointments.retention import appointments_anonymise
from hamburg_service.appointments.services import sweeps, waitlist
from hamburg_service.core.actors import Actor
from hamburg_service.core.scheduler import job

EVERY = dt.timedelta(seconds=30)


@job("appointments.holds_release", every=EVERY)
def holds_release(now: dt.datetime) -> int:
    return sweeps.holds_release_expired(now=now, actor=Actor.system("appointments.holds_release"))


@job("appointments.waitlist_settle", every=EVERY)
def waitlist_settle(now: dt.datetime) -> int:
    return waitlist.waitlist_settle(now=now, actor=Actor.system("appointments.waitlist_settle"))


@job("appointments.waitlist_offer", every=EVERY)
def waitlist_offer(now: dt.datetime) -> int:
    return waitlist.waitlist_offer_due(now=now, actor=Actor.system("appointments.waitlist_offer"))


@job("appointments.held_seats_release", every=EVERY)
def held_seats_release(now: dt.datetime) -> int:
    return waitlist.cancelled_seats_release_due(now=now)


@job("appointments.reminders", every=dt.timedelta(minutes=1))
def reminders(now: dt.datetime) -> int:
    return sweeps.reminders_send_due(now=now, actor=Actor.system("appointments.reminders"))


@job("appointments.closure_notices", every=dt.timedelta(minutes=1))
def closure_notices(now: dt.datetime) -> int:
    return sweeps.closures_notify_affected(
        now=now, actor=Actor.system("appointments.closure_notices")
    )


@job("appointments.past_seats_forget", daily_at=dt.time(2, 30))
def past_seats_forget(now: dt.datetime) -> int:
    return sweeps.past_seats_forget(today=timezone.localdate(now))


@job("appointments.retention", daily_at=dt.time(3, 30))
def retention(now: dt.datetime) -> int:
    return appointments_anonymise(now=now)
