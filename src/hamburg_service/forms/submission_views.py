"""Submitting an application and its receipt (docs/online-services.md, "Submission"): the
summary page's button posts here (`forms:submit`, POST only); the receipt page and its PDF
(`forms:receipt`, `forms:receipt_pdf`) are for the account or browser that submitted."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hamburg_service.accounts.citizens import citizen_session
from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.core.errors import AppError
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.forms import receipt as receipts
from hamburg_service.forms.definition import spec_of
from hamburg_service.forms.models import Draft, DraftState
from hamburg_service.forms.services.submissions import stale, submission_create
from hamburg_service.forms.session import resident_actor, spec_trusted
from hamburg_service.forms.views import draft_for

RECEIPT_PDF_RATE = "30/10m"  # signed PDFs, made on request: per client address


def revision_of(value: str | None) -> int | None:
    """The summary's revision as posted; None unless ASCII digits of a sane length ("²" and
    other Unicode digits are not a number here)."""
    value = (value or "").strip()
    if not value or len(value) > 9 or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def _problem(request: HttpRequest, draft: Draft, problem: AppError) -> HttpResponse:
    """A refused submit: what is wrong, in the user's language, with the way back to the
    step to correct (the answers stay as saved)."""
    spec = spec_of(draft.definition)
    language = active_suffix()
    fields: list[dict[str, Any]] = []
    for error in problem.errors:
        found = spec.fields_by_key.get(error.get("field", ""))
        fields.append(
            {
                "label": found.label(language) if found else "",
                "message": error.get("message", ""),
                "url": reverse(
                    "forms:step", kwargs={"public_id": draft.public_id, "step": found.step}
                )
                if found
                else "",
            }
        )
    return render(
        request,
        "forms/submit_problem.html",
        {
            "problem": problem,
            "fields": fields,
            "title": spec.title(language),
            "draft": draft,
            "summary_url": reverse("forms:summary", kwargs={"public_id": draft.public_id})
            if draft.state == DraftState.OPEN
            else "",
        },
        status=problem.status,
    )


@require_POST
def submit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Submit the draft: the receipt, or the page that says what is missing. A repeated
    submit (a double click, the browser's back button and submit again, another tab) shows
    the receipt of the one application made."""
    draft = draft_for(request, public_id)
    spec = spec_of(draft.definition)
    if not spec_trusted(request, spec):
        signin = reverse("portal:signin")
        next_path = reverse("forms:summary", kwargs={"public_id": draft.public_id})
        return HttpResponseRedirect(f"{signin}?{urlencode({'next': next_path})}")
    # The key is the draft's own (submission_create), whatever the form says; the revision
    # the summary showed is compared on the locked draft.
    revision = revision_of(request.POST.get("revision"))
    if revision is None:
        return _problem(request, draft, stale())
    try:
        session = citizen_session(request)
        submission = submission_create(
            draft=draft,
            expected_revision=revision,
            person_id=session.person_id if session else None,
            actor=resident_actor(request, draft),
        )
    except AppError as problem:
        return _problem(request, draft, problem)
    receipts.session_remember(request, submission)
    return redirect("forms:receipt", public_id=submission.public_id)


@never_cache
@require_GET
def receipt(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    submission = receipts.receipt_for(request, public_id)
    return render(
        request,
        "forms/receipt.html",
        {
            "receipt": receipts.receipt_shown(submission, active_suffix()),
            "secret": receipts.secret_take(request, submission),
        },
    )


@never_cache
@require_GET
def receipt_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The signed PDF summary, rendered now (never during the submit)."""
    submission = receipts.receipt_for(request, public_id)
    rate_limit(request, group="forms-receipt-pdf", rate=RECEIPT_PDF_RATE)
    pdf = receipts.receipt_pdf(submission, active_suffix())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{receipts.receipt_filename(submission)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
