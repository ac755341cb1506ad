"""The e-mails of the appointment book and the waitlist: what is queued (inside the caller's
transaction, through the notifications outbox) and how each is written when it is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from hamburg_service.appointments import ics
from hamburg_service.appointments.ics import ics_for
from hamburg_service.appointments.models import Appointment, WaitlistEntry
from hamburg_service.appointments.services import tokens
from hamburg_service.catalog import hours
from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue

APPOINTMENT_MAILS = (
    "confirm",
    "booked",
    "confirmed",
    "cancelled",
    "moved",
    "reminder",
    "closure",
    "waitlist_offer",
    "link",
    "expired",
)
WITH_CALENDAR = frozenset({"booked", "confirmed", "moved", "reminder", "cancelled"})


def site_url(name: str, token: str, language: str) -> str:
    """An absolute link into the site in the recipient's language."""
    with translation.override(language):
        return settings.SITE_URL + reverse(name, args=[token])


def appointment_mail(
    appointment: Appointment, name: str, *, now: dt.datetime, **links: str
) -> None:
    """Queue e-mail `name` about `appointment` to its person (inside the transaction); a caller
    booked by staff without an address gets none (staff call them)."""
    if not appointment.email:
        return
    message_queue(
        to=appointment.email,
        template=f"appointments/{name}",
        language=appointment.language,
        context={"appointment_id": appointment.pk, **links},
        about=f"appointment:{appointment.reference}",
        now=now,
    )


def waitlist_mail(entry: WaitlistEntry, name: str, *, now: dt.datetime, **links: str | int) -> None:
    message_queue(
        to=entry.email,
        template=f"appointments/{name}",
        language=entry.language,
        context={"entry_id": entry.pk, **links},
        about=f"waitlist:{entry.pk}",
        now=now,
    )


def _appointment_renderer(name: str) -> Any:
    def render(context: dict[str, Any]) -> Rendered:
        appointment = (
            Appointment.objects.select_related("location")
            .prefetch_related("services")
            .get(pk=context["appointment_id"])
        )
        attachments = (
            [
                (
                    f"termin-{appointment.reference}.ics",
                    ics_for(appointment),
                    ics.mail_media_type(appointment),
                )
            ]
            if name in WITH_CALENDAR
            else []
        )
        # Every e-mail about an appointment leads back to it (the link is derived from the
        # appointment, not stored with the message).
        links = (
            {
                "manage_url": site_url(
                    "appointments:manage",
                    tokens.manage_token_of(appointment),
                    appointment.language,
                )
            }
            if appointment.manage_nonce
            else {}
        )
        return text_mail(
            f"appointments/mail/{name}.txt",
            {
                **links,
                **context,
                "appointment": appointment,
                # Greet by the name typed only once the address's owner has confirmed.
                "greet_name": appointment.name if appointment.confirmed_at else "",
                "services": list(appointment.services.all()),
                "start": appointment.start.astimezone(hours.BERLIN),
                "hold_until": (
                    appointment.hold_expires_at.astimezone(hours.BERLIN)
                    if appointment.hold_expires_at
                    else None
                ),
            },
            attachments,
        )

    return render


for _name in APPOINTMENT_MAILS:
    renderer(f"appointments/{_name}")(_appointment_renderer(_name))


def _waitlist_renderer(name: str) -> Any:
    def render(context: dict[str, Any]) -> Rendered:
        entry = WaitlistEntry.objects.prefetch_related("services", "locations").get(
            pk=context["entry_id"]
        )
        return text_mail(
            f"appointments/mail/{name}.txt",
            {
                **context,
                "entry": entry,
                "services": list(entry.services.all()),
                "locations": list(entry.locations.all()),
            },
        )

    return render


for _name in ("waitlist_joined", "waitlist_already"):
    renderer(f"appointments/{_name}")(_waitlist_renderer(_name))
