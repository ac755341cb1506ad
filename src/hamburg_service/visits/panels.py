"""The person's visits (tickets) on their record (people.panels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hamburg_service.accounts.models import DataCategory
from hamburg_service.people.panels import Panel, panel_register
from hamburg_service.visits.models import Ticket

SHOWN = 20


def person_visits(person_id: int) -> Panel:
    rows = list(
        Ticket.objects.filter(person_id=person_id)
        .select_related("location")
        .order_by("-arrived_at", "-pk")[:SHOWN]
    )
    return Panel(
        title=str(_("Visits")),
        template="visits/person_panel.html",
        rows=rows,
        category=DataCategory.VISIT,
    )


panel_register("2-visits", person_visits)
