"""What the person services share: the clock, the locks and the refusals.

Locks, always taken in this order so that two services never wait on each other in a circle:
first the name locks (`NameLock` rows, sorted by key) where a service creates or renames a
person, then the person rows (`select_for_update`, sorted by id). On SQLite the immediate
transaction of `write_transaction` already serialises writers; on PostgreSQL these row locks
do, and the partial unique index on the current main residence is the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils.translation import gettext as _

from hamburg_service.core.errors import Conflict, NotFound
from hamburg_service.people.models import Person, PersonStatus


def identity_lock_keys(phonetics: Iterable[str], birth_year: int) -> list[str]:
    """The name-lock keys of a person: the birth year with each phonetic code of their family
    name, birth name and original-script name. Any two people `selectors.duplicates_for` could
    call duplicates share at least one key."""
    return sorted({f"{birth_year}:{code}" for code in phonetics if code})


def lock_names(keys: list[str]) -> None:
    """Lock the name rows, creating those that are new (one upsert each, sorted)."""
    with connection.cursor() as cursor:
        for key in sorted(keys):
            cursor.execute(
                "INSERT INTO people_namelock (key) VALUES (%s) "
                "ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key",
                [key],
            )


def lock_persons(*persons: Person) -> list[Person]:
    """The persons again, locked, in the order given (locked in the order of their ids)."""
    ids = [p.pk for p in persons]
    found = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    if len(found) != len(set(ids)):
        raise NotFound(_("There is no such person."), code="person-unknown")
    return [found[pk] for pk in ids]


def require_active(person: Person) -> None:
    """Refuse changes to a record merged into another, or of a deceased person."""
    if person.merged_into_id is not None:
        raise Conflict(
            _("This record was merged into another one; change that one instead."),
            code="person-merged",
            extra={"merged_into": person.merged_into_id},
        )
    if person.status == PersonStatus.DECEASED:
        raise Conflict(
            _("This person has died; the record can no longer change."), code="person-deceased"
        )
