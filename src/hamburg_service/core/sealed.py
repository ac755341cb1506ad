"""Secrets that must travel through a table for a while (a link's token in a queued e-mail):
encrypted with a key derived from SECRET_KEY and a purpose, so whoever reads the table (or a
backup) cannot use them, and a value sealed for one purpose does not open for another."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet(purpose: str) -> Fernet:
    key = hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str, *, purpose: str) -> str:
    """`text` encrypted (and authenticated) for `purpose`."""
    return _fernet(purpose).encrypt(text.encode()).decode()


def unseal(sealed: str, *, purpose: str, ttl: int | None = None) -> str:
    """The text `seal` encrypted for `purpose`; "" for anything else (forged, damaged, sealed
    for another purpose or with another SECRET_KEY, or older than `ttl` seconds)."""
    try:
        return _fernet(purpose).decrypt(str(sealed).encode(), ttl=ttl).decode()
    except (InvalidToken, ValueError, UnicodeDecodeError):
        return ""
