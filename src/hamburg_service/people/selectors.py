"""Reads of the person record — INTERNAL, UNLOGGED.

Nothing in this module checks a permission or writes the access log (§ 40 BMG). Pages, the
API, exports and insights must never call these functions directly: they go through the
access-logged layer built on top of them (`person_for(actor, id, purpose)`, searches that log
their criteria and hits), which decides who may see what and records it. The services use
them inside their transactions (duplicates at creation). Each read is set-based: a fixed
number of queries, whatever the size of the register or the length of a person's history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from hamburg_service.core.db import WordPrefix, rows_select
from hamburg_service.people.checks import BirthDate
from hamburg_service.people.models import (
    IdentityDocument,
    Nationality,
    Person,
    PersonEvent,
    PersonEventKind,
    PersonStatus,
    Residence,
    ResidenceTitle,
)
from hamburg_service.people.names import icao_transliterate, koelner_phonetik

NAME_FIELDS = (
    "family_name",
    "given_names",
    "birth_name",
    "name_affix",
    "doctoral_degree",
    "original_family_name",
    "original_given_names",
    "sex",
    "birth_year",
    "birth_month",
    "birth_day",
    "birth_place",
    "birth_country",
)


# A common name with only a year of birth could name thousands: a review lists the first.
DUPLICATES_SHOWN = 50


def _persons() -> QuerySet[Person]:
    """INTERNAL: every record that is not merged into another."""
    return Person.objects.filter(merged_into__isnull=True)


def _first_word(text: str) -> str:
    return text.split(" ", 1)[0] if text else ""


def duplicates_for(
    *,
    family_name: str,
    given_names: str,
    birth: BirthDate,
    birth_name: str = "",
    original_family_name: str = "",
    exclude_id: int | None = None,
) -> list[Person]:
    """INTERNAL, unlogged. Records that may be the same person (one query): a family name or
    birth name whose Kölner Phonetik code is one of the new person's (family name, birth name
    and original-script name, after ICAO transliteration), the same year of birth with month
    and day equal where both are known, and the same first given name by phonetic code (or no
    given name on either side). Oldest record first."""
    codes = {koelner_phonetik(name) for name in (family_name, birth_name, original_family_name)} - {
        ""
    }
    if not codes:
        return []
    rows = _persons().filter(
        Q(family_phonetic__in=codes) | Q(birth_name_phonetic__in=codes), birth_year=birth.year
    )
    if birth.month is not None:
        rows = rows.filter(Q(birth_month__isnull=True) | Q(birth_month=birth.month))
    if birth.day is not None:
        rows = rows.filter(Q(birth_day__isnull=True) | Q(birth_day=birth.day))
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    first_given = _first_word(koelner_phonetik(given_names))
    first_key = _first_word(icao_transliterate(given_names))
    return [
        person
        for person in rows.order_by("pk")[:DUPLICATES_SHOWN]
        if not first_given
        or not person.given_phonetic
        or _first_word(person.given_phonetic) == first_given
        or _first_word(person.given_key) == first_key
    ]


def persons_matching(
    *,
    name: str,
    birth: BirthDate | None = None,
    limit: int = 50,
) -> list[Person]:
    """INTERNAL, unlogged. Records whose family name (or birth name) sounds like the first
    word(s) of `name` (any script: "Meier", "Mayer", "Майер"; "Al-Jubouri" is two words) and,
    when given, whose given names sound like the rest; with `birth`, a compatible date of
    birth. One query: each way of splitting the typed words into family and given names, by
    family name and by birth name, is one term of an OR led by an equality on a phonetic index
    (with the year of birth when given) — the shape both planners read as a union of index
    lookups."""
    codes = koelner_phonetik(icao_transliterate(name)).split()
    if not codes:
        return []
    year = {"birth_year": birth.year} if birth is not None else {}
    terms = Q()
    # Family names of up to three words ("Al Jubouri", "von Bülow", "de la Cruz").
    for k in range(1, min(3, len(codes)) + 1):
        family, rest = " ".join(codes[:k]), codes[k:]
        given = Q(WordPrefix(F("given_phonetic"), rest[0])) if rest else Q()
        terms |= Q(given, family_phonetic=family, **year)
        terms |= Q(given, birth_name_phonetic=family, **year)
    rows = _persons().filter(terms)
    if birth is not None:
        if birth.month is not None:
            rows = rows.filter(Q(birth_month__isnull=True) | Q(birth_month=birth.month))
        if birth.day is not None:
            rows = rows.filter(Q(birth_day__isnull=True) | Q(birth_day=birth.day))
    # Sorted by an expression no index serves: the candidates come through the phonetic
    # indexes and are sorted after. Ordered by the name key itself, PostgreSQL walked the
    # whole register in name order for a LIMIT and filtered it (2.5 s for "Meier Torsten").
    by_name = Concat("family_key", Value(""), output_field=CharField())
    return list(rows.order_by(by_name, "given_key", "birth_key", "pk")[:limit])


@dataclass(frozen=True, slots=True)
class PersonAsOf:
    """A person's record as it was valid on `on` and as the register knew it at `known_at`."""

    person_id: int
    on: dt.date
    known_at: dt.datetime
    names: dict[str, Any]
    status: str
    residences: list[Residence] = field(default_factory=list)
    nationalities: list[Nationality] = field(default_factory=list)
    documents: list[IdentityDocument] = field(default_factory=list)
    titles: list[ResidenceTitle] = field(default_factory=list)
    # Every residence row of the person as stored (voided ones too), in moved-in order.
    every_residence: list[Residence] = field(default_factory=list)


