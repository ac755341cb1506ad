"""Who fills in a form in this request, shared by the pages and the API: whether the sign-in
is sure enough for a form, and the resident as the actor of what they do."""

from __future__ import annotations

from django.http import HttpRequest

from hamburg_service.accounts.citizens import citizen_session
from hamburg_service.core.actors import Actor
from hamburg_service.forms.definition import FormSpec
from hamburg_service.forms.models import Draft


def spec_trusted(request: HttpRequest, spec: FormSpec) -> bool:
    """The form needs no sign-in, or the signed-in citizen's level is at least its level."""
    if spec.trust_level == "none":
        return True
    session = citizen_session(request)
    return session is not None and session.trusted(spec.trust_level)


def resident_actor(request: HttpRequest, draft: Draft | None = None) -> Actor:
    """The resident: the signed-in account's address, else the draft's, where known."""
    session = citizen_session(request)
    email = session.citizen.email if session else (draft.email if draft else "")
    return Actor.resident(email or "")
