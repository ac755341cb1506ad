"""Submissions per online service and day for leads (`/staff/online/`): the last 14 days in
Hamburg, every service with its count per day (0 where none came), as a table and as JSON;
team leads, location leads and managers only; the same queries whatever the number."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from tests.portal.account_support import *  # noqa: F403
from tests.portal.account_support import FORM, signed_in, submission_add

from hamburg_service.accounts.models import Role
from hamburg_service.catalog.hours import BERLIN
from hamburg_service.forms.models import DefinitionState, FormDefinition

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_form(db) -> FormDefinition:
    content = {**FORM, "slug": "test-other", "title": {"de": "Anderes", "en": "Other"}}
    return FormDefinition.objects.create(
        slug="test-other",
        version=1,
        state=DefinitionState.PUBLISHED,
        content=content,
        content_hash=hashlib.sha256(json.dumps(content).encode()).hexdigest(),
        created_at=timezone.now(),
    )


def at_noon(days_ago: int) -> dt.datetime:
    today = timezone.now().astimezone(BERLIN).date()
    return dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(12), tzinfo=BERLIN)


def sent(account_case, definition, days_ago: int) -> None:
    submission_add(account_case(None, name="Anna"), definition, submitted_at=at_noon(days_ago))


def test_the_counts_per_service_and_day(client_as, account_case, published_form, second_form):
    for days_ago in (0, 0, 1, 13, 14, 20):
        sent(account_case, published_form, days_ago)
    sent(account_case, second_form, 2)
    client = client_as(Role.TEAM_LEAD)
    with translation.override("en"):
        json_url, page_url = reverse("forms_staff:figures-json"), reverse("forms_staff:figures")
    data = client.get(json_url).json()
    today = timezone.now().astimezone(BERLIN).date()
    assert data["until"] == today.isoformat()
    assert data["from"] == (today - dt.timedelta(days=13)).isoformat()
    by_slug = {s["slug"]: s for s in data["services"]}
    dog = by_slug["test-account-dog"]
    assert dog["title"] == "Register a dog (test)"
    assert dog["total"] == 4  # 14 and 20 days ago are outside
    counts = {d["day"]: d["submissions"] for d in dog["days"]}
    assert len(counts) == 14
    assert counts[today.isoformat()] == 2
    assert counts[(today - dt.timedelta(days=1)).isoformat()] == 1
    assert counts[(today - dt.timedelta(days=13)).isoformat()] == 1
    assert counts[(today - dt.timedelta(days=5)).isoformat()] == 0
    assert by_slug["test-other"]["total"] == 1
    assert data["total"] == 5
    page = client.get(page_url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Register a dog (test)" in text
    assert "<caption>" in text
    assert "<strong>5</strong>" in text


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.TEAM_LEAD, 200),
        (Role.LOCATION_LEAD, 200),
        (Role.MANAGER, 200),
        (Role.CASEWORKER_IMMIGRATION, 403),
        (Role.CLERK, 403),
        (Role.ADMINISTRATOR, 403),
    ],
)
def test_leads_and_managers_only(client_as, role, status):
    client = client_as(role)
    assert client.get(reverse("forms_staff:figures")).status_code == status
    assert client.get(reverse("forms_staff:figures-json")).status_code == status


def test_a_citizen_session_is_no_staff_sign_in(citizen):
    response = signed_in(citizen).get(reverse("forms_staff:figures"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_same_queries_for_few_and_many(client_as, account_case, published_form):
    client = client_as(Role.MANAGER)
    sent(account_case, published_form, 1)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("forms_staff:figures")).status_code == 200
        return len(queries)

    few = count()
    for days_ago in range(6):
        sent(account_case, published_form, days_ago)
    assert count() == few
