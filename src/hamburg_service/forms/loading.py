"""Form definitions from files (forms/definitions/<slug>.json) into stored versions, and
publishing a version: a file whose content changed becomes a new, published version; the
version published before is retired (drafts and submissions keep the version they use)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max

from hamburg_service.core.dates import now_or
from hamburg_service.forms.definition import DEFINITIONS_DIR, content_hash, definition_check
from hamburg_service.forms.models import DefinitionState, FormDefinition


@dataclass(frozen=True, slots=True)
class Loaded:
    slug: str
    version: int
    new: bool


def definition_publish(
    *, definition: FormDefinition, now: dt.datetime | None = None
) -> FormDefinition:
    """Publish `definition` (checked again), retiring the version published before."""
    now = now_or(now)
    definition_check(definition.content)
    with transaction.atomic():
        locked = FormDefinition.objects.select_for_update().get(pk=definition.pk)
        if locked.state == DefinitionState.PUBLISHED:
            return locked
        FormDefinition.objects.filter(slug=locked.slug, state=DefinitionState.PUBLISHED).update(
            state=DefinitionState.RETIRED
        )
        locked.state = DefinitionState.PUBLISHED
        locked.published_at = now
        locked.save(update_fields=["state", "published_at"])
    return locked


def definition_version_add(
    *,
    content: dict[str, Any],
    created_by: Any = None,
    publish: bool = False,
    now: dt.datetime | None = None,
) -> FormDefinition:
    """A new version of the form `content["slug"]` (checked first; DefinitionError)."""
    now = now_or(now)
    spec = definition_check(content)
    with transaction.atomic():
        latest = FormDefinition.objects.filter(slug=spec.slug).aggregate(v=Max("version"))["v"]
        definition = FormDefinition.objects.create(
            slug=spec.slug,
            version=(latest or 0) + 1,
            state=DefinitionState.DRAFT,
            content=content,
            content_hash=content_hash(content),
            created_at=now,
            created_by=created_by,
        )
        if publish:
            definition = definition_publish(definition=definition, now=now)
    return definition


def definitions_load(
    *, directory: Path = DEFINITIONS_DIR, now: dt.datetime | None = None
) -> list[Loaded]:
    """Every definition file of `directory`: a new published version where the content
    differs from the newest stored version; the same content loads nothing."""
    now = now_or(now)
    loaded: list[Loaded] = []
    for path in sorted(directory.glob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        content.pop("$schema", None)
        spec = definition_check(content)
        newest = FormDefinition.objects.filter(slug=spec.slug).order_by("-version").first()
        if newest is not None and newest.content_hash == content_hash(content):
            if newest.state != DefinitionState.PUBLISHED:
                definition_publish(definition=newest, now=now)
            loaded.append(Loaded(spec.slug, newest.version, False))
            continue
        definition = definition_version_add(content=content, publish=True, now=now)
        loaded.append(Loaded(spec.slug, definition.version, True))
    return loaded
