"""The staff page of hand-offs that need an eye (/staff/online/handoffs/): failed ones and
those still waiting, with a retry button (forms.handoffs). Shows no personal data: the case
reference, the service, where it goes and what went wrong."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hamburg_service.accounts.access import actor_of, staff_required
from hamburg_service.accounts.permissions import FormsPerm
from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.core.errors import NotFound
from hamburg_service.forms.definition import spec_of
from hamburg_service.forms.handoffs import handoff_retry, handoffs_for_staff
from hamburg_service.forms.models import Handoff, HandoffState

PAGE_SIZE = 200


def target_shown(handoff: Handoff) -> str:
    """Where it goes, without what a webhook address may carry (path, query, credentials)."""
    if handoff.kind == "webhook":
        parts = urlsplit(handoff.target)
        return f"{parts.scheme}://{parts.hostname or ''}"
    return handoff.target


@never_cache
@require_GET
@staff_required(FormsPerm.HANDOFFS)
def handoffs(request: HttpRequest) -> HttpResponse:
    language = active_suffix()
    rows = []
    for handoff in handoffs_for_staff()[:PAGE_SIZE]:
        rows.append(
            {
                "handoff": handoff,
                "service": spec_of(handoff.submission.definition).title(language),
                "reference": handoff.submission.case.reference,
                "target": target_shown(handoff),
                "failed": handoff.state == HandoffState.FAILED,
            }
        )
    return render(
        request,
        "forms/handoffs.html",
        {"rows": rows, "retried": request.GET.get("retried", "")[:20], "now": timezone.now()},
    )


@require_POST
@staff_required(FormsPerm.HANDOFFS)
def handoff_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    handoff = Handoff.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if handoff is None:
        raise NotFound(_("There is no such hand-off."), code="handoff-unknown")
    handoff_retry(handoff=handoff, actor=actor_of(request))
    return redirect(reverse("forms_staff:handoffs") + f"?retried={handoff.pk}")
