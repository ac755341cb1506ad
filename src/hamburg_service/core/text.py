"""Text a person may send: no NUL, no control characters (but tab and line breaks), no bidi
overrides that turn a name around on screen, no Unicode non-characters. Every form field, API
string and query parameter is checked against it (forms, the API parser, the middleware)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 and C1 controls, DEL (tab, LF, CR allowed)
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides and isolates
    "\ufdd0-\ufdef\ufffe\uffff]"  # non-characters
)


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
