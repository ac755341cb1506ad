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
from hamburg_service.people import information
from hamburg_service.people.models import InformationAnswer, InformationChannel, ResidenceKind

# The fields of people.information's checks, as the form names them.
FIELDS = {
    "street": "former_address",
    "house_number": "former_address",
    "postcode": "former_address",
}
CASE_TYPE = "register-information"
FOUND = InformationAnswer.FOUND


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
    case = case_open_online(ctx, CASE_TYPE)
    found = result.person
    # What the answer showed, kept with the case: the account shows this, never a new read
    # of the register.
    case_note(
        ctx,
        case,
        f"Melderegisterauskunft {result.reference}: {result.answer}",
        register_information=result.reference,
        answer=result.answer,
        fee=result.fee_cents,
        names=(
            {
                "family_name": found.family_name,
                "name_affix": found.name_affix,
                "given_names": found.given_names,
                "doctoral_degree": found.doctoral_degree,
            }
            if found is not None
            else {}
        ),
        addresses=[_address_line(a) for a in _main_first(found.addresses)] if found else [],
    )
    # Answered at once: the case is closed with the answer (no decision to make), without
    # the status mail: the requester gets the answer's e-mail and the receipt.
    status_move(
        case,
        target=CaseStatus.CLOSED,
        actor=ctx.actor,
        now=ctx.now,
        reason="Auskunft erteilt",
        status_mail=False,
    )
    case_refresh(case, ctx.now)
    return case


def _main_first(addresses: tuple[information.FoundAddress, ...]) -> list[information.FoundAddress]:
    return sorted(addresses, key=lambda a: a.kind != ResidenceKind.MAIN)


def _address_line(address: information.FoundAddress) -> str:
    street = f"{address.street} {address.house_number}".strip()
    return f"{street}, {address.postcode} {address.city}"


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
    number, the answer, the fee and — when found — the names and addresses as the answer
    showed them (what the e-mail said), all as kept in the case's note when it answered:
    nothing of the register is read again."""
    if case.case_type.slug != CASE_TYPE:
        return None
    note = (
        CaseEvent.objects.filter(case=case, kind=CaseEventKind.NOTE, data__has_key="answer")
        .order_by("at", "pk")
        .first()
    )
    if note is None:
        return None
    data = note.data or {}
    answer = str(data.get("answer") or "")
    names = data.get("names")
    addresses = data.get("addresses")
    fee = data.get("fee")
    return AnswerShown(
        reference=str(data.get("register_information") or ""),
        answer=answer,
        text=information.answer_text(answer),
        fee=information.fee_text(fee if isinstance(fee, int) else fee_cents()),
        names=dict(names) if isinstance(names, dict) and answer == FOUND else {},
        addresses=[str(a) for a in addresses]
        if isinstance(addresses, list) and answer == FOUND
        else [],
    )


def fee_cents() -> int:
    return int(settings.REGISTER_INFORMATION_FEE_CENTS)
