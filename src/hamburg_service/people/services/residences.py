"""Registering where a person lives (§ 17 BMG): Anmeldung (moving into a residence in
Hamburg), Ummeldung (moving within Hamburg) and Abmeldung (moving away).

**Dates as the law counts them**: every date is a day in Hamburg (Europe/Berlin) — `now` is
turned into today's date there. A move-in date after today is refused. § 17 Abs. 1 BMG: a
registration is due within two weeks after moving in; one made later (today later than the
move-in date plus 14 days) is recorded, flagged `late` on the residence and in the event (the
fine of § 54 BMG is not this system's decision). § 17 Abs. 2: an Abmeldung may be made up to a
week before moving out and is due within two weeks after.

A person has at most one current main residence (§ 21 BMG; a partial unique index). An
Anmeldung of a main residence while one is current is refused — that is an Ummeldung, which
ends the old main residence the day before the new one begins.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError
from django.utils.translation import gettext as _

from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.core.events import event_record
from hamburg_service.people.checks import (
    Address,
    Collector,
    country_clean,
    text_clean,
    today_in_hamburg,
)
from hamburg_service.people.models import (
    Person,
    PersonEventKind,
    PersonStatus,
    Residence,
    ResidenceKind,
)
from hamburg_service.people.services.common import lock_persons, require_active

REGISTRATION_DAYS = 14  # § 17 Abs. 1 BMG: within two weeks after moving in
DEREGISTRATION_AHEAD_DAYS = 7  # § 17 Abs. 2 BMG: at the earliest a week before moving out
OLDEST_MOVE = dt.date(1900, 1, 1)


def is_late(moved_on: dt.date, today: dt.date) -> bool:
    """Registered after the two weeks of § 17 BMG?"""
    return today > moved_on + dt.timedelta(days=REGISTRATION_DAYS)


def _move_in_check(moved_in_on: dt.date, today: dt.date) -> dt.date:
    if moved_in_on > today:
        raise InvalidInput.field(
            "moved_in_on",
            _("The move-in date lies in the future. Register on or after the day you move in."),
            code="move-in-in-future",
        )
    if moved_in_on < OLDEST_MOVE:
        raise InvalidInput.field(
            "moved_in_on", _("This move-in date is too far in the past."), code="date-out-of-range"
        )
    return moved_in_on


def _inputs(
    address: Address, moved_in_on: dt.date, landlord_confirmation: str, today: dt.date
) -> tuple[Address, str]:
    c = Collector()
    cleaned = c.run(address.clean)
    c.run(_move_in_check, moved_in_on, today)
    reference = c.run(
        text_clean,
        landlord_confirmation,
        field="landlord_confirmation",
        max_length=60,
        required=False,
    )
    c.raise_if_any()
    assert cleaned is not None
    return cleaned, reference or ""


def _residence_new(
    person: Person,
    address: Address,
    *,
    kind: str,
    moved_in_on: dt.date,
    landlord_confirmation: str,
    late: bool,
    now: dt.datetime,
) -> Residence:
    try:
        return Residence.objects.create(
            person=person,
            kind=kind,
            street=address.street,
            house_number=address.house_number,
            address_extra=address.address_extra,
            postcode=address.postcode,
            moved_in_on=moved_in_on,
            registered_at=now,
            late=late,
            landlord_confirmation=landlord_confirmation,
        )
    except IntegrityError as error:  # the unique index, should a lock ever be missing
        raise _main_exists() from error


def _main_exists() -> Conflict:
    return Conflict(
        _("This person already has a main residence. Register the move as a change of address."),
        code="main-residence-exists",
    )


def _address_data(residence: Residence) -> dict[str, object]:
    return {
        "residence": residence.pk,
        "kind": residence.kind,
        "street": residence.street,
        "house_number": residence.house_number,
        "postcode": residence.postcode,
        "moved_in_on": residence.moved_in_on,
        "late": residence.late,
        "landlord_confirmation": residence.landlord_confirmation,
    }


def residence_register(
    *,
    person: Person,
    address: Address,
    moved_in_on: dt.date,
    actor: Actor,
    kind: str = ResidenceKind.MAIN,
    landlord_confirmation: str = "",
    now: dt.datetime | None = None,
) -> Residence:
    """Anmeldung: the person moved into `address` (from outside Hamburg, or a secondary
    residence beside the main one). Refused: a move-in in the future (422
    `move-in-in-future`), a postcode not in Hamburg (422 `postcode-unknown`), a second main
    residence (409 `main-residence-exists`)."""
    now = now_or(now)
    today = today_in_hamburg(now)
    if kind not in ResidenceKind.values:
        raise InvalidInput.field(
            "kind", _("Choose main or secondary residence."), code="kind-invalid"
        )
    address, reference = _inputs(address, moved_in_on, landlord_confirmation, today)
    late = is_late(moved_in_on, today)
    with write_transaction():
        (person,) = lock_persons(person)
        require_active(person)
        if kind == ResidenceKind.MAIN and current_main(person) is not None:
            raise _main_exists()
        residence = _residence_new(
            person,
            address,
            kind=kind,
            moved_in_on=moved_in_on,
            landlord_confirmation=reference,
            late=late,
            now=now,
        )
        if person.status != PersonStatus.RESIDENT:
            person.status = PersonStatus.RESIDENT
            person.moved_away_to = ""
            person.moved_away_country = ""
            person.save(update_fields=["status", "moved_away_to", "moved_away_country"])
        event_record(
            person,
            kind=PersonEventKind.MOVED_IN,
            actor=actor,
            at=now,
            data=_address_data(residence),
        )
    return residence


def current_main(person: Person) -> Residence | None:
    """The person's main residence now (not moved out, not voided)."""
    return (
        Residence.objects.filter(
            person=person,
            kind=ResidenceKind.MAIN,
            moved_out_on__isnull=True,
            voided_at__isnull=True,
        )
        .order_by("pk")
        .first()
    )


