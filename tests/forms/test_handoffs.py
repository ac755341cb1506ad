"""Hand-offs to outside systems: a webhook on loopback that fails first and then answers is
delivered on the retry, signed; one that keeps failing is failed after the last attempt,
listed for staff and retried from their page; an office's e-mail goes through the outbox."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.utils import timezone
from tests.forms.submission_support import *  # noqa: F403
from tests.forms.submission_support import content_of, pdf_upload, publish, submit, walk
from tests.forms.test_services_dog_registration import DOG, OWNER
from tests.support.db import unchanged

from hamburg_service.accounts.models import Role
from hamburg_service.core.actors import Actor
from hamburg_service.files.services import file_store_generated
from hamburg_service.forms.handoffs import (
    CLAIM,
    HandoffFailed,
    _failed,
    handoff_deliver,
    handoffs_deliver_due,
    webhook_timeout,
)
from hamburg_service.forms.models import Handoff, HandoffState, Submission, SubmissionEvent
from hamburg_service.notifications.models import Message

SECRET = "test-webhook-secret"


class Receiver:
    """A webhook receiver on loopback: answers the statuses given, in turn, then 200."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook?key=abc"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver([503])
    yield made
    made.close()


@pytest.fixture
def submitted(case_types, uploads_root, receiver, settings) -> Submission:
    """A dog registration whose form hands off to the receiver and an office's mailbox."""
    settings.FORMS_WEBHOOK_SECRET = SECRET
    settings.FORMS_HANDOFF_MAX_ATTEMPTS = 3
    content = content_of("dog-registration")
    content["handoffs"] = [
        {"kind": "webhook", "to": receiver.url},
        {"kind": "email", "to": "hunderegister@example.hamburg.de"},
    ]
    publish(content)
    client = Client()
    draft = walk(
        client,
        "dog-registration",
        [
            ("owner", OWNER),
            ("dog", DOG),
            (
                "insurance",
                {"insurer": "HV", "policy_number": "HV-1", "liability_insurance": pdf_upload()},
            ),
            ("fee", {"fee_accepted": "on"}),
        ],
    )
    assert submit(client, draft).status_code == 302
    return Submission.objects.select_related("case").get(draft=draft)


def _webhook(submission: Submission) -> Handoff:
    return Handoff.objects.get(submission=submission, kind="webhook")


