"""A synthetic, Hamburg-like population for benchmarks and demos (`manage.py people_generate`).

Reproducible from its seed (and `today`): the same seed gives the same people, names, dates,
addresses, documents and titles. Names come from `population.py` (many origins; Cyrillic
names with their ICAO transliteration as the register name), some immigrants' dates of birth
are partly unknown, everyone has an address history over the Hamburg postcodes the catalogue
ships (moves registered mostly within the two weeks, some late), about 16 % hold residence
titles (with an eAT card), Germans identity cards and passports, others passports.

Built for size (1.9 million people): rows are written as tuples in multi-row INSERTs in
batches, one transaction per batch, with keys reserved up front — no ORM save per row, and
**no events per generated person** (the record is synthetic; the event table stays for real
changes). External ids are `gen-<seed>-<n>`; a seed already generated is refused.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.utils import timezone

from hamburg_service.catalog.hours import BERLIN
from hamburg_service.catalog.places import POSTCODES_CSV
from hamburg_service.core.db import write_transaction
from hamburg_service.people.bulk import columns_of, ids_reserve, rows_insert_many
from hamburg_service.people.models import (
    IdentityDocument,
    Nationality,
    Person,
    PersonStatus,
    Residence,
    ResidenceTitle,
)
from hamburg_service.people.names import koelner_phonetik, latin_spelling, name_keys
from hamburg_service.people.population import BIRTH_PLACES, ORIGINS, STREETS, Origin

# Ages by decade (0–9, 10–19, …, 90–99), roughly Hamburg's pyramid.
AGE_WEIGHTS = (9, 9, 14, 16, 13, 14, 11, 8, 5, 1)
LATE_SHARE = 0.07  # registrations after the two weeks of § 17 BMG
MOVED_AWAY_SHARE = 0.02
DECEASED_SHARE = 0.01
_NUMBER_ALPHABET = "CFGHJKLMNPRTVWXYZ0123456789"  # German document numbers use these


class GenerateError(RuntimeError):
    pass


def _postcodes() -> list[str]:
    with POSTCODES_CSV.open(encoding="utf-8") as f:
        next(f)
        return [line.split(",", 1)[0] for line in f if line.strip()]


def _encode(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, digit = divmod(value, len(_NUMBER_ALPHABET))
        out.append(_NUMBER_ALPHABET[digit])
    return "".join(reversed(out))


@dataclass
class _Batch:
    people: list[dict[str, Any]] = field(default_factory=list)
    residences: list[dict[str, Any]] = field(default_factory=list)
    nationalities: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    titles: list[dict[str, Any]] = field(default_factory=list)


class _Generator:
    def __init__(self, *, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(12), tzinfo=BERLIN)
        self.postcodes = _postcodes()
        self.origin_weights = list(_cumulative(o.weight for o in ORIGINS))
        self.age_weights = list(_cumulative(AGE_WEIGHTS))
        self.documents = 0
        self.prefix = _encode(seed, 2)

    def _pick(self, cumulative: list[float]) -> int:
        return bisect.bisect(cumulative, self.rng.random() * cumulative[-1])

    def _day(self, first: dt.date, last: dt.date) -> dt.date:
        if last <= first:
            return first
        return first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))

    def _number(self) -> str:
        self.documents += 1
        return self.prefix + _encode(self.documents, 7)

    def _registered(self, moved_in: dt.date) -> tuple[dt.datetime, bool]:
        late = self.rng.random() < LATE_SHARE
        delay = self.rng.randint(15, 60) if late else self.rng.randint(0, 14)
        day = min(moved_in + dt.timedelta(days=delay), self.today)
        moment = dt.datetime.combine(day, dt.time(8 + self.rng.randrange(9)), tzinfo=BERLIN)
        return min(moment, self.now), day > moved_in + dt.timedelta(days=14)

    def person(self, n: int, batch: _Batch) -> None:
        rng = self.rng
        origin = ORIGINS[self._pick(self.origin_weights)]
        roll = rng.random()
        sex = "m" if roll < 0.49 else "w" if roll < 0.994 else "d" if roll < 0.996 else "x"
        given = rng.choice(
            origin.male if sex == "m" or (sex in "dx" and rng.random() < 0.5) else origin.female
        )
        if rng.random() < 0.15 and not origin.cyrillic:
            given = f"{given} {rng.choice(origin.male if sex == 'm' else origin.female)}"
            given = given if len(set(given.split())) == 2 else given.split()[0]
        family = rng.choice(origin.family)
        original_family = original_given = ""
        if origin.cyrillic:
            if origin.feminine_suffix and sex == "w" and family.endswith(("ов", "ев", "ин", "ёв")):
                family += "а"
            original_family, original_given = family, given
            family, given = latin_spelling(family), latin_spelling(given)

        age = self._pick(self.age_weights) * 10 + rng.randrange(10)
        birth_day = self._day(
            dt.date(self.today.year - age - 1, 1, 1) + dt.timedelta(days=1),
            min(dt.date(self.today.year - age, 12, 31), self.today),
        )
        german = origin.country == "DEU"
        born_here = (german and rng.random() < 0.55) or (
            not german and age < 25 and rng.random() < 0.5
        )
        year, month, day = birth_day.year, birth_day.month, birth_day.day
        if not born_here and rng.random() < origin.unknown_birth:
            day = None  # type: ignore[assignment]
            if rng.random() < 0.75:
                month = None  # type: ignore[assignment]
        if born_here:
            birth_country, birth_place = "DEU", "Hamburg"
        elif german:
            birth_country, birth_place = "DEU", rng.choice(BIRTH_PLACES["DEU"])
        else:
            birth_country = origin.country
            if origin.country in ("RUS", "UKR") and year < 1991:
                birth_country = "SUN"
            birth_place = rng.choice(BIRTH_PLACES[origin.country])

        naturalised = german or rng.random() < origin.naturalised
        nationalities = ["DEU"] if naturalised else [origin.country]
        if naturalised and not german and rng.random() < 0.3:
            nationalities.append(origin.country)

        # Address history: from birth here, or from arrival.
        if born_here:
            first_move = birth_day
        else:
            grown_up = birth_day + dt.timedelta(days=365 * min(age, 18))
            first_move = self._day(min(grown_up, self.today), self.today)
        moves = [first_move]
        for _ in range(rng.choices((0, 1, 2, 3), (35, 35, 20, 10))[0]):
            start = moves[-1] + dt.timedelta(days=180)
            if start >= self.today:
                break
            moves.append(self._day(start, self.today))
        fate = rng.random()
        status = PersonStatus.RESIDENT
        ended_on: dt.date | None = None
        if fate < DECEASED_SHARE and age > 40:
            status, ended_on = PersonStatus.DECEASED, self._day(moves[-1], self.today)
        elif fate < DECEASED_SHARE + MOVED_AWAY_SHARE:
            status, ended_on = PersonStatus.MOVED_AWAY, self._day(moves[-1], self.today)

        keys = name_keys(family, given)
        pid = len(batch.people)
        created_at = None
        for i, moved_in in enumerate(moves):
            registered_at, late = self._registered(moved_in)
            created_at = created_at or registered_at
            moved_out = moves[i + 1] - dt.timedelta(days=1) if i + 1 < len(moves) else ended_on
            ended_recorded = None
            if moved_out is not None:
                ended_recorded = (
                    self._registered(moved_out + dt.timedelta(days=1))[0]
                    if i + 1 < len(moves)
                    else min(dt.datetime.combine(moved_out, dt.time(12), tzinfo=BERLIN), self.now)
                )
                ended_recorded = max(ended_recorded, registered_at)
            batch.residences.append(
                {
                    "person": pid,
                    "kind": "main",
                    "street": rng.choice(STREETS),
                    "house_number": str(rng.randint(1, 180))
                    + ("", "", "", "a", "b")[rng.randrange(5)],
                    "address_extra": "",
                    "postcode": rng.choice(self.postcodes),
                    "city": "Hamburg",
                    "moved_in_on": moved_in,
                    "registered_at": registered_at,
                    "late": late,
                    "landlord_confirmation": f"WGB-{moved_in.year}-{rng.randrange(10**6):06d}",
                    "moved_out_on": moved_out,
                    "ended_recorded_at": ended_recorded,
                    "voided_at": None,
                }
            )
        assert created_at is not None
        for code in nationalities:
            batch.nationalities.append(
                {
                    "person": pid,
                    "country": code,
                    "since": None,
                    "until": None,
                    "recorded_at": created_at,
                    "ended_recorded_at": None,
                }
            )
        adult = age >= 16
        if "DEU" in nationalities and adult:
            if rng.random() < 0.9:
                self._document(batch, pid, "id_card", "DEU", age, created_at)
            if rng.random() < 0.3:
                self._document(batch, pid, "passport", "DEU", age, created_at)
        elif "DEU" not in nationalities and rng.random() < 0.85:
            self._document(batch, pid, "passport", origin.country, age, created_at)
        if origin.needs_title and "DEU" not in nationalities and rng.random() < 0.94:
            self._titles(batch, pid, origin, moves[0], created_at)
        batch.people.append(
            {
                "external_id": f"gen-{self.seed}-{n}",
                "family_name": family,
                "given_names": given,
                "birth_name": "",
                "name_affix": "",
                "doctoral_degree": "Dr." if adult and age > 30 and rng.random() < 0.02 else "",
                "original_family_name": original_family,
                "original_given_names": original_given,
                "family_key": keys.family_key,
                "given_key": keys.given_key,
                "family_phonetic": keys.family_phonetic,
                "given_phonetic": keys.given_phonetic,
                "birth_name_phonetic": "",
                "sex": sex,
                "birth_year": year,
                "birth_month": month,
                "birth_day": day,
                "birth_key": year * 10000 + (month or 0) * 100 + (day or 0),
                "birth_place": birth_place,
                "birth_country": birth_country,
                "status": status,
                "deceased_on": ended_on if status == PersonStatus.DECEASED else None,
                "death_recorded_at": self.now if status == PersonStatus.DECEASED else None,
                "moved_away_to": "",
                "moved_away_country": "",
                "merged_into_id": None,
                "created_at": created_at,
                "contact_email": "",
            }
        )

    def _document(
        self, batch: _Batch, pid: int, kind: str, country: str, age: int, recorded: dt.datetime
    ) -> None:
        years = 6 if age < 24 and kind != "eat" else 10
        issued = self._day(self.today - dt.timedelta(days=365 * years), self.today)
        batch.documents.append(
            {
                "person": pid,
                "kind": kind,
                "number": self._number(),
                "issuing_country": country,
                "issued_on": issued,
                "expires_on": issued + dt.timedelta(days=365 * years - 1),
                "recorded_at": max(
                    recorded, dt.datetime.combine(issued, dt.time(12), tzinfo=BERLIN)
                )
                if issued <= self.today
                else recorded,
                "ended_on": None,
                "ended_reason": "",
                "ended_recorded_at": None,
            }
        )

    def _titles(
        self, batch: _Batch, pid: int, origin: Origin, arrival: dt.date, recorded: dt.datetime
    ) -> None:
        rng = self.rng
        kind, basis = rng.choice(origin.legal_bases)
        start = self._day(max(arrival, self.today - dt.timedelta(days=4 * 365)), self.today)
        if kind in ("settlement_permit", "permanent_eu"):
            until = None
        elif kind == "provisional":
            until = start + dt.timedelta(days=rng.choice((90, 180)))
        else:
            until = start + dt.timedelta(days=365 * rng.choice((1, 2, 3, 4)))
        if start > arrival + dt.timedelta(days=365) and rng.random() < 0.6:  # an earlier title
            batch.titles.append(
                {
                    "person": pid,
                    "kind": "residence_permit",
                    "legal_basis": basis if kind == "residence_permit" else "§ 25 Abs. 2 AufenthG",
                    "valid_from": arrival,
                    "valid_until": start - dt.timedelta(days=1),
                    "conditions": "",
                    "card_number": "",
                    "recorded_at": recorded,
                    "ended_on": None,
                    "ended_reason": "",
                    "ended_recorded_at": None,
                }
            )
        card = self._number() if kind != "provisional" else ""
        conditions = (
            "Erwerbstätigkeit erlaubt."
            if rng.random() < 0.7
            else "Beschäftigung nur nach Erlaubnis der Ausländerbehörde."
        )
        batch.titles.append(
            {
                "person": pid,
                "kind": kind,
                "legal_basis": basis,
                "valid_from": start,
                "valid_until": until,
                "conditions": conditions,
                "card_number": card,
                "recorded_at": max(
                    recorded, min(dt.datetime.combine(start, dt.time(12), tzinfo=BERLIN), self.now)
                ),
                "ended_on": None,
                "ended_reason": "",
                "ended_recorded_at": None,
            }
        )
        if card:
            issued = min(start, self.today)
            batch.documents.append(
                {
                    "person": pid,
                    "kind": "eat",
                    "number": card,
                    "issuing_country": "DEU",
                    "issued_on": issued,
                    "expires_on": until or issued + dt.timedelta(days=3650),
                    "recorded_at": recorded,
                    "ended_on": None,
                    "ended_reason": "",
                    "ended_recorded_at": None,
                }
            )


def _cumulative(weights: Any) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _write(batch: _Batch) -> None:
    person_ids = ids_reserve(Person, len(batch.people))
    person_row = itemgetter(*columns_of(Person))
    for pk, row in zip(person_ids, batch.people, strict=True):
        row["id"] = pk
    rows_insert_many(Person, [person_row(row) for row in batch.people])
    for model, rows in (
        (Residence, batch.residences),
        (Nationality, batch.nationalities),
        (IdentityDocument, batch.documents),
        (ResidenceTitle, batch.titles),
    ):
        getter = itemgetter(*columns_of(model))
        for pk, row in zip(ids_reserve(model, len(rows)), rows, strict=True):
            row["id"] = pk
            row["person_id"] = person_ids[row["person"]]
        rows_insert_many(model, [getter(row) for row in rows])


def people_generate(
    *,
    count: int,
    seed: int = 1,
    batch_size: int = 10_000,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """Generate `count` people from `seed`; returns the numbers of rows written and seconds."""
    if count < 0 or batch_size < 1:
        raise GenerateError("The count must not be negative, the batch size must be positive.")
    today = today or timezone.localdate()
    if Person.objects.filter(external_id__startswith=f"gen-{seed}-").exists():
        raise GenerateError(f"A population with seed {seed} exists already; choose another seed.")
    started = time.monotonic()
    generator = _Generator(seed=seed, today=today)
    totals = {
        "people": 0,
        "residences": 0,
        "nationalities": 0,
        "documents": 0,
        "titles": 0,
        "with_title": 0,
    }
    for first in range(0, count, batch_size):
        batch = _Batch()
        for n in range(first, min(first + batch_size, count)):
            generator.person(n, batch)
        with write_transaction():
            _write(batch)
        totals["people"] += len(batch.people)
        totals["residences"] += len(batch.residences)
        totals["nationalities"] += len(batch.nationalities)
        totals["documents"] += len(batch.documents)
        totals["titles"] += len(batch.titles)
        totals["with_title"] += len({t["person"] for t in batch.titles})
        if progress is not None:
            progress(f"{totals['people']:,} people after {time.monotonic() - started:.1f} s")
    return {**totals, "seconds": round(time.monotonic() - started, 2)}


__all__ = ["GenerateError", "koelner_phonetik", "people_generate"]
