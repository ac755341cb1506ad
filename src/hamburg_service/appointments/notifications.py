"""E-mails about appointments, in the booking's language, sent after the transaction commits."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks_db import DatabaseBackend

from hamburg_service.appointments.models import Appointment
from hamburg_service.catalog import hours

logger = logging.getLogger(__name__)


def ics_for(appointment: Appointment) -> bytes:
    """A calendar entry (RFC 5545) for the appointment."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Hamburg Service//Termine//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"{appointment.reference}@hamburg-service")
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", appointment.start.astimezone(dt.UTC))
    event.add("dtend", appointment.end.astimezone(dt.UTC))
    services = ", ".join(s.name for s in appointment.services.all())
    event.add("summary", f"Hamburg Service: {services}")
    location = appointment.location
    event.add(
        "location", f"{location.name}, {location.street}, {location.postcode} {location.city}"
    )
    event.add("description", f"{appointment.reference}")
    calendar.add_component(event)
    return calendar.to_ical()


def manage_url(token: str, language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse("appointments:manage", args=[token])


def confirm_url(token: str, language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse("appointments:confirm", args=[token])


def send_now(appointment_id: int, template: str, **context: object) -> None:
    appointment = (
        Appointment.objects.select_related("location")
        .prefetch_related("services")
        .get(pk=appointment_id)
    )
    with translation.override(appointment.language):
        body = render_to_string(
            f"appointments/mail/{template}.txt",
            {
                "appointment": appointment,
                "services": list(appointment.services.all()),
                "start": appointment.start.astimezone(hours.BERLIN),
                **context,
            },
        )
        subject, _, text = body.strip().partition("\n")
        message = EmailMessage(subject=subject.strip(), body=text.strip(), to=[appointment.email])
        if template in {"booked", "confirmed", "moved", "reminder"}:
            message.attach(
                f"termin-{appointment.reference}.ics", ics_for(appointment), "text/calendar"
            )
        message.send()
    # The log names the booking, never the person.
    logger.info("Sent %s mail for appointment %s", template, appointment.reference)


def _enqueue_on_commit(appointment: Appointment, template: str, **context: str) -> None:
    from hamburg_service.appointments.tasks import send_appointment_mail

    pk = appointment.pk

    def enqueue() -> None:
        send_appointment_mail.enqueue(appointment_id=pk, template=template, context=context)

    if isinstance(send_appointment_mail.get_backend(), DatabaseBackend):
        # The queue is a table of this database: the task row commits or rolls back with the
        # change that caused it (a transactional outbox), and the booking saves a commit.
        enqueue()
    else:
        transaction.on_commit(enqueue)


def booking_mail_on_commit(
    *, appointment: Appointment, manage_token: str, confirm_token: str | None, template: str = ""
) -> None:
    language = appointment.language
    context = {"manage_url": manage_url(manage_token, language)}
    if confirm_token:
        context["confirm_url"] = confirm_url(confirm_token, language)
    default = "confirm" if confirm_token else "booked"
    _enqueue_on_commit(appointment, template or default, **context)


def confirmed_mail_on_commit(*, appointment: Appointment) -> None:
    _enqueue_on_commit(appointment, "confirmed")


def cancelled_mail_on_commit(*, appointment: Appointment) -> None:
    _enqueue_on_commit(appointment, "cancelled")


def moved_mail_on_commit(*, appointment: Appointment) -> None:
    _enqueue_on_commit(appointment, "moved")


def reminder_mail_on_commit(*, appointment: Appointment, manage_token: str) -> None:
    language = appointment.language
    url = manage_url(manage_token, language)
    _enqueue_on_commit(appointment, "reminder", manage_url=url, keep_url=f"{url}?keep=1")


def closure_mail_on_commit(*, appointment: Appointment, manage_token: str) -> None:
    url = manage_url(manage_token, appointment.language)
    _enqueue_on_commit(appointment, "closure", manage_url=url, move_url=f"{url}move/")


def leave_url(token: str, language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse("appointments:waitlist-leave", args=[token])


def waitlist_mail_on_commit(*, entry: Any, template: str, leave_token: str) -> None:
    from hamburg_service.appointments.tasks import send_waitlist_mail

    pk = entry.pk
    context = {"leave_url": leave_url(leave_token, entry.language)}
    transaction.on_commit(
        lambda: send_waitlist_mail.enqueue(entry_id=pk, template=template, context=context)
    )


def send_waitlist_now(entry_id: int, template: str, **context: object) -> None:
    from hamburg_service.appointments.models import WaitlistEntry

    entry = WaitlistEntry.objects.prefetch_related("services", "locations").get(pk=entry_id)
    with translation.override(entry.language):
        body = render_to_string(
            f"appointments/mail/{template}.txt",
            {
                "entry": entry,
                "services": list(entry.services.all()),
                "locations": list(entry.locations.all()),
                **context,
            },
        )
        subject, _, text = body.strip().partition("\n")
        EmailMessage(subject=subject.strip(), body=text.strip(), to=[entry.email]).send()
    logger.info("Sent %s mail for waitlist entry %s", template, entry_id)
