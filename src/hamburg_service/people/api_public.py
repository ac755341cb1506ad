"""The public API of the person record: register information (einfache
Melderegisterauskunft, § 44 BMG) — the same checks, answer and log as the page."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Field, Router, Schema

from hamburg_service.core.api_schemas import InputSchema, answers
from hamburg_service.core.captcha import captcha_verify
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.people import information
from hamburg_service.people.models import InformationChannel

router = Router(tags=["register information"])


class InformationIn(InputSchema):
    family_name: str = Field(..., max_length=120, description="Of the person looked for")
    given_names: str = Field(
        ...,
        max_length=120,
        description="All given names, or the first of them in order, as the register holds them",
    )
    birth_date: str = Field(
        "",
        max_length=10,
        description=(
            "DD.MM.YYYY or YYYY-MM-DD; 00 for an unknown day or month, which then must be "
            "unknown in the register too. Give it, a former address, or both."
        ),
    )
    street: str = Field("", max_length=120, description="A former address in Hamburg: street")
    house_number: str = Field("", max_length=20, description="… its house number")
    postcode: str = Field("", max_length=5, description="… its Hamburg postcode")
    requester_name: str = Field(..., max_length=150, description="Who asks (a person or a firm)")
    requester_email: str = Field(
        ..., max_length=254, description="Where the receipt with the request number goes"
    )
    purpose: Literal["private", "commercial"] = Field(
        ..., description="A commercial purpose must be said (§ 44 (1) sentence 2 BMG)"
    )
    commercial_purpose: str = Field("", max_length=200, description="Required when commercial")
    captcha: str = Field(
        "",
        max_length=2000,
        description="Solved proof-of-work challenge from GET /api/v1/captcha (ALTCHA payload)",
    )


class AddressOut(Schema):
    kind: Literal["main", "secondary"]
    street: str
    house_number: str
    address_extra: str
    postcode: str
    city: str


class PersonOut(Schema):
    family_name: str
    name_affix: str
    given_names: str
    doctoral_degree: str
    addresses: list[AddressOut] = Field(description="Current addresses, the main residence first")


class InformationOut(Schema):
    answer: Literal["found", "not_found", "not_unique"] = Field(
        description=(
            "not_found stands for every reason no information can be given, none of which "
            "is told; not_unique: more than one person matches — give more details."
        )
    )
    detail: str
    person: PersonOut | None = Field(description="Only when found")
    fee_cents: int = Field(description="The fee recorded as due for this request")


@router.post(
    "/register-information",
    response=answers({200: InformationOut}, 422, 429),
    summary="Register information: a person's current name and addresses (§ 44 BMG)",
    description=(
        "Name a person exactly — family name and given names, and a date of birth or a "
        "former address in Hamburg (or both) — and get one answer: found (names, doctoral "
        "degree, current addresses), not_found or not_unique; always 200, the same body for "
        "every reason no information can be given. Matching is exact after transliteration "
        "(ICAO 9303), never phonetic. Every request is logged with the requester and its fee "
        "(`fee_cents`, recorded as due); a receipt goes to `requester_email`. Limited per "
        "client address (429) and guarded by the proof-of-work captcha."
    ),
)
def register_information(
    request: HttpRequest, payload: InformationIn
) -> information.InformationResult:
    data = payload.dict(exclude={"captcha"})
    checked = information.information_query_check(
        information.InformationQuery(**data), now=timezone.now()
    )
    rate_limit(request, group="register-information", rate=settings.RATE_LIMIT_REGISTER_INFORMATION)
    captcha_verify(payload.captcha)
    result = information.register_information_request(
        query=checked, channel=InformationChannel.API, language=get_language() or "de"
    )
    return result  # InformationOut reads it (answer, detail, person, fee_cents)
