"""The JSON API's file upload and cookie writes: only a file field of a step shown, only for
an open draft and a trusted session, rate-limited; attached files can be removed; a write
that relies on the citizen's session cookie needs the CSRF token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.forms.engine_support import PET_DOG, definition_make, png_bytes
from tests.forms.hardening_support import hardening_content, uploads_root
from tests.forms.submission_support import make_citizen, pdf_bytes, signed_in
from tests.support.db import unchanged

from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.forms import api as forms_api
from hamburg_service.forms.models import Draft, DraftEvent, DraftState, FormDefinition

__all__ = ["make_citizen", "uploads_root"]
API = "/api/v1/online"
OWNER_JSON: dict[str, Any] = {
    "family_name": "Müller",
    "birth": "1985-03",
    "address": {
        "street": "Kirchenallee",
        "house_number": "1",
        "postcode": "20099",
        "city": "Hamburg",
    },
}
PET_JSON: dict[str, Any] = {**PET_DOG, "insured": True}


@pytest.fixture
def form(db: None, uploads_root) -> FormDefinition:
    return definition_make(hardening_content())


def _start(client: Client, slug: str = "test-pets") -> tuple[str, str]:
    response = client.post(f"{API}/services/{slug}/drafts")
    assert response.status_code == 201, response.content
    return response.json()["draft"]["id"], response.json()["token"]


def _step(client: Client, draft: str, token: str, step: str, revision: int, answers: dict) -> Any:
    return client.post(
        f"{API}/drafts/{draft}/steps/{step}",
        json.dumps({"revision": revision, "answers": answers}),
        content_type="application/json",
        headers={"Draft-Token": token},
    )


def _upload(client: Client, draft: str, token: str, field: str, name: str = "a.pdf") -> Any:
    content = (
        (pdf_bytes(), "application/pdf") if name.endswith(".pdf") else (png_bytes(), "image/png")
    )
    return client.post(
        f"{API}/drafts/{draft}/files/{field}",
        {"file": SimpleUploadedFile(name, content[0], content_type=content[1])},
        headers={"Draft-Token": token},
    )


def test_upload_only_to_a_file_field_of_a_step_shown_for_an_open_draft(form):
    client = Client()
    draft, token = _start(client)
    with unchanged(StoredFile):
        # the household step (and its letter) is shown only for a dog
        assert _upload(client, draft, token, "vet_letter").status_code == 404
        assert _upload(client, draft, token, "kind").status_code == 404
    assert _step(client, draft, token, "owner", 1, OWNER_JSON).status_code == 200
    assert _step(client, draft, token, "pet", 2, PET_JSON).status_code == 200
    assert _upload(client, draft, token, "vet_letter").status_code == 201
    Draft.objects.filter(public_id=draft).update(state=DraftState.EXPIRED)
    with unchanged(StoredFile):
        expired = _upload(client, draft, token, "passport")
    assert expired.status_code == 409
    assert expired.json()["type"].endswith("draft-expired")


def test_upload_needs_the_trust_level_and_is_rate_limited(
    form, make_citizen, settings, monkeypatch
):
    content = hardening_content()
    content["slug"] = "test-pets-signed"
    content["trust_level"] = "substantial"
    definition_make(content)
    citizen = make_citizen("anna@example.org")
    client = signed_in(citizen, "substantial")
    draft, token = _start(client, "test-pets-signed")
    signed_in(citizen, "basic", client)  # signed in again, less sure
    with unchanged(StoredFile):
        assert _upload(client, draft, token, "passport").status_code == 404
    settings.RATE_LIMITS_ENABLED = True
    monkeypatch.setattr(forms_api, "UPLOAD_RATE", "1/h")
    anyone = Client()
    other, other_token = _start(anyone)
    assert _upload(anyone, other, other_token, "passport").status_code == 201
    with unchanged(StoredFile):
        assert _upload(anyone, other, other_token, "passport").status_code == 429


def test_an_api_client_removes_an_attached_file(form):
    client = Client()
    draft, token = _start(client)
    _step(client, draft, token, "owner", 1, OWNER_JSON)
    _step(client, draft, token, "pet", 2, PET_JSON)
    _step(client, draft, token, "household", 3, {"family": []})
    letter = _upload(client, draft, token, "passport").json()["token"]
    photo = _upload(client, draft, token, "photo", "dog.png").json()["token"]
    saved = _step(
        client,
        draft,
        token,
        "documents",
        4,
        {"passport-staged": [letter], "photo-staged": [photo], "agree": True},
    )
    assert saved.status_code == 200, saved.content
    passport = saved.json()["answers"]["passport"]
    assert len(passport) == 1
    removed = _step(
        client,
        draft,
        token,
        "documents",
        5,
        {"passport-remove": passport, "agree": True},
    )
    assert removed.status_code == 200, removed.content
    assert removed.json()["answers"]["passport"] == []
    assert len(removed.json()["answers"]["photo"]) == 1
    assert StoredFile.objects.get(public_id=passport[0]).state == FileState.DELETED


def test_cookie_writes_need_the_csrf_token(form, make_citizen):
    citizen = make_citizen("anna@example.org")
    client = signed_in(citizen, "basic", Client(enforce_csrf_checks=True))
    with unchanged(Draft, DraftEvent):
        refused = client.post(f"{API}/services/test-pets/drafts")
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("csrf-failed")
    secret = "k" * 32
    client.cookies["csrftoken"] = secret
    started = client.post(f"{API}/services/test-pets/drafts", headers={"X-CSRFToken": secret})
    assert started.status_code == 201
    draft, token = started.json()["draft"]["id"], started.json()["token"]
    assert Draft.objects.get(public_id=draft).citizen_id == citizen.pk
    client.cookies.pop("csrftoken")
    with unchanged(Draft, DraftEvent):
        step = _step(client, draft, token, "owner", 1, OWNER_JSON)
    assert step.status_code == 403
    # without the cookie session (a draft without account) the token header alone suffices
    anonymous = Client(enforce_csrf_checks=True)
    other, other_token = _start(anonymous)
    assert _step(anonymous, other, other_token, "owner", 1, OWNER_JSON).status_code == 200
