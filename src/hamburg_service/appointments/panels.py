"""The person's appointments on their record (people.panels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hamburg_service.appointments.models import Appointment
from hamburg_service.people.panels import Panel, panel_register

SHOWN = 20


def person_appointments(person_id: int) -> Panel:
    rows = list(
        Appointment.objects.filter(person_id=person_id)
        .select_related("location")
        .order_by("-start", "-pk")[:SHOWN]
    )
    return Panel(
        title=str(_("Appointments")), template="appointments/staff/person_panel.html", rows=rows
    )


panel_register("1-appointments", person_appointments)
