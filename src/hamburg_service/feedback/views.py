"""Staff page of the accessibility feedback (the BITV 2.0 feedback route)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hamburg_service.accounts.access import staff_required
from hamburg_service.accounts.permissions import FeedbackPerm
from hamburg_service.feedback.models import AccessibilityFeedback


@require_GET
@staff_required(FeedbackPerm.VIEW)
def feedback_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "feedback/list.html",
        {"items": AccessibilityFeedback.objects.all()[:200]},
    )