def test_a_webhook_failing_first_is_delivered_signed_on_the_retry(submitted, receiver):
    handoff = _webhook(submitted)
    now = timezone.now()
    assert handoff_deliver(handoff_id=handoff.pk, now=now) is False
    handoff.refresh_from_db()
    assert (handoff.state, handoff.attempts, handoff.last_error) == ("pending", 1, "HTTP 503")
    assert handoff.next_attempt_at > now  # a pause before the next attempt
    assert handoff_deliver(handoff_id=handoff.pk, now=now) is False  # not due yet
    later = handoff.next_attempt_at + dt.timedelta(seconds=1)
    assert handoffs_deliver_due(now=later) == 2  # the webhook and the e-mail
    handoff.refresh_from_db()
    assert (handoff.state, handoff.attempts) == ("done", 2)
    headers, body = receiver.received[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Hamburg-Signature"] == expected
    assert headers["Idempotency-Key"] == str(submitted.public_id)
    payload = json.loads(body)
    assert payload["case"] == submitted.case.reference
    assert payload["answers"]["chip"] == DOG["chip"]
    assert [f["content_type"] for f in payload["files"]] == ["application/pdf"]
    assert SubmissionEvent.objects.filter(submission=submitted, kind="handoff_done").count() == 2
    mail = Message.objects.get(template="forms/handoff_email")
    assert mail.recipient == "hunderegister@example.hamburg.de"


def test_a_webhook_that_keeps_failing_is_failed_shown_to_staff_and_retried(
    submitted, receiver, client_as
):
    receiver.statuses = [500, 500, 500]
    handoff = _webhook(submitted)
    at = timezone.now()
    for _attempt in range(3):
        handoff_deliver(handoff_id=handoff.pk, now=at)
        handoff.refresh_from_db()
        at = (handoff.next_attempt_at or at) + dt.timedelta(seconds=1)
    assert (handoff.state, handoff.attempts) == (HandoffState.FAILED, 3)
    failures = SubmissionEvent.objects.filter(kind="handoff_failed").order_by("pk")
    assert [(e.data["attempt"], e.data["final"]) for e in failures] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert handoff_deliver(handoff_id=handoff.pk, now=at + dt.timedelta(days=1)) is False
    # Staff see it (without the webhook's path and query) and retry it.
    lead = client_as(Role.LOCATION_LEAD)
    page = lead.get("/staff/online/handoffs/")
    assert page.status_code == 200
    text = page.content.decode()
    assert submitted.case.reference in text
    assert "HTTP 500" in text
    assert "key=abc" not in text
    assert client_as(Role.CLERK).get("/staff/online/handoffs/").status_code == 403
    response = lead.post(f"/staff/online/handoffs/{handoff.pk}/retry/")
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert (handoff.state, handoff.attempts) == ("pending", 0)
    assert SubmissionEvent.objects.filter(kind="handoff_retried").count() == 1
    assert handoff_deliver(handoff_id=handoff.pk) is True  # the receiver answers 200 now
    handoff.refresh_from_db()
    assert handoff.state == "done"


def test_a_webhook_without_a_signing_key_is_never_sent_unsigned(submitted, receiver, settings):
    settings.FORMS_WEBHOOK_SECRET = ""
    handoff = _webhook(submitted)
    assert handoff_deliver(handoff_id=handoff.pk) is False
    handoff.refresh_from_db()
    assert "FORMS_WEBHOOK_SECRET" in handoff.last_error
    assert receiver.received == []


def test_a_multiple_choice_answer_does_not_stop_the_webhook_and_files_are_the_cases_own(
    submitted, receiver
):
    receiver.statuses = []
    own = submitted.answers["liability_insurance"]
    foreign = file_store_generated(
        data=b"%PDF-1.4 another case",
        name="other.pdf",
        content_type="application/pdf",
        owner="case:HH-OTHER",
        actor=Actor.system("test"),
        purpose="test",
    )
    answers = {
        **submitted.answers,
        "reasons": ["employment", "study"],  # a multiple choice
        "liability_insurance": [*own, str(foreign.public_id)],  # not this case's file
    }
    Submission.objects.filter(pk=submitted.pk).update(answers=answers)
    handoff = _webhook(submitted)
    assert handoff_deliver(handoff_id=handoff.pk) is True
    payload = json.loads(receiver.received[-1][1])
    assert payload["answers"]["reasons"] == ["employment", "study"]
    assert [uuid.UUID(f["id"]) for f in payload["files"]] == [uuid.UUID(i) for i in own]


def test_staff_cannot_restart_a_hand_off_while_a_sender_holds_it(submitted, client_as):
    handoff = _webhook(submitted)
    Handoff.objects.filter(pk=handoff.pk).update(
        claimed_until=timezone.now() + dt.timedelta(minutes=3), attempts=1
    )
    lead = client_as(Role.LOCATION_LEAD)
    with unchanged(Handoff, SubmissionEvent):
        response = lead.post(f"/staff/online/handoffs/{handoff.pk}/retry/")
    assert response.status_code == 409
    assert "gerade gesendet" in response.content.decode() or "being sent" in (
        response.content.decode()
    )


def test_a_sender_whose_claim_was_taken_over_changes_nothing(submitted, receiver):
    handoff = _webhook(submitted)
    now = timezone.now()
    token = now + CLAIM
    Handoff.objects.filter(pk=handoff.pk).update(claimed_until=token, attempts=1)
    # The claim lapsed and another sender claimed it (a new token).
    Handoff.objects.filter(pk=handoff.pk).update(claimed_until=token + dt.timedelta(minutes=9))
    late = Handoff.objects.select_related("submission").get(pk=handoff.pk)
    with unchanged(Handoff, SubmissionEvent):
        _failed(late, HandoffFailed("HTTP 500"), now, token)


def test_a_webhook_attempt_is_bounded_and_the_claim_outlasts_it():
    timeout = webhook_timeout()
    assert timeout.connect_timeout
    assert timeout.total
    assert CLAIM.total_seconds() > timeout.connect_timeout + timeout.total + 60
