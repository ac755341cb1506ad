"""The staff API of the person record: search, read, history — through the same lawful
reads as the pages (people.access: role checked, purpose required, every read logged)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from hamburg_service.accounts.access import actor_of
from hamburg_service.core.api_schemas import Day, answers
from hamburg_service.people import access
from hamburg_service.people.checks import BirthDate, today_in_hamburg

router = Router(tags=["people (staff)"], auth=django_auth)

PURPOSE_HELP = (
    "Why the data is read (§ 40 BMG): person_ticket, person_appointment or person_case with "
    "`reference`, or person_correction, person_authority, person_subject_request, person_block."
)


# access.STAFF_PURPOSES, spelt out for the schema (a test keeps the two alike).
Purposes = Literal[
    "person_ticket",
    "person_appointment",
    "person_case",
    "person_correction",
    "person_authority",
    "person_subject_request",
    "person_block",
]


class PurposeQuery(Schema):
    purpose: Purposes = Field(..., description=PURPOSE_HELP)
    reference: str = Field("", max_length=40, description="Ticket, appointment or case number")

    def checked(self) -> access.Purpose:
        return access.Purpose.of(self.purpose, self.reference)


class SearchQuery(PurposeQuery):
    name: str = Field(
        ...,
        min_length=2,
        max_length=120,
        description="Family name first, then given names; any spelling or script",
    )
    birth: str = Field(
        "", max_length=10, description="Date of birth: YYYY-MM-DD or DD.MM.YYYY, 00 if unknown"
    )


class PersonHitOut(Schema):
    id: int
    family_name: str
    given_names: str
    birth: str = Field(description="DD.MM.YYYY, 00 for an unknown day or month")
    postcode: str = Field(description="Of the current main residence; empty if none")
    status: str
    blocked: bool = Field(description="An information block (§ 51 BMG) is in force")


@router.get(
    "/people",
    response=answers({200: list[PersonHitOut]}, 401, 403, 422),
    summary="Find people (logged with purpose, criteria and hits)",
)
def people_search(request: HttpRequest, params: Query[SearchQuery]) -> list[access.PersonHit]:
    access.search_allowed(actor_of(request))  # the role first: then what was asked
    purpose = params.checked()
    birth = (
        BirthDate.parse(params.birth, field="birth").check(
            today=today_in_hamburg(timezone.now()), field="birth"
        )
        if params.birth.strip()
        else None
    )
    return access.persons_search(
        actor=actor_of(request), name=params.name, birth=birth, purpose=purpose
    )


class ResidenceOut(Schema):
    kind: str
    street: str
    house_number: str
    address_extra: str
    postcode: str
    city: str
    moved_in_on: dt.date
    moved_out_on: dt.date | None
    late: bool


class DocumentOut(Schema):
    kind: str
    number: str
    issuing_country: str
    issued_on: dt.date
    expires_on: dt.date


class TitleOut(Schema):
    kind: str
    legal_basis: str
    valid_from: dt.date
    valid_until: dt.date | None
    conditions: str


class BlockOut(Schema):
    starts_on: dt.date
    ends_on: dt.date


class PersonOut(Schema):
    id: int
    on: dt.date = Field(description="The day the record is shown as valid on")
    family_name: str
    given_names: str
    birth_name: str
    name_affix: str
    doctoral_degree: str
    birth: str
    birth_place: str
    birth_country: str
    sex: str
    status: str
    nationalities: list[str]
    residences: list[ResidenceOut]
    past_residences: list[ResidenceOut]
    documents: list[DocumentOut]
    residence_titles: list[TitleOut] | None = Field(
        description="Only for readers of residence matters (immigration); null otherwise"
    )
    block: BlockOut | None


class RecordQuery(PurposeQuery):
    on: Day | None = Field(None, description="Show the record as valid on this day")


def _person_out(record: access.PersonRecord) -> dict:
    names = record.names
    return {
        "id": record.person.pk,
        "on": record.on,
        **{
            key: names[key]
            for key in (
                "family_name",
                "given_names",
                "birth_name",
                "name_affix",
                "doctoral_degree",
                "birth_place",
                "birth_country",
                "sex",
            )
        },
        "birth": record.birth_display,
        "status": record.status,
        "nationalities": record.nationalities,
        "residences": record.residences,
        "past_residences": record.past_residences,
        "documents": record.documents,
        "residence_titles": record.titles if record.sees_residence_matters else None,
        "block": record.block,
    }


@router.get(
    "/people/{person_id}",
    response=answers({200: PersonOut}, 401, 404, 422),
    summary="A person's record (logged); 404 alike for unknown and not to be seen",
)
def person_read(request: HttpRequest, person_id: int, params: Query[RecordQuery]) -> dict:
    access.read_allowed(actor_of(request))
    record = access.person_for(
        actor=actor_of(request),
        person_id=person_id,
        purpose=params.checked(),
        on=params.on,
        with_panels=False,  # the API does not show the appointments and visits
    )
    return _person_out(record)


class EventOut(Schema):
    at: dt.datetime
    kind: str
    actor: str = Field(description="The member of staff's username, or the job")


@router.get(
    "/people/{person_id}/history",
    response=answers({200: list[EventOut]}, 401, 404, 422),
    summary="The changes to a person's record, newest first (logged)",
)
def person_history(request: HttpRequest, person_id: int, params: Query[PurposeQuery]) -> list:
    access.read_allowed(actor_of(request))
    record = access.person_for(
        actor=actor_of(request),
        person_id=person_id,
        purpose=params.checked(),
        with_history=True,
        with_panels=False,
    )
    return [
        {
            "at": event.at,
            "kind": event.kind,
            "actor": event.actor_user.username if event.actor_user else event.actor_name,
        }
        for event in record.events
    ]
