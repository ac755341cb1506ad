"""My account (Bürgerkonto): what a signed-in citizen has with us — what needs their attention
first, their applications and their status, the letters and certificates to download, the
document requests to answer (the reply channel), drafts to continue, appointments booked with
their address, and who read their data.

Every page is for a signed-in citizen only (`citizen_required`: anyone else goes to the
sign-in page and comes back); a staff sign-in in the same browser is not a citizen's. A citizen
sees only their own things: another account's application answers exactly like one that does
not exist (portal.selectors)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hamburg_service.accounts.citizens import CitizenSession, citizen_session
from hamburg_service.accounts.models import TrustLevel
from hamburg_service.appointments.services.tokens import manage_token_of
from hamburg_service.cases.letters import letter_file
from hamburg_service.cases.request_forms import AnswerForm
from hamburg_service.cases.services.requests import (
    document_request_answer,
    request_documents,
    request_is_open,
)
from hamburg_service.cases.status_page import status_view_context
from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import NotFound
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.files.responses import file_response
from hamburg_service.forms.handlers.register_information import answer_of
from hamburg_service.forms.services import drafts as draft_services
from hamburg_service.people import my_data
from hamburg_service.people.checks import today_in_hamburg
from hamburg_service.people.citizen_link import citizen_link_code
from hamburg_service.portal import selectors

View = Callable[..., HttpResponseBase]


def citizen_required(view: View) -> View:
    """Pages of my account: a visitor who is not signed in as a citizen (a member of staff
    included) goes to the sign-in page, and back here afterwards."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        session = citizen_session(request)
        if session is None:
            signin = reverse("portal:signin")
            return redirect(f"{signin}?{urlencode({'next': request.get_full_path()})}")
        response = view(request, session, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return never_cache(wrapper)


def _actor(session: CitizenSession) -> Actor:
    return Actor.resident(session.citizen.email)


def _today() -> Any:
    return today_in_hamburg(timezone.now())


def _page(request: HttpRequest, template: str, section: str, **context: Any) -> HttpResponse:
    status = context.pop("status", 200)
    return render(request, template, {"section": section, **context}, status=status)


# --- the overview ------------------------------------------------------------------------------


@require_GET
@citizen_required
def home(request: HttpRequest, session: CitizenSession) -> HttpResponse:
    """What needs my attention first (document requests to answer, a provisional certificate
    that ends soon, drafts to finish), then my applications, appointments and documents."""
    citizen, now = session.citizen, timezone.now()
    today = today_in_hamburg(now)
    requests = [r for r in selectors.requests_of(citizen, today=today) if r.open]
    appointments = selectors.appointments_of(citizen, now=now)
    letters = selectors.letters_of(citizen, today=today)
    return _page(
        request,
        "portal/home.html",
        "home",
        citizen=citizen,
        requests=requests,
        offers=[o for o in selectors.offers_of(citizen, today=today) if o.choose_url],
        expiring=selectors.expiring_provisionals(citizen, today=today),
        drafts=selectors.draft_rows(
            selectors.drafts_of(citizen, now=now), today=today, language=active_suffix()
        ),
        applications=selectors.applications_of(citizen, today=today, limit=selectors.RECENT),
        appointments=selectors.upcoming(appointments, now)[: selectors.RECENT],
        letters=letters[: selectors.RECENT],
        more_letters=len(letters) > selectors.RECENT,
    )


# --- applications ------------------------------------------------------------------------------


@require_GET
@citizen_required
def applications(request: HttpRequest, session: CitizenSession) -> HttpResponse:
    return _page(
        request,
        "portal/applications.html",
        "applications",
        rows=selectors.applications_of(session.citizen, today=_today()),
    )


def _answer_form(request: HttpRequest, asked: Any, actor: Actor, *, bound: bool) -> AnswerForm:
    documents = request_documents(asked)
    return AnswerForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        documents=documents,
        actor=actor,
        prefix=f"r{asked.pk}",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@citizen_required
def application(request: HttpRequest, session: CitizenSession, reference: str) -> HttpResponse:
    """One application: its status and timeline as the status page shows them, its letters,
    the receipt, and its document requests — the open one with the form to answer it."""
    citizen, now = session.citizen, timezone.now()
    today = today_in_hamburg(now)
    case = selectors.application_of(citizen, reference)
    if case.reference != reference:
        return redirect("portal:application", reference=case.reference)
    actor = _actor(session)
    requests = selectors.requests_of(citizen, today=today, case=case)
    open_request = next((r for r in requests if r.open), None)
    posted = request.method == "POST"
    problem = None
    form: AnswerForm | None = None
    if posted:
        asked = selectors.request_of(citizen, case, _int(request.POST.get("request")))
        if not request_is_open(asked, today=today):
            messages.error(
                request,
                _("This request cannot be answered any more. Please contact us, quoting %(ref)s.")
                % {"ref": case.reference},
            )
            return redirect("portal:application", reference=case.reference)
        form = bound = _answer_form(request, asked, actor, bound=True)
        if bound.is_valid():
            answered, problem = attempt(
                lambda: document_request_answer(
                    request=asked,
                    uploads=bound.uploads(request_documents(asked)),
                    finish=bool(bound.cleaned_data.get("finish")),
                    actor=actor,
                ),
                form=bound,
            )
            if answered is not None:
                if answered.answered_at is not None:
                    messages.success(
                        request,
                        _(
                            "Thank you, your answer has reached us. Your application goes back "
                            "to your caseworker."
                        ),
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "Thank you, we have received your files. You can send the rest up "
                            "to the deadline."
                        ),
                    )
                return redirect(
                    reverse("portal:application", args=[case.reference]) + "#requests-heading"
                )
            if isinstance(problem, NotFound):  # the deadline passed while the page was open
                messages.error(request, problem.detail)
                return redirect("portal:application", reference=case.reference)
    elif open_request is not None:
        form = _answer_form(request, open_request.request, actor, bound=False)
    context = status_view_context(case, now=now)
    # Not the status page's upload links and letter links (they need its secret): here the
    # answer form and the account's own downloads.
    context.pop("needed", None)
    context.pop("letters", None)
    return _page(
        request,
        "portal/application.html",
        "applications",
        **context,
        letters=selectors.letters_of(citizen, today=today, case=case),
        certificates=selectors.certificates_of(citizen, case=case),
        sent_files=selectors.application_files_of(citizen, case),
        register_answer=answer_of(case),
        offers=selectors.offers_of(citizen, today=today, case=case),
        requests=requests,
        open_request=open_request,
        form=form,
        problem=problem,
        receipt_id=getattr(getattr(case, "submission", None), "public_id", None),
        status=page_status(problem, *([form] if form is not None and posted else [])),
    )


