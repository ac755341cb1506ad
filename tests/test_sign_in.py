"""Staff sign-in: Argon2 hashes, lockout after repeated failures, friendly messages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from hamburg_service.accounts.models import Role, User
from tests.support.db import unchanged

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def test_passwords_are_hashed_with_argon2(argon2_hashing, make_staff):
    user = make_staff(Role.CLERK)
    assert user.password.startswith("argon2$")


def test_sign_in_opens_the_staff_area_and_sign_out_ends_it(client, make_staff):
    user = make_staff(Role.FRONT_DESK)
    response = client.post(
        "/staff/login/", {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/staff/"
    assert "Front desk" in response.content.decode() or "Empfang" in response.content.decode()
    client.post("/staff/logout/")
    assert client.get("/staff/").status_code == 302


def test_wrong_password_keeps_the_username_and_says_why(client, make_staff):
    user = make_staff(Role.CLERK)
    with unchanged(User, Session):  # nobody signed in
        response = client.post("/staff/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{user.username}"' in html
    assert 'aria-invalid="true"' in html or "error-summary" in html


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, make_staff):
    user = make_staff(Role.CLERK)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/staff/login/", {"username": user.username, "password": "wrong"})
    with unchanged(User, Session):
        locked = client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "/staff/" not in locked.get("Location", "")
    assert client.get("/staff/").status_code == 302  # still not signed in


def test_sign_in_redirects_only_to_this_site(client, make_staff):
    user = make_staff(Role.CLERK)
    response = client.post(
        "/staff/login/?next=https://evil.example/",
        {"username": user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
