""" "Who read my data": a resident sees every staff read of their record — by role and purpose,
not by name — through a link mailed to the address they gave for notices."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks import default_task_backend

from hamburg_service.accounts.models import Role, RoleAssignment
from hamburg_service.notifications.models import Message
from hamburg_service.people import my_data
from hamburg_service.people.checks import BirthDate
from hamburg_service.people.services import identity

from .conftest import NOW, person_input

PAGE = "/my-data/"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def anna(clerk):
    return identity.person_create(
        data=person_input(), contact_email="Anna.Meier@Example.org", actor=clerk
    ).person


def ask(client: Client, email: str, birth: str, capture) -> str:
    with capture(execute=True):
        response = client.post(PAGE, {"email": email, "birth": birth})
    assert response.status_code == 200
    return response.content.decode()


def test_the_resident_sees_each_read_by_role_and_purpose_not_by_name(
    anna, client_as, settings, django_capture_on_commit_callbacks
):
    settings.MY_DATA_HELD_BACK = ["person_authority"]
    clerk = client_as(Role.CLERK)
    clerk.get(f"/staff/people/{anna.pk}/", {"purpose": "person_ticket", "reference": "A1"})
    client_as(Role.CASEWORKER_IMMIGRATION).get(
        f"/staff/people/{anna.pk}/", {"purpose": "person_case", "reference": "C-7"}
    )
    client_as(Role.CENTRAL_REGISTRATION).get(
        f"/staff/people/{anna.pk}/", {"purpose": "person_authority"}
    )
    page = ask(Client(), "anna.meier@example.org", "04.03.1985", django_capture_on_commit_callbacks)
    assert "anna.meier@example.org" in page
    [sent] = mail.outbox
    assert sent.to == ["anna.meier@example.org"]
    link = re.search(r"http://[^/]+(/my-data/[^/\s]+/)", sent.body).group(1)
    report = Client().get(link).content.decode()
    assert report.count("<tr><td>") == 2  # the exempt purpose is held back
    assert "Sachbearbeitung Ausländerangelegenheiten" in report or "Immigration" in report
    assert "Ein Vorgang der Person" in report
    assert not re.search(r"staff\d", report)  # no usernames (the test users are staff1…)
    # The link works for a day.
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        assert Client().get(link).status_code == 404


def test_the_answer_and_the_work_are_the_same_whether_or_not_anyone_matches(
    anna, django_capture_on_commit_callbacks
):
    work, pages = [], []
    for email in ("anna.meier@example.org", "someone@example.org"):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False) as callbacks,
        ):
            response = Client().post(PAGE, {"email": email, "birth": "04.03.1985"})
        pages.append(response.content.decode().replace(email, "X"))
        work.append(([q["sql"].split()[0] for q in queries], len(callbacks)))
        for callback in callbacks:  # the lookup, after the answer
            callback()
    assert pages[0] == pages[1]
    assert work[0] == work[1]  # the request reads no person: the lookup runs later
    # The match only, and only to its own address.
    assert list(Message.objects.values_list("recipient", flat=True)) == ["anna.meier@example.org"]


def test_a_forged_link_shows_nothing():
    assert Client().get("/my-data/not-a-token/").status_code == 404


def test_bad_input_keeps_what_was_typed(db):
    response = Client().post(PAGE, {"email": "anna@", "birth": "31.02.1985"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'value="anna@"' in page
    assert "Diesen Tag gibt es in diesem Monat nicht." in page


def test_the_link_and_the_queued_lookup_reveal_neither_record_nor_birth_and_roles_are_those_of_then(
    anna, make_staff, django_capture_on_commit_callbacks, settings
):
    """The link is encrypted (not only signed: a signed token shows its record number to
    anyone who decodes it), the lookup waiting in the task table holds no date of birth, and
    the report names the role the reader had when reading, not the one they have now."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        my_data.my_data_request(
            email="anna.meier@example.org", birth=BirthDate(1985, 3, 4), language="de"
        )
    [queued] = default_task_backend.results  # type: ignore[attr-defined]
    args = repr(queued.kwargs)
    assert "1985" not in args
    assert str(anna.birth_key) not in args
    token = my_data._seal({"p": anna.pk})
    padded = token + "=" * (-len(token) % 4)
    assert f'"p": {anna.pk}'.encode() not in base64.urlsafe_b64decode(padded)
    assert my_data.person_of_token(token) == anna.pk
    assert my_data.person_of_token(token[:-2] + "xx") is None

    reader = make_staff(Role.CLERK)
    client = Client()
    client.force_login(reader)
    client.get(f"/staff/people/{anna.pk}/", {"purpose": "person_ticket", "reference": "A1"})
    RoleAssignment.objects.filter(user=reader).update(role=Role.MANAGER)
    [report] = my_data.reads_of(anna.pk)
    assert report.role == str(Role.CLERK.label)
