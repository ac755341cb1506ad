"""What the submission tests share: the four services' definitions published from their files,
the Hamburg case types, citizens signed in directly, people in the register, real PDFs and
a walk through a form's pages.

Import the fixtures with `from tests.forms.submission_support import *`."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfWriter

from hamburg_service.accounts.models import Citizen, Role
from hamburg_service.cases.demo import CASE_TYPES, case_types_ensure
from hamburg_service.cases.models import CaseType, Skill
from hamburg_service.catalog.models import Service
from hamburg_service.core.actors import Actor
from hamburg_service.forms.definition import DEFINITIONS_DIR, content_hash
from hamburg_service.forms.models import DefinitionState, Draft, FormDefinition
from hamburg_service.people.checks import Address, BirthDate, today_in_hamburg
from hamburg_service.people.models import Person
from hamburg_service.people.services import identity, papers, residences

__all__ = [
    "case_types",
    "clerk",
    "make_citizen",
    "make_person",
    "pdf_upload",
    "registration_worker",
    "services",
    "signed_in",
    "uploads_root",
    "walk",
]

TODAY = lambda: today_in_hamburg(timezone.now())  # noqa: E731 - read when called


def content_of(slug: str) -> dict[str, Any]:
    return json.loads((DEFINITIONS_DIR / f"{slug}.json").read_text(encoding="utf-8"))


def publish(content: dict[str, Any], *, version: int = 1) -> FormDefinition:
    return FormDefinition.objects.create(
        slug=content["slug"],
        version=version,
        state=DefinitionState.PUBLISHED,
        content=content,
        content_hash=content_hash(content),
        created_at=timezone.now(),
        published_at=timezone.now(),
    )


@pytest.fixture
def uploads_root(settings, tmp_path: Path) -> Path:
    root = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            **settings.STORAGES["uploads"],
            "OPTIONS": {**settings.STORAGES["uploads"]["OPTIONS"], "location": root},
        },
    }
    return root


@pytest.fixture
def case_types(db: None) -> dict[str, CaseType]:
    for spec in CASE_TYPES:
        Service.objects.get_or_create(
            slug=spec["service"],
            defaults={
                "name_de": spec["name_de"],
                "name_en": spec["name_en"],
                "agency": spec["agency"],
                "handling_minutes": 20,
                "channel": "both",
                "access": "appointment",
            },
        )
    case_types_ensure()
    return {t.slug: t for t in CaseType.objects.all()}


@pytest.fixture
def services(case_types, uploads_root) -> dict[str, FormDefinition]:
    """The four services, published from forms/definitions/."""
    return {
        slug: publish(content_of(slug))
        for slug in (
            "residence-permit",
            "register-information",
            "dog-registration",
            "change-of-address",
        )
    }


@pytest.fixture
def make_citizen(db: None) -> Callable[..., Citizen]:
    def make(email: str = "minh.khai@example.org", **fields: Any) -> Citizen:
        return Citizen.objects.create(
            public_id=uuid.uuid4(),
            email=email,
            email_key=email.lower(),
            created_at=timezone.now(),
            **fields,
        )

    return make


def signed_in(citizen: Citizen, trust: str = "basic", client: Client | None = None) -> Client:
    client = client or Client()
    session = client.session
    session["citizen"] = {"id": citizen.pk, "trust": trust}
    session.save()
    return client


@pytest.fixture
def clerk(make_staff) -> Actor:
    return Actor.staff(make_staff(Role.CLERK))


@pytest.fixture
def registration_worker(make_staff, case_types) -> Actor:
    user = make_staff(Role.CASEWORKER_REGISTRATION)
    for case_type in case_types.values():
        if case_type.agency == "residents":
            Skill.objects.create(user=user, case_type=case_type)
    return Actor.staff(user)


@pytest.fixture
def make_person(clerk) -> Callable[..., Person]:
    """make_person(family_name=…, given_names=…, birth=BirthDate, address=Address,
    title_until=date) -> a person in the register, with a main residence and a title."""

    def make(
        *,
        family_name: str = "Ğüneş-Ørsted",
        given_names: str = "Çağlar",
        birth: BirthDate | None = None,
        address: Address | None = None,
        moved_in_on: dt.date = dt.date(2020, 5, 1),
        title_until: dt.date | None = None,
    ) -> Person:
        now = timezone.now()
        person = identity.person_create(
            data=identity.PersonInput(
                family_name=family_name,
                given_names=given_names,
                sex="m",
                birth=birth or BirthDate(1990, 4, 17),
                birth_country="TUR",
                nationalities=("TUR",),
            ),
            actor=clerk,
            now=now,
        ).person
        if address is not None:
            residences.residence_register(
                person=person, address=address, moved_in_on=moved_in_on, actor=clerk, now=now
            )
        if title_until is not None:
            papers.title_record(
                person=person,
                kind="residence_permit",
                legal_basis="§ 18b AufenthG",
                valid_from=dt.date(2024, 3, 1),
                valid_until=title_until,
                actor=clerk,
                now=now,
            )
        return person

    return make


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 50), (200, 10, 10)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def start(client: Client, slug: str) -> Draft:
    response = client.post(f"/online/{slug}/")
    assert response.status_code == 302, response.content[:500]
    public_id = re.search(r"/draft/([0-9a-f-]{36})/", response["Location"])[1]  # type: ignore[index]
    return Draft.objects.get(public_id=public_id)


def walk(client: Client, slug: str, steps: list[tuple[str, dict[str, Any]]]) -> Draft:
    """Start the form `slug` in `client` and post `steps` in order (each must be accepted);
    the draft, at its summary."""
    draft = start(client, slug)
    for key, data in steps:
        draft.refresh_from_db()
        response = client.post(
            f"/online/draft/{draft.public_id}/{key}/", {"revision": str(draft.revision), **data}
        )
        assert response.status_code == 302, (key, response.content.decode()[:4000])
    draft.refresh_from_db()
    return draft


def submit(client: Client, draft: Draft, **extra: str) -> Any:
    draft.refresh_from_db()
    return client.post(
        f"/online/draft/{draft.public_id}/submit/",
        {
            "idempotency_key": f"draft:{draft.public_id}",
            "revision": str(draft.revision),
            **extra,
        },
    )


def date_parts(name: str, day: dt.date | str) -> dict[str, str]:
    if isinstance(day, dt.date):
        return {
            f"{name}.day": str(day.day),
            f"{name}.month": str(day.month),
            f"{name}.year": str(day.year),
        }
    year, _sep, rest = day.partition("-")
    month, _sep, dd = rest.partition("-")
    return {f"{name}.day": dd, f"{name}.month": month, f"{name}.year": year}


def address_parts(name: str, street: str, number: str, postcode: str) -> dict[str, str]:
    return {
        f"{name}.street": street,
        f"{name}.house_number": number,
        f"{name}.postcode": postcode,
        f"{name}.city": "Hamburg",
    }
