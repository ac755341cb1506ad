"""Search and booking are limited per client address; the answer says when to come back."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from hamburg_service.appointments.models import Appointment, Booker
from hamburg_service.notifications.models import Message
from tests.support.db import unchanged

from .conftest import NOW


@pytest.fixture(autouse=True)
def limits(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_SEARCH = "3/m"
    settings.RATE_LIMIT_BOOKING = "2/h"
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def test_search_api_answers_429_with_retry_after_past_the_limit(city, client):
    url = "/api/v1/availability?services=anmeldung&limit=1"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/problems/rate-limited")
    # A sliding window: the three requests of this minute still weigh 2/3 of themselves
    # 20 seconds into the next one, when a fourth fits (the window turns over at NOW).
    assert refused["Retry-After"] == "80"
    other_client = client.get(url, REMOTE_ADDR="10.0.0.9")
    assert other_client.status_code == 200
    with time_machine.travel(NOW + dt.timedelta(seconds=81), tick=False):
        assert client.get(url).status_code == 200


def test_booking_api_is_limited_per_address(city, client):
    body = {
        "location": "centre",
        "services": ["anmeldung"],
        "start": "2020-01-06T08:00:00+01:00",
        "name": "A",
        "email": "a@example.org",
    }
    with unchanged(Appointment, Booker, Message):
        answers = [
            client.post("/api/v1/appointments", body, content_type="application/json")
            for _ in range(3)
        ]
    assert [a.status_code for a in answers] == [422, 422, 429]
    assert answers[2].json()["type"].endswith("/problems/rate-limited")
    assert int(answers[2]["Retry-After"]) > 0


def test_search_page_answers_429_too(city, client):
    for _ in range(3):
        assert client.get("/appointments/?services=anmeldung").status_code == 200
    page = client.get("/appointments/?services=anmeldung")
    assert page.status_code == 429
    assert "Retry-After" in page


def test_switch_off_for_load_tests(city, client, settings):
    settings.RATE_LIMITS_ENABLED = False
    url = "/api/v1/availability?services=anmeldung&limit=1"
    assert {client.get(url).status_code for _ in range(6)} == {200}
