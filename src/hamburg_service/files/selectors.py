"""Reads of uploads for their owners. These check no permission: the owning app decides who
may see its files (the applicant, entitled staff) and then asks here by its own reference, so
a file of another owner answers exactly like one that does not exist."""

from __future__ import annotations

import uuid

from django.core.files import File
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hamburg_service.core.errors import NotFound
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.storage import uploads_storage


def files_of(owner: str) -> QuerySet[StoredFile]:
    """The owner's files with content, oldest first."""
    return StoredFile.objects.filter(owner=owner, state=FileState.ATTACHED).order_by(
        "created_at", "pk"
    )


def file_of(*, owner: str, public_id: str | uuid.UUID) -> StoredFile:
    """One of the owner's files by the id in its link; NotFound for any other."""
    try:
        key = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError:
        key = None
    stored = files_of(owner).filter(public_id=key).first() if key is not None and owner else None
    if stored is None:
        raise NotFound(_("There is no such file."), code="file-unknown")
    return stored


def file_open(stored: StoredFile) -> File:
    """The content, opened for reading (close it, or let a FileResponse do so)."""
    if not stored.storage_name:
        raise NotFound(_("There is no such file."), code="file-unknown")
    return uploads_storage().open(stored.storage_name, "rb")
