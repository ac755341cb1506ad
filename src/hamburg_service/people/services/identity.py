"""Creating a person (Personendatensatz anlegen), correcting their data (Berichtigung) and
recording a death (Sterbefall).

**Same person.** When a person is created, `selectors.duplicates_for` finds the records that
may be the same person: a family name, birth name or original-script name with the same
Kölner Phonetik code, the same first given name (by phonetic code), a compatible date of birth
(unknown parts match anything). These are returned with the new record for a caseworker to
review and merge. A record with the *identical* key — the same ICAO-transliterated family and
given names and the same date of birth, unknown parts included — is the same person unless the
clerk confirms otherwise: creation is refused (409 `person-exists`, naming the records) unless
every such record is listed in `distinct_from`. Two clerks registering the same person at once
take the same name lock, so the second always sees the first's record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _

from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.core.events import event_record
from hamburg_service.people import selectors
from hamburg_service.people.checks import (
    BirthDate,
    Collector,
    country_clean,
    text_clean,
    today_in_hamburg,
)
from hamburg_service.people.models import (
    Nationality,
    Person,
    PersonEventKind,
    PersonStatus,
    Residence,
    Sex,
)
from hamburg_service.people.names import koelner_phonetik, name_clean, name_keys, original_clean
from hamburg_service.people.services.common import (
    identity_lock_keys,
    lock_names,
    lock_persons,
    require_active,
)

# The fields a correction may change, in the order the record shows them.
CORRECTABLE = (
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


@dataclass(frozen=True, slots=True)
class PersonInput:
    """What a clerk enters for a new person (or the corrected values)."""

    family_name: str
    given_names: str
    sex: str
    birth: BirthDate
    birth_name: str = ""
    name_affix: str = ""
    doctoral_degree: str = ""
    original_family_name: str = ""
    original_given_names: str = ""
    birth_place: str = ""
    birth_country: str = ""
    nationalities: tuple[str, ...] = ()

    def clean(self, *, today: dt.date) -> PersonInput:
        """The input as the register stores it; InvalidInput naming every wrong field."""
        c = Collector()
        sex = self.sex if self.sex in Sex.values else None
        if sex is None:
            c.errors.append({"field": "sex", "message": _("Choose the sex as registered.")})
            c.codes.append("sex-invalid")
        nationalities = [
            c.run(country_clean, code, field=f"nationalities.{i}")
            for i, code in enumerate(self.nationalities)
        ]
        cleaned = PersonInput(
            family_name=c.run(name_clean, self.family_name, field="family_name") or "",
            given_names=c.run(name_clean, self.given_names, field="given_names", required=False)
            or "",
            sex=sex or "",
            birth=c.run(self.birth.check, today=today) or self.birth,
            birth_name=c.run(name_clean, self.birth_name, field="birth_name", required=False) or "",
            name_affix=c.run(
                name_clean, self.name_affix, field="name_affix", required=False, max_length=40
            )
            or "",
            doctoral_degree=c.run(
                text_clean,
                self.doctoral_degree,
                field="doctoral_degree",
                max_length=40,
                required=False,
            )
            or "",
            original_family_name=c.run(
                original_clean, self.original_family_name, field="original_family_name"
            )
            or "",
            original_given_names=c.run(
                original_clean, self.original_given_names, field="original_given_names"
            )
            or "",
            birth_place=c.run(
                text_clean, self.birth_place, field="birth_place", max_length=120, required=False
            )
            or "",
            birth_country=c.run(
                country_clean, self.birth_country, field="birth_country", historic=True
            )
            or "",
            nationalities=tuple(dict.fromkeys(n for n in nationalities if n)),
        )
        c.raise_if_any()
        return cleaned

    def person_fields(self) -> dict[str, Any]:
        """The Person columns this input sets, search keys included."""
        keys = name_keys(self.family_name, self.given_names)
        return {
            "family_name": self.family_name,
            "given_names": self.given_names,
            "birth_name": self.birth_name,
            "name_affix": self.name_affix,
            "doctoral_degree": self.doctoral_degree,
            "original_family_name": self.original_family_name,
            "original_given_names": self.original_given_names,
            "family_key": keys.family_key,
            "given_key": keys.given_key,
            "family_phonetic": keys.family_phonetic,
            "given_phonetic": keys.given_phonetic,
            "birth_name_phonetic": koelner_phonetik(self.birth_name),
            "sex": self.sex,
            "birth_year": self.birth.year,
            "birth_month": self.birth.month,
            "birth_day": self.birth.day,
            "birth_key": self.birth.key,
            "birth_place": self.birth_place,
            "birth_country": self.birth_country,
        }

    def lock_keys(self) -> list[str]:
        return identity_lock_keys(
            (
                koelner_phonetik(self.family_name),
                koelner_phonetik(self.birth_name),
                koelner_phonetik(self.original_family_name),
            ),
            self.birth.year,
        )

    @classmethod
    def of(cls, person: Person) -> PersonInput:
        return cls(
            family_name=person.family_name,
            given_names=person.given_names,
            sex=person.sex,
            birth=BirthDate(person.birth_year, person.birth_month, person.birth_day),
            birth_name=person.birth_name,
            name_affix=person.name_affix,
            doctoral_degree=person.doctoral_degree,
            original_family_name=person.original_family_name,
            original_given_names=person.original_given_names,
            birth_place=person.birth_place,
            birth_country=person.birth_country,
        )


@dataclass(frozen=True, slots=True)
class Created:
    person: Person
    # Records that may be the same person, for a caseworker to review (and merge).
    duplicates: list[Person] = field(default_factory=list)


def person_create(
    *,
    data: PersonInput,
    actor: Actor,
    distinct_from: tuple[int, ...] = (),
    contact_email: str = "",
    now: dt.datetime | None = None,
) -> Created:
    """Create a person with their nationalities. Refused (409 `person-exists`) when a record
    with the identical name and date of birth exists that the clerk has not confirmed, in
    `distinct_from`, to be somebody else; InvalidInput (422) for wrong fields."""
    now = now_or(now)
    data = data.clean(today=today_in_hamburg(now))
    with write_transaction():
        lock_names(data.lock_keys())
        duplicates = selectors.duplicates_for(
            family_name=data.family_name,
            given_names=data.given_names,
            birth=data.birth,
            birth_name=data.birth_name,
            original_family_name=data.original_family_name,
        )
        fields_ = data.person_fields()
        identical = [
            d.pk
            for d in duplicates
            if (d.family_key, d.given_key, d.birth_key)
            == (fields_["family_key"], fields_["given_key"], fields_["birth_key"])
        ]
        unconfirmed = [pk for pk in identical if pk not in distinct_from]
        if unconfirmed:
            raise Conflict(
                _(
                    "A person with this name and date of birth is already registered. Open "
                    "that record, or confirm that this is a different person."
                ),
                code="person-exists",
                extra={"person_ids": unconfirmed},
            )
        person = Person.objects.create(
            **fields_,
            status=PersonStatus.RESIDENT,
            created_at=now,
            contact_email=contact_email.strip().lower(),
        )
        Nationality.objects.bulk_create(
            Nationality(person=person, country=code, recorded_at=now) for code in data.nationalities
        )
        event_record(
            person,
            kind=PersonEventKind.CREATED,
            actor=actor,
            at=now,
            data={
                "nationalities": list(data.nationalities),
                "possible_duplicates": [d.pk for d in duplicates],
                "confirmed_distinct_from": identical,
            },
        )
    return Created(person=person, duplicates=duplicates)


def person_correct(
    *,
    person: Person,
    changes: dict[str, Any],
    reason: str,
    actor: Actor,
    effective_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Person:
    """Correct the person's names, sex or birth (Berichtigung, § 12 BMG) or record a change of
    name from `effective_on` (a marriage), with the reason. `changes` maps fields of
    CORRECTABLE to their new values (birth as `birth`, a BirthDate). The event keeps the
    values before, from which `selectors.person_as_of` rebuilds earlier states."""
    now = now_or(now)
    unknown = set(changes) - {*CORRECTABLE, "birth"}
    if unknown:
        raise ValueError(f"Not correctable: {sorted(unknown)}")
    reason = text_clean(reason, field="reason", max_length=300)
    today = today_in_hamburg(now)
    if effective_on is not None and effective_on > today:
        raise InvalidInput.field(
            "effective_on", _("The date cannot lie in the future."), code="date-in-future"
        )
    with write_transaction():
        (person,) = lock_persons(person)
        if person.merged_into_id is not None:
            require_active(person)
        proposed = replace(PersonInput.of(person), **changes).clean(today=today)
        before = {f: getattr(person, f) for f in CORRECTABLE}
        new_fields = proposed.person_fields()
        after = {f: new_fields[f] for f in CORRECTABLE}
        changed = [f for f in CORRECTABLE if before[f] != after[f]]
        if not changed:
            raise InvalidInput(_("Nothing was changed."), code="nothing-changed")
        for name, value in new_fields.items():
            setattr(person, name, value)
        person.save()
        event_record(
            person,
            kind=PersonEventKind.CORRECTED,
            actor=actor,
            at=now,
            data={
                "reason": reason,
                "effective_on": effective_on,
                "before": {f: before[f] for f in changed},
                "after": {f: after[f] for f in changed},
            },
        )
    return person


def person_death_record(
    *,
    person: Person,
    died_on: dt.date,
    actor: Actor,
    reference: str = "",
    now: dt.datetime | None = None,
) -> Person:
    """Record a death (Sterbefall): status deceased, every open residence ends that day.
    `reference` names the source (the registry office's notice), kept in the event."""
    now = now_or(now)
    reference = text_clean(reference, field="reference", max_length=200, required=False)
    if died_on > today_in_hamburg(now):
        raise InvalidInput.field(
            "died_on", _("The date cannot lie in the future."), code="date-in-future"
        )
    with write_transaction():
        (person,) = lock_persons(person)
        require_active(person)
        if died_on < dt.date(person.birth_year, person.birth_month or 1, person.birth_day or 1):
            raise InvalidInput.field(
                "died_on", _("The date of death lies before the birth."), code="died-before-birth"
            )
        open_rows = list(
            Residence.objects.filter(
                person=person, moved_out_on__isnull=True, voided_at__isnull=True
            )
        )
        for residence in open_rows:
            residence.moved_out_on = max(died_on, residence.moved_in_on)
            residence.ended_recorded_at = now
            residence.save(update_fields=["moved_out_on", "ended_recorded_at"])
        person.status = PersonStatus.DECEASED
        person.deceased_on = died_on
        person.death_recorded_at = now
        person.save(update_fields=["status", "deceased_on", "death_recorded_at"])
        event_record(
            person,
            kind=PersonEventKind.DEATH_RECORDED,
            actor=actor,
            at=now,
            data={
                "died_on": died_on,
                "reference": reference,
                "residences_ended": [r.pk for r in open_rows],
            },
        )
    return person
