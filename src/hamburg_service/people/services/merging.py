"""Merging duplicate records (Zusammenführung von Dubletten) and undoing a merge.

A merge moves the duplicate's residences, documents, titles and the nationalities the
survivor does not hold already to the survivor, and marks the duplicate `merged_into` it. The
ids moved are kept in the `merged_into` event of the duplicate, so that `person_merge_undo`
can move exactly those rows back. The duplicate's own events stay with it. Two records that
each have a current main residence are not merged: which one is right is a registration
decision (an Ummeldung or a correction) to be taken first.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict
from hamburg_service.core.events import event_record
from hamburg_service.people.checks import text_clean
from hamburg_service.people.models import (
    IdentityDocument,
    InformationBlock,
    Nationality,
    Person,
    PersonEvent,
    PersonEventKind,
    PersonStatus,
    Residence,
    ResidenceKind,
    ResidenceTitle,
)
from hamburg_service.people.services.common import lock_persons, require_active

_TABLES = {
    "residences": Residence,
    "documents": IdentityDocument,
    "titles": ResidenceTitle,
    "nationalities": Nationality,
}


def _has_current_main(person: Person) -> bool:
    return Residence.objects.filter(
        person=person, kind=ResidenceKind.MAIN, moved_out_on__isnull=True, voided_at__isnull=True
    ).exists()


def _status_from_rows(person: Person) -> str:
    if person.status == PersonStatus.DECEASED:
        return person.status
    if Residence.objects.filter(
        person=person, moved_out_on__isnull=True, voided_at__isnull=True
    ).exists():
        return PersonStatus.RESIDENT
    return person.status


def person_merge(
    *,
    duplicate: Person,
    survivor: Person,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Person:
    """Merge `duplicate` into `survivor`; returns the survivor."""
    now = now_or(now)
    reason = text_clean(reason, field="reason", max_length=300)
    if duplicate.pk == survivor.pk:
        raise Conflict(_("A record cannot be merged into itself."), code="merge-same-person")
    with write_transaction():
        first, second = sorted([duplicate, survivor], key=lambda p: p.pk)
        locked = {p.pk: p for p in lock_persons(first, second)}
        duplicate, survivor = locked[duplicate.pk], locked[survivor.pk]
        require_active(duplicate)
        if survivor.merged_into_id is not None:
            require_active(survivor)
        if InformationBlock.objects.filter(
            person_id__in=[duplicate.pk, survivor.pk], lifted_on__isnull=True
        ).exists():
            # A block must never be lost (or spread) by a merge: the central registration
            # office lifts it, merges, and sets it again on the record that stays.
            raise Conflict(
                _(
                    "One of the records has an information block (§ 51 BMG). The central "
                    "registration office must lift it before the merge and set it again after."
                ),
                code="merge-blocked",
            )
        if _has_current_main(duplicate) and _has_current_main(survivor):
            raise Conflict(
                _(
                    "Both records have a current main residence. End one of them (change of "
                    "address or correction) before merging."
                ),
                code="merge-two-main-residences",
            )
        held = set(
            Nationality.objects.filter(person=survivor, until__isnull=True).values_list(
                "country", flat=True
            )
        )
        moved: dict[str, list[int]] = {}
        for name, model in _TABLES.items():
            rows = model._default_manager.filter(person=duplicate)
            if model is Nationality:
                rows = rows.exclude(country__in=held, until__isnull=True)
            ids = sorted(rows.values_list("pk", flat=True))
            model._default_manager.filter(pk__in=ids).update(person=survivor)
            moved[name] = ids
        status_before = survivor.status
        survivor.status = _status_from_rows(survivor)
        survivor.save(update_fields=["status"])
        duplicate.merged_into = survivor
        duplicate.save(update_fields=["merged_into"])
        data = {
            "survivor": survivor.pk,
            "duplicate": duplicate.pk,
            "moved": moved,
            "survivor_status_before": status_before,
            "reason": reason,
        }
        event_record(duplicate, kind=PersonEventKind.MERGED_INTO, actor=actor, at=now, data=data)
        event_record(survivor, kind=PersonEventKind.MERGED_FROM, actor=actor, at=now, data=data)
    return survivor


def person_merge_undo(
    *, duplicate: Person, reason: str, actor: Actor, now: dt.datetime | None = None
) -> Person:
    """Undo the merge of `duplicate`: the rows the merge moved (and that are still with the
    survivor) go back, the duplicate is a record of its own again; returns it. Refused when
    it is not merged (409 `not-merged`) or the survivor was merged on since (409
    `survivor-merged`: undo that merge first)."""
    now = now_or(now)
    reason = text_clean(reason, field="reason", max_length=300)
    with write_transaction():
        # Both records locked in the order of their ids, as `person_merge` locks them (one
        # order everywhere: no deadlock); the link is read again under the locks.
        survivor_id = (
            Person.objects.filter(pk=duplicate.pk).values_list("merged_into_id", flat=True).first()
        )
        if survivor_id is None:
            raise Conflict(_("This record is not merged into another."), code="not-merged")
        first, second = sorted([duplicate.pk, survivor_id])
        locked = {p.pk: p for p in lock_persons(Person(pk=first), Person(pk=second))}
        duplicate, survivor = locked[duplicate.pk], locked[survivor_id]
        if duplicate.merged_into_id != survivor_id:
            raise Conflict(
                _("The record was changed meanwhile. Please look again."), code="merge-changed"
            )
        if survivor.merged_into_id is not None:
            raise Conflict(
                _("The record it was merged into has been merged on since; undo that merge first."),
                code="survivor-merged",
            )
        merge = (
            PersonEvent.objects.filter(person=duplicate, kind=PersonEventKind.MERGED_INTO)
            .order_by("-at", "-pk")
            .first()
        )
        assert merge is not None, "a merged record without its merge event"
        moved: dict[str, list[int]] = merge.data.get("moved", {})
        returned: dict[str, list[int]] = {}
        for name, model in _TABLES.items():
            ids = sorted(
                model._default_manager.filter(
                    person=survivor, pk__in=moved.get(name, [])
                ).values_list("pk", flat=True)
            )
            model._default_manager.filter(pk__in=ids).update(person=duplicate)
            returned[name] = ids
        duplicate.merged_into = None
        duplicate.save(update_fields=["merged_into"])
        if survivor.status != PersonStatus.DECEASED:
            before = merge.data.get("survivor_status_before", survivor.status)
            survivor.status = before
            survivor.status = _status_from_rows(survivor)
            survivor.save(update_fields=["status"])
        data = {
            "survivor": survivor.pk,
            "duplicate": duplicate.pk,
            "returned": returned,
            "merge_event": merge.pk,
            "reason": reason,
        }
        event_record(duplicate, kind=PersonEventKind.MERGE_UNDONE, actor=actor, at=now, data=data)
        event_record(survivor, kind=PersonEventKind.MERGE_UNDONE, actor=actor, at=now, data=data)
    return duplicate
