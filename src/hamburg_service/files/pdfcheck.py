"""A PDF is accepted only without active content: nothing that runs, opens or sends when it is
viewed (JavaScript, actions that start by themselves, launching programs, embedded files,
multimedia, XFA forms). pypdf parses the file and every object reachable from its trailer is
looked at — the same objects a viewer would act on. The PDF is stored as sent, not rewritten:
a signature on it (another authority's certificate) stays valid."""

from __future__ import annotations

import enum
import io
import logging

from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

MAX_OBJECTS = 200_000  # more than any scan or printed form has; a bound on the work


class Active(enum.Enum):
    JAVASCRIPT = "javascript"
    AUTOMATIC = "automatic"
    LAUNCH = "launch"
    EMBEDDED = "embedded"
    SUBMIT = "submit"
    MULTIMEDIA = "multimedia"
    XFA = "xfa"

    def described(self) -> str:
        return {
            Active.JAVASCRIPT: _("JavaScript"),
            Active.AUTOMATIC: _("actions that run by themselves"),
            Active.LAUNCH: _("links that start programs or open other files"),
            Active.EMBEDDED: _("embedded files"),
            Active.SUBMIT: _("form actions that send data"),
            Active.MULTIMEDIA: _("multimedia"),
            Active.XFA: _("an XFA form"),
        }[self]


class PdfRefused(Exception):
    """Why a PDF is not accepted: `reason` is "unreadable", "encrypted", "no-pages" or
    "active" (then `active` says what)."""

    def __init__(self, reason: str, active: Active | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.active = active


# Keys whose presence is active content, wherever they are.
_KEYS = {
    "/JS": Active.JAVASCRIPT,
    "/JavaScript": Active.JAVASCRIPT,
    "/AA": Active.AUTOMATIC,  # additional actions: on opening a page, focusing a field …
    "/Launch": Active.LAUNCH,
    "/EmbeddedFiles": Active.EMBEDDED,
    "/EF": Active.EMBEDDED,
    "/RichMediaContent": Active.MULTIMEDIA,
    "/XFA": Active.XFA,
}
# Names that make a dictionary an active action, annotation or stream (/S, /Subtype, /Type).
_NAMES = {
    "/JavaScript": Active.JAVASCRIPT,
    "/Launch": Active.LAUNCH,
    "/GoToR": Active.LAUNCH,
    "/GoToE": Active.EMBEDDED,
    "/EmbeddedFile": Active.EMBEDDED,
    "/FileAttachment": Active.EMBEDDED,
    "/SubmitForm": Active.SUBMIT,
    "/ImportData": Active.SUBMIT,
    "/RichMedia": Active.MULTIMEDIA,
    "/RichMediaExecute": Active.MULTIMEDIA,
    "/Rendition": Active.MULTIMEDIA,
    "/Movie": Active.MULTIMEDIA,
    "/Sound": Active.MULTIMEDIA,
}
_TYPE_KEYS = ("/S", "/Subtype", "/Type")


def pdf_check(data: bytes) -> int:
    """The number of pages of a PDF without active content; PdfRefused otherwise."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfRefused("encrypted")
        active = _active_content(reader)
        pages = len(reader.pages)
    except PdfRefused:
        raise
    except Exception as error:  # a damaged file fails in many ways inside pypdf
        logging.getLogger(__name__).info("Unreadable PDF: %s", type(error).__name__)
        raise PdfRefused("unreadable") from error
    if active is not None:
        raise PdfRefused("active", active)
    if pages < 1:
        raise PdfRefused("no-pages")
    return pages


def _active_content(reader: PdfReader) -> Active | None:
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject | None] = [reader.trailer]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_OBJECTS:
                raise PdfRefused("unreadable")
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # streams too: their dictionary
            found = _active_in(item)
            if found is not None:
                return found
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return None


def _active_in(dictionary: DictionaryObject) -> Active | None:
    for key in dictionary:
        if key in _KEYS:
            return _KEYS[key]
    for key in _TYPE_KEYS:
        value = _resolved(dictionary.get(key))
        if isinstance(value, str) and value in _NAMES:
            return _NAMES[value]
    opening = _resolved(dictionary.get("/OpenAction"))
    # Showing a page on opening (a destination, or a GoTo action) is harmless; anything else
    # would run by itself.
    if isinstance(opening, DictionaryObject):
        if (found := _active_in(opening)) is not None:
            return found  # say what it would run: JavaScript, a program …
        if _resolved(opening.get("/S")) != "/GoTo":
            return Active.AUTOMATIC
    return None


def _resolved(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value
