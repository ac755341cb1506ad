"""System check: the uploads directory must not lie in or around a directory that is served
(static files) or meant to be (MEDIA_ROOT)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def uploads_outside_web_root(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    storage: dict[str, Any] = settings.STORAGES.get("uploads") or {}
    location = (storage.get("OPTIONS") or {}).get("location")
    if location is None:  # object storage
        return []
    uploads = Path(location).resolve()
    errors = []
    for name in ("STATIC_ROOT", "MEDIA_ROOT"):
        served = Path(getattr(settings, name)).resolve()
        if uploads == served or served in uploads.parents or uploads in served.parents:
            errors.append(
                Error(
                    f"The uploads directory {uploads} overlaps {name} ({served}).",
                    hint="Set UPLOADS_ROOT to a directory of its own (docs/uploads.md).",
                    id="files.E001",
                )
            )
    return errors
