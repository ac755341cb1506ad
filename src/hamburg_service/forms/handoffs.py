"""Hand-offs of submitted applications to outside systems (docs/online-services.md,
"Hand-offs"): an office's mailbox, a webhook — later XAusländer or FIT-Connect.

A definition lists its hand-offs (`"handoffs": [{"kind": "email", "to": "…"}]`); the
submission writes one `Handoff` row each, in its own transaction, and wakes their delivery
after the commit (a background task; the scheduler's sweep `handoffs_deliver_due` catches
what a lost wake-up misses and the retries that are due).

- **Claim**: one sender at a time, with a conditional update (any number of processes);
  a sender that dies leaves its claim to lapse (`CLAIM`, longer than an attempt can take),
  and the hand-off is tried again. The claim's `claimed_until` is its token: the outcome is
  written only while the row still carries the sender's own claim, so a sender that outlived
  its claim (or whose hand-off a member of staff restarted) changes nothing. Staff cannot
  restart a hand-off while a claim on it is live.
- **email**: the answers laid out by step, to the office's address, through the outbox
  (notifications.message_queue, which retries sending itself): done once queued.
- **webhook**: POST of the submission as JSON (`payload_of`) with `requests` — 5 s to
  connect, 10 s per read, no read waiting past `TOTAL_SECONDS` from the start (urllib3's
  `total`), the answer's body never read (only its status counts), no redirects;
  signed with HMAC-SHA256 over the body under `FORMS_WEBHOOK_SECRET`
  (header `X-Hamburg-Signature: sha256=<hex>`), `Idempotency-Key` the submission's id (a
  receiver that got it before answers 2xx again). Any 2xx is delivered; anything else, a
  timeout or a refused connection is a failed attempt.
- **Retries** with growing pauses (1, 2, 4 … minutes, at most 6 hours); after
  `FORMS_HANDOFF_MAX_ATTEMPTS` the hand-off is **failed**: shown to staff on
  /staff/online/handoffs/ (`handoffs_for_staff`), where a retry (`handoff_retry`) starts it
  again. Nothing is dropped silently; each outcome — every failed attempt too, with its
  number — is an event of the submission.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from urllib3.util import Timeout as Urllib3Timeout

from hamburg_service.cases.services.case_files import case_file_owner
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.errors import Conflict
from hamburg_service.core.events import event_record
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.forms.definition import spec_of
from hamburg_service.forms.models import (
    Handoff,
    HandoffState,
    Submission,
    SubmissionEventKind,
)
from hamburg_service.forms.panels import submission_file_ids
from hamburg_service.forms.summary import answers_by_step
from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue
from hamburg_service.people.checks import today_in_hamburg

logger = logging.getLogger(__name__)
SENDER = Actor.system("forms.handoffs")
CONNECT_SECONDS = 5
READ_SECONDS = 10
TOTAL_SECONDS = 30  # no read waits past this, counted from the start of the attempt
# Far longer than an attempt takes (TOTAL_SECONDS and the writes). A receiver trickling its
# headers a byte at a time could still outlast it: then that sender's outcome is dropped (the
# claim is its token), the next claim sends again and the receiver's Idempotency-Key check
# keeps it once.
CLAIM = dt.timedelta(minutes=5)
KINDS = ("email", "webhook")
EMAIL_TEMPLATE = "forms/handoff_email"
SIGNATURE_HEADER = "X-Hamburg-Signature"


class HandoffFailed(Exception):
    """An attempt that did not deliver; its message is kept as `last_error` (no secrets)."""


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(6 * 3600, 60 * 2 ** max(0, attempts - 1)))


def handoffs_wake(ids: list[int]) -> None:
    """After the submission's commit: deliver its hand-offs now, in the background."""
    for handoff_id in ids:
        try:
            deliver_handoff.enqueue(handoff_id=handoff_id)
        except Exception:  # the queue is down: the scheduler's sweep delivers it
            logger.warning("Could not enqueue hand-off %s", handoff_id, exc_info=True)


@task()
def deliver_handoff(*, handoff_id: int) -> None:
    """The wake-up after commit (defined beside what it calls and what enqueues it)."""
    handoff_deliver(handoff_id=handoff_id)


def _due(now: dt.datetime) -> Q:
    return Q(state=HandoffState.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )


# --- what is sent ------------------------------------------------------------------------------


