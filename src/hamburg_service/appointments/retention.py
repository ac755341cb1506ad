"""Retention of the appointment book: APPOINTMENT_PERSONAL_DATA_DAYS after an appointment's
time, its name, e-mail, phone and person link are blanked (the appointment, its events and
its seats stay for the figures, without whom); so are the waitlist entries whose period is
over, and the per-address lock rows nobody uses any more."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from hamburg_service.appointments.models import (
    Appointment,
    AppointmentEvent,
    Booker,
    WaitlistEntry,
)
from hamburg_service.catalog import hours
from hamburg_service.core.actors import ActorKind
from hamburg_service.core.retention import retention_report

RULE = "appointments.personal_data"


def appointments_anonymise(*, now: dt.datetime) -> int:
    before = now - dt.timedelta(days=settings.APPOINTMENT_PERSONAL_DATA_DAYS)
    with transaction.atomic():
        old = Appointment.objects.filter(end__lt=before).exclude(name="", email="", phone="")
        ids = list(old.values_list("pk", flat=True))
        AppointmentEvent.objects.filter(
            appointment_id__in=ids, actor_kind=ActorKind.RESIDENT
        ).update(actor_name="")
        count = Appointment.objects.filter(pk__in=ids).update(
            name="", email="", email_normalised="", phone="", person=None
        )
        day = before.astimezone(hours.BERLIN).date()
        count += (
            WaitlistEntry.objects.filter(date_to__lt=day)
            .exclude(email="")
            .update(name="", email="", email_normalised="")
        )
        Booker.objects.exclude(
            Exists(Appointment.objects.filter(email_normalised=OuterRef("email_normalised")))
        ).exclude(
            Exists(WaitlistEntry.objects.filter(email_normalised=OuterRef("email_normalised")))
        ).delete()
        return retention_report(rule=RULE, before=before, count=count, at=now)
