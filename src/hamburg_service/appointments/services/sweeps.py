"""The periodic work of the appointment book (run by the scheduler, `appointments/jobs.py`).
Each item is handled in its own transaction, so one that fails is skipped, not fatal."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hamburg_service.appointments import mails
from hamburg_service.appointments.models import (
    ACTIVE,
    Appointment,
    CounterDay,
    EventKind,
    SeatClaim,
    Status,
)
from hamburg_service.appointments.selectors import closure_hits
from hamburg_service.appointments.services import seats, tokens
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Closure
from hamburg_service.core.actors import Actor
from hamburg_service.core.events import event_record
from hamburg_service.core.scheduler import per_item


def holds_release_expired(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Release every hold not confirmed in time."""
    now = now or timezone.now()
    pending = Appointment.objects.filter(status=Status.HELD, hold_expires_at__lte=now)

    def release(pk: int) -> bool:
        with transaction.atomic():
            appointment = Appointment.objects.select_related("location").get(pk=pk)
            seats.lock_day(appointment.location, seats.day_of(appointment))
            appointment.refresh_from_db()
            if appointment.status != Status.HELD or not (
                appointment.hold_expires_at and appointment.hold_expires_at <= now
            ):
                return False
            seats.hold_lapse(appointment, actor=actor, at=now)
            return True

    return per_item(list(pending.values_list("pk", flat=True)), release, what="Releasing a hold")


def reminders_send_due(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Remind everyone whose confirmed appointment starts within REMINDER_HOURS_BEFORE
    (once each: the row is locked and marked in the same transaction)."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    due = Appointment.objects.filter(
        status=Status.CONFIRMED, reminded_at__isnull=True, start__gt=now, start__lte=horizon
    ).exclude(manage_nonce="")

    def remind(pk: int) -> bool:
        with transaction.atomic():
            appointment = Appointment.objects.select_for_update().get(pk=pk)
            if appointment.reminded_at is not None or appointment.status != Status.CONFIRMED:
                return False
            appointment.reminded_at = now
            appointment.save(update_fields=["reminded_at"])
            event_record(appointment, kind=EventKind.REMINDED, actor=actor, at=now)
            url = mails.site_url(
                "appointments:manage", tokens.manage_token_of(appointment), appointment.language
            )
            mails.appointment_mail(
                appointment, "reminder", now=now, manage_url=url, keep_url=f"{url}?keep=1"
            )
            return True

    return per_item(list(due.values_list("pk", flat=True)), remind, what="A reminder")


def closures_notify_affected(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Tell every person whose active appointment falls into a closure (of the whole location
    or of the appointment's counter), once; staff see the same list to move them."""
    now = now or timezone.now()

    def tell(hit: tuple[Appointment, Closure]) -> bool:
        appointment, closure = hit
        with transaction.atomic():
            locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if locked.closure_notified_at is not None or locked.status not in ACTIVE:
                return False
            locked.closure_notified_at = now
            locked.save(update_fields=["closure_notified_at"])
            event_record(locked, kind=EventKind.CLOSURE, actor=actor, at=now)
            if locked.manage_nonce:
                url = mails.site_url(
                    "appointments:manage", tokens.manage_token_of(locked), locked.language
                )
                mails.appointment_mail(
                    locked,
                    "closure",
                    now=now,
                    manage_url=url,
                    move_url=f"{url}move/",
                    # the reason in the person's language where it was given in it
                    reason=(locked.language == "en" and closure.reason_en) or closure.reason_de,
                )
            return True

    return per_item(closure_hits(now=now, only_untold=True), tell, what="A closure notice")


def past_seats_forget(*, today: dt.date | None = None) -> int:
    """Seats and masks of days gone by guard nothing any more; the appointments and their
    events stay."""
    today = today or timezone.localdate()
    deleted, _by_model = SeatClaim.objects.filter(start__lt=hours.local_datetime(today, 0)).delete()
    CounterDay.objects.filter(date__lt=today).delete()
    return deleted
