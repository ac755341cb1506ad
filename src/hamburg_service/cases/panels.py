"""The person's cases on their record (people.panels): kind, status, planned decision. An
immigration case is a residence matter: the record shows it only to readers who see those
(`record.sees_residence_matters`, in the template)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hamburg_service.accounts.models import DataCategory
from hamburg_service.cases.models import Case
from hamburg_service.people.panels import Panel, panel_register

SHOWN = 20


def person_cases(person_id: int) -> Panel:
    rows = list(
        Case.objects.filter(person_id=person_id)
        .select_related("case_type")
        .order_by("-received_at", "-pk")[:SHOWN]
    )
    return Panel(
        title=str(_("Cases")),
        template="cases/person_panel.html",
        rows=rows,
        category=DataCategory.CASE,
    )


panel_register("3-cases", person_cases)
