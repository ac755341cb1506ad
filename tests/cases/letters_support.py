"""What the letter and provisional-certificate tests share: a person with a residence title,
uploads kept in a directory of the test's own, reading PDFs, the verification page."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.test import Client
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from hamburg_service.accounts.models import Role
from hamburg_service.cases.models import Case, CaseDocument
from hamburg_service.core.actors import Actor
from hamburg_service.core.pdf import pdf_signature_check
from hamburg_service.people.checks import BirthDate
from hamburg_service.people.models import Person
from hamburg_service.people.services import identity, papers

from .conftest import NOW

# The fixtures are imported by the test modules under these names; pytest knows them by
# `name` (so a test's argument does not shadow an import).


@pytest.fixture(name="uploads_root", autouse=True)
def fixture_uploads_root(settings, tmp_path: Path) -> Path:
    """The letters' PDFs go to a directory of the test's own."""
    root = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            **settings.STORAGES["uploads"],
            "OPTIONS": {**settings.STORAGES["uploads"]["OPTIONS"], "location": root},
        },
    }
    return root


@pytest.fixture(name="clerk")
def fixture_clerk(make_staff) -> Actor:
    return Actor.staff(make_staff(Role.CLERK))


@pytest.fixture(name="make_person")
def fixture_make_person(clerk):
    """make_person(title_until=date, kind=...) -> a person (Çağlar Ğüneş-Ørsted, born 17 April
    1990) with a residence title valid until that day (none without it)."""

    def make(
        *,
        title_until: dt.date | None = None,
        kind: str = "residence_permit",
        valid_from: dt.date = dt.date(2024, 3, 1),
        conditions: str = "",
        family_name: str = "Ğüneş-Ørsted",
    ) -> Person:
        person = identity.person_create(
            data=identity.PersonInput(
                family_name=family_name,
                given_names="Çağlar",
                sex="m",
                birth=BirthDate(1990, 4, 17),
                birth_country="TUR",
                nationalities=("TUR",),
            ),
            actor=clerk,
            now=NOW,
        ).person
        if title_until is not None or kind == "settlement_permit":
            papers.title_record(
                person=person,
                kind=kind,
                legal_basis="§ 18b AufenthG",
                valid_from=valid_from,
                valid_until=title_until,
                conditions=conditions,
                actor=clerk,
                now=NOW,
            )
        return person

    return make


def documents_received(case: Case) -> None:
    for item in case.case_type.required_documents:
        CaseDocument.objects.create(case=case, key=item["key"], label=item["de"], received_at=NOW)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def assert_tagged_and_signed(pdf: bytes, language: str) -> None:
    """An accessible PDF/UA document in `language`, signed by the city, unchanged since."""
    assert pdf_signature_check(pdf).valid
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == language
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in root


def stored_bytes(stored) -> bytes:
    from hamburg_service.files.selectors import file_open

    with file_open(stored) as handle:
        return handle.read()


def verify(prefix: str = "", client: Client | None = None, **fields: str):
    return (client or Client()).post(f"{prefix}/verify/", fields)


def by_code(number: str, code: str, prefix: str = ""):
    return verify(prefix, method="code", number=number, code=code)


def by_payload(text: str, prefix: str = ""):
    return verify(prefix, method="qr", payload=text)
