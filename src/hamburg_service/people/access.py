"""The lawful reads of the person record (§ 40 BMG): every page, API call, export and figure
that shows a person's data calls these, never `people.selectors` directly.

Each read
- checks the reader's role (`accounts.permissions.PeoplePerm`): a person a reader may not see
  answers exactly like a person that does not exist (NotFound, the same text and code);
- needs a purpose — a ticket, appointment or case reference, or a reason from the list;
- shows only the data categories the role allows: registration staff the register,
  immigration staff the register and residence matters;
- writes one access-log entry (who, which persons, which categories, purpose and reference,
  for searches the criteria and the number of hits) in the same transaction as the read.

A search list is not an opened record: it shows only what is needed to pick the right person
(name, date of birth, postcode of the main residence); opening one is a second, logged read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import access_record, has_perm
from hamburg_service.accounts.models import AccessPurpose, DataCategory
from hamburg_service.accounts.permissions import PeoplePerm
from hamburg_service.core.actors import Actor
from hamburg_service.core.db import rows_select
from hamburg_service.core.errors import Forbidden, InvalidInput, NotFound
from hamburg_service.core.text import text_refused
from hamburg_service.people import selectors
from hamburg_service.people.checks import BirthDate, today_in_hamburg
from hamburg_service.people.models import (
    DocumentKind,
    IdentityDocument,
    InformationBlock,
    Nationality,
    Person,
    PersonEvent,
    PersonEventKind,
    Residence,
    ResidenceKind,
    ResidenceTitle,
    Sex,
)
from hamburg_service.people.panels import Panel, panels_for

# The purposes a member of staff may give for reading a person's data; the first three name
# what they are about by its reference.
STAFF_PURPOSES = (
    AccessPurpose.PERSON_TICKET,
    AccessPurpose.PERSON_APPOINTMENT,
    AccessPurpose.PERSON_CASE,
    AccessPurpose.PERSON_CORRECTION,
    AccessPurpose.PERSON_AUTHORITY,
    AccessPurpose.PERSON_SUBJECT_REQUEST,
    AccessPurpose.PERSON_BLOCK,
)
NEEDS_REFERENCE = frozenset(
    {AccessPurpose.PERSON_TICKET, AccessPurpose.PERSON_APPOINTMENT, AccessPurpose.PERSON_CASE}
)
SEARCH_LIMIT = 20
# What the immigration side sees beyond the register.
RESIDENCE_DOCUMENTS = frozenset({DocumentKind.RESIDENCE_CARD})
RESIDENCE_EVENTS = frozenset({PersonEventKind.TITLE_RECORDED, PersonEventKind.TITLE_ENDED})


@dataclass(frozen=True, slots=True)
class Purpose:
    """Why a member of staff reads: a purpose of `STAFF_PURPOSES` and, where it needs one,
    the reference of the ticket, appointment or case."""

    kind: str
    reference: str = ""

    @classmethod
    def of(cls, kind: str | None, reference: str | None = "") -> Purpose:
        """A checked purpose, or InvalidInput naming the field (`purpose`, `reference`)."""
        reference = (reference or "").strip().upper()
        if kind not in STAFF_PURPOSES:
            raise InvalidInput.field(
                "purpose", _("Say why you open the record."), code="purpose-missing"
            )
        if kind in NEEDS_REFERENCE and not reference:
            raise InvalidInput.field(
                "reference",
                _("Give the number of the ticket, appointment or case."),
                code="reference-missing",
            )
        if len(reference) > 40 or text_refused(reference):
            raise InvalidInput.field(
                "reference", _("This is not a reference."), code="reference-invalid"
            )
        return cls(kind, reference if kind in NEEDS_REFERENCE else reference[:40])


def search_allowed(actor: Actor) -> None:
    """Forbidden unless the reader may search people (checked before anything else)."""
    if not has_perm(_user(actor), PeoplePerm.SEARCH):
        raise Forbidden(_("Your role does not allow this here."), code="role-forbids")


def read_allowed(actor: Actor) -> None:
    """NotFound — as for a person who does not exist — unless the reader may read records."""
    if not has_perm(_user(actor), PeoplePerm.REGISTER_READ):
        raise _person_unknown()


def person_ref(*, actor: Actor, person_id: int | None, merged: bool = False) -> Person:
    """The record `person_id`, to point to it (link a ticket, undo a merge): nothing of it is
    shown, so nothing is logged; NotFound as for an unknown record unless the reader may read
    records. Records merged into another only with `merged`."""
    read_allowed(actor)
    person = (
        Person.objects.filter(pk=person_id, merged_into__isnull=not merged).first()
        if person_id is not None and 0 < person_id < 2**63
        else None
    )
    if person is None:
        raise _person_unknown()
    return person


def person_named(*, actor: Actor, person_id: int | None, purpose: Purpose) -> Person:
    """The record `person_id` to act for, its name shown (a form filled in with it): logged
    as a read of the name with `purpose`; NotFound as `person_ref`."""
    person = person_ref(actor=actor, person_id=person_id)
    access_record(
        actor=actor,
        subject_type="person",
        subject_ref=f"person:{person.pk}",
        purpose=AccessPurpose(purpose.kind),
        categories=(DataCategory.NAME,),
        case_reference=purpose.reference,
        persons=[person.pk],
    )
    return person


def _person_unknown() -> NotFound:
    # One answer for unknown, merged away, and not to be seen by this reader.
    return NotFound(_("There is no such person."), code="person-unknown")


def _user(actor: Actor) -> Any:
    return actor.user


@dataclass(frozen=True, slots=True)
class PersonHit:
    """A line of a search list: enough to pick the right person, no more."""

    id: int
    family_name: str
    given_names: str
    birth: str  # dd.mm.yyyy with 00 for what is unknown
    postcode: str  # of the current main residence, or empty
    status: str
    blocked: bool  # an information block in force (§ 51 BMG), shown to entitled staff


def persons_search(
    *, actor: Actor, name: str, birth: BirthDate | None, purpose: Purpose
) -> list[PersonHit]:
    """Find people by name (any spelling or script: phonetic and transliterated) and, where
    given, date of birth, for a member of staff allowed to search; logged with the criteria
    and the number of hits. Three queries, however large the register."""
    search_allowed(actor)
    if len(name.strip()) < 2:
        raise InvalidInput.field("name", _("Enter at least two letters of the name."))
    with transaction.atomic():
        people = selectors.persons_matching(name=name, birth=birth, limit=SEARCH_LIMIT)
        ids = [p.pk for p in people]
        postcodes = _main_postcodes(ids)
        blocked = _blocked(ids)
        access_record(
            actor=actor,
            subject_type="person_search",
            subject_ref=f"{len(people)} hits",
            purpose=AccessPurpose(purpose.kind),
            categories=(
                DataCategory.NAME,
                DataCategory.BIRTH,
                DataCategory.ADDRESS,
                DataCategory.BLOCK,
            ),
            case_reference=purpose.reference,
            criteria={
                "name": name.strip()[:120],
                "birth": birth_text(birth) if birth else "",
            },
            hits=len(people),
            persons=[p.pk for p in people],
        )
    return [
        PersonHit(
            id=p.pk,
            family_name=p.family_name,
            given_names=p.given_names,
            birth=p.birth_display,
            postcode=postcodes.get(p.pk, ""),
            status=p.status,
            blocked=p.pk in blocked,
        )
        for p in people
    ]


def birth_text(birth: BirthDate) -> str:
    return f"{birth.day or 0:02d}.{birth.month or 0:02d}.{birth.year:04d}"


def _blocked(person_ids: list[int]) -> set[int]:
    """Of these people, those with an information block in force today (one query)."""
    if not person_ids:
        return set()
    today = today_in_hamburg(timezone.now())
    return set(
        InformationBlock.objects.filter(
            person_id__in=person_ids,
            lifted_on__isnull=True,
            starts_on__lte=today,
            ends_on__gte=today,
        ).values_list("person_id", flat=True)
    )


def _main_postcodes(person_ids: list[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    rows = Residence.objects.filter(
        person_id__in=person_ids,
        kind=ResidenceKind.MAIN,
        moved_out_on__isnull=True,
        voided_at__isnull=True,
    ).values_list("person_id", "postcode")
    return dict(rows)


@dataclass(slots=True)
class PersonRecord:
    """A person's record as one reader may see it, on a given day."""

    person: Person
    on: dt.date
    categories: tuple[str, ...]
    names: dict[str, Any]
    status: str
    residences: list[Residence] = field(default_factory=list)
    past_residences: list[Residence] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    documents: list[IdentityDocument] = field(default_factory=list)
    titles: list[ResidenceTitle] = field(default_factory=list)
    events: list[PersonEvent] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)
    block: InformationBlock | None = None
    sees_residence_matters: bool = False

    @property
    def birth_display(self) -> str:
        """The date of birth as it was recorded then (a later correction not yet applied)."""
        day, month, year = (self.names[k] for k in ("birth_day", "birth_month", "birth_year"))
        return f"{day or 0:02d}.{month or 0:02d}.{year:04d}"

    @property
    def sex_display(self) -> str:
        return str(dict(Sex.choices).get(self.names["sex"], self.names["sex"]))


