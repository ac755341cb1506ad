"""What happens when an application is submitted (docs/online-services.md, "Handlers").

A form definition names its handler (`"handler": "dog_registration"`); the handler runs
inside the submission's transaction (`forms.services.submissions.submission_create`) and
opens the case — channel online, the citizen's account on it — and does the service's own
writes (a register information answered, a fee recorded). Anything it raises undoes the
whole submission. The submission then moves the draft's files to the case, writes the
`Submission` and queues the receipt and the hand-offs.

    @handler_register("dog_registration")
    def handle(ctx: SubmitContext) -> Case: ...
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hamburg_service.accounts.models import Citizen
from hamburg_service.cases.models import Case
from hamburg_service.core.actors import Actor
from hamburg_service.files.models import StoredFile
from hamburg_service.forms.definition import FormSpec
from hamburg_service.forms.models import Draft


@dataclass
class SubmitContext:
    """What a handler gets: the visible answers as submitted, the form, the draft (locked),
    the account (if signed in), the language, the applicant's e-mail address, who submits,
    when, and the draft's uploads by field key. `secret` is set by the handler that opens the
    case (the status secret, shown once on the receipt)."""

    submission_answers: dict[str, Any]
    spec: FormSpec
    draft: Draft
    citizen: Citizen | None
    language: str
    email: str
    actor: Actor
    now: dt.datetime
    files: dict[str, list[StoredFile]] = field(default_factory=dict)
    secret: str = ""
    # The person record the sign-in may act for (accounts.citizens.CitizenSession.person_id):
    # the account's linked record when the sign-in is sure enough, else None.
    person_id: int | None = None


Handler = Callable[[SubmitContext], Case]
_handlers: dict[str, Handler] = {}


def handler_register(key: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        _handlers[key] = function
        return function

    return register


def handler_for(key: str) -> Handler:
    """The handler registered as `key`; LookupError for an unknown one (a definition naming a
    handler nobody wrote cannot be submitted, and says so)."""
    try:
        return _handlers[key]
    except KeyError:
        raise LookupError(f"No submission handler {key!r}") from None


def handler_keys() -> list[str]:
    return sorted(_handlers)


# The handlers of the four services register themselves when imported (after the registry
# above exists).
SERVICES = ("change_of_address", "dog_registration", "register_information", "residence_permit")
for _module in SERVICES:
    importlib.import_module(f"{__name__}.{_module}")
