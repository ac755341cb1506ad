"""What a file is, by its content (its first bytes), never by its name: puremagic's table of
signatures names it, and what is refused is told in words a person understands ("a
program")."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import puremagic
from django.utils.translation import gettext as _

from hamburg_service.files.policy import FILE_TYPES

HEAD_BYTES = 8192  # enough for every signature we look at


class Kind(enum.Enum):
    ACCEPTABLE = "acceptable"  # one of FILE_TYPES; the policy decides
    PROGRAM = "program"
    ARCHIVE = "archive"
    OFFICE = "office"
    WEB = "web"
    IMAGE = "image"  # an image of another format
    TEXT = "text"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Detected:
    kind: Kind
    content_type: str = ""  # for ACCEPTABLE: the type; otherwise what puremagic said, if any
    label: str = ""  # the format's short name ("GIF"), where one helps

    def described(self) -> str:
        """What the content is, to finish "its content is …"."""
        if self.kind == Kind.IMAGE:
            return _("an image in another format (%(format)s)") % {"format": self.label}
        return {
            Kind.PROGRAM: _("a program"),
            Kind.ARCHIVE: _("an archive or an office document"),
            Kind.OFFICE: _("an office document"),
            Kind.WEB: _("a web page or a script"),
            Kind.TEXT: _("plain text"),
            Kind.UNKNOWN: _("of a kind that cannot be recognised"),
        }.get(self.kind, self.label)


_PROGRAM_EXTENSIONS = {
    ".exe", ".dll", ".ocx", ".scr", ".sys", ".com", ".cpl", ".drv", ".class", ".jar", ".apk",
    ".dex", ".elf", ".so", ".o", ".dylib", ".wasm",
}  # fmt: skip
_ARCHIVE_EXTENSIONS = {
    ".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub", ".rar", ".7z", ".gz",
    ".tgz", ".bz2", ".xz", ".zst", ".tar", ".cab", ".iso", ".lz", ".lzma", ".arj", ".cbr",
}  # fmt: skip
_OFFICE_EXTENSIONS = {".doc", ".xls", ".ppt", ".rtf", ".msg", ".wpd", ".pub", ".vsd"}
_WEB_EXTENSIONS = {".html", ".htm", ".xhtml", ".xml", ".svg", ".js", ".php", ".swf", ".hta"}


def content_detect(head: bytes) -> Detected:
    """The kind of content that starts with `head` (at least HEAD_BYTES of it, or all)."""
    if head.startswith(b"#!"):
        return Detected(Kind.PROGRAM)
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    if not matches:
        return Detected(_text_or_unknown(head))
    best = [m for m in matches if m.confidence == matches[0].confidence]
    for match in best:
        if match.mime_type in FILE_TYPES and match.offset == 0:
            return Detected(Kind.ACCEPTABLE, match.mime_type, FILE_TYPES[match.mime_type].label)
    match = best[0]
    extension = match.extension.lower()
    label = extension.lstrip(".").upper()
    name = match.name.lower()
    if extension in _PROGRAM_EXTENSIONS or "executable" in name or "mach-o" in name:
        return Detected(Kind.PROGRAM, match.mime_type, label)
    if extension in _ARCHIVE_EXTENSIONS or "archive" in name or "compressed" in name:
        return Detected(Kind.ARCHIVE, match.mime_type, label)
    if extension in _OFFICE_EXTENSIONS or "office" in name:
        return Detected(Kind.OFFICE, match.mime_type, label)
    if extension in _WEB_EXTENSIONS or "html" in name or "xml" in name:
        return Detected(Kind.WEB, match.mime_type, label)
    if match.mime_type.startswith("image/") or "image" in name:
        return Detected(Kind.IMAGE, match.mime_type, label)
    return Detected(Kind.UNKNOWN, match.mime_type, label)


def _text_or_unknown(head: bytes) -> Kind:
    # Markup and scripts have no signature: a look at the text tells them apart.
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # a character cut at the end of the head is fine
            return Kind.UNKNOWN
        text = head[: error.start].decode("utf-8")
    if "\x00" in text:
        return Kind.UNKNOWN
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if lowered.startswith(("<", "<?xml")) or "<script" in lowered or "<svg" in lowered:
        return Kind.WEB
    return Kind.TEXT
