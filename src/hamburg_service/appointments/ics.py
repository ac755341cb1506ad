"""Calendar entries (RFC 5545) for appointments, for e-mails and the download link.

One appointment is one calendar event whose UID never changes: a move sends the same UID with
a higher SEQUENCE (the number of moves), so calendars replace the entry instead of adding one; a
cancellation sends METHOD:CANCEL with STATUS:CANCELLED and the next SEQUENCE, so calendars drop
it. Times carry TZID=Europe/Berlin with its VTIMEZONE, so an appointment stays at 9:00 on the
wall clock whatever the calendar's own zone and across the DST switch."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

import icalendar
from django.conf import settings

from hamburg_service.appointments.models import Appointment, EventKind, Status
from hamburg_service.catalog.hours import BERLIN

MEDIA_TYPE = "text/calendar; charset=utf-8"


def mail_media_type(appointment: Appointment) -> str:
    """In an e-mail the calendar part names its method too (RFC 6047)."""
    method = "CANCEL" if appointment.status == Status.CANCELLED else "PUBLISH"
    return f"{MEDIA_TYPE}; method={method}"


def ics_for(appointment: Appointment, *, now: dt.datetime | None = None) -> bytes:
    cancelled = appointment.status == Status.CANCELLED
    moves = appointment.events.filter(kind=EventKind.MOVED).count()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Hamburg Service//Termine//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"{appointment.reference}@hamburg-service")
    event.add("sequence", moves + (1 if cancelled else 0))
    event.add("dtstamp", (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC))
    event.add("dtstart", appointment.start.astimezone(BERLIN))
    event.add("dtend", appointment.end.astimezone(BERLIN))
    # A hold is tentative until its owner confirms it.
    event.add(
        "status",
        "CANCELLED"
        if cancelled
        else ("TENTATIVE" if appointment.status == Status.HELD else "CONFIRMED"),
    )
    # Calendars honour a CANCEL only from the organiser of the entry (RFC 5546).
    sender_name, sender_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{sender_address}")
    organizer.params["cn"] = icalendar.vText(sender_name or "Hamburg Service")
    event.add("organizer", organizer)
    services = ", ".join(s.name for s in appointment.services.all())
    event.add("summary", f"Hamburg Service: {services}")
    location = appointment.location
    event.add(
        "location", f"{location.name}, {location.street}, {location.postcode} {location.city}"
    )
    event.add("description", appointment.reference)
    calendar.add_component(event)
    # The zone's rules around the appointment only (all since 1970 by default: a long file).
    around = appointment.start.astimezone(BERLIN).date()
    calendar.add_missing_timezones(
        first_date=around - dt.timedelta(days=366), last_date=around + dt.timedelta(days=366)
    )
    return calendar.to_ical()