def _residence_matter(event: PersonEvent) -> bool:
    return event.kind in RESIDENCE_EVENTS or (event.data or {}).get("kind") in RESIDENCE_DOCUMENTS


def _unmerged_person(person_id: int) -> QuerySet[Person]:
    return Person.objects.filter(pk=person_id, merged_into__isnull=True)


def _open_blocks(person_id: int) -> QuerySet[InformationBlock]:
    return InformationBlock.objects.filter(person_id=person_id, lifted_on__isnull=True)


def person_for(
    *,
    actor: Actor,
    person_id: int,
    purpose: Purpose,
    on: dt.date | None = None,
    with_history: bool = False,
    with_panels: bool = True,
) -> PersonRecord:
    """Open a person's record — as it was valid on `on` (default: today) — for a member of
    staff allowed to read it; logged with the categories shown. NotFound, exactly as for a
    record that does not exist, for anyone else. A fixed number of queries, however long the
    person's history; the other apps' panels (appointments, visits) only `with_panels`."""
    user = _user(actor)
    if not has_perm(user, PeoplePerm.REGISTER_READ) or not 0 < person_id < 2**63:
        raise _person_unknown()
    residence_matters = has_perm(user, PeoplePerm.RESIDENCE_READ)
    today = today_in_hamburg(timezone.now())
    on = on or today
    with transaction.atomic():
        person = next(iter(rows_select(_unmerged_person, person_id)), None)
        state = (
            selectors.person_as_of(person_id=person_id, on=on, person=person) if person else None
        )
        if person is None or state is None:
            raise _person_unknown()
        categories = [
            DataCategory.NAME,
            DataCategory.BIRTH,
            DataCategory.ADDRESS,
            DataCategory.NATIONALITY,
            DataCategory.DOCUMENTS,
            DataCategory.BLOCK,
        ]
        # The block in force today (an ended one is history; at most one is not lifted).
        block = next((b for b in rows_select(_open_blocks, person_id) if b.in_force(today)), None)
        if residence_matters:
            categories.append(DataCategory.RESIDENCE_TITLES)
        events: list[PersonEvent] = []
        if with_history:
            categories.append(DataCategory.HISTORY)
            events = [
                event
                for event in PersonEvent.objects.filter(person_id=person_id)
                .select_related("actor_user")
                .order_by("-at", "-pk")[:200]
                if residence_matters or not _residence_matter(event)
            ]
        panels = panels_for(person_id) if with_panels else []
        categories.extend(dict.fromkeys(p.category for p in panels if p.rows))
        current = {r.pk for r in state.residences}
        past = [
            r
            for r in reversed(state.every_residence)
            if r.voided_at is None and r.pk not in current
        ]
        access_record(
            actor=actor,
            subject_type="person",
            subject_ref=f"person:{person_id}",
            purpose=AccessPurpose(purpose.kind),
            categories=tuple(categories),
            case_reference=purpose.reference,
            persons=[person_id],
        )
    return PersonRecord(
        person=person,
        on=on,
        categories=tuple(str(c) for c in categories),
        names=state.names,
        status=state.status,
        residences=state.residences,
        past_residences=past,
        nationalities=[n.country for n in state.nationalities],
        documents=[
            d for d in state.documents if residence_matters or d.kind not in RESIDENCE_DOCUMENTS
        ],
        titles=state.titles if residence_matters else [],
        events=events,
        panels=panels,
        block=block,
        sees_residence_matters=residence_matters,
    )


