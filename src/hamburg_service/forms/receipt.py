"""The receipt of a submitted application (docs/online-services.md, "Receipt"): the page shown
after submitting, its PDF summary and the receipt e-mail.

- **Who sees it**: the signed-in account the application came from, or the browser session
  that submitted it (an application without sign-in); anyone else gets the 404 of a receipt
  that does not exist (`receipt_for`).
- **The page**: the reference, what happens next, the expected decision date (from the cases
  forecast, stored at submission), the status secret once (for an application without an
  account: the status page needs it), and the PDF.
- **The PDF** (`receipt_pdf`): the answers by step as submitted (forms.summary), signed like
  every document the service hands out; rendered when downloaded, never during the submit.
- **The e-mail** (`receipt_mail_queue`, inside the submission's transaction): the reference,
  the expected date and where to follow the application — never the status secret.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hamburg_service.accounts.citizens import citizen_of
from hamburg_service.cases.mails import status_url
from hamburg_service.core.errors import NotFound
from hamburg_service.core.pdf import pdf_render_signed
from hamburg_service.forms.definition import spec_of
from hamburg_service.forms.models import Submission
from hamburg_service.forms.summary import StepAnswers, answers_by_step
from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue
from hamburg_service.people.checks import today_in_hamburg

RECEIPT_TEMPLATE = "forms/submission_receipt"
SESSION_KEY = "forms_submitted"  # the submissions this browser made (without sign-in)
SESSION_KEPT = 20
SHOWN_ONCE_PREFIX = "forms_secret:"  # the status secret, shown once on the receipt page


def session_remember(request: HttpRequest, submission: Submission) -> None:
    """This browser submitted `submission`: it may see the receipt (and the status secret,
    once)."""
    kept = [str(x) for x in request.session.get(SESSION_KEY, []) if isinstance(x, str)]
    public_id = str(submission.public_id)
    if public_id not in kept:
        kept = [*kept, public_id][-SESSION_KEPT:]
    request.session[SESSION_KEY] = kept
    secret = getattr(submission, "status_secret", "")
    if secret:
        request.session[SHOWN_ONCE_PREFIX + public_id] = secret


def secret_take(request: HttpRequest, submission: Submission) -> str:
    """The status secret, if this browser has not been shown it yet (then never again)."""
    return str(request.session.pop(SHOWN_ONCE_PREFIX + str(submission.public_id), "") or "")


def may_see(request: HttpRequest, submission: Submission) -> bool:
    citizen = citizen_of(request)
    if submission.citizen_id is not None:
        return citizen is not None and citizen.pk == submission.citizen_id
    return str(submission.public_id) in request.session.get(SESSION_KEY, [])


def receipt_for(request: HttpRequest, public_id: uuid.UUID | str) -> Submission:
    """The submission whose receipt this request may see; NotFound alike for one that does
    not exist and one of someone else."""
    submission = (
        Submission.objects.select_related("case", "case__case_type", "definition")
        .filter(public_id=public_id)
        .first()
    )
    if submission is None or not may_see(request, submission):
        raise NotFound(_("There is no such receipt."), code="receipt-unknown")
    return submission


@dataclass(frozen=True)
class ReceiptShown:
    submission: Submission
    title: str
    reference: str
    submitted_at: dt.datetime
    expected_on: dt.date | None
    next_steps: list[str]
    follow_url: str
    in_account: bool


def follow_url(submission: Submission) -> str:
    """Where the applicant follows the application: the account, or the status page."""
    if submission.citizen_id is not None:
        return reverse("portal:application", kwargs={"reference": submission.case.reference})
    return reverse("case-status:ask") + "?reference=" + submission.case.reference


def next_steps(submission: Submission) -> list[str]:
    steps = [
        _(
            "Your application is now with the responsible team. A caseworker checks it and "
            "your documents."
        ),
        _(
            "If anything is missing, we ask you for it by e-mail and in your account, with a "
            "date to answer by; the time you need does not count against us."
        ),
        _("When it is decided, we tell you by e-mail; the decision letter is in your account."),
    ]
    if submission.case.case_type.slug == "register-information":
        steps = [
            _(
                "The register has answered at once: the answer is on its way to you by e-mail "
                "and is in your account if you are signed in."
            ),
            _("You receive the fee notice with the answer."),
        ]
    return steps


def receipt_shown(submission: Submission, language: str) -> ReceiptShown:
    spec = spec_of(submission.definition)
    return ReceiptShown(
        submission=submission,
        title=spec.title(language),
        reference=submission.case.reference,
        submitted_at=timezone.localtime(submission.submitted_at),
        expected_on=submission.expected_on,
        next_steps=next_steps(submission),
        follow_url=follow_url(submission),
        in_account=submission.citizen_id is not None,
    )


def answers_of(submission: Submission, language: str) -> list[StepAnswers]:
    """The answers as submitted, the conditions read on the day of submission."""
    return answers_by_step(
        spec_of(submission.definition),
        submission.answers,
        language,
        today=today_in_hamburg(submission.submitted_at),
    )


def receipt_pdf(submission: Submission, language: str) -> bytes:
    """The signed PDF summary: reference, times, the answers by step as submitted."""
    with translation.override(language):
        shown = receipt_shown(submission, language)
        context: dict[str, Any] = {
            "receipt": shown,
            "steps": answers_of(submission, language),
            "version": submission.definition.version,
        }
        reason = _("Receipt of an application, issued by the Hamburg Service")
    return pdf_render_signed("forms/receipt_pdf.html", context, language, reason=reason)


def receipt_filename(submission: Submission) -> str:
    return f"antrag-{submission.case.reference}.pdf"


def receipt_mail_queue(submission: Submission, *, now: dt.datetime) -> None:
    """Queue the receipt e-mail inside the submission's transaction (nothing without an
    address)."""
    if not submission.email:
        return
    message_queue(
        to=submission.email,
        template=RECEIPT_TEMPLATE,
        language=submission.language,
        context={"submission_id": submission.pk},
        about=f"case:{submission.case.reference}",
        now=now,
    )


@renderer(RECEIPT_TEMPLATE)
def receipt_mail(context: dict[str, Any]) -> Rendered:
    submission = Submission.objects.select_related("case", "case__case_type", "definition").get(
        pk=context["submission_id"]
    )
    language = translation.get_language() or "de"
    shown = receipt_shown(submission, language[:2])
    if shown.in_account:
        url = settings.SITE_URL + shown.follow_url
    else:
        url = status_url(submission.case.reference)
    return text_mail(
        "forms/mail/submission_receipt.txt",
        {"receipt": shown, "url": url},
    )
