"""The e-mail of the on-site queue: "you will be called soon"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue
from hamburg_service.visits.models import Ticket


def call_notice_queue(ticket: Ticket, *, now: dt.datetime) -> None:
    message_queue(
        to=ticket.email,
        template="visits/call_notice",
        language=ticket.language,
        context={"ticket_id": ticket.pk, "minutes": settings.CALL_NOTICE_MINUTES},
        about=f"ticket:{ticket.pk}",
        now=now,
    )


@renderer("visits/call_notice")
def call_notice(context: dict[str, Any]) -> Rendered:
    ticket = Ticket.objects.select_related("location").get(pk=context["ticket_id"])
    return text_mail("visits/mail/call_notice.txt", {**context, "ticket": ticket})
