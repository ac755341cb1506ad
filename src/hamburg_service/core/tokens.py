"""Secrets in links: only their hash is stored, so a stolen database opens no link."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
