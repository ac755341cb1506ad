"""Shared pieces of the "my account" tests: citizens signed in directly (the sign-in pages are
tested on their own), the Hamburg case types, cases opened for an account, a small published
form with a submission, real files, and the uploads in a temporary directory.

Import the fixtures into a test module with `from tests.portal.account_support import *`."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
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
from hamburg_service.cases.models import Case, CaseType, Letter, LetterKind, Skill
from hamburg_service.cases.services import pool
from hamburg_service.cases.services.lifecycle import case_open
from hamburg_service.catalog.models import Service
from hamburg_service.core.actors import Actor
from hamburg_service.files.services import file_store_generated
from hamburg_service.forms.models import (
    DefinitionState,
    Draft,
    DraftState,
    FormDefinition,
    Submission,
)

__all__ = [
    "FORM",
    "account_case",
    "case_types",
    "citizen",
    "citizen_client",
    "letter_add",
    "make_citizen",
    "pdf_bytes",
    "pdf_upload",
    "published_form",
    "signed_in",
    "submission_add",
    "uploads_root",
    "worker",
]

FORM: dict[str, Any] = {
    "slug": "test-account-dog",
    "title": {"de": "Hund anmelden (Test)", "en": "Register a dog (test)"},
    "intro": {"de": "Ein Testformular.", "en": "A test form."},
    "case_type": "residence-permit-extension",
    "handler": "test_account",
    "trust_level": "basic",
    "resume_days": 7,
    "steps": [
        {
            "key": "owner",
            "title": {"de": "Halterin oder Halter", "en": "Owner"},
            "fields": [
                {
                    "key": "family_name",
                    "type": "name",
                    "label": {"de": "Familienname", "en": "Family name"},
                    "required": True,
                },
                {"key": "email", "type": "email", "label": {"de": "E-Mail", "en": "E-mail"}},
            ],
        },
        {
            "key": "dog",
            "title": {"de": "Hund", "en": "Dog"},
            "fields": [
                {
                    "key": "breed",
                    "type": "choice",
                    "label": {"de": "Rasse", "en": "Breed"},
                    "options": [
                        {"value": "labrador", "label": {"de": "Labrador", "en": "Labrador"}},
                        {"value": "poodle", "label": {"de": "Pudel", "en": "Poodle"}},
                    ],
                },
                {
                    "key": "papers",
                    "type": "file",
                    "label": {"de": "Heimtierausweis", "en": "Pet passport"},
                    "max_files": 3,
                },
            ],
        },
    ],
    "case": {"applicant_name": ["family_name"], "email": "email"},
    "handoffs": [],
}


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name: str = "passport.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


@pytest.fixture(autouse=True)
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


@pytest.fixture
def citizen(make_citizen) -> Citizen:
    return make_citizen()


def signed_in(citizen: Citizen, trust: str = "basic", client: Client | None = None) -> Client:
    """A browser signed in to the citizen's account (the session the sign-in writes)."""
    client = client or Client()
    session = client.session
    session["citizen"] = {"id": citizen.pk, "trust": trust}
    session.save()
    return client


@pytest.fixture
def citizen_client(citizen) -> Client:
    return signed_in(citizen)


@pytest.fixture
def worker(make_staff, case_types) -> Actor:
    """An immigration caseworker skilled for every immigration type."""
    user = make_staff(Role.CASEWORKER_IMMIGRATION)
    for case_type in case_types.values():
        if case_type.agency == "immigration":
            Skill.objects.create(user=user, case_type=case_type)
    return Actor.staff(user)


@pytest.fixture
def account_case(case_types) -> Callable[..., Case]:
    """account_case(citizen) -> an online case of that account, received now (in review when
    `worker` is given: taken by them)."""

    def make(
        citizen: Citizen | None,
        *,
        slug: str = "residence-permit-extension",
        name: str = "Nguyễn Thị Minh Khai",
        worker: Actor | None = None,
        now: dt.datetime | None = None,
    ) -> Case:
        now = now or timezone.now()
        case = case_open(
            case_type=case_types[slug],
            applicant_name=name,
            applicant_email=citizen.email if citizen is not None else "",
            channel="online",
            citizen=citizen,
            actor=Actor.resident(citizen.email if citizen is not None else ""),
            now=now,
        ).case
        if worker is not None:
            taken = pool.case_next(actor=worker, now=now)
            assert taken is not None
            assert taken.pk == case.pk
            return taken
        return case

    return make


def letter_add(
    case: Case, *, kind: str = LetterKind.DECISION, number: str = "BS-2026-000001", **fields: Any
) -> Letter:
    """A letter of the case with a real stored PDF (made here, not rendered)."""
    stored = file_store_generated(
        data=pdf_bytes(),
        name=f"{number}.pdf",
        content_type="application/pdf",
        owner=f"letter:{number}",
        actor=Actor.system("test"),
        purpose="cases.letter",
    )
    return Letter.objects.create(
        case=case, kind=kind, number=number, pdf=stored, issued_at=timezone.now(), **fields
    )


@pytest.fixture
def published_form(db: None) -> FormDefinition:
    return FormDefinition.objects.create(
        slug=FORM["slug"],
        version=1,
        state=DefinitionState.PUBLISHED,
        content=FORM,
        content_hash=hashlib.sha256(json.dumps(FORM, sort_keys=True).encode()).hexdigest(),
        created_at=timezone.now(),
        published_at=timezone.now(),
    )


def submission_add(
    case: Case,
    definition: FormDefinition,
    *,
    answers: dict[str, Any] | None = None,
    submitted_at: dt.datetime | None = None,
    expected_on: dt.date | None = None,
) -> Submission:
    """The submission a case came from (as forms.services.submissions writes it)."""
    at = submitted_at or timezone.now()
    draft = Draft.objects.create(
        public_id=uuid.uuid4(),
        definition=definition,
        citizen=case.citizen,
        state=DraftState.SUBMITTED,
        answers=answers or {},
        created_at=at,
        updated_at=at,
        expires_at=at + dt.timedelta(days=7),
    )
    return Submission.objects.create(
        public_id=uuid.uuid4(),
        idempotency_key=f"draft:{draft.public_id}",
        definition=definition,
        draft=draft,
        citizen=case.citizen,
        case=case,
        answers=answers or {},
        email=case.applicant_email,
        submitted_at=at,
        expected_on=expected_on,
    )
