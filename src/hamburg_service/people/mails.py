"""The e-mails of the person record: to the central registration office, never with a name
(the office opens the record, a logged read)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse

from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue
from hamburg_service.people.models import InformationBlock


def block_ending_queue(block: InformationBlock, *, now: dt.datetime) -> None:
    message_queue(
        to=settings.CENTRAL_REGISTRATION_EMAIL,
        template="people/block_ending",
        language="de",
        context={"block_id": block.pk},
        about=f"block:{block.pk}",
        now=now,
    )


@renderer("people/block_ending")
def block_ending(context: dict[str, Any]) -> Rendered:
    block = InformationBlock.objects.get(pk=context["block_id"])
    return text_mail(
        "people/mail/block_ending.txt",
        {"block": block, "url": f"{settings.SITE_URL}/staff/people/{block.person_id}/"},
    )


@renderer("people/my_data_link")
def my_data_link(context: dict[str, Any]) -> Rendered:
    # The outbox renders in the recipient's language: the link is in it too.
    url = settings.SITE_URL + reverse("my-data:report", args=[context["token"]])
    return text_mail(
        "people/mail/my_data_link.txt", {"url": url, "hours": settings.MY_DATA_LINK_HOURS}
    )