def payload_of(submission: Submission) -> dict[str, Any]:
    """The submission as a webhook receives it: the form and version, the case reference,
    the answers as submitted (keys of the definition) and the files' facts (not their
    content: the receiver fetches nothing from us)."""
    files = StoredFile.objects.filter(
        public_id__in=submission_file_ids(submission),
        owner=case_file_owner(submission.case),
        state=FileState.ATTACHED,
    ).order_by("pk")
    return {
        "submission": str(submission.public_id),
        "form": submission.definition.slug,
        "version": submission.definition.version,
        "case": submission.case.reference,
        "case_type": submission.case.case_type.slug,
        "submitted_at": submission.submitted_at.isoformat(),
        "language": submission.language,
        "answers": submission.answers,
        "files": [
            {
                "id": str(f.public_id),
                "name": f.original_name,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
            }
            for f in files
        ],
    }


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _webhook(handoff: Handoff) -> None:
    secret = settings.FORMS_WEBHOOK_SECRET
    if not secret:
        raise HandoffFailed("FORMS_WEBHOOK_SECRET is not set: nothing is sent unsigned")
    if urlsplit(handoff.target).scheme not in ("http", "https"):
        raise HandoffFailed("the target is not an http(s) address")
    body = json.dumps(payload_of(handoff.submission), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": str(handoff.submission.public_id),
        SIGNATURE_HEADER: signature(body, secret),
        "User-Agent": "Hamburg-Service-Handoff/1",
    }
    try:
        # stream: the status is all we need, a body that trickles in is never waited for;
        # urllib3's total caps every read by what is left of TOTAL_SECONDS.
        with requests.post(
            handoff.target,
            data=body,
            headers=headers,
            timeout=webhook_timeout(),
            allow_redirects=False,
            stream=True,
        ) as response:
            status = response.status_code
    except requests.Timeout:
        raise HandoffFailed(f"no answer within {TOTAL_SECONDS} s") from None
    except requests.RequestException as error:
        raise HandoffFailed(f"{type(error).__name__}: could not connect") from None
    if not 200 <= status < 300:
        raise HandoffFailed(f"HTTP {status}")


def webhook_timeout() -> Any:
    """5 s to connect, 10 s per read, no read past `TOTAL_SECONDS` from the start (requests
    passes urllib3's Timeout on as it is; a (connect, read) tuple has no total)."""
    return Urllib3Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS, total=TOTAL_SECONDS)


def _email_queue(handoff: Handoff, now: dt.datetime) -> None:
    message_queue(
        to=handoff.target,
        template=EMAIL_TEMPLATE,
        language="de",
        context={"submission_id": handoff.submission_id},
        about=f"case:{handoff.submission.case.reference}",
        now=now,
    )


@renderer(EMAIL_TEMPLATE)
def handoff_mail(context: dict[str, Any]) -> Rendered:
    submission = Submission.objects.select_related("case", "definition").get(
        pk=context["submission_id"]
    )
    language = "de"
    spec = spec_of(submission.definition)
    return text_mail(
        "forms/mail/handoff.txt",
        {
            "submission": submission,
            "title": spec.title(language),
            "steps": answers_by_step(
                spec, submission.answers, language, today=today_in_hamburg(submission.submitted_at)
            ),
            "url": settings.SITE_URL
            + reverse("cases:case", kwargs={"reference": submission.case.reference}),
        },
    )


# --- delivery --------------------------------------------------------------------------------


