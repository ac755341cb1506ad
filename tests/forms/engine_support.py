"""What the engine's tests share: the small test form (small_form.json), a published
version of it, a browser that has started a draft, and tiny valid images."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from hamburg_service.forms.definition import content_hash
from hamburg_service.forms.models import DefinitionState, Draft, FormDefinition

SMALL_FORM = Path(__file__).resolve().parent / "small_form.json"


def small_content() -> dict[str, Any]:
    return copy.deepcopy(json.loads(SMALL_FORM.read_text(encoding="utf-8")))


def definition_make(
    content: dict[str, Any] | None = None,
    *,
    version: int = 1,
    state: str = DefinitionState.PUBLISHED,
) -> FormDefinition:
    content = content or small_content()
    return FormDefinition.objects.create(
        slug=content["slug"],
        version=version,
        state=state,
        content=content,
        content_hash=content_hash(content),
        created_at=timezone.now(),
        published_at=timezone.now() if state == DefinitionState.PUBLISHED else None,
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
def small_form(db: None) -> FormDefinition:
    return definition_make()


def start(client: Client, slug: str = "test-pets") -> Draft:
    """Start a draft in `client`'s session; the draft."""
    response = client.post(f"/online/{slug}/")
    assert response.status_code == 302, response.content[:500]
    public_id = re.search(r"/draft/([0-9a-f-]{36})/", response["Location"])[1]  # type: ignore[index]
    return Draft.objects.get(public_id=public_id)


def step_url(draft: Draft, step: str) -> str:
    return f"/online/draft/{draft.public_id}/{step}/"


OWNER = {
    "revision": "1",
    "family_name": "Müller",
    "given_names": "Anna",
    "birth.day": "",
    "birth.month": "03",
    "birth.year": "1985",
    "email": "anna@example.org",
    "address.street": "Kirchenallee",
    "address.house_number": "1",
    "address.postcode": "20099",
    "address.city": "Hamburg",
}
PET_DOG = {
    "kind": "dog",
    "chip": "276098106060123",
    "count": "1",
    "weight": "12,5",
    "toys": ["ball", "rope"],
    "insured": "yes",
    "notes": "Friendly.",
}


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()
