"""The links in the applicant's e-mails and letters (upload documents, choose an appointment):
a token derived from a random nonce kept with the request or offer and SECRET_KEY, so the
reminder and a letter printed again carry the same link, while only the token's hash is
stored for the lookup (a stolen table opens no link)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings
from django.urls import reverse
from django.utils import translation

UPLOAD = "upload"
APPOINTMENT = "appointment"


def link_token(nonce: str, kind: str) -> str:
    """Unguessable without SECRET_KEY, reproducible with it."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"cases.{kind}:{nonce}".encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(digest.digest()[:24]).decode()


def link_url(kind: str, nonce: str, language: str) -> str:
    """The absolute link, in the applicant's language (/en/… for English)."""
    name = "case-links:upload" if kind == UPLOAD else "case-links:appointment"
    with translation.override(language if language in ("de", "en") else "de"):
        return settings.SITE_URL + reverse(name, args=[link_token(nonce, kind)])
