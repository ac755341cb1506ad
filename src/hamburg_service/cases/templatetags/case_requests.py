"""The case page's panels of document requests and appointment offers:
`{% request_panel case %}` and `{% offer_panel case %}` (they read `mine` and `is_lead` from
the page), so the case page itself needs only these two lines."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from hamburg_service.cases.models import FINAL, UNDECIDED, AppointmentOffer, Case, CaseFile
from hamburg_service.cases.offer_views import offer_form
from hamburg_service.cases.request_views import request_form
from hamburg_service.cases.services.offers import offer_is_open
from hamburg_service.cases.services.requests import request_is_open
from hamburg_service.people.checks import today_in_hamburg

register = template.Library()


def _can_act(context: template.Context) -> bool:
    return bool(context.get("mine") or context.get("is_lead"))


@register.inclusion_tag("cases/request_panel.html", takes_context=True)
def request_panel(context: template.Context, case: Case) -> dict[str, Any]:
    today = today_in_hamburg(timezone.now())
    requests = list(case.document_requests.prefetch_related("documents").order_by("-created_at"))
    rows = [
        {
            "request": r,
            "open": request_is_open(r, today=today),
            "documents": list(r.documents.all()),
        }
        for r in requests
    ]
    # One request at a time: the next once this one is answered or overdue.
    waiting = any(r.answered_at is None and r.overdue_at is None for r in requests)
    can_ask = _can_act(context) and case.status in UNDECIDED and not waiting
    return {
        "case": case,
        "rows": rows,
        "files": list(
            CaseFile.objects.filter(case=case)
            .select_related("file", "document")
            .order_by("added_at", "pk")
        ),
        "form": request_form(case) if can_ask else None,
        "can_act": _can_act(context),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("cases/offer_panel.html", takes_context=True)
def offer_panel(context: template.Context, case: Case) -> dict[str, Any]:
    today = today_in_hamburg(timezone.now())
    offers = list(
        AppointmentOffer.objects.filter(case=case)
        .select_related("service", "appointment", "appointment__location")
        .order_by("-created_at")
    )
    for offer in offers:
        offer.case = case
    can_offer = _can_act(context) and case.status not in FINAL
    return {
        "case": case,
        "rows": [{"offer": o, "open": offer_is_open(o, today=today)} for o in offers],
        "form": offer_form(case) if can_offer else None,
        "can_act": _can_act(context),
        "csrf_token": context.get("csrf_token"),
    }
