"""Retention of the outbox: MESSAGE_RETENTION_DAYS after a message was sent (or given up),
its recipient and its context (names, links) are blanked; the row and its events stay as the
record that something was sent, about what (`about` names a reference, not a person)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from hamburg_service.core.retention import retention_report
from hamburg_service.notifications.models import Message, MessageStatus

RULE = "notifications.recipients"


def messages_anonymise(*, now: dt.datetime) -> int:
    before = now - dt.timedelta(days=settings.MESSAGE_RETENTION_DAYS)
    with transaction.atomic():
        count = (
            Message.objects.filter(
                status__in=(MessageStatus.SENT, MessageStatus.FAILED), created_at__lt=before
            )
            .exclude(recipient="")
            .update(recipient="", context={})
        )
        return retention_report(rule=RULE, before=before, count=count, at=now)
