"""Background work of the appointment book. Every task is idempotent and retried on failure."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task, task_backends

logger = logging.getLogger(__name__)


def retry_later(task_function: Any, attempt: int, **kwargs: Any) -> None:
    """Enqueue the task again with growing delay, up to TASK_RETRY_LIMIT attempts."""
    backend = task_backends["default"]
    if attempt >= settings.TASK_RETRY_LIMIT or not backend.supports_defer:
        logger.error("Giving up on %s after %d attempts", task_function.name, attempt)
        return
    delay = dt.timedelta(seconds=30 * 2 ** (attempt - 1))
    task_function.using(run_after=timezone.now() + delay).enqueue(attempt=attempt + 1, **kwargs)


@task()
def send_appointment_mail(
    *, appointment_id: int, template: str, context: dict[str, str], attempt: int = 1
) -> None:
    """Send one e-mail about an appointment. Sending twice is the worst that can happen."""
    from hamburg_service.appointments import notifications

    try:
        notifications.send_now(appointment_id, template, **context)
    except Exception:
        logger.exception("Mail %s for appointment %s failed", template, appointment_id)
        retry_later(
            send_appointment_mail,
            attempt,
            appointment_id=appointment_id,
            template=template,
            context=context,
        )


@task()
def send_waitlist_mail(
    *, entry_id: int, template: str, context: dict[str, str], attempt: int = 1
) -> None:
    from hamburg_service.appointments import notifications

    try:
        notifications.send_waitlist_now(entry_id, template, **context)
    except Exception:
        logger.exception("Mail %s for waitlist entry %s failed", template, entry_id)
        retry_later(
            send_waitlist_mail, attempt, entry_id=entry_id, template=template, context=context
        )
