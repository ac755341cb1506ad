"""The case page's panel of letters and certificates: `{% letters_panel case %}` (it reads
`mine` and `is_lead` from the page), so the case page itself needs only this line."""

from __future__ import annotations

from typing import Any

from django import template

from hamburg_service.cases.letter_views import letters_panel as panel_of
from hamburg_service.cases.models import Case

register = template.Library()


@register.inclusion_tag("cases/letters_panel.html", takes_context=True)
def letters_panel(context: template.Context, case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "panel": panel_of(case),
        "can_act": bool(context.get("mine") or context.get("is_lead")),
        "csrf_token": context.get("csrf_token"),
    }
