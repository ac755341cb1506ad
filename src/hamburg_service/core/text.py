"""Text a person may send: no NUL, no control characters (but tab and line breaks), no
invisible formatting characters (bidi marks, embeddings, overrides and isolates that turn a
name around on screen, zero-width spaces, soft hyphens, the byte order mark), no surrogates,
no private-use characters of the basic plane, no non-characters. Every form field, API string
and query parameter is checked against it (forms, the API parser, the middleware); the API's
description declares the same class as the pattern of every string
(core.api_schemas.TEXT_PATTERN).

The class is built from Unicode's general categories (Cc, Cf, Cs, Co) plus the 66
non-characters, so a character added to a category by a later Unicode version needs no edit
here. Zero-width (non-)joiners stay allowed: Persian and Indic scripts and emoji need them."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

_ALLOWED = {"\t", "\n", "\r", "\u200c", "\u200d"}  # tab, line breaks, ZWNJ, ZWJ
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co"}
_NON_CHARACTERS = [(0xFDD0, 0xFDEF)] + [
    (plane + 0xFFFE, plane + 0xFFFF) for plane in range(0, sys.maxunicode + 1, 0x10000)
]


def _refused_ranges() -> list[tuple[int, int]]:
    """The refused code points as sorted, merged ranges. Controls and format characters live
    in the first two planes and the tag plane. Of private use (Co) only the basic plane's is
    refused: the planes 15 and 16 hold nothing that turns text around, and a class spanning
    them would make every API string's pattern slow to generate data from."""
    points = [
        code
        for code in (*range(0x20000), *range(0xE0000, 0xE1000))
        if unicodedata.category(chr(code)) in _REFUSED_CATEGORIES and chr(code) not in _ALLOWED
    ]
    ranges = [(code, code) for code in points]
    ranges += _NON_CHARACTERS
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return merged


def _escaped(code: int) -> str:
    # Escapes, not the characters: a pattern with lone surrogates could not be served as UTF-8.
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _class(ranges: list[tuple[int, int]]) -> str:
    return "".join(
        _escaped(low) if low == high else f"{_escaped(low)}-{_escaped(high)}"
        for low, high in ranges
    )


# The body of a regular-expression class (without the brackets) for the API schema: the basic
# plane only, written with \uXXXX escapes that Python and JavaScript (JSON Schema) read alike —
# JavaScript has no escape for the other planes outside its `u` mode, and Python none inside
# braces. The refused characters of the other planes (a few format characters, the tags, the
# non-characters) and the surrogates are refused all the same (`_REFUSED`).
_RANGES = _refused_ranges()
REFUSED_CLASS = _class([(low, min(high, 0xFFFF)) for low, high in _RANGES if low <= 0xFFFF])
_REFUSED = re.compile(f"[{_class(_RANGES)}\\ud800-\\udfff]")


def text_refused(value: str) -> bool:
    return bool(_REFUSED.search(value))


def refused_message() -> str:
    return _(
        "This contains characters that cannot be used here (control or formatting characters). "
        "Please type it again."
    )


def refused_fields(data: Any, path: str = "") -> Iterator[str]:
    """The paths (`name`, `services.1`) of the strings in a JSON value that are refused."""
    if isinstance(data, str):
        if text_refused(data):
            yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and text_refused(key):
                yield name
            else:
                yield from refused_fields(value, name)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from refused_fields(value, f"{path}.{index}" if path else str(index))
