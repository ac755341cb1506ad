"""Prefill for a signed-in citizen whose account is linked to their person record (a
verified match: trust level high, or confirmed by a clerk): the values are put into the
fields for the citizen to confirm — shown, never saved until the step is posted."""

from __future__ import annotations

from typing import Any

from hamburg_service.accounts.citizens import CitizenSession
from hamburg_service.accounts.models import Citizen
from hamburg_service.forms.definition import StepSpec
from hamburg_service.forms.fields import date_parts, field_raw
from hamburg_service.people.access import OwnData, person_own


def _value(source: str, own: OwnData | None, citizen: Citizen) -> Any:
    if source == "citizen.email":
        return citizen.email or None
    if own is None:
        return None
    return {
        "person.family_name": own.family_name or None,
        "person.given_names": own.given_names or None,
        "person.birth": own.birth or None,
        "person.address": own.address,
    }.get(source)


def prefill_values(
    *, step: StepSpec, answers: dict[str, Any], session: CitizenSession | None
) -> dict[str, Any]:
    """Raw values (as the page shows them) for the step's prefill fields not answered yet.
    The person record is read only when a field needs it, and only where the sign-in may act
    for the linked record (`CitizenSession.person_id`)."""
    if session is None:
        return {}
    wanted = [f for f in step.inputs if f.prefill and f.key not in answers]
    if not wanted:
        return {}
    person_id = session.person_id
    own: OwnData | None = None
    if person_id is not None and any(f.prefill.startswith("person.") for f in wanted):
        own = person_own(person_id=person_id)
    found: dict[str, Any] = {}
    for spec_field in wanted:
        value = _value(spec_field.prefill, own, session.citizen)
        if value is None:
            continue
        found[spec_field.key] = (
            date_parts(value) if spec_field.type == "date" else field_raw(spec_field, value)
        )
    return found
