"""The name a person's file had on their computer, made safe to keep and to offer again: no
path, no control or invisible formatting characters (a right-to-left override turns
"gpj.exe" into what looks like "exe.jpg"), bounded, with the extension of what it really is.
The name is shown and offered on download only; it never names anything in storage."""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

from hamburg_service.core.text import text_refused
from hamburg_service.files.policy import FileType

MAX_NAME = 120
FALLBACK = "file"


def name_clean(name: str) -> str:
    """The last part of a path, normalised (NFC), without refused characters, trimmed of
    spaces and dots at the ends; at most MAX_NAME characters, keeping the extension."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/")
    name = PurePosixPath(name).name
    name = "".join(" " if c.isspace() else c for c in name if not text_refused(c))
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = f"{stem[: MAX_NAME - len(extension) - 1].rstrip(' .')}.{extension}"
        else:
            name = name[:MAX_NAME].rstrip(" .")
    return name or FALLBACK


def name_extension(name: str) -> str:
    """ ".pdf" for "Scan.PDF"; "" without one."""
    suffix = PurePosixPath(name).suffix.lower()
    return suffix if 1 < len(suffix) <= 11 else ""


def name_for_type(name: str, file_type: FileType) -> str:
    """The clean name with an extension that says what the file is: "scan.pdf" holding a PNG
    is kept as "scan.png", so that it opens with the right program on download."""
    name = name_clean(name)
    extension = name_extension(name)
    if extension in file_type.extensions:
        return name
    stem = name[: -len(extension)] if extension else name
    stem = stem[: MAX_NAME - len(file_type.extensions[0])].rstrip(" .") or FALLBACK
    return stem + file_type.extensions[0]