@dataclass(frozen=True, slots=True)
class Side:
    """One record of a side-by-side comparison of possible duplicates."""

    person: Person
    postcode: str
    street: str
    nationalities: list[str]
    merged_here: list[int]  # records merged into this one (their merges can be undone)


def duplicates_review(*, actor: Actor, person_id: int, purpose: Purpose) -> list[Side]:
    """The record and the records that may be the same person, side by side, for a member of
    staff who may correct the register; logged as one read of all of them. A fixed number of
    queries."""
    if not has_perm(_user(actor), PeoplePerm.REGISTER_WRITE):
        raise _person_unknown()
    with transaction.atomic():
        person = Person.objects.filter(pk=person_id, merged_into__isnull=True).first()
        if person is None:
            raise _person_unknown()
        others = selectors.duplicates_for(
            family_name=person.family_name,
            given_names=person.given_names,
            birth=BirthDate(person.birth_year, person.birth_month, person.birth_day),
            birth_name=person.birth_name,
            original_family_name=person.original_family_name,
            exclude_id=person.pk,
        )
        people = [person, *others]
        ids = [p.pk for p in people]
        mains = {
            r.person_id: r
            for r in Residence.objects.filter(
                person_id__in=ids,
                kind=ResidenceKind.MAIN,
                moved_out_on__isnull=True,
                voided_at__isnull=True,
            )
        }
        countries: dict[int, list[str]] = {pk: [] for pk in ids}
        for pid, country in Nationality.objects.filter(
            person_id__in=ids, until__isnull=True
        ).values_list("person_id", "country"):
            countries[pid].append(country)
        merged: dict[int, list[int]] = {pk: [] for pk in ids}
        for pk, into in Person.objects.filter(merged_into_id__in=ids).values_list(
            "pk", "merged_into_id"
        ):
            merged[into].append(pk)
        access_record(
            actor=actor,
            subject_type="person_duplicates",
            subject_ref=f"person:{person_id}",
            purpose=AccessPurpose(purpose.kind),
            categories=(
                DataCategory.NAME,
                DataCategory.BIRTH,
                DataCategory.ADDRESS,
                DataCategory.NATIONALITY,
            ),
            case_reference=purpose.reference,
            hits=len(others),
            persons=ids,
        )
    return [
        Side(
            person=p,
            postcode=mains[p.pk].postcode if p.pk in mains else "",
            street=f"{mains[p.pk].street} {mains[p.pk].house_number}" if p.pk in mains else "",
            nationalities=countries[p.pk],
            merged_here=merged[p.pk],
        )
        for p in people
    ]


