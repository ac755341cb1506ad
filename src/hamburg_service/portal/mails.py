"""The e-mail of citizen sign-in: the sign-in link, through the outbox.

The link's token is in the queued message only encrypted (the outbox keeps its rows for a
while; the database holds the token's hash only, accounts.citizen_signin) and is decrypted when
the message is rendered for sending — within the link's few minutes of life."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse

from hamburg_service.core.sealed import seal, unseal
from hamburg_service.notifications.models import Message
from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue

TEMPLATE = "portal/signin_link"
SALT = "portal.signin-link"


def signin_mail_queue(
    *, email: str, token: str, language: str, now: dt.datetime | None = None
) -> Message:
    """Queue the sign-in link for `email` (inside the caller's transaction)."""
    return message_queue(
        to=email,
        template=TEMPLATE,
        language=language,
        context={"sealed": seal(token, purpose=SALT)},
        about="citizen-signin",
        now=now,
    )


def signin_url(token: str) -> str:
    """The link in the active language (the outbox renders in the recipient's)."""
    return settings.SITE_URL + reverse("portal:signin_link", args=[token])


@renderer(TEMPLATE)
def signin_link(context: dict[str, Any]) -> Rendered:
    token = unseal(str(context.get("sealed", "")), purpose=SALT)
    return text_mail(
        "portal/mail/signin_link.txt",
        {
            "url": signin_url(token) if token else "",
            "minutes": settings.CITIZEN_SIGNIN_LINK_MINUTES,
        },
    )
