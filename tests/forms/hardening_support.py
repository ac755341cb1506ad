"""What the hardening tests share: the small test form with a number without `max`, a group
child whose condition reads an earlier child, a file field on a conditional step and a second
file field (PDF allowed, 10 MB) next to the photo (images only, 1 MB)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.forms import engine_support
from tests.forms.engine_support import definition_make, small_content

from hamburg_service.forms.models import FormDefinition

uploads_root = engine_support.uploads_root


def hardening_content() -> dict[str, Any]:
    """The small test form with what these tests need: a number without `max`, a group child
    whose condition reads an earlier child, a file field on a conditional step and a second
    file field (PDF allowed, 10 MB) next to the photo (images only, 1 MB)."""
    content = small_content()
    steps = {s["key"]: s for s in content["steps"]}
    count = next(f for f in steps["pet"]["fields"] if f["key"] == "count")
    del count["max"]
    family = steps["household"]["fields"][0]
    family["fields"].append(
        {
            "key": "member_note",
            "type": "text",
            "label": {"de": "Hinweis", "en": "Note"},
            "show_if": {"===": [{"var": "item.member_adult"}, False]},
        },
    )
    steps["household"]["fields"].append(
        {
            "key": "vet_letter",
            "type": "file",
            "label": {"de": "Tierarztbrief", "en": "Vet's letter"},
            "types": ["pdf"],
            "max_mb": 10,
        }
    )
    steps["documents"]["fields"].insert(
        0,
        {
            "key": "passport",
            "type": "file",
            "label": {"de": "Heimtierausweis", "en": "Pet passport"},
            "types": ["pdf", "png"],
            "max_mb": 10,
            "max_files": 3,
        },
    )
    return content


@pytest.fixture
def form(db: None) -> FormDefinition:
    return definition_make(hardening_content())
