"""Every write to the outbox: queue, deliver, resend.

The rule (docs/architecture.md): a message is queued inside the transaction of the change that
causes it — the outbox row commits or rolls back with the booking, the call, the reminder — and
is delivered after that commit, never before. Delivery claims a message with a conditional
update (one sender wins, on any number of processes), sends it outside any transaction, and
records the outcome; a failed attempt is tried again later with a growing delay, up to
MESSAGE_MAX_ATTEMPTS, then the message is marked failed and can be queued again from the admin.
A sender that dies mid-send leaves its claim to lapse, and the message is sent again
(at least once: a duplicate e-mail is the worst case, a lost one is not possible).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django_tasks import task

from hamburg_service.core.actors import Actor
from hamburg_service.core.db import rows_insert
from hamburg_service.core.events import event_record
from hamburg_service.notifications import renderers
from hamburg_service.notifications.models import Message, MessageEventKind, MessageStatus

logger = logging.getLogger(__name__)
SENDER = Actor.system("notifications.deliver")
CLAIM = dt.timedelta(minutes=5)  # longer than any SMTP conversation


def message_queue(
    *,
    to: str,
    template: str,
    language: str,
    context: dict[str, Any],
    about: str = "",
    now: dt.datetime | None = None,
) -> Message:
    """Put a message into the outbox, inside the caller's transaction; delivery starts when it
    commits."""
    now = now or timezone.now()
    message = Message(
        created_at=now,
        recipient=to,
        language=language if language in ("de", "en") else settings.LANGUAGE_CODE,
        template=template,
        context=context,
        about=about[:60],
        next_attempt_at=now,
    )
    rows_insert([message])  # on the booking path: no SQL compiled per call
    _wake_on_commit(message.pk)
    return message


def _wake_on_commit(message_id: int) -> None:
    transaction.on_commit(lambda: deliver_message.enqueue(message_id=message_id))


@task()
def deliver_message(*, message_id: int) -> None:
    """The wake-up after commit: deliver one message now (the scheduler's sweep catches what
    a lost wake-up misses). Defined here, beside what it calls and what enqueues it."""
    message_deliver(message_id=message_id)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def _due() -> Q:
    return Q(status__in=(MessageStatus.QUEUED, MessageStatus.SENDING))


def message_deliver(*, message_id: int, now: dt.datetime | None = None) -> bool:
    """Send one message if it is due and nobody else is sending it; True if it went out."""
    now = now or timezone.now()
    claimed = Message.objects.filter(_due(), pk=message_id, next_attempt_at__lte=now).update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + CLAIM
    )
    if not claimed:
        return False
    message = Message.objects.get(pk=message_id)
    try:
        with translation.override(message.language):
            rendered = renderers.render(message.template, message.context)
        email = EmailMessage(subject=rendered.subject, body=rendered.body, to=[message.recipient])
        for name, content, media_type in rendered.attachments:
            email.attach(name, content, media_type)
        email.send()
    except Exception as error:
        _failed(message, error, now)
        return False
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENT, sent_at=now, last_error=""
        )
        event_record(message, kind=MessageEventKind.SENT, actor=SENDER, at=now)
    # The log names the template and what it is about, never the person.
    logger.info("Sent %s (%s)", message.template, message.about)
    return True


def _failed(message: Message, error: Exception, now: dt.datetime) -> None:
    reason = f"{type(error).__name__}: {error}"[:500]
    given_up = message.attempts >= settings.MESSAGE_MAX_ATTEMPTS
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED if given_up else MessageStatus.QUEUED,
            next_attempt_at=now + _backoff(message.attempts),
            last_error=reason,
        )
        event_record(
            message,
            kind=MessageEventKind.GIVEN_UP if given_up else MessageEventKind.ATTEMPT_FAILED,
            actor=SENDER,
            at=now,
            data={"attempt": message.attempts, "error": reason},
        )
    log = logger.error if given_up else logger.warning
    log(
        "Sending %s (%s) failed, attempt %d: %s",
        message.template,
        message.about,
        message.attempts,
        reason,
    )


def messages_deliver_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send what is due: retries, and anything a lost wake-up missed (a scheduler job)."""
    now = now or timezone.now()
    due = Message.objects.filter(_due(), next_attempt_at__lte=now).order_by("next_attempt_at")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        sent += message_deliver(message_id=pk, now=now)
    return sent


def message_resend(*, message: Message, actor: Actor, now: dt.datetime | None = None) -> bool:
    """Queue a failed message again (from the admin); False if it had not failed."""
    now = now or timezone.now()
    with transaction.atomic():
        again = Message.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(
            status=MessageStatus.QUEUED, attempts=0, next_attempt_at=now
        )
        if again:
            event_record(message, kind=MessageEventKind.RESENT, actor=actor, at=now)
            _wake_on_commit(message.pk)
    return bool(again)
