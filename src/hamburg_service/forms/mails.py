"""The forms app's e-mails: the link to continue an application (queued through the
notifications outbox, rendered in the recipient's language when it is sent).

The link's token is in the queued message only encrypted (core.sealed; the outbox keeps its
rows for a while, the draft only the token's hash) and is decrypted when the message is
rendered for sending."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.core.sealed import seal, unseal
from hamburg_service.forms.definition import spec_of
from hamburg_service.forms.models import Draft
from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue

RESUME_TEMPLATE = "forms/resume_link"
SEAL_PURPOSE = "forms.resume-link"


def resume_link_mail(*, draft: Draft, token: str, language: str, now: dt.datetime) -> None:
    """Inside the caller's transaction. The context holds the link's secret only sealed."""
    message_queue(
        to=draft.email,
        template=RESUME_TEMPLATE,
        language=language,
        context={"draft_id": draft.pk, "sealed": seal(token, purpose=SEAL_PURPOSE)},
        about=f"form-draft:{draft.public_id}"[:60],
        now=now,
    )


@renderer(RESUME_TEMPLATE)
def resume_link(context: dict[str, Any]) -> Rendered:

    draft = Draft.objects.select_related("definition").get(pk=context["draft_id"])
    spec = spec_of(draft.definition)
    language = active_suffix()
    token = unseal(str(context.get("sealed", "")), purpose=SEAL_PURPOSE)
    url = settings.SITE_URL + reverse("forms:resume", kwargs={"token": token}) if token else ""
    expires = timezone.localtime(draft.resume_expires_at) if draft.resume_expires_at else None
    return text_mail(
        "forms/mail/resume_link.txt",
        {"title": spec.title(language), "url": url, "expires": expires},
    )
