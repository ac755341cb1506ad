"""The e-mail of citizen sign-in: the sign-in link, through the outbox.

The link's token is in the queued message only encrypted (the outbox keeps its rows for a
while; the database holds the token's hash only, accounts.citizen_signin) and is decrypted when
the message is rendered for sending — within the link's few minutes of life."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.urls import reverse

from hamburg_service.notifications.models import Message
from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue

TEMPLATE = "portal/signin_link"
SALT = "portal.signin-link"


def _fernet() -> Fernet:
    key = hashlib.sha256(f"{SALT}:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def signin_mail_queue(
    *, email: str, token: str, language: str, now: dt.datetime | None = None
) -> Message:
    """Queue the sign-in link for `email` (inside the caller's transaction)."""
    return message_queue(
        to=email,
        template=TEMPLATE,
        language=language,
        context={"sealed": _fernet().encrypt(token.encode()).decode()},
        about="citizen-signin",
        now=now,
    )


def signin_url(token: str) -> str:
    """The link in the active language (the outbox renders in the recipient's)."""
    return settings.SITE_URL + reverse("portal:signin_link", args=[token])


@renderer(TEMPLATE)
def signin_link(context: dict[str, Any]) -> Rendered:
    try:
        token = _fernet().decrypt(str(context.get("sealed", "")).encode()).decode()
    except InvalidToken:
        token = ""
    return text_mail(
        "portal/mail/signin_link.txt",
        {
            "url": signin_url(token) if token else "",
            "minutes": settings.CITIZEN_SIGNIN_LINK_MINUTES,
        },
    )
