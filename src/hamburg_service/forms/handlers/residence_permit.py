"""Residence permit — apply or extend (forms/definitions/residence-permit.json).

The case type follows the answers: a Blue Card application goes to `blue-card` (its own
statutory period), an extension to `residence-permit-extension`, a first application to
`residence-permit`. The case gets the account's person record when the account is linked to
one (a verified match): an extension (or Blue Card) filed while the current title is still
valid then gets the provisional certificate (§ 81 (4) AufenthG) at once, inside this
transaction (cases.provisional through `case_open`), downloadable from the account; an
account without a link gets it when the caseworker identifies the applicant
(`case_person_link`). The answers (purpose, employer, current title) are the caseworker's
to read on the case page, laid out by step."""

from __future__ import annotations

from typing import Any

from hamburg_service.cases.models import Case
from hamburg_service.forms.handlers import SubmitContext, handler_register
from hamburg_service.forms.handlers.common import case_open_online, linked_person


def case_type_for(answers: dict[str, Any]) -> str:
    if answers.get("purpose") == "blue_card":
        return "blue-card"
    if answers.get("kind") == "extend":
        return "residence-permit-extension"
    return "residence-permit"


@handler_register("residence_permit")
def handle(ctx: SubmitContext) -> Case:
    return case_open_online(ctx, case_type_for(ctx.submission_answers), person=linked_person(ctx))
