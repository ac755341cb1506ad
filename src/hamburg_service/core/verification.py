"""Documents the public verification page (`/verify/`, people.public_views) checks besides the
registration certificate: an app above `people` (cases: provisional certificates and letters)
registers a `Verifier` here when it loads, and the page asks this registry for a number or a
QR code's kind it does not know itself. The page stays where it is; nothing below imports up.

    verification.register(
        Verifier(
            key="cases.letters",
            number_normalise=letter_number_normalise,  # "FB-2026-000001" or None
            payload_kinds=("fbs", "bsd"),
            by_code=letter_verify_code,  # (number=, code=) -> what the page shows
            by_payload=letter_verify_payload,  # (text=) -> what the page shows
        )
    )

Each verifier answers a wrong code exactly like an unknown number (one InvalidInput), counts
every check, and returns an object with a `template` attribute: the page includes that
template with the object as `shown`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hamburg_service.core.errors import InvalidInput
from hamburg_service.core.signing import payload_verify


@dataclass(frozen=True, slots=True)
class Verifier:
    key: str
    number_normalise: Callable[[str], str | None]
    payload_kinds: tuple[str, ...]
    by_code: Callable[..., Any]
    by_payload: Callable[..., Any]


_verifiers: dict[str, Verifier] = {}


def register(verifier: Verifier) -> Verifier:
    """Add (or replace, on a reload) a verifier; returns it."""
    _verifiers[verifier.key] = verifier
    return verifier


def for_number(text: str) -> tuple[Verifier, str] | None:
    """The verifier whose numbers look like `text`, with the number normalised; None if no
    registered verifier knows such numbers (the page's own certificates then answer)."""
    for verifier in _verifiers.values():
        number = verifier.number_normalise(text)
        if number is not None:
            return verifier, number
    return None


def for_payload(text: str) -> Verifier | None:
    """The verifier of the kind of a genuine QR code; None for any other code — also an
    altered or forged one, which the page's own path refuses and counts as before."""
    try:
        kind = payload_verify(text).kind
    except InvalidInput:
        return None
    return next((v for v in _verifiers.values() if kind in v.payload_kinds), None)
