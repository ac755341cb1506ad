"""Register information (einfache Melderegisterauskunft, § 44 BMG) online
(forms/definitions/register-information.json): the online face of the person record's
register information (people.information).

The request is checked and answered by `register_information_request` — the same work for
every answer, the receipt with the answer e-mailed by its background task, a blocked person
answered exactly like an unknown one — and a case of the type `register-information` keeps
it in the pool's figures and in the requester's account: it is closed at once ("answered"),
with the request's number, its answer and the fee in a note. `answer_of(case)` gives the
account what the e-mail says."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from hamburg_service.cases.models import Case, CaseEvent, CaseEventKind, CaseStatus
from hamburg_service.cases.services.common import case_refresh
from hamburg_service.cases.services.lifecycle import status_move
from hamburg_service.core.errors import InvalidInput
from hamburg_service.forms.handlers import SubmitContext, handler_register
from hamburg_service.forms.handlers.common import case_note, case_open_online
from hamburg_service.people import information, selectors
from hamburg_service.people.checks import today_in_hamburg
from hamburg_service.people.models import (
    InformationAnswer,
    InformationChannel,
    RegisterInformationRequest,
    ResidenceKind,
)

# The fields of people.information's checks, as the form names them.
FIELDS = {
    "street": "former_address",
    "house_number": "former_address",
    "postcode": "former_address",
}
CASE_TYPE = "register-information"


def query_of(answers: dict[str, Any]) -> information.InformationQuery:
    address = answers.get("former_address") or {}
    if not isinstance(address, dict):
        address = {}
    return information.InformationQuery(
        family_name=str(answers.get("family_name") or ""),
        given_names=str(answers.get("given_names") or ""),
        birth_date=str(answers.get("birth_date") or ""),
        street=str(address.get("street") or ""),
        house_number=str(address.get("house_number") or ""),
        postcode=str(address.get("postcode") or ""),
        requester_name=str(answers.get("requester_name") or ""),
        requester_email=str(answers.get("requester_email") or ""),
        purpose=str(answers.get("purpose") or ""),
        commercial_purpose=str(answers.get("commercial_purpose") or ""),
    )


def _renamed(error: InvalidInput) -> InvalidInput:
    errors = [
        {**e, "field": FIELDS.get(e.get("field", ""), e.get("field", ""))} for e in error.errors
    ]
    return InvalidInput(error.detail, code=error.code, errors=errors)


@handler_register("register_information")
def handle(ctx: SubmitContext) -> Case:
    try:
        checked = information.information_query_check(query_of(ctx.submission_answers), now=ctx.now)
    except InvalidInput as error:
        raise _renamed(error) from None
    result = information.register_information_request(
        query=checked, channel=InformationChannel.PAGE, language=ctx.language, now=ctx.now
    )
    row = (
        RegisterInformationRequest.objects.filter(
            at=ctx.now, requester_email=checked.requester_email
        )
        .order_by("-pk")
        .values_list("reference", flat=True)
        .first()
    )
    case = case_open_online(ctx, CASE_TYPE)
    case_note(
        ctx,
        case,
        f"Melderegisterauskunft {row or ''}: {result.answer}",
        register_information=row or "",
        answer=result.answer,
        fee=result.fee_cents,
    )
    # Answered at once: the case is closed with the answer (no decision to make). The
    # e-mail address is set on the case only after this (common.case_open_online), so the
    # status mails stay silent: the requester gets the answer's e-mail and the receipt.
    email = case.applicant_email
    case.applicant_email = ""
    status_move(
        case,
        target=CaseStatus.CLOSED,
        actor=ctx.actor,
        now=ctx.now,
        reason="Auskunft erteilt",
    )
    case_refresh(case, ctx.now)
    case.applicant_email = email
    return case


@dataclass(frozen=True)
class AnswerShown:
    """What a register information case answered, as the account shows it."""

    reference: str
    answer: str
    text: str
    fee: str
    names: dict[str, Any] = field(default_factory=dict)
    addresses: list[str] = field(default_factory=list)


def answer_of(case: Case) -> AnswerShown | None:
    """The answer of a register information case (None for any other case): the request's
    number, the answer, the fee and — when found — the names and addresses as the register
    held them when it answered (what the e-mail said)."""
    if case.case_type.slug != CASE_TYPE:
        return None
    note = (
        CaseEvent.objects.filter(case=case, kind=CaseEventKind.NOTE, data__has_key="answer")
        .order_by("at", "pk")
        .first()
    )
    if note is None:
        return None
    row = RegisterInformationRequest.objects.filter(
        reference=note.data.get("register_information", "")
    ).first()
    if row is None:
        return None
    names: dict[str, Any] = {}
    addresses: list[str] = []
    if row.answer == InformationAnswer.FOUND and row.person_id is not None:
        state = selectors.person_as_of(
            person_id=row.person_id, on=today_in_hamburg(row.at), known_at=row.at
        )
        if state is not None:
            names = dict(state.names)
            for residence in sorted(
                state.residences, key=lambda r: (r.kind != ResidenceKind.MAIN, r.pk)
            ):
                street = f"{residence.street} {residence.house_number}".strip()
                addresses.append(f"{street}, {residence.postcode} {residence.city}")
    return AnswerShown(
        reference=row.reference,
        answer=row.answer,
        text=information.answer_text(row.answer),
        fee=information.fee_text(row.fee_cents),
        names=names,
        addresses=addresses,
    )


def fee_cents() -> int:
    return int(settings.REGISTER_INFORMATION_FEE_CENTS)
