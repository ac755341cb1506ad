"""The caseworker's side of letters (cases.letters, cases.provisional): deciding and issuing
the letter in one step from the case page, issuing it again when that failed, the letters and
the provisional certificate on the case page, and their download for staff entitled to the
case. The applicant's download belongs to the status page (`letters.letter_file`)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hamburg_service.accounts.access import actor_of, staff_required
from hamburg_service.accounts.permissions import StaffPerm
from hamburg_service.cases import letters, provisional, selectors
from hamburg_service.cases.models import Case, Letter, LetterKind
from hamburg_service.cases.services import lifecycle
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import AppError
from hamburg_service.core.pages import attempt
from hamburg_service.files.responses import file_response
from hamburg_service.people.checks import today_in_hamburg

logger = logging.getLogger(__name__)


def decide_and_issue(
    request: HttpRequest, *, case: Case, data: dict[str, Any], actor: Actor
) -> Case:
    """The decision (refusals go to the form), then its letter. The decision stands when the
    letter cannot be made; the page then offers to issue it again."""
    decided = lifecycle.case_decide(
        case=case,
        outcome=data["outcome"],
        reasons=data.get("reasons", ""),
        reason_keys=data.get("reason_keys") or (),
        valid_until=data.get("valid_until"),
        legal_basis=data.get("legal_basis") or "",
        actor=actor,
    )
    try:
        issued = letters.letter_issue(case=decided, actor=actor)
    except AppError as refused:
        messages.warning(
            request,
            _("The decision is recorded, but its letter could not be made: %(problem)s")
            % {"problem": refused.detail},
        )
    except Exception:  # the decision is committed: say so rather than show an error page
        logger.exception("Decision letter of %s not made", decided.reference)
        messages.warning(
            request,
            _("The decision is recorded, but its letter could not be made. Issue it again."),
        )
    else:
        messages.info(request, _("Letter %(number)s issued.") % {"number": issued.letter.number})
    return decided


@dataclass(frozen=True)
class LetterRow:
    letter: Letter
    label: str
    url: str
    courtesy_url: str


def _label(letter: Letter) -> str:
    return {
        LetterKind.DECISION: _("Decision letter"),
        LetterKind.PROVISIONAL: _("Provisional certificate (Fiktionsbescheinigung)"),
        LetterKind.LATE_NOTICE: _("Notice on a late application"),
    }.get(LetterKind(letter.kind), letter.kind)


def letters_panel(case: Case, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the case page shows of letters: each with its downloads, the provisional
    certificate in force (and whether it ends within two weeks), whether the decision's
    letter is still to be issued."""
    today = today_in_hamburg(now or timezone.now())
    rows = []
    for letter in letters.letters_for_applicant(case):
        url = reverse("cases:letter-download", args=[case.reference, letter.number, "de"])
        english = (
            reverse("cases:letter-download", args=[case.reference, letter.number, "en"])
            if letter.courtesy_pdf_id
            else ""
        )
        rows.append(LetterRow(letter, _label(letter), url, english))
    current = next(
        (
            r.letter
            for r in reversed(rows)
            if r.letter.kind == LetterKind.PROVISIONAL and r.letter.revoked_at is None
        ),
        None,
    )
    return {
        "rows": rows,
        "provisional": current,
        "provisional_expiring": case.undecided and provisional.provisional_expiring(current, today),
        "letter_due": letters.letter_due(case),
    }


@require_POST
@staff_required(StaffPerm.AREA)
def letter_issue_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Issue the decision's letter (again, after it failed with the decision)."""
    actor = actor_of(request)
    case = selectors.case_for(actor=actor, reference=reference).case
    issued, problem = attempt(lambda: letters.letter_issue(case=case, actor=actor))
    if problem is not None:
        messages.error(request, problem.detail)
    elif issued is not None:
        messages.success(request, _("Letter %(number)s issued.") % {"number": issued.letter.number})
    return redirect(reverse("cases:case", args=[case.reference]) + "#letters-heading")


@require_POST
@staff_required(StaffPerm.AREA)
def provisional_renew_view(request: HttpRequest, reference: str) -> HttpResponse:
    """A new provisional certificate for an open case whose certificate ends."""
    actor = actor_of(request)
    case = selectors.case_for(actor=actor, reference=reference).case
    renewed, problem = attempt(lambda: provisional.provisional_renew(case=case, actor=actor))
    if problem is not None:
        messages.error(request, problem.detail)
    elif renewed is not None:
        messages.success(
            request,
            _("Provisional certificate %(number)s issued.") % {"number": renewed.number},
        )
    return redirect(reverse("cases:case", args=[case.reference]) + "#letters-heading")


@never_cache
@require_GET
@staff_required(StaffPerm.AREA)
def letter_download(
    request: HttpRequest, reference: str, number: str, variant: str
) -> HttpResponseBase:
    """A letter's PDF (German, or the English courtesy translation) for staff who may read
    the case (the read is logged); 404 alike for anyone else and for what does not exist."""
    case = selectors.case_for(actor=actor_of(request), reference=reference).case
    return file_response(letters.letter_file(case=case, number=number, variant=variant))
