"""A way back to an appointment: every e-mail about it carries its link, and a resident who
lost the link can have it sent again to the address on file with reference and e-mail, by a
page or the API, whose answer never says whether the pair exists."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from hamburg_service.appointments.services import lifecycle
from hamburg_service.appointments.services.tokens import manage_token_of
from hamburg_service.notifications.models import Message
from tests.support.actors import RESIDENT

from .conftest import NOW, at, book, person

PAGE = "/appointments/link/"
API = "/api/v1/appointment-links"


@pytest.fixture(autouse=True)
def frozen_now():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


@pytest.fixture
def booked(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(city.location, [city.anmeldung], at(9), person(1))
    mail.outbox.clear()
    return booking.appointment


def test_every_e_mail_about_an_appointment_carries_its_link(
    booked, django_capture_on_commit_callbacks
):
    link = f"/appointments/manage/{manage_token_of(booked)}/"
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appointment_move(appointment=booked, start=at(10), actor=RESIDENT)
        lifecycle.appointment_cancel(appointment=booked, actor=RESIDENT)
    assert [m.subject for m in mail.outbox] == [
        "Ihr Termin wurde verschoben",
        "Ihr Termin wurde abgesagt",
    ]
    for message in mail.outbox:
        assert link in message.body, message.subject


def test_the_link_goes_again_to_the_address_on_file_only(
    booked, client, django_capture_on_commit_callbacks
):
    asked = {"reference": booked.reference.lower(), "email": "Person1@Example.org"}
    wrong_address = {"reference": booked.reference, "email": "someone@example.org"}
    unknown = {"reference": "ZZZZ9999", "email": "person1@example.org"}
    with django_capture_on_commit_callbacks(execute=True):
        found = client.post(PAGE, asked)
    [sent] = mail.outbox
    assert sent.to == ["person1@example.org"]
    assert f"/appointments/manage/{manage_token_of(booked)}/" in sent.body
    assert booked.reference in sent.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post(PAGE, wrong_address), client.post(PAGE, unknown)]
    assert mail.outbox == []
    # The same page whether or not the pair exists (only the address typed is echoed).
    assert found.status_code == 200
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[1].content == found.content.replace(
        b"Person1@Example.org", b"person1@example.org"
    )


def test_no_link_for_an_appointment_that_is_over_or_cancelled(
    booked, client, django_capture_on_commit_callbacks
):
    pair = {"reference": booked.reference, "email": "person1@example.org"}
    lifecycle.appointment_cancel(appointment=booked, actor=RESIDENT)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(PAGE, pair).status_code == 200
    assert mail.outbox == []
    later = book(booked.location, list(booked.services.all()), at(11), person(1))
    with time_machine.travel(at(12), tick=False), django_capture_on_commit_callbacks(execute=True):
        client.post(
            PAGE, {"reference": later.appointment.reference, "email": "person1@example.org"}
        )
    assert mail.outbox == []


def test_the_api_answers_the_same_either_way_and_is_limited(
    booked, client, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_BOOKING = "2/h"
    pair = {"reference": booked.reference, "email": "person1@example.org"}
    with django_capture_on_commit_callbacks(execute=True):
        found = client.post(API, pair, content_type="application/json")
        unknown = client.post(
            API, {**pair, "reference": "ZZZZ9999"}, content_type="application/json"
        )
    assert found.status_code == unknown.status_code == 202
    assert found.json() == unknown.json()
    assert len(mail.outbox) == 1
    third = client.post(API, pair, content_type="application/json")
    assert third.status_code == 429
    assert len(mail.outbox) == 1


def test_the_page_keeps_what_was_typed_when_it_needs_correcting(client, city):
    response = client.post(PAGE, {"reference": "AB12CD34", "email": "not-an-address"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'value="AB12CD34"' in page
    assert "gültige E-Mail-Adresse" in page


def test_one_reference_is_mailed_at_most_three_times_an_hour(
    booked, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_BOOKING = "100/h"
    pair = {"reference": booked.reference, "email": "person1@example.org"}
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):  # from four different addresses
            answers.append(
                Client(REMOTE_ADDR=f"192.0.2.{n + 1}").post(
                    API, pair, content_type="application/json"
                )
            )
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert len(mail.outbox) == 3


def test_the_request_does_the_same_work_whether_or_not_the_pair_exists(
    booked, settings, django_capture_on_commit_callbacks
):
    """No timing tells a hit from a miss: the request reads nothing and queues one lookup
    either way; the queue holds a keyed digest, never the address. The worker's lookup then
    mails the owner only."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    booked_mail = Message.objects.get()
    work = []
    for email in ("person1@example.org", "someone@example.org"):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            CaptureQueriesContext(connection) as queries,
        ):
            lifecycle.appointment_link_request(reference=booked.reference, email=email)
        work.append(([q["sql"].split()[0] for q in queries], len(callbacks)))
    assert work[0] == work[1]
    assert work[0][1] == 1
    assert list(Message.objects.all()) == [booked_mail]
    queued = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert len(queued) == 2
    assert all("example.org" not in str(task.args_kwargs) for task in queued)
    for task in queued:
        lifecycle.appointment_link_lookup.call(**task.args_kwargs["kwargs"])
    sent = Message.objects.exclude(pk=booked_mail.pk)
    assert [(m.template, m.recipient) for m in sent] == [
        ("appointments/link", "person1@example.org")
    ]