def _int(raw: Any) -> int:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 18 else 0


@require_GET
@citizen_required
def application_letter(
    request: HttpRequest, session: CitizenSession, reference: str, number: str, variant: str
) -> HttpResponseBase:
    """A letter or certificate of my application as PDF (a revoked one no more)."""
    case = selectors.application_of(session.citizen, reference)
    return file_response(letter_file(case=case, number=number, variant=variant, revoked=False))


@require_GET
@citizen_required
def application_file(
    request: HttpRequest, session: CitizenSession, reference: str, public_id: uuid.UUID
) -> HttpResponseBase:
    """A file I sent with my application or in answer to one of its document requests."""
    case = selectors.application_of(session.citizen, reference)
    return file_response(selectors.sent_file_of(session.citizen, case, public_id))


@require_GET
@citizen_required
def application_certificate(
    request: HttpRequest, session: CitizenSession, reference: str, public_id: uuid.UUID
) -> HttpResponseBase:
    """A registration certificate issued to me on approving my change of address."""
    case = selectors.application_of(session.citizen, reference)
    return file_response(selectors.certificate_of(session.citizen, case, public_id))


# --- drafts ------------------------------------------------------------------------------------


@require_GET
@citizen_required
def drafts(request: HttpRequest, session: CitizenSession) -> HttpResponse:
    now = timezone.now()
    rows = selectors.draft_rows(
        selectors.drafts_of(session.citizen, now=now),
        today=today_in_hamburg(now),
        language=active_suffix(),
    )
    return _page(request, "portal/drafts.html", "drafts", rows=rows)


@require_POST
@citizen_required
def draft_delete(
    request: HttpRequest, session: CitizenSession, public_id: uuid.UUID
) -> HttpResponse:
    draft = selectors.draft_of(session.citizen, public_id)
    draft_services.draft_delete(draft=draft, citizen=session.citizen, actor=_actor(session))
    messages.success(request, _("The draft has been deleted, with the files you had uploaded."))
    return redirect("portal:drafts")


# --- documents, messages, appointments -----------------------------------------------------------


@require_GET
@citizen_required
def documents(request: HttpRequest, session: CitizenSession) -> HttpResponse:
    return _page(
        request,
        "portal/documents.html",
        "documents",
        letters=selectors.letters_of(session.citizen, today=_today()),
        certificates=selectors.certificates_of(session.citizen),
        receipts=selectors.receipts_of(session.citizen),
    )


@require_GET
@citizen_required
def messages_view(request: HttpRequest, session: CitizenSession) -> HttpResponse:
    """Document requests of my applications, open and answered, with what I sent."""
    return _page(
        request,
        "portal/messages.html",
        "messages",
        requests=selectors.requests_of(session.citizen, today=_today()),
    )


@require_GET
@citizen_required
def appointments(request: HttpRequest, session: CitizenSession) -> HttpResponse:
    now = timezone.now()
    found = selectors.appointments_of(session.citizen, now=now)
    coming = selectors.upcoming(found, now)
    rows = [
        {
            "appointment": a,
            "services": [s.name for s in a.services.all()],
            "manage_url": reverse("appointments:manage", args=[manage_token_of(a)])
            if a.manage_nonce
            else "",
        }
        for a in coming
    ]
    past = [a for a in found if a not in coming]
    past.reverse()
    return _page(
        request,
        "portal/appointments.html",
        "appointments",
        rows=rows,
        past=past,
        email=session.citizen.email,
    )


# --- my data and the link to my record ----------------------------------------------------------


@require_GET
@citizen_required
def my_data_view(request: HttpRequest, session: CitizenSession) -> HttpResponse:
    """Who read my data (§ 40 BMG): for an account linked to a person record, the report of
    people.my_data at once; otherwise how to link it."""
    citizen = session.citizen
    person_id = session.person_id
    reads = my_data.reads_of(person_id) if person_id else None
    return _page(
        request,
        "portal/my_data.html",
        "my-data",
        linked=citizen.person_id is not None,
        reads=reads,
        # Linked through BundID, signed in now by e-mail link: sign in with BundID to see it.
        stronger_needed=citizen.person_id is not None and person_id is None,
        high=TrustLevel.HIGH,
    )


@require_GET
@citizen_required
def link(request: HttpRequest, session: CitizenSession) -> HttpResponse:
    """How to link the account to my person record: the code to show a clerk, or a sign-in
    with trust level high."""
    citizen = session.citizen
    return _page(
        request,
        "portal/link.html",
        "my-data",
        linked=citizen.person_id is not None,
        code=citizen_link_code(citizen) if citizen.person_id is None else "",
        high=TrustLevel.HIGH,
    )
