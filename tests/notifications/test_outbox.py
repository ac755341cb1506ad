"""Every e-mail goes through the outbox: queued with the change that causes it, delivered after
commit, retried with growing delays while the SMTP server is down, marked failed after
MESSAGE_MAX_ATTEMPTS, sent again from the admin — and never lost. The SMTP server is a real one
(aiosmtpd) that the test starts on loopback."""

from __future__ import annotations

import datetime as dt
import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import transaction
from django.test import Client

from hamburg_service.accounts.models import Role, RoleAssignment, User
from hamburg_service.notifications import renderers
from hamburg_service.notifications.models import Message, MessageEvent, MessageStatus
from hamburg_service.notifications.services import message_queue, messages_deliver_due

T0 = dt.datetime(2030, 1, 14, 9, 0, tzinfo=dt.UTC)


@renderers.renderer("tests/hello")
def hello(context: dict) -> renderers.Rendered:
    return renderers.Rendered(f"Hallo {context['n']}", "Ein Test.", [("a.txt", b"x", "text/plain")])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings):
    """SMTP settings pointing at a port where nothing listens (yet)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 5
    settings.MESSAGE_MAX_ATTEMPTS = 3
    return settings


@pytest.fixture
def smtp_server(smtp, tmp_path) -> Iterator[Callable[[], mailbox.Maildir]]:
    """A real SMTP server on that port, storing what it receives in a maildir."""

    def start() -> mailbox.Maildir:
        maildir = tmp_path / "maildir"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{smtp.EMAIL_PORT}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(maildir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append(server)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", smtp.EMAIL_PORT), timeout=0.2).close()
                return mailbox.Maildir(maildir)
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("SMTP server did not start")

    servers: list[subprocess.Popen] = []
    yield start
    for server in servers:
        server.terminate()
        server.wait(10)


def queue(n: int, now: dt.datetime = T0) -> Message:
    with transaction.atomic():  # delivery is woken when this commits
        return message_queue(
            to=f"person{n}@example.org",
            template="tests/hello",
            language="de",
            context={"n": n},
            about=f"test:{n}",
            now=now,
        )


@pytest.mark.django_db(transaction=True)
def test_a_failing_smtp_server_leaves_messages_queued_retried_then_failed_and_resent(
    smtp, smtp_server, time_machine
):
    time_machine.move_to(T0, tick=False)
    message = queue(1)  # the wake-up after commit tries at once: connection refused
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at == T0 + dt.timedelta(seconds=30)
    assert messages_deliver_due(now=T0 + dt.timedelta(seconds=10)) == 0  # not due yet
    assert Message.objects.get(pk=message.pk).attempts == 1
    assert messages_deliver_due(now=T0 + dt.timedelta(seconds=30)) == 0
    message.refresh_from_db()
    assert (message.attempts, message.status) == (2, MessageStatus.QUEUED)
    assert message.next_attempt_at == T0 + dt.timedelta(seconds=90)  # 30 s, then 60 s
    messages_deliver_due(now=T0 + dt.timedelta(seconds=90))
    message.refresh_from_db()
    assert (message.attempts, message.status) == (3, MessageStatus.FAILED)
    events = list(MessageEvent.objects.filter(message=message).values_list("kind", "at"))
    # Each event at the time its attempt was given (the sender's `now`), not the insert's clock.
    assert events == [
        ("attempt_failed", T0),
        ("attempt_failed", T0 + dt.timedelta(seconds=30)),
        ("given_up", T0 + dt.timedelta(seconds=90)),
    ]
    assert messages_deliver_due(now=T0 + dt.timedelta(hours=5)) == 0  # given up stays given up

    received = smtp_server()
    admin = Client()
    user = User.objects.create_user(username="admin1", password="a-long-test-password")
    RoleAssignment.objects.create(user=user, role=Role.ADMINISTRATOR)
    admin.force_login(user)
    time_machine.move_to(T0 + dt.timedelta(hours=6), tick=False)
    answer = admin.post(
        "/admin/notifications/message/",
        {"action": "resend", "_selected_action": [message.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.sent_at == T0 + dt.timedelta(hours=6)
    assert Message.objects.count() == 1  # nothing lost, nothing doubled
    [mail] = list(received)
    assert mail["To"] == "person1@example.org"
    assert mail["Subject"] == "Hallo 1"
    resent = MessageEvent.objects.get(message=message, kind="resent")
    assert resent.actor_kind == "staff"
    assert resent.actor_user == user
    assert resent.at == T0 + dt.timedelta(hours=6)
    sent = MessageEvent.objects.get(message=message, kind="sent")
    assert (sent.at, sent.actor_kind, sent.actor_name) == (
        T0 + dt.timedelta(hours=6),
        "system",
        "notifications.deliver",
    )


@pytest.mark.django_db(transaction=True)
def test_messages_queued_while_the_server_is_down_all_arrive_once_it_is_back(
    smtp, smtp_server, time_machine
):
    time_machine.move_to(T0, tick=False)
    for n in range(3):
        queue(n)
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.QUEUED}
    received = smtp_server()
    assert messages_deliver_due(now=T0 + dt.timedelta(minutes=1)) == 3
    assert sorted(m["To"] for m in received) == [f"person{n}@example.org" for n in range(3)]
    assert messages_deliver_due(now=T0 + dt.timedelta(minutes=2)) == 0  # each exactly once


@pytest.mark.django_db(transaction=True)
def test_a_message_of_a_rolled_back_change_is_never_queued(smtp):
    def failing_change() -> None:
        with transaction.atomic():
            message_queue(to="x@example.org", template="tests/hello", language="de", context={})
            raise RuntimeError("the booking failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_sender_that_died_mid_send_leaves_its_claim_to_lapse(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = queue(7)  # not committed: no wake-up in this test
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, attempts=1, next_attempt_at=T0 + dt.timedelta(minutes=5)
    )
    assert messages_deliver_due(now=T0 + dt.timedelta(minutes=1)) == 0  # still claimed
    assert messages_deliver_due(now=T0 + dt.timedelta(minutes=5)) == 1
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT


def test_the_admin_hides_the_recipient_and_the_context():
    from hamburg_service.notifications.admin import MessageAdmin, masked

    assert masked("anna.schmidt@example.org") == "a…@example.org"
    assert "context" not in MessageAdmin.fields
    assert "recipient" not in MessageAdmin.list_display