@dataclass(frozen=True, slots=True)
class OwnData:
    """What a person sees of their own record to fill in an online form: names, date of
    birth ("YYYY-MM-DD", "YYYY-MM" or "YYYY" as far as known) and the main residence."""

    family_name: str
    given_names: str
    birth: str
    address: dict[str, str] | None


def person_own(*, person_id: int | None) -> OwnData | None:
    """The person's own data, read for the person themself (a citizen account linked to the
    record through a verified match, accounts.Citizen.person): the data subject's own
    access, not a read by staff, so no access-log entry ("who read my data" lists staff and
    authorities). None for a record that is gone or merged away. Six queries."""
    if person_id is None or not 0 < person_id < 2**63:
        return None
    state = selectors.person_as_of(person_id=person_id, on=today_in_hamburg(timezone.now()))
    if state is None or Person.objects.filter(pk=person_id, merged_into__isnull=False).exists():
        return None
    names = state.names
    year, month, day = names.get("birth_year"), names.get("birth_month"), names.get("birth_day")
    birth = f"{year:04d}" if year else ""
    if year and month:
        birth += f"-{month:02d}" + (f"-{day:02d}" if day else "")
    main = next((r for r in state.residences if r.kind == ResidenceKind.MAIN), None)
    return OwnData(
        family_name=str(names.get("family_name") or ""),
        given_names=str(names.get("given_names") or ""),
        birth=birth,
        address=(
            {
                "street": main.street,
                "house_number": main.house_number,
                "postcode": main.postcode,
                "city": main.city,
            }
            if main
            else None
        ),
    )
