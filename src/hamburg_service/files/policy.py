"""What an upload field accepts: the file types, the size of one file, how many files."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True, slots=True)
class FileType:
    content_type: str
    label: str  # as people know it: "PDF"
    extensions: tuple[str, ...]  # the first is the one a stored name gets


PDF = FileType("application/pdf", "PDF", (".pdf",))
JPEG = FileType("image/jpeg", "JPEG", (".jpg", ".jpeg", ".jpe", ".jfif"))
PNG = FileType("image/png", "PNG", (".png",))
FILE_TYPES = {t.content_type: t for t in (PDF, JPEG, PNG)}


@dataclass(frozen=True, slots=True)
class UploadPolicy:
    """One kind of upload (`name` is stored with each file). Limits left at None are read from
    the settings when used, so a deployment can change them without code."""

    name: str
    types: tuple[FileType, ...] = (PDF, JPEG, PNG)
    max_bytes: int | None = None  # one file; None: UPLOAD_MAX_BYTES
    max_files: int | None = None  # one field; None: UPLOAD_MAX_FILES
    max_pixels: int | None = None  # one image; None: UPLOAD_MAX_PIXELS

    @property
    def byte_limit(self) -> int:
        return self.max_bytes or settings.UPLOAD_MAX_BYTES

    @property
    def file_limit(self) -> int:
        return self.max_files or settings.UPLOAD_MAX_FILES

    @property
    def pixel_limit(self) -> int:
        return self.max_pixels or settings.UPLOAD_MAX_PIXELS

    @property
    def accept(self) -> str:
        """The `accept` attribute of the file input: a hint to the browser, never a check."""
        return ",".join([*(e for t in self.types for e in t.extensions), *self.content_types])

    @property
    def content_types(self) -> tuple[str, ...]:
        return tuple(t.content_type for t in self.types)

    def type_for(self, content_type: str) -> FileType | None:
        return next((t for t in self.types if t.content_type == content_type), None)


# Documents for a case or an application: scans and photos of papers, PDFs.
DOCUMENTS = UploadPolicy(name="documents")
