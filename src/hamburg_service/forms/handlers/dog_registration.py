"""Dog registration (Hundeanmeldung, forms/definitions/dog-registration.json): a case for the
registration staff, with the fee recorded on it. Dangerous breeds (§ 2 Hundegesetz Hamburg)
never get here: the form's exit page sends them to the counter."""

from __future__ import annotations

from django.conf import settings

from hamburg_service.cases.models import Case
from hamburg_service.forms.handlers import SubmitContext, handler_register
from hamburg_service.forms.handlers.common import case_note, case_open_online, linked_person


def fee_cents() -> int:
    return int(settings.DOG_REGISTRATION_FEE_CENTS)


@handler_register("dog_registration")
def handle(ctx: SubmitContext) -> Case:
    case = case_open_online(ctx, "dog-registration", person=linked_person(ctx))
    answers = ctx.submission_answers
    cents = fee_cents()
    case_note(
        ctx,
        case,
        f"Gebühr Hunderegister: {cents // 100},{cents % 100:02d} EUR "
        f"(Chip {answers.get('chip', '')})",
        fee=cents,
        chip=answers.get("chip", ""),
    )
    return case
