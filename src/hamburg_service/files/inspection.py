"""Whether an upload is accepted, decided by its content: the real type (detect), the size,
and for each type a full read — a PDF without active content (pdfcheck), an image decoded
and encoded anew without metadata (images). Every refusal is an InvalidInput naming the file
and what is wrong, in the user's language."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from hamburg_service.core.errors import InvalidInput
from hamburg_service.files.detect import HEAD_BYTES, Kind, content_detect
from hamburg_service.files.images import ImageRefused, image_reencode
from hamburg_service.files.names import name_clean, name_extension, name_for_type
from hamburg_service.files.pdfcheck import PdfRefused, pdf_check
from hamburg_service.files.policy import FILE_TYPES, PDF, FileType, UploadPolicy

FIELD = "file"


@dataclass(frozen=True, slots=True)
class Inspected:
    data: bytes  # what is stored: the PDF as sent, an image encoded anew
    file_type: FileType
    name: str  # the clean name, with the extension of its type


def refused(message: str, code: str) -> InvalidInput:
    return InvalidInput.field(FIELD, message, code=code)


def too_large(name: str, policy: UploadPolicy) -> InvalidInput:
    return refused(
        _(
            "'%(name)s' is larger than %(limit)s, the most one file may have. Please upload a "
            "smaller file (a scan at a lower resolution, for example)."
        )
        % {"name": name_clean(name), "limit": filesizeformat(policy.byte_limit)},
        "file-too-large",
    )


def upload_inspect(*, data: bytes, name: str, policy: UploadPolicy) -> Inspected:
    """The file as it will be stored, or InvalidInput saying why it cannot be."""
    shown = name_clean(name)
    if not data:
        raise refused(_("'%(name)s' is empty.") % {"name": shown}, "file-empty")
    if len(data) > policy.byte_limit:
        raise too_large(name, policy)
    file_type = _type_of(data, shown, policy)
    if file_type == PDF:
        _pdf_checked(data, shown)
        stored = data
    else:
        stored = _image_encoded(data, shown, file_type, policy)
    return Inspected(data=stored, file_type=file_type, name=name_for_type(name, file_type))


def _accepted_types(policy: UploadPolicy) -> str:
    return ", ".join(t.label for t in policy.types)


def _type_of(data: bytes, shown: str, policy: UploadPolicy) -> FileType:
    detected = content_detect(data[:HEAD_BYTES])
    if detected.kind == Kind.ACCEPTABLE:
        file_type = policy.type_for(detected.content_type)
        if file_type is not None:
            return file_type
        raise refused(
            _("'%(name)s' is a %(found)s file, which cannot be accepted here. Accepted: %(types)s.")
            % {"name": shown, "found": detected.label, "types": _accepted_types(policy)},
            "file-type",
        )
    claimed = next((t for t in FILE_TYPES.values() if name_extension(shown) in t.extensions), None)
    if claimed is not None:
        message = _("'%(name)s' is not a %(type)s: its content is %(what)s.") % {
            "name": shown,
            "type": claimed.label,
            "what": detected.described(),
        }
    else:
        message = _("'%(name)s' cannot be accepted: its content is %(what)s.") % {
            "name": shown,
            "what": detected.described(),
        }
    accepted = _("Accepted: %(types)s.") % {"types": _accepted_types(policy)}
    raise refused(f"{message} {accepted}", "file-type")


def _pdf_checked(data: bytes, shown: str) -> None:
    try:
        pdf_check(data)
    except PdfRefused as error:
        if error.reason == "encrypted":
            raise refused(
                _(
                    "'%(name)s' is protected by a password or encrypted and cannot be "
                    "accepted. Please upload it without protection."
                )
                % {"name": shown},
                "file-encrypted",
            ) from None
        if error.reason == "active" and error.active is not None:
            raise refused(
                _(
                    "'%(name)s' contains active content (%(what)s) and cannot be accepted. "
                    "Please print it to PDF again or scan it."
                )
                % {"name": shown, "what": error.active.described()},
                "file-active-content",
            ) from None
        if error.reason == "no-pages":
            raise refused(_("'%(name)s' has no pages.") % {"name": shown}, "file-empty") from None
        raise refused(
            _(
                "'%(name)s' could not be read as a PDF; it may be damaged. Please save or scan "
                "it again."
            )
            % {"name": shown},
            "file-unreadable",
        ) from None


def _image_encoded(data: bytes, shown: str, file_type: FileType, policy: UploadPolicy) -> bytes:
    try:
        return image_reencode(data, file_type, max_pixels=policy.pixel_limit)
    except ImageRefused as error:
        if error.reason == "too-large":
            raise refused(
                _(
                    "'%(name)s' has too many pixels. Please upload a smaller image (at most "
                    "%(megapixels)d megapixels)."
                )
                % {"name": shown, "megapixels": policy.pixel_limit // 1_000_000},
                "image-too-large",
            ) from None
        raise refused(
            _("'%(name)s' could not be read as an image; it may be damaged.") % {"name": shown},
            "file-unreadable",
        ) from None
