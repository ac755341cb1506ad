"""The applicant's e-mails on the status changes they should know of (docs/cases.md, "Status
page"): received, waiting for you, decided, ready for pick-up, closed, withdrawn.

Queued through the outbox inside the transaction of the change (`status_mail_queue`, called by
`lifecycle.case_open` and `lifecycle.status_move`), in the case's language, only when the case
has an e-mail address. A mail names the applicant and the reference and links to the status
page — never the status secret, never an access token, never the decision or its reasons (the
letter carries them): an e-mail is not a safe place for what the page protects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from hamburg_service.cases.models import Case, CaseStatus, DocumentRequest
from hamburg_service.notifications.models import Message
from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue


class MailKind:
    RECEIVED = "received"
    WAITING = "waiting_applicant"
    DECIDED = "decided"
    READY = "ready_for_pickup"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    ALL = (RECEIVED, WAITING, DECIDED, READY, CLOSED, WITHDRAWN)


# The statuses a move to is told; any other (in review, waiting for another authority, the
# document in production) is the office's own step and sends nothing.
STATUS_KINDS: dict[str, str] = {
    CaseStatus.WAITING_APPLICANT: MailKind.WAITING,
    CaseStatus.DECIDED: MailKind.DECIDED,
    CaseStatus.REJECTED: MailKind.DECIDED,
    CaseStatus.READY_FOR_PICKUP: MailKind.READY,
    CaseStatus.CLOSED: MailKind.CLOSED,
    CaseStatus.WITHDRAWN: MailKind.WITHDRAWN,
}


def status_mail_queue(case: Case, kind: str, now: dt.datetime) -> Message | None:
    """Queue the applicant's e-mail about `kind` (a MailKind, or the status the case moved
    to), inside the caller's transaction. Nothing without an e-mail address, for a status the
    applicant is not told of, or for a wait that comes with a document request (its own
    e-mail, with the upload link, tells them; cases.request_mails)."""
    kind = STATUS_KINDS.get(kind, kind)
    if kind not in MailKind.ALL or not case.applicant_email:
        return None
    if (
        kind == MailKind.WAITING
        and DocumentRequest.objects.filter(case_id=case.pk, created_at=now).exists()
    ):
        return None
    return message_queue(
        to=case.applicant_email,
        template=f"cases/status_{kind}",
        language=case.language,
        context={"case_id": case.pk},
        about=f"case:{case.reference}",
        now=now,
    )


def status_url(reference: str) -> str:
    """The status page in the active language, the reference filled in (not the secret)."""
    return (
        settings.SITE_URL + reverse("case-status:ask") + "?" + urlencode({"reference": reference})
    )


def _rendered(kind: str, context: dict[str, Any]) -> Rendered:
    from hamburg_service.cases.forecast import Basis, case_forecast

    case = Case.objects.select_related("case_type").get(pk=context["case_id"])
    forecast = None
    if kind == MailKind.RECEIVED and case.undecided:
        forecast = case_forecast(case, now=timezone.now())
    return text_mail(
        f"cases/mail/status_{kind}.txt",
        {
            "name": case.applicant_name,
            "reference": case.reference,
            "url": status_url(case.reference),
            "forecast": forecast,
            "from_norm": forecast is not None and forecast.basis == Basis.NORM,
        },
    )


def _register(kind: str) -> None:
    @renderer(f"cases/status_{kind}")
    def render(context: dict[str, Any]) -> Rendered:
        return _rendered(kind, context)


for _kind in MailKind.ALL:
    _register(_kind)