def residence_change(
    *,
    person: Person,
    address: Address,
    moved_in_on: dt.date,
    actor: Actor,
    replaces: Residence | None = None,
    landlord_confirmation: str = "",
    now: dt.datetime | None = None,
) -> Residence:
    """Ummeldung: the person moved within Hamburg from `replaces` (by default their current
    main residence) to `address`. The old residence ends the day before `moved_in_on`; the
    new one is of the old one's kind. Refused without a current residence (409
    `no-current-residence`) and for a move-in not after the old one's (422)."""
    now = now_or(now)
    today = today_in_hamburg(now)
    address, reference = _inputs(address, moved_in_on, landlord_confirmation, today)
    late = is_late(moved_in_on, today)
    with write_transaction():
        (person,) = lock_persons(person)
        require_active(person)
        if replaces is None:
            old = current_main(person)
        else:
            old = Residence.objects.filter(
                pk=replaces.pk, person=person, moved_out_on__isnull=True, voided_at__isnull=True
            ).first()
        if old is None:
            raise Conflict(
                _(
                    "This person has no current residence in Hamburg. Register it as a new "
                    "residence."
                ),
                code="no-current-residence",
            )
        if moved_in_on <= old.moved_in_on:
            raise InvalidInput.field(
                "moved_in_on",
                _(
                    "The move-in date must lie after the move into the previous residence "
                    "(%(date)s)."
                )
                % {"date": old.moved_in_on.strftime("%d.%m.%Y")},
                code="move-before-previous",
            )
        old.moved_out_on = moved_in_on - dt.timedelta(days=1)
        old.ended_recorded_at = now
        old.save(update_fields=["moved_out_on", "ended_recorded_at"])
        residence = _residence_new(
            person,
            address,
            kind=old.kind,
            moved_in_on=moved_in_on,
            landlord_confirmation=reference,
            late=late,
            now=now,
        )
        event_record(
            person,
            kind=PersonEventKind.MOVED_WITHIN,
            actor=actor,
            at=now,
            data={
                **_address_data(residence),
                "previous": old.pk,
                "previous_moved_out_on": old.moved_out_on,
            },
        )
    return residence


def residence_deregister(
    *,
    person: Person,
    moved_out_on: dt.date,
    actor: Actor,
    residence: Residence | None = None,
    new_address: str = "",
    new_country: str = "",
    now: dt.datetime | None = None,
) -> list[Residence]:
    """Abmeldung: the person moved out of `residence` (by default every current one) on
    `moved_out_on`, the last day lived there, perhaps to `new_address` abroad or elsewhere in
    Germany. Without a current residence left their status becomes moved away."""
    now = now_or(now)
    today = today_in_hamburg(now)
    c = Collector()
    new_address = (
        c.run(text_clean, new_address, field="new_address", max_length=300, required=False) or ""
    )
    new_country = c.run(country_clean, new_country, field="new_country") or ""
    if moved_out_on > today + dt.timedelta(days=DEREGISTRATION_AHEAD_DAYS):
        c.errors.append(
            {
                "field": "moved_out_on",
                "message": _("You can deregister at the earliest one week before moving out."),
            }
        )
        c.codes.append("move-out-too-early")
    c.raise_if_any()
    with write_transaction():
        (person,) = lock_persons(person)
        require_active(person)
        current = Residence.objects.filter(
            person=person, moved_out_on__isnull=True, voided_at__isnull=True
        ).order_by("pk")
        if residence is not None:
            current = current.filter(pk=residence.pk)
        ending = list(current)
        if not ending:
            raise Conflict(
                _("This person has no current residence in Hamburg to deregister."),
                code="no-current-residence",
            )
        for row in ending:
            if moved_out_on < row.moved_in_on:
                raise InvalidInput.field(
                    "moved_out_on",
                    _("The move-out date lies before the move-in (%(date)s).")
                    % {"date": row.moved_in_on.strftime("%d.%m.%Y")},
                    code="move-out-before-move-in",
                )
            row.moved_out_on = moved_out_on
            row.ended_recorded_at = now
            row.save(update_fields=["moved_out_on", "ended_recorded_at"])
        remaining = Residence.objects.filter(
            person=person, moved_out_on__isnull=True, voided_at__isnull=True
        ).exists()
        if not remaining:
            person.status = PersonStatus.MOVED_AWAY
            person.moved_away_to = new_address
            person.moved_away_country = new_country
            person.save(update_fields=["status", "moved_away_to", "moved_away_country"])
        event_record(
            person,
            kind=PersonEventKind.MOVED_AWAY,
            actor=actor,
            at=now,
            data={
                "residences": [r.pk for r in ending],
                "moved_out_on": moved_out_on,
                "late": is_late(moved_out_on, today),
                "new_address": new_address,
                "new_country": new_country,
            },
        )
    return ending
