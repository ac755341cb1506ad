"""Where uploads are kept: Django's storage `STORAGES["uploads"]` — a directory outside the web
root by default (UPLOADS_ROOT), object storage by configuration. Nothing serves it: files
leave only through `responses.file_response`, after the owning app has decided who may have
them. Names in storage are random and say nothing about the file or its owner."""

from __future__ import annotations

import secrets

from django.core.files.storage import FileSystemStorage, Storage, storages

STORAGE_ALIAS = "uploads"


def uploads_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def storage_name_new() -> str:
    """A fresh random name; the first two characters spread files over 256 directories."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


class PrivateFileSystemStorage(FileSystemStorage):
    """A directory without a URL: asking for one is a mistake in the code, not a link."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Uploads have no URL; serve them with files.responses.")
