"""Proof-of-work captcha (ALTCHA v1) on public booking: solved once, accepted once."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.cache import cache

from hamburg_service.appointments.models import Appointment, Booker
from hamburg_service.notifications.models import Message
from tests.support.db import unchanged

from .conftest import NOW, at


@pytest.fixture(autouse=True)
def captcha_on(settings):
    settings.CAPTCHA_ENABLED = True
    settings.CAPTCHA_MAX_NUMBER = 2000  # quick to solve in tests
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def solve(client) -> str:
    """What the browser script does: find n with SHA-256(salt + n) == challenge."""
    c = client.get("/api/v1/captcha").json()
    for n in range(c["maxnumber"] + 1):
        if hashlib.sha256(f"{c['salt']}{n}".encode()).hexdigest() == c["challenge"]:
            payload = {key: c[key] for key in ("algorithm", "challenge", "salt", "signature")}
            return base64.b64encode(json.dumps({**payload, "number": n}).encode()).decode()
    raise AssertionError("unsolvable challenge")


def booking(captcha: str, n: int = 1, hour: int = 9) -> dict:
    return {
        "location": "centre",
        "services": ["anmeldung"],
        "start": at(hour).isoformat(),
        "name": f"Person {n}",
        "email": f"p{n}@example.org",
        "captcha": captcha,
    }


def post(client, body):
    return client.post("/api/v1/appointments", body, content_type="application/json")


def test_a_solved_challenge_books_once_and_a_replay_is_refused(city, client):
    captcha = solve(client)
    assert post(client, booking(captcha)).status_code == 201
    with unchanged(Appointment, Booker, Message):
        replay = post(client, booking(captcha, n=2, hour=10))
    assert replay.status_code == 422
    assert replay.json()["errors"][0]["field"] == "captcha"
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("captcha", ["", "not base64", base64.b64encode(b"{}").decode()])
def test_missing_or_garbage_captcha_is_refused(city, client, captcha):
    with unchanged(Appointment, Booker, Message):
        response = post(client, booking(captcha))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "captcha"
    assert not Appointment.objects.exists()


def test_a_wrong_number_or_forged_signature_is_refused(city, client):
    payload = json.loads(base64.b64decode(solve(client)))
    wrong = base64.b64encode(json.dumps({**payload, "number": payload["number"] + 1}).encode())
    forged = base64.b64encode(json.dumps({**payload, "signature": "0" * 64}).encode())
    with unchanged(Appointment, Booker, Message):
        for refused in (
            post(client, booking(wrong.decode())),
            post(client, booking(forged.decode())),
        ):
            assert refused.status_code == 422
            assert refused.json()["errors"][0]["field"] == "captcha"


def test_an_expired_challenge_is_refused(city, client, settings):
    captcha = solve(client)
    later = NOW + dt.timedelta(minutes=settings.CAPTCHA_EXPIRES_MINUTES + 1)
    with time_machine.travel(later, tick=False), unchanged(Appointment, Booker, Message):
        refused = post(client, booking(captcha))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "captcha"


def test_the_booking_page_needs_the_captcha_too(city, client):
    query = urlencode({"location": "centre", "services": "anmeldung", "start": at(9).isoformat()})
    url = f"/appointments/book/?{query}"
    page = client.get(url)
    assert 'data-captcha-url="/api/v1/captcha"' in page.content.decode()
    with unchanged(Appointment, Booker, Message):
        refused = client.post(url, {"name": "Erika", "email": "erika@example.org"})
    assert refused.status_code == 422
    assert 'class="error-summary"' in refused.content.decode()
    assert not Appointment.objects.exists()
    booked = client.post(
        url,
        {"name": "Erika", "email": "erika@example.org", "captcha": solve(client)},
    )
    assert booked.status_code == 302
    assert Appointment.objects.get().email == "erika@example.org"
