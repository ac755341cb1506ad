"""The applicant's upload page for a document request, reached by the link in the e-mail or
letter (no account): the documents asked for and the deadline, a field per document, the
files already sent. An unknown, answered or expired link answers one page alike."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.cases.request_forms import AnswerForm
from hamburg_service.cases.services.requests import (
    document_request_answer,
    document_request_open,
    request_documents,
    request_files,
)
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import NotFound
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.files.responses import file_response


def link_invalid_page(request: HttpRequest) -> HttpResponse:
    """The one answer for a link that is unknown, used or past its time (also for offers)."""
    return render(request, "cases/upload_invalid.html", status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, token: str) -> HttpResponse:
    rate_limit(request, group="case-link", rate=settings.RATE_LIMIT_CASE_LINKS)
    try:
        asked = document_request_open(token=token)
    except NotFound:
        return link_invalid_page(request)
    case = asked.case
    documents = request_documents(asked)
    actor = Actor.resident(case.applicant_email)
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        documents=documents,
        actor=actor,
    )
    problem = None
    if request.method == "POST" and form.is_valid():
        answered, problem = attempt(
            lambda: document_request_answer(
                request=asked,
                uploads=form.uploads(documents),
                finish=bool(form.cleaned_data.get("finish")),
                actor=actor,
            ),
            form=form,
        )
        if isinstance(problem, NotFound):  # the deadline passed while the page was open
            return link_invalid_page(request)
        if answered is not None:
            if answered.answered_at is not None:
                return render(request, "cases/upload_done.html", {"case": case})
            messages.success(
                request,
                _(
                    "Thank you, we have received your files. You can send the rest up to the "
                    "deadline."
                ),
            )
            return redirect("case-links:upload", token=token)
    return render(
        request,
        "cases/upload.html",
        {
            "case": case,
            "asked": asked,
            "documents": documents,
            "files": request_files(asked),
            "form": form,
            "problem": problem,
            "token": token,
            "today": timezone.localdate(),
        },
        status=page_status(problem, form),
    )


@never_cache
@require_GET
def upload_file(request: HttpRequest, token: str, public_id: uuid.UUID) -> HttpResponseBase:
    """One of the applicant's own uploads for this request, while it is open."""
    rate_limit(request, group="case-link", rate=settings.RATE_LIMIT_CASE_LINKS)
    try:
        asked = document_request_open(token=token)
    except NotFound:
        return link_invalid_page(request)
    for case_file in request_files(asked):
        if case_file.file.public_id == public_id:
            return file_response(case_file.file)
    return link_invalid_page(request)
