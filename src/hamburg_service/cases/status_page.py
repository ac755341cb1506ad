"""The applicant's status page (docs/cases.md, "Status page"): `/case-status/` in German,
`/en/case-status/` in English.

The applicant types the case reference and the secret from the receipt into a form (POST: the
secret is never in an address). A wrong secret answers exactly as an unknown reference does —
the same page, status and message, and the same work: one lookup by reference and one keyed
hash compared in constant time, against a dummy hash when there is no such case. Every try is
counted per client address and per reference (core.ratelimit).

A correct pair opens the case for this browser's session for `GRANT_MINUTES`: the session (kept
on the server, its cookie HttpOnly) holds the reference, a fingerprint of the stored secret hash
and the expiry — never the secret. The page and the letters' downloads are at addresses with
the reference only; without a valid grant they send the visitor back to the form, the same for
every reference, so an address copied, bookmarked or logged opens nothing. A new secret (the
hash changes) ends every grant at once; "Leave" ends them on a shared computer.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hamburg_service.cases import forecast as forecasting
from hamburg_service.cases.clock import ClockEvent, clock_of
from hamburg_service.cases.documents import required_labels
from hamburg_service.cases.letters import letter_file, letters_for_applicant
from hamburg_service.cases.links import UPLOAD, link_token
from hamburg_service.cases.models import (
    WAITING,
    Case,
    CaseDocument,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    DocumentRequest,
    LetterKind,
)
from hamburg_service.cases.services.lifecycle import REFERENCE_PREFIX, secret_hash
from hamburg_service.core.errors import AppError, InvalidInput, TooMany
from hamburg_service.core.forms import AccessibleErrorsMixin
from hamburg_service.core.pages import attempt, page_status, with_retry_after
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.files.responses import file_response
from hamburg_service.people.checks import today_in_hamburg

SESSION_KEY = "case_status"
GRANT_MINUTES = 30
GRANTS_MAX = 5  # cases one browser may have open at once (a family's applications)
_REFERENCE = re.compile(rf"^{REFERENCE_PREFIX}-?(\d{{4}})-?(\d{{1,6}})$")


def reference_normalise(text: str) -> str:
    """`HS-2026-000123` from what a person typed (`hs 2026 123`); else the text, cleaned (it
    will match no case, after the same work)."""
    compact = re.sub(r"[\s./_–-]+", "-", (text or "").strip().upper())
    match = _REFERENCE.match(compact)
    if match is None:
        return compact[:20]
    return f"{REFERENCE_PREFIX}-{match.group(1)}-{int(match.group(2)):06d}"


def _fingerprint(case: Case) -> str:
    """What a grant remembers of the case's secret hash: enough to end it when the secret
    changes, nothing that checks a secret."""
    return hashlib.sha256(f"grant:{case.secret_hash}".encode()).hexdigest()[:32]


_dummy: dict[str, str] = {}


def _dummy_hash() -> str:
    # Compared with, for a reference that has no case: the same hashing, the same comparing.
    if "hash" not in _dummy:
        _dummy["hash"] = secret_hash(f"{REFERENCE_PREFIX}-0000-000000", "no such case")
    return _dummy["hash"]


def status_unknown() -> InvalidInput:
    return InvalidInput(
        _(
            "We cannot show an application with this reference and secret. Check both against "
            "your receipt (the secret has ten letters and digits) and try again, or call 115."
        ),
        code="case-status-unknown",
    )


def status_unlock(*, reference: str, secret: str) -> Case:
    """The case whose reference and status secret these are; `status_unknown` for a wrong
    secret and an unknown reference alike."""
    reference = reference_normalise(reference)
    case = Case.objects.select_related("case_type").filter(reference=reference).first()
    expected = case.secret_hash if case is not None and case.secret_hash else _dummy_hash()
    matches = hmac.compare_digest(expected, secret_hash(reference, secret))
    if case is None or not case.secret_hash or not matches:
        raise status_unknown()
    return case


def status_grant(request: HttpRequest, case: Case) -> None:
    """Open `case` for this session for GRANT_MINUTES (a fresh session key: no fixation)."""
    now = time.time()
    grants = {
        reference: grant
        for reference, grant in (request.session.get(SESSION_KEY) or {}).items()
        if grant.get("until", 0) > now and reference != case.reference
    }
    grants[case.reference] = {"fp": _fingerprint(case), "until": now + GRANT_MINUTES * 60}
    newest = sorted(grants.items(), key=lambda item: item[1]["until"])[-GRANTS_MAX:]
    request.session.cycle_key()
    request.session[SESSION_KEY] = dict(newest)


def status_case_of_session(request: HttpRequest, reference: str) -> Case | None:
    """The case if this session opened it with its secret within GRANT_MINUTES and the secret
    is still the same; None otherwise (also for pages of other apps that serve the applicant,
    such as an upload from the status page)."""
    grant = (request.session.get(SESSION_KEY) or {}).get(reference)
    if not isinstance(grant, dict) or grant.get("until", 0) <= time.time():
        return None
    case = Case.objects.select_related("case_type").filter(reference=reference).first()
    if case is None or not hmac.compare_digest(str(grant.get("fp", "")), _fingerprint(case)):
        return None
    return case


# --- what the page shows --------------------------------------------------------------------------

# The status in the applicant's words: a short name and one sentence on what it means for them.
STATUS_TEXT: dict[str, tuple[Any, Any]] = {
    CaseStatus.RECEIVED: (
        gettext_lazy("Received"),
        gettext_lazy(
            "We have received your application. It waits for a caseworker; you need not do "
            "anything now."
        ),
    ),
    CaseStatus.IN_REVIEW: (
        gettext_lazy("In review"),
        gettext_lazy(
            "A caseworker is examining your application. We will contact you if we need anything."
        ),
    ),
    CaseStatus.WAITING_APPLICANT: (
        gettext_lazy("Waiting for you"),
        gettext_lazy(
            "We need something from you before we can continue: see “What we need from you” below."
        ),
    ),
    CaseStatus.WAITING_AUTHORITY: (
        gettext_lazy("Waiting for another authority"),
        gettext_lazy(
            "We have asked another authority (for example for the security check or for the "
            "Federal Employment Agency's approval) and are waiting for its answer. You need not "
            "do anything."
        ),
    ),
    CaseStatus.DECIDED: (
        gettext_lazy("Decided"),
        gettext_lazy(
            "A decision has been made. The decision letter gives the result and the reasons; "
            "it is sent to you, and you can download it here once it is issued."
        ),
    ),
    CaseStatus.REJECTED: (
        gettext_lazy("Decided: rejected"),
        gettext_lazy(
            "Your application has been rejected. The decision letter gives the reasons and "
            "tells you how you can object to the decision."
        ),
    ),
    CaseStatus.IN_PRODUCTION: (
        gettext_lazy("Document in production"),
        gettext_lazy(
            "Your document (for example the card) is being produced. We will tell you when it "
            "is ready for pick-up."
        ),
    ),
    CaseStatus.READY_FOR_PICKUP: (
        gettext_lazy("Ready for pick-up"),
        gettext_lazy(
            "Your document is ready. Please collect it in person, with your passport, at your "
            "appointment or as the letter about it says."
        ),
    ),
    CaseStatus.CLOSED: (
        gettext_lazy("Completed"),
        gettext_lazy("Your application is completed. Nothing more is needed from you."),
    ),
    CaseStatus.WITHDRAWN: (
        gettext_lazy("Withdrawn"),
        gettext_lazy(
            "The application has been withdrawn and will not be decided. If you did not ask "
            "for this, please call 115."
        ),
    ),
}

# The steps of the timeline the applicant should know of: status changes (by the status
# reached) and a few events. Notes, assignments, reasons and who did what are not shown.
STEP_OF_EVENT: dict[str, Any] = {
    CaseEventKind.DOCUMENTS_REQUESTED: gettext_lazy("Documents requested from you"),
    CaseEventKind.DOCUMENTS_RECEIVED: gettext_lazy("Documents received"),
    CaseEventKind.LETTER_ISSUED: gettext_lazy("Letter issued"),
    CaseEventKind.PROVISIONAL_ISSUED: gettext_lazy("Provisional certificate issued"),
    CaseEventKind.APPOINTMENT_OFFERED: gettext_lazy("Appointment offered to you"),
    CaseEventKind.APPOINTMENT_BOOKED: gettext_lazy("Appointment booked"),
}
FORECAST_KINDS = (CaseEventKind.STATUS_CHANGED, CaseEventKind.DECIDED, CaseEventKind.ASSIGNED)
PAGE_KINDS = (CaseEventKind.RECEIVED, *FORECAST_KINDS, *STEP_OF_EVENT)


@dataclass(frozen=True, slots=True)
class Step:
    on: Any
    text: str


@dataclass(frozen=True, slots=True)
class Needed:
    due_on: Any
    overdue: bool
    documents: list[str]
    upload_url: str


def _steps(events: list[CaseEvent]) -> list[Step]:
    steps: list[Step] = []
    for event in events:
        on = today_in_hamburg(event.at)
        if event.kind == CaseEventKind.RECEIVED:
            steps.append(Step(on, str(STATUS_TEXT[CaseStatus.RECEIVED][0])))
        elif event.kind == CaseEventKind.STATUS_CHANGED:
            target = (event.data or {}).get("to", "")
            if target in STATUS_TEXT:
                steps.append(Step(on, str(STATUS_TEXT[target][0])))
        elif event.kind in STEP_OF_EVENT:
            steps.append(Step(on, str(STEP_OF_EVENT[event.kind])))
    return steps


def _upload_url(request: DocumentRequest) -> str:
    """The request's upload page (cases.links), in the page's language; "" where there is
    none (a request made before links were kept)."""
    if not request.link_nonce:
        return ""
    return reverse("case-links:upload", args=[link_token(request.link_nonce, UPLOAD)])


def _needed(case: Case, today: Any) -> list[Needed]:
    requests = list(
        DocumentRequest.objects.filter(case=case, answered_at__isnull=True).order_by("created_at")
    )
    # The type's documents in the page's language; a document the caseworker named as written.
    named = required_labels(case)
    wanted: dict[int, list[str]] = {}
    for document in CaseDocument.objects.filter(
        request__in=requests, received_at__isnull=True
    ).order_by("pk"):
        assert document.request_id is not None
        label = named.get(document.key) or document.label
        wanted.setdefault(document.request_id, []).append(label)
    return [
        Needed(
            due_on=r.due_on,
            overdue=r.overdue_at is not None or r.due_on < today,
            documents=wanted.get(r.pk, []),
            upload_url=_upload_url(r),
        )
        for r in requests
        if wanted.get(r.pk) or r.message
    ]


def _letter_rows(case: Case) -> list[dict[str, Any]]:
    rows = []
    for letter in letters_for_applicant(case):
        links = {}
        if letter.revoked_at is None:
            for variant, stored in (("de", letter.pdf), ("en", letter.courtesy_pdf)):
                if stored is not None and stored.storage_name:
                    links[variant] = reverse(
                        "case-status:letter", args=[case.reference, letter.number, variant]
                    )
        rows.append(
            {
                "kind": LetterKind(letter.kind).label
                if letter.kind in LetterKind.values
                else letter.kind,
                "number": letter.number,
                "issued_on": today_in_hamburg(letter.issued_at),
                "revoked": letter.revoked_at is not None,
                "links": links,
            }
        )
    return rows


def _forecast_lines(case: Case, fc: forecasting.Forecast | None) -> dict[str, Any]:
    if fc is None:
        return {}
    lines: dict[str, Any] = {"forecast": fc, "from_norm": fc.basis == forecasting.Basis.NORM}
    if fc.ahead is not None:
        lines["ahead_text"] = ngettext(
            "%(count)d application of this kind is in line before yours.",
            "%(count)d applications of this kind are in line before yours.",
            fc.ahead,
        ) % {"count": fc.ahead}
    if fc.basis == forecasting.Basis.QUEUE:
        per_week = round(fc.per_week)
        lines["pace_text"] = ngettext(
            "Lately we have decided about %(count)d application of this kind a week.",
            "Lately we have decided about %(count)d applications of this kind a week.",
            per_week,
        ) % {"count": per_week}
    lines["moves"] = case.status == CaseStatus.WAITING_APPLICANT
    return lines


def status_view_context(case: Case, *, now: Any) -> dict[str, Any]:
    """Everything the page shows of `case` (a handful of queries, whatever its history)."""
    today = today_in_hamburg(now)
    events = list(CaseEvent.objects.filter(case=case, kind__in=PAGE_KINDS).order_by("at", "pk"))
    forecast_events = [e for e in events if e.kind in FORECAST_KINDS]
    fc = forecasting.case_forecast(case, now=now, events=forecast_events)
    title, meaning = STATUS_TEXT.get(case.status, (case.status, ""))
    clock = None
    if case.status in WAITING:
        clock = clock_of(
            case.case_type,
            received_on=case.received_on,
            events=[
                ClockEvent(today_in_hamburg(e.at), e.kind, (e.data or {}).get("to", ""))
                for e in forecast_events
                if e.kind != CaseEventKind.ASSIGNED
            ],
            today=today,
        )
    return {
        "case": case,
        "status_title": title,
        "status_meaning": meaning,
        "steps": _steps(events),
        "needed": _needed(case, today),
        "letters": _letter_rows(case),
        "waiting_since": clock.suspended_since if clock is not None else None,
        "decided": case.decided_on,
        **_forecast_lines(case, fc),
    }


# --- the views ----------------------------------------------------------------------------------


class SecretInput(forms.TextInput):
    """The secret is never written back into the page (a refused try shows an empty field)."""

    def format_value(self, value: Any) -> str | None:
        return None


class StatusForm(AccessibleErrorsMixin, forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Case reference"),
        max_length=40,
        help_text=gettext_lazy("For example HS-2026-000123, printed on your receipt."),
        error_messages={"required": gettext_lazy("Enter the reference.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label=gettext_lazy("Secret"),
        max_length=40,
        help_text=gettext_lazy(
            "Ten letters and digits, printed on your receipt under “Secret for the status page”."
        ),
        error_messages={"required": gettext_lazy("Enter the secret.")},
        widget=SecretInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )


def _limited(request: HttpRequest, reference: str) -> None:
    """Tries per client address, and per reference (whoever asks; unknown ones alike)."""
    rate_limit(request, group="case-status", rate=settings.CASE_STATUS_RATE)
    try:
        rate_limit(
            request,
            group="case-status-reference",
            rate=settings.CASE_STATUS_REFERENCE_RATE,
            key=f"case:{reference}",
        )
    except TooMany as limited:
        wait = limited.retry_after or 60
        minutes = max(1, -(-wait // 60))
        raise TooMany(
            ngettext(
                "This reference has been tried too often. Please try again in %(minutes)d "
                "minute, or call 115.",
                "This reference has been tried too often. Please try again in %(minutes)d "
                "minutes, or call 115.",
                minutes,
            )
            % {"minutes": minutes},
            code="case-status-rate-limited",
            retry_after=wait,
        ) from None


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    """The form: reference and secret. A correct pair opens the case's page."""
    form = StatusForm(
        request.POST if request.method == "POST" else None,
        initial={"reference": request.GET.get("reference", "")[:40]},
    )
    problem: AppError | None = None
    if request.method == "POST" and form.is_valid():
        typed = form.cleaned_data["reference"]

        def unlock() -> Case:
            _limited(request, reference_normalise(typed))
            return status_unlock(reference=typed, secret=form.cleaned_data["secret"])

        case, problem = attempt(unlock)
        if case is not None:
            status_grant(request, case)
            return HttpResponseRedirect(reverse("case-status:show", args=[case.reference]))
    response = render(
        request,
        "cases/status_ask.html",
        {"form": form, "problem": problem, "grant_minutes": GRANT_MINUTES},
        status=page_status(problem, form),
    )
    return _no_store(with_retry_after(response, problem))


def _back_to_form(reference: str) -> HttpResponse:
    return HttpResponseRedirect(
        reverse("case-status:ask") + "?" + urlencode({"reference": reference[:40]})
    )


@never_cache
@require_GET
def show(request: HttpRequest, reference: str) -> HttpResponse:
    case = status_case_of_session(request, reference)
    if case is None:
        return _back_to_form(reference)
    context = status_view_context(case, now=timezone.now())
    return _no_store(render(request, "cases/status.html", context))


@never_cache
@require_GET
def letter(request: HttpRequest, reference: str, number: str, variant: str) -> HttpResponseBase:
    """A letter's PDF for the applicant whose session opened its case (a revoked one no
    more: the page lists it as such)."""
    case = status_case_of_session(request, reference)
    if case is None:
        return _back_to_form(reference)
    return file_response(letter_file(case=case, number=number, variant=variant, revoked=False))


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """End every case this browser opened (a shared computer)."""
    request.session.pop(SESSION_KEY, None)
    return HttpResponseRedirect(reverse("case-status:ask") + "?left=1")
