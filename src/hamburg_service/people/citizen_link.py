"""The verified link between a citizen's account and their person record (docs/citizen-sign-in.md).

An account is linked to a record only through a verified match — never because someone typed
a name and a date of birth:

* a sign-in at trust level high (the online ID function of the ID card, through BundID or the
  city's gateway) whose family name, given names and full date of birth match exactly one
  active record (by the register's name keys: ICAO transliteration, so "Müller" and "MUELLER"
  are one name). Several matches are narrowed by the postcode of the address claim, if the
  provider sends one. No match, several matches, or a lower trust level: no link;
* or a clerk who has seen the person (at the counter, with their ID) enters the short code
  their account shows (`citizen_link_code`) on the person's record.

Every link and unlink is an event of the account and of the person's record."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from hamburg_service.accounts.models import (
    Citizen,
    CitizenEventKind,
    PersonLinkSource,
    TrustLevel,
)
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.core.events import event_record
from hamburg_service.people.models import Person, PersonEventKind, PersonStatus
from hamburg_service.people.names import icao_transliterate
from hamburg_service.people.services.common import lock_persons, require_active

# Crockford's base 32: no I, L, O, U; what is typed as I/L or O reads as 1 or 0.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0"})
ID_CHARS = 5  # the account's number (up to 33 million accounts in 8 characters)
CHECK_CHARS = 3  # a keyed check: a mistyped code names no other account (1 in 32 768)


class MatchOutcome(StrEnum):
    LINKED = "linked"
    ALREADY = "already-linked"
    NOT_HIGH = "not-high"
    INCOMPLETE = "incomplete"
    NONE = "no-match"
    SEVERAL = "several"


def _encode(number: int, width: int) -> str:
    chars = []
    while number:
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars)).rjust(width, "0")


def _check(citizen_id: int, public_id: str) -> str:
    key = hashlib.sha256(f"people.citizen-link:{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(key, f"{citizen_id}:{public_id}".encode(), hashlib.sha256).digest()
    return _encode(int.from_bytes(digest[:4], "big") % 32**CHECK_CHARS, CHECK_CHARS)


def citizen_link_code(citizen: Citizen) -> str:
    """The code the account shows, for a clerk to link it ("0001-2XYZ"): the account's number
    and a keyed check of its public id."""
    code = _encode(citizen.pk, ID_CHARS) + _check(citizen.pk, str(citizen.public_id))
    return f"{code[:-4]}-{code[-4:]}"


def citizen_by_code(code: str) -> Citizen | None:
    """The account a typed code names (spaces, dashes and case ignored), or None."""
    text = "".join((code or "").split()).replace("-", "").upper().translate(_TYPED)
    if not ID_CHARS + CHECK_CHARS <= len(text) <= 13 or any(c not in ALPHABET for c in text):
        return None
    number = 0
    for char in text[:-CHECK_CHARS]:
        number = number * 32 + ALPHABET.index(char)
    citizen = Citizen.objects.filter(pk=number).first() if 0 < number < 2**63 else None
    if citizen is None:
        return None
    expected = _check(citizen.pk, str(citizen.public_id))
    return citizen if hmac.compare_digest(expected, text[-CHECK_CHARS:]) else None


@dataclass(frozen=True, slots=True)
class LinkState:
    """What the account shows about its link: linked or not, and the code for a clerk."""

    linked: bool
    linked_by: str
    linked_at: dt.datetime | None
    code: str


def citizen_link_state(citizen: Citizen) -> LinkState:
    return LinkState(
        linked=citizen.person_id is not None,
        linked_by=citizen.person_linked_by,
        linked_at=citizen.person_linked_at,
        code=citizen_link_code(citizen),
    )


def _birth_key(value: Any) -> int | None:
    """YYYYMMDD of a full OIDC `birthdate` (YYYY-MM-DD); None for anything else (a partial
    date cannot prove a match)."""
    if not isinstance(value, str):
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day.year * 10000 + day.month * 100 + day.day


def _text(value: Any, limit: int = 120) -> str:
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _candidates(claims: dict[str, Any]) -> list[Person] | None:
    family = icao_transliterate(_text(claims.get("family_name")))
    given = icao_transliterate(_text(claims.get("given_name")))
    birth_key = _birth_key(claims.get("birthdate"))
    if not family or not given or birth_key is None:
        return None
    rows = (
        Person.objects.filter(
            merged_into__isnull=True,
            family_key=family,
            given_key=given,
            birth_key=birth_key,
        )
        .exclude(status=PersonStatus.DECEASED)
        .order_by("pk")
    )
    found = list(rows[:10])
    address = claims.get("address")
    postcode = _text(address.get("postal_code"), 10) if isinstance(address, dict) else ""
    if len(found) > 1 and postcode:
        living_there = set(
            rows.filter(
                residences__postcode=postcode,
                residences__moved_out_on__isnull=True,
                residences__voided_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        found = [p for p in found if p.pk in living_there]
    return found


def _link(citizen: Citizen, person: Person, *, by: str, actor: Actor, now: dt.datetime) -> None:
    citizen.person = person
    citizen.person_linked_at = now
    citizen.person_linked_by = by
    citizen.save(update_fields=["person", "person_linked_at", "person_linked_by"])
    event_record(
        citizen,
        kind=CitizenEventKind.PERSON_LINKED,
        actor=actor,
        at=now,
        data={"person": person.pk, "by": by},
    )
    event_record(
        person,
        kind=PersonEventKind.ACCOUNT_LINKED,
        actor=actor,
        at=now,
        data={"account": str(citizen.public_id), "by": by},
    )


def _unlink(citizen: Citizen, *, actor: Actor, now: dt.datetime) -> None:
    person_id = citizen.person_id
    citizen.person = None
    citizen.person_linked_at = None
    citizen.person_linked_by = ""
    citizen.save(update_fields=["person", "person_linked_at", "person_linked_by"])
    event_record(
        citizen,
        kind=CitizenEventKind.PERSON_UNLINKED,
        actor=actor,
        at=now,
        data={"person": person_id},
    )
    person = Person.objects.filter(pk=person_id).first() if person_id is not None else None
    if person is not None:
        event_record(
            person,
            kind=PersonEventKind.ACCOUNT_UNLINKED,
            actor=actor,
            at=now,
            data={"account": str(citizen.public_id)},
        )


def citizen_link_verified(
    *,
    citizen: Citizen,
    claims: dict[str, Any],
    trust: str,
    now: dt.datetime | None = None,
) -> MatchOutcome:
    """After a sign-in: link the account to the one active record that matches the verified
    claims, if the sign-in was at trust level high. What happened, for the account page."""
    now = now_or(now)
    if citizen.person_id is not None:
        return MatchOutcome.ALREADY
    if trust != TrustLevel.HIGH:
        return MatchOutcome.NOT_HIGH
    found = _candidates(claims)
    if found is None:
        return MatchOutcome.INCOMPLETE
    if not found:
        return MatchOutcome.NONE
    if len(found) > 1:
        return MatchOutcome.SEVERAL
    with transaction.atomic():
        (person,) = lock_persons(found[0])
        locked = Citizen.objects.select_for_update().get(pk=citizen.pk)
        if locked.person_id is not None:
            return MatchOutcome.ALREADY
        if person.merged_into_id is not None or person.status == PersonStatus.DECEASED:
            return MatchOutcome.NONE
        _link(
            locked,
            person,
            by=PersonLinkSource.OIDC_HIGH,
            actor=Actor.resident(citizen.email),
            now=now,
        )
    citizen.refresh_from_db()
    return MatchOutcome.LINKED


def citizen_person_link(
    *, person: Person, code: str, actor: Actor, now: dt.datetime | None = None
) -> Citizen:
    """A clerk links the account whose code the person showed them to the person's record
    (the clerk has seen the person and their ID). An account linked to another record is
    moved to this one (both records keep the event)."""
    now = now_or(now)
    citizen = citizen_by_code(code)
    if citizen is None:
        raise InvalidInput.field(
            "code",
            _("No account has this code. Please check it with the person."),
            code="account-code-unknown",
        )
    with transaction.atomic():
        (person,) = lock_persons(person)
        require_active(person)
        citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
        if citizen.person_id == person.pk:
            raise Conflict(
                _("This account is already linked to this record."), code="account-linked"
            )
        if citizen.person_id is not None:
            _unlink(citizen, actor=actor, now=now)
        _link(citizen, person, by=PersonLinkSource.CLERK, actor=actor, now=now)
    return citizen


def citizen_person_unlink(
    *, person: Person, citizen: Citizen, actor: Actor, now: dt.datetime | None = None
) -> Citizen:
    """A clerk removes the link between an account and this record."""
    now = now_or(now)
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
        if citizen.person_id != person.pk:
            raise Conflict(
                _("This account is not linked to this record."), code="account-not-linked"
            )
        _unlink(citizen, actor=actor, now=now)
    return citizen


def citizens_linked_to(person_id: int) -> list[Citizen]:
    """The accounts linked to a record (for the clerk's page, after its logged read)."""
    return list(Citizen.objects.filter(person_id=person_id).order_by("person_linked_at", "pk"))