def handoff_deliver(*, handoff_id: int, now: dt.datetime | None = None) -> bool:
    """Try one hand-off if it is due and nobody else is; True if it was delivered."""
    now = now_or(now)
    token = now + CLAIM  # the claim's token: its exact `claimed_until`
    claimed = Handoff.objects.filter(_due(now), pk=handoff_id).update(
        claimed_until=token, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    handoff = Handoff.objects.select_related(
        "submission", "submission__case", "submission__case__case_type", "submission__definition"
    ).get(pk=handoff_id)
    try:
        if handoff.kind == "webhook":
            _webhook(handoff)
        elif handoff.kind != "email":
            raise HandoffFailed(f"unknown kind {handoff.kind!r}")
        with transaction.atomic():
            if not _ours(handoff, token).update(
                state=HandoffState.DONE, done_at=now, claimed_until=None, last_error=""
            ):
                logger.warning("Hand-off %s: the claim lapsed before it was done", handoff.pk)
                return False
            if handoff.kind == "email":
                _email_queue(handoff, now)
            event_record(
                handoff.submission,
                kind=SubmissionEventKind.HANDOFF_DONE,
                actor=SENDER,
                at=now,
                data={"handoff": handoff.pk, "kind": handoff.kind, "attempt": handoff.attempts},
            )
    except Exception as error:
        _failed(handoff, error, now, token)
        return False
    logger.info("Handed off submission %s (%s)", handoff.submission_id, handoff.kind)
    return True


def _ours(handoff: Handoff, token: dt.datetime) -> QuerySet[Handoff]:
    """The hand-off, only while it still carries this sender's claim."""
    return Handoff.objects.filter(pk=handoff.pk, state=HandoffState.PENDING, claimed_until=token)


def _failed(handoff: Handoff, error: Exception, now: dt.datetime, token: dt.datetime) -> None:
    if isinstance(error, HandoffFailed):
        reason = str(error)
    else:
        reason = type(error).__name__
        logger.exception("Hand-off %s failed unexpectedly", handoff.pk)
    reason = reason[:500]
    given_up = handoff.attempts >= settings.FORMS_HANDOFF_MAX_ATTEMPTS
    with transaction.atomic():
        if not _ours(handoff, token).update(
            state=HandoffState.FAILED if given_up else HandoffState.PENDING,
            next_attempt_at=None if given_up else now + _backoff(handoff.attempts),
            claimed_until=None,
            last_error=reason,
        ):
            logger.warning("Hand-off %s: the claim lapsed before the failure was kept", handoff.pk)
            return
        event_record(
            handoff.submission,
            kind=SubmissionEventKind.HANDOFF_FAILED,
            actor=SENDER,
            at=now,
            data={
                "handoff": handoff.pk,
                "kind": handoff.kind,
                "attempt": handoff.attempts,
                "final": given_up,
                "error": reason,
            },
        )
    (logger.error if given_up else logger.warning)(
        "Hand-off %s (%s) failed, attempt %d: %s",
        handoff.pk,
        handoff.kind,
        handoff.attempts,
        reason,
    )


def handoffs_deliver_due(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Deliver what is due: retries, and anything a lost wake-up missed (a scheduler job)."""
    now = now_or(now)
    due = Handoff.objects.filter(_due(now)).order_by("next_attempt_at", "pk")
    return sum(
        handoff_deliver(handoff_id=pk, now=now)
        for pk in list(due.values_list("pk", flat=True)[:limit])
    )


def handoff_retry(*, handoff: Handoff, actor: Actor, now: dt.datetime | None = None) -> Handoff:
    """Start a failed (or waiting) hand-off again now, from its first attempt (staff)."""
    now = now_or(now)
    with transaction.atomic():
        locked = Handoff.objects.select_for_update().filter(pk=handoff.pk).first()
        if locked is None or locked.state == HandoffState.DONE:
            raise Conflict(_("This hand-off has been delivered already."), code="handoff-done")
        if locked.claimed_until is not None and locked.claimed_until > now:
            raise Conflict(
                _(
                    "This hand-off is being sent right now. Please look again in a few "
                    "minutes: if it fails, you can retry it then."
                ),
                code="handoff-busy",
            )
        locked.state = HandoffState.PENDING
        locked.attempts = 0
        locked.next_attempt_at = now
        locked.claimed_until = None
        locked.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_until"])
        event_record(
            Submission(pk=locked.submission_id),
            kind=SubmissionEventKind.HANDOFF_RETRIED,
            actor=actor,
            at=now,
            data={"handoff": locked.pk, "kind": locked.kind},
        )
        transaction.on_commit(lambda: handoffs_wake([locked.pk]))
    return locked


def handoffs_for_staff() -> QuerySet[Handoff]:
    """The hand-offs that need an eye: failed first, then those still waiting, oldest first."""
    return (
        Handoff.objects.exclude(state=HandoffState.DONE)
        .select_related("submission", "submission__case", "submission__definition")
        .order_by("state", "created_at", "pk")
    )


def handoff_overdue(handoff: Handoff, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return handoff.state == HandoffState.PENDING and handoff.created_at < now - dt.timedelta(
        hours=1
    )