def _known(recorded: dt.datetime | None, known_at: dt.datetime) -> bool:
    return recorded is not None and recorded <= known_at


def _residence_holds(row: Residence, on: dt.date, known_at: dt.datetime) -> bool:
    if not _known(row.registered_at, known_at) or _known(row.voided_at, known_at):
        return False
    if row.moved_in_on > on:
        return False
    ended = row.moved_out_on is not None and _known(row.ended_recorded_at, known_at)
    return not (ended and row.moved_out_on is not None and row.moved_out_on < on)


def _ends_known(
    ended_on: dt.date | None, recorded: dt.datetime | None, on: dt.date, known_at: dt.datetime
) -> bool:
    """Has it ended by `on` (`ended_on` is the first day it no longer holds), as known?"""
    return ended_on is not None and ended_on <= on and _known(recorded, known_at)


# The reads of a record, each compiled once (core.db.rows_select): a record page runs them
# all on every opening.
def _person(person_id: int) -> QuerySet[Person]:
    return Person.objects.filter(pk=person_id)


def _corrections(person_id: int) -> QuerySet[PersonEvent]:
    return PersonEvent.objects.filter(person_id=person_id, kind=PersonEventKind.CORRECTED).order_by(
        "-at", "-pk"
    )


def _residences(person_id: int) -> QuerySet[Residence]:
    return Residence.objects.filter(person_id=person_id).order_by("moved_in_on", "pk")


def _nationalities(person_id: int) -> QuerySet[Nationality]:
    return Nationality.objects.filter(person_id=person_id).order_by("pk")


def _documents(person_id: int) -> QuerySet[IdentityDocument]:
    return IdentityDocument.objects.filter(person_id=person_id).order_by("issued_on", "pk")


def _titles(person_id: int) -> QuerySet[ResidenceTitle]:
    return ResidenceTitle.objects.filter(person_id=person_id).order_by("valid_from", "pk")


def person_as_of(
    *,
    person_id: int,
    on: dt.date,
    known_at: dt.datetime | None = None,
    person: Person | None = None,
) -> PersonAsOf | None:
    """INTERNAL, unlogged. The person's names, nationalities, residences, documents and
    titles as they were valid on `on` (a day in Hamburg) and as the register knew them at
    `known_at` (default: now) — None if the register did not know the person then. Six
    queries, however long the history: the person (none when `person`, read already, is
    given), the corrections of their names, and one per kind of row."""
    known_at = known_at or timezone.now()
    if person is None:
        person = next(iter(rows_select(_person, person_id)), None)
    if person is None or person.created_at > known_at:
        return None
    names = {name: getattr(person, name) for name in NAME_FIELDS}
    for event in rows_select(_corrections, person_id):
        effective = event.data.get("effective_on")
        not_yet = effective is not None and on < dt.date.fromisoformat(effective)
        if event.at > known_at or not_yet:
            names.update(event.data.get("before", {}))
    every_residence = rows_select(_residences, person_id)
    residences = [row for row in every_residence if _residence_holds(row, on, known_at)]
    nationalities = [
        row
        for row in rows_select(_nationalities, person_id)
        if _known(row.recorded_at, known_at)
        and (row.since is None or row.since <= on)
        and not (
            row.until is not None and row.until < on and _known(row.ended_recorded_at, known_at)
        )
    ]
    documents = [
        row
        for row in rows_select(_documents, person_id)
        if _known(row.recorded_at, known_at)
        and row.issued_on <= on <= row.expires_on
        and not _ends_known(row.ended_on, row.ended_recorded_at, on, known_at)
    ]
    titles = [
        row
        for row in rows_select(_titles, person_id)
        if _known(row.recorded_at, known_at)
        and row.valid_from <= on
        and (row.valid_until is None or on <= row.valid_until)
        and not _ends_known(row.ended_on, row.ended_recorded_at, on, known_at)
    ]
    if (
        person.deceased_on is not None
        and person.deceased_on <= on
        and _known(person.death_recorded_at, known_at)
    ):
        status = PersonStatus.DECEASED
    elif residences:
        status = PersonStatus.RESIDENT
    else:
        status = PersonStatus.MOVED_AWAY
    return PersonAsOf(
        person_id=person_id,
        on=on,
        known_at=known_at,
        names=names,
        status=status,
        residences=residences,
        nationalities=nationalities,
        documents=documents,
        titles=titles,
        every_residence=every_residence,
    )
