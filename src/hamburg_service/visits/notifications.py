"""E-mails about tickets, in the ticket's language, sent by the task worker after commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from hamburg_service.visits.models import Ticket

logger = logging.getLogger(__name__)


@task()
def send_call_notice(*, ticket_id: int, attempt: int = 1) -> None:
    from hamburg_service.appointments.tasks import retry_later

    try:
        ticket = Ticket.objects.select_related("location").get(pk=ticket_id)
        with translation.override(ticket.language):
            body = render_to_string(
                "visits/mail/call_notice.txt",
                {"ticket": ticket, "minutes": settings.CALL_NOTICE_MINUTES},
            )
            subject, _, text = body.strip().partition("\n")
            EmailMessage(subject=subject.strip(), body=text.strip(), to=[ticket.email]).send()
        logger.info("Sent call notice for ticket %s", ticket_id)
    except Exception:
        logger.exception("Call notice for ticket %s failed", ticket_id)
        retry_later(send_call_notice, attempt, ticket_id=ticket_id)


def call_notice_on_commit(*, ticket: Ticket) -> None:
    pk = ticket.pk
    transaction.on_commit(lambda: send_call_notice.enqueue(ticket_id=pk))
