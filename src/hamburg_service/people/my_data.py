""" "Who read my data" (§ 40 BMG; none of the German registers offers it, Estonia's does): a
resident asks with the e-mail address they gave for notices and their date of birth; a
time-limited link goes to that address only, and the page behind it lists every staff read of
their record — when, by which role, for what purpose, which kinds of data; never the staff
member's name. Reads for purposes the law exempts can be held back (MY_DATA_HELD_BACK).

Like the link to an appointment, the request costs the same whether or not it matches anyone:
it only queues the lookup (a keyed digest of the address, not the address), which runs in the
background and mails the owner."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django_tasks import task

from hamburg_service.accounts.models import AccessLog, AccessPurpose, DataCategory, Role
from hamburg_service.core.sealed import seal, unseal
from hamburg_service.notifications.services import message_queue
from hamburg_service.people.checks import BirthDate
from hamburg_service.people.models import Person

SALT = "people.my-data"


def _address_mac(email: str) -> str:
    return salted_hmac(SALT, email.strip().lower()).hexdigest()


# Encrypted, not only signed (core.sealed): the report link and the queued lookup (stored in
# the task table until it runs) must not show a record number or a date of birth to whoever
# sees them.
def _seal(data: dict[str, object]) -> str:
    return seal(json.dumps(data), purpose=SALT)


def _open(token: str, *, ttl: int | None = None) -> dict[str, object] | None:
    text = unseal(token, purpose=SALT, ttl=ttl)
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def my_data_request(*, email: str, birth: BirthDate, language: str) -> None:
    """Queue the lookup; nothing else happens in the request (same work for any input)."""
    sealed = _seal({"a": _address_mac(email), "b": birth.key})
    transaction.on_commit(lambda: my_data_lookup.enqueue(sealed=sealed, language=language))


def my_data_send(*, address: str, birth_key: int, language: str) -> bool:
    """Mail the report link to the record(s) born on that day whose notice address has the
    digest `address`; True if one was sent. One indexed query."""
    sent = False
    candidates = Person.objects.filter(birth_key=birth_key, merged_into__isnull=True).exclude(
        contact_email=""
    )
    for person in candidates:
        if not constant_time_compare(_address_mac(person.contact_email), address):
            continue
        token = _seal({"p": person.pk})
        with transaction.atomic():
            message_queue(
                to=person.contact_email,
                template="people/my_data_link",
                language=language,
                context={"token": token},
                about=f"person:{person.pk}",
            )
        sent = True
    return sent


@task()
def my_data_lookup(*, sealed: str, language: str) -> None:
    """The lookup of a request, away from the request. Defined beside what it calls."""
    data = _open(sealed)
    if data is not None and isinstance(data.get("a"), str) and isinstance(data.get("b"), int):
        my_data_send(address=str(data["a"]), birth_key=int(str(data["b"])), language=language)


def person_of_token(token: str) -> int | None:
    """The person a report link is for, while it is valid (MY_DATA_LINK_HOURS)."""
    data = _open(token, ttl=settings.MY_DATA_LINK_HOURS * 3600)
    person_id = data.get("p") if data is not None else None
    return person_id if isinstance(person_id, int) else None


@dataclass(frozen=True, slots=True)
class ReadReport:
    at: dt.datetime
    role: str
    purpose: str
    categories: list[str]


def reads_of(person_id: int) -> list[ReadReport]:
    """Every staff read of the person's record still in the log, newest first, by role and
    purpose (not by name); held-back purposes left out. Two queries."""
    held_back = set(settings.MY_DATA_HELD_BACK)
    entries = (
        AccessLog.objects.filter(subjects__person_id=person_id)
        .exclude(purpose__in=held_back)
        .select_related("actor")
        .prefetch_related("actor__role_assignments")
        .order_by("-at", "-pk")
    )
    purposes = dict(AccessPurpose.choices)
    categories = dict(DataCategory.choices)
    roles = dict(Role.choices)
    return [
        ReadReport(
            at=entry.at,
            # The roles the reader had then (entries written before they were kept: today's).
            role=", ".join(
                str(roles.get(code, code))
                for code in entry.actor_roles
                or [r.role for r in entry.actor.role_assignments.all()]
            ),
            purpose=str(purposes.get(entry.purpose, entry.purpose)),
            categories=[str(categories.get(c, c)) for c in entry.categories],
        )
        for entry in entries[:500]
    ]
