"""Information blocks (Auskunftssperre, § 51 BMG): set, extend, lift, and the reminder before
one ends. The central registration office does this (PeoplePerm.BLOCK_MANAGE, checked by the
pages and the API)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.core.events import event_record
from hamburg_service.core.scheduler import per_item
from hamburg_service.core.text import text_refused
from hamburg_service.people import mails
from hamburg_service.people.checks import today_in_hamburg
from hamburg_service.people.models import InformationBlock, Person, PersonEventKind
from hamburg_service.people.services.common import lock_persons, require_active

BLOCK_YEARS = 2  # § 51 (4) BMG: two years, extendable


def _two_years_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + BLOCK_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + BLOCK_YEARS, day=28)


def _reason_clean(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput.field("reason", _("Give the reason for the block."))
    if len(reason) > 1000 or text_refused(reason):
        raise InvalidInput.field(
            "reason", _("The reason can be at most 1,000 characters, without control characters.")
        )
    return reason


def _end_check(ends_on: dt.date, starts_on: dt.date) -> dt.date:
    if ends_on < starts_on:
        raise InvalidInput.field("ends_on", _("The block cannot end before it starts."))
    if ends_on > _two_years_after(starts_on):
        raise InvalidInput.field(
            "ends_on",
            _("A block lasts at most two years; extend it when it ends (§ 51 (4) BMG)."),
        )
    return ends_on


def block_set(
    *,
    person: Person,
    reason: str,
    actor: Actor,
    ends_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> InformationBlock:
    """Block register information about `person` from today, for two years unless `ends_on`
    says less."""
    now = now_or(now)
    today = today_in_hamburg(now)
    reason = _reason_clean(reason)
    ends_on = _end_check(ends_on or _two_years_after(today), today)
    with transaction.atomic():
        (person,) = lock_persons(person)
        require_active(person)
        # A block that ran out without being extended ends the day after its last day.
        for ended in InformationBlock.objects.filter(
            person=person, lifted_on__isnull=True, ends_on__lt=today
        ):
            ended.lifted_on = ended.ends_on + dt.timedelta(days=1)
            ended.save(update_fields=["lifted_on"])
            event_record(
                person,
                kind=PersonEventKind.BLOCK_LIFTED,
                actor=actor,
                at=now,
                data={"block": ended.pk, "expired": True},
            )
        if InformationBlock.objects.filter(person=person, lifted_on__isnull=True).exists():
            raise Conflict(
                _("This person has a block already; extend it instead."), code="block-exists"
            )
        block = InformationBlock.objects.create(
            person=person, reason=reason, starts_on=today, ends_on=ends_on, set_at=now
        )
        event_record(
            person,
            kind=PersonEventKind.BLOCK_SET,
            actor=actor,
            at=now,
            data={"block": block.pk, "ends_on": ends_on.isoformat()},
        )
    return block


def block_extend(
    *,
    block: InformationBlock,
    reason: str,
    actor: Actor,
    ends_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> InformationBlock:
    """Extend a block in force by up to two years from today (the reason is given anew)."""
    now = now_or(now)
    today = today_in_hamburg(now)
    reason = _reason_clean(reason)
    ends_on = _end_check(ends_on or _two_years_after(today), today)
    with transaction.atomic():
        (person,) = lock_persons(block.person)
        block = InformationBlock.objects.get(pk=block.pk)
        if block.lifted_on is not None:
            raise Conflict(_("This block has been lifted."), code="block-lifted")
        block.ends_on, block.reason, block.reminded_at = ends_on, reason, None
        block.save(update_fields=["ends_on", "reason", "reminded_at"])
        event_record(
            person,
            kind=PersonEventKind.BLOCK_EXTENDED,
            actor=actor,
            at=now,
            data={"block": block.pk, "ends_on": ends_on.isoformat()},
        )
    return block


def block_lift(
    *, block: InformationBlock, actor: Actor, now: dt.datetime | None = None
) -> InformationBlock:
    now = now_or(now)
    with transaction.atomic():
        (person,) = lock_persons(block.person)
        block = InformationBlock.objects.get(pk=block.pk)
        if block.lifted_on is not None:
            return block
        block.lifted_on = today_in_hamburg(now)
        block.save(update_fields=["lifted_on"])
        event_record(
            person, kind=PersonEventKind.BLOCK_LIFTED, actor=actor, at=now, data={"block": block.pk}
        )
    return block


def blocks_remind_ending(*, now: dt.datetime | None = None) -> int:
    """Tell the central registration office, once per block, that it ends within
    BLOCK_REMIND_DAYS — by block number only, never the name (the office opens the record)."""
    now = now_or(now)
    horizon = today_in_hamburg(now) + dt.timedelta(days=settings.BLOCK_REMIND_DAYS)
    due = InformationBlock.objects.filter(
        lifted_on__isnull=True, reminded_at__isnull=True, ends_on__lte=horizon
    )

    def remind(pk: int) -> bool:
        with transaction.atomic():
            block = InformationBlock.objects.select_for_update().get(pk=pk)
            if block.reminded_at is not None or block.lifted_on is not None:
                return False
            block.reminded_at = now
            block.save(update_fields=["reminded_at"])
            if settings.CENTRAL_REGISTRATION_EMAIL:
                mails.block_ending_queue(block, now=now)
        return True

    return per_item(list(due.values_list("pk", flat=True)), remind, what="A block reminder")
