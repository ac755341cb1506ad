"""The e-mails of document requests and appointment offers, in the case's language: what is
queued (inside the service's transaction, through the outbox) and how each is written when it
is sent. Without an e-mail address the caseworker prints the same text as a letter
(`request_letter`, `offer_letter`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from hamburg_service.cases.links import APPOINTMENT, UPLOAD, link_url
from hamburg_service.cases.models import AppointmentOffer, Case, CaseDocument, DocumentRequest
from hamburg_service.files.forms import policy_help
from hamburg_service.files.policy import DOCUMENTS
from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue


def _queue(
    to: str, template: str, language: str, context: dict[str, Any], about: str, now: dt.datetime
) -> None:
    message_queue(
        to=to, template=template, language=language, context=context, about=about, now=now
    )


def request_mail_queue(request: DocumentRequest, *, now: dt.datetime) -> None:
    case = request.case
    _queue(
        case.applicant_email,
        "cases/document_request",
        case.language,
        {"request_id": request.pk},
        f"case:{case.reference}",
        now,
    )


def reminder_mail_queue(request: DocumentRequest, *, now: dt.datetime) -> None:
    case = request.case
    _queue(
        case.applicant_email,
        "cases/document_request_reminder",
        case.language,
        {"request_id": request.pk},
        f"case:{case.reference}",
        now,
    )


def offer_mail_queue(offer: AppointmentOffer, *, now: dt.datetime) -> None:
    case = offer.case
    _queue(
        case.applicant_email,
        "cases/appointment_offer",
        case.language,
        {"offer_id": offer.pk},
        f"case:{case.reference}",
        now,
    )


def account_url(case: Case) -> str:
    """For a case from an online application: its page in the applicant's account (where
    they answer requests too), in the case's language; "" for any other case."""
    if case.citizen_id is None:
        return ""
    with translation.override(case.language if case.language in ("de", "en") else "de"):
        return settings.SITE_URL + reverse("portal:application", args=[case.reference])


def _request_context(request: DocumentRequest) -> dict[str, Any]:
    case = request.case
    documents = CaseDocument.objects.filter(request=request).order_by("pk")
    return {
        "case": case,
        "request": request,
        "documents": [d.label for d in documents],
        "missing": [d.label for d in documents if d.received_at is None],
        "url": link_url(UPLOAD, request.link_nonce, case.language),
        "account_url": account_url(case),
        "accepted": policy_help(DOCUMENTS),
        "site": settings.SITE_URL,
    }


def _request(context: dict[str, Any]) -> DocumentRequest:
    return DocumentRequest.objects.select_related("case", "case__case_type").get(
        pk=context["request_id"]
    )


@renderer("cases/document_request")
def document_request(context: dict[str, Any]) -> Rendered:
    return text_mail("cases/mail/request_made.txt", _request_context(_request(context)))


@renderer("cases/document_request_reminder")
def document_request_reminder(context: dict[str, Any]) -> Rendered:
    return text_mail("cases/mail/request_reminder.txt", _request_context(_request(context)))


def _offer_context(offer: AppointmentOffer) -> dict[str, Any]:
    return {
        "case": offer.case,
        "offer": offer,
        "service": offer.service.name,
        "url": link_url(APPOINTMENT, offer.link_nonce, offer.case.language),
    }


@renderer("cases/appointment_offer")
def appointment_offer(context: dict[str, Any]) -> Rendered:
    offer = AppointmentOffer.objects.select_related("case", "case__case_type", "service").get(
        pk=context["offer_id"]
    )
    return text_mail("cases/mail/offer_made.txt", _offer_context(offer))


def request_letter(request: DocumentRequest) -> Rendered:
    """The request as a letter to send by post, in the case's language."""
    with translation.override(request.case.language):
        return text_mail("cases/mail/request_made.txt", _request_context(request))


def offer_letter(offer: AppointmentOffer) -> Rendered:
    with translation.override(offer.case.language):
        return text_mail("cases/mail/offer_made.txt", _offer_context(offer))
