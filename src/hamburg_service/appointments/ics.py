"""Calendar entries (RFC 5545) for appointments, for e-mails and the download link."""

from __future__ import annotations

import datetime as dt

import icalendar

from hamburg_service.appointments.models import Appointment


def ics_for(appointment: Appointment) -> bytes:
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
