"""The caseworker's side of document requests: the form "Request documents" (its panel is on
the case page), the letter to send by post when the applicant has no e-mail address, and the
download of the case's files for staff who may read the case."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.accounts.access import actor_of, staff_required
from hamburg_service.accounts.permissions import StaffPerm
from hamburg_service.cases import selectors
from hamburg_service.cases.documents import required_labels
from hamburg_service.cases.models import Case, CaseDocument, DocumentRequest
from hamburg_service.cases.request_forms import RequestForm
from hamburg_service.cases.request_mails import request_letter
from hamburg_service.cases.services.common import require_worker
from hamburg_service.cases.services.requests import (
    case_file_for,
    document_request_create,
    request_is_open,
)
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.files.responses import file_response
from hamburg_service.people.checks import today_in_hamburg

PREFIX = "q"  # the form's fields on the case page, beside its other forms
DUE_DEFAULT_DAYS = 14


def request_choices(case: Case) -> list[tuple[str, str]]:
    """The type's required documents not yet received, to tick."""
    received = set(
        CaseDocument.objects.filter(case=case, received_at__isnull=False).values_list(
            "key", flat=True
        )
    )
    return [(key, label) for key, label in required_labels(case).items() if key not in received]


def request_form(case: Case, data: object = None) -> RequestForm:
    today = today_in_hamburg(timezone.now())
    return RequestForm(
        data,
        documents=request_choices(case),
        prefix=PREFIX,
        initial={"due_on": today + dt.timedelta(days=DUE_DEFAULT_DAYS)},
    )


def _case_url(case: Case) -> str:
    return reverse("cases:case", args=[case.reference])


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(StaffPerm.AREA)
def request_new(request: HttpRequest, reference: str) -> HttpResponse:
    actor = actor_of(request)
    case = selectors.case_for(actor=actor, reference=reference).case
    form = request_form(case, request.POST if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created, problem = attempt(
            lambda: document_request_create(
                case=case,
                documents=data["documents"],
                other=data["other"],
                message=data["message"],
                due_on=data["due_on"],
                actor=actor,
            ),
            form=form,
        )
        if created is not None:
            asked, _token = created
            if case.applicant_email:
                messages.success(
                    request,
                    _("The request is sent to %(email)s. The case waits for the answer.")
                    % {"email": case.applicant_email},
                )
                return redirect(_case_url(case))
            messages.success(
                request,
                _(
                    "The request is recorded. The applicant has no e-mail address: send this "
                    "letter by post."
                ),
            )
            return redirect("cases:request-letter", reference=case.reference, pk=asked.pk)
    return render(
        request,
        "cases/request_form.html",
        {"case": case, "form": form, "problem": problem},
        status=page_status(problem, form),
    )


@never_cache
@require_GET
@staff_required(StaffPerm.AREA)
def request_letter_view(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """The request as a letter, with its upload link, to print and send by post (again)."""
    actor = actor_of(request)
    case = selectors.case_for(actor=actor, reference=reference).case
    require_worker(actor, case)
    asked = get_object_or_404(DocumentRequest.objects.select_related("case"), pk=pk, case=case)
    letter = request_letter(asked)
    return render(
        request,
        "cases/request_letter.html",
        {
            "case": case,
            "letter": letter,
            "open": request_is_open(asked, today=today_in_hamburg(timezone.now())),
        },
    )


@never_cache
@require_GET
@staff_required(StaffPerm.AREA)
def file_download(request: HttpRequest, reference: str, public_id: uuid.UUID) -> HttpResponseBase:
    """A file of the case for staff who may read the case (logged); 404 for anyone else."""
    stored = case_file_for(actor=actor_of(request), reference=reference, public_id=public_id)
    return file_response(stored)
