"""Citizen sign-in by e-mail link: single use, short-lived, limited per address, the same
answer for known and unknown addresses, only local next paths, and never mixed with staff
sign-in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from hamburg_service.accounts.citizen_signin import (
    next_path_clean,
    signin_link_create,
    signin_link_use,
)
from hamburg_service.accounts.citizens import SESSION_KEY
from hamburg_service.accounts.models import Citizen, CitizenEvent, Role, SignInLink, TrustLevel
from hamburg_service.core.errors import NotFound, TooMany
from tests.support.db import unchanged

NOW = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)


def _ask(client: Client, email: str, **extra: str):
    return client.post("/account/sign-in/", {"email": email, **extra})


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[1] if "://" in url else url


@pytest.fixture
def sent_link(db, django_capture_on_commit_callbacks):
    def send(email: str = "Anna@Example.org", next_path: str = "") -> str:
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = _ask(client, email, next=next_path)
        assert response.status_code == 200
        return _path(re.search(r"http\S+/sign-in/link/\S+/", mail.outbox[-1].body).group(0))

    return send


def test_the_link_signs_in_once_and_creates_the_account(sent_link):
    path = sent_link()
    client = Client()
    # Opening the link (a mail scanner does too) uses nothing up.
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    assert Citizen.objects.count() == 0

    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    citizen = Citizen.objects.get()
    assert citizen.email_key == "anna@example.org"
    assert client.session[SESSION_KEY] == {"id": citizen.pk, "trust": TrustLevel.BASIC}
    assert [e.kind for e in CitizenEvent.objects.filter(citizen=citizen)] == [
        "created",
        "signed_in",
    ]

    other = Client()
    with unchanged(Citizen, CitizenEvent, SignInLink):
        assert other.get(path).status_code == 404
        assert other.post(path).status_code == 404
    assert SESSION_KEY not in other.session


def test_a_second_link_signs_in_to_the_same_account(sent_link):
    Client().post(sent_link())
    Client().post(sent_link("anna@example.org"))
    assert Citizen.objects.count() == 1
    assert CitizenEvent.objects.filter(kind="signed_in").count() == 2


def test_only_the_hash_is_stored_and_the_outbox_holds_no_token(sent_link):
    path = sent_link()
    token = path.rstrip("/").rsplit("/", 1)[-1]
    from hamburg_service.notifications.models import Message

    assert not SignInLink.objects.filter(token_hash=token).exists()
    assert token not in str(Message.objects.get().context)


def test_an_expired_link_is_refused(db):
    with time_machine.travel(NOW, tick=False):
        token = signin_link_create(email="anna@example.org", next_path="")
    with time_machine.travel(NOW + dt.timedelta(minutes=15, seconds=1), tick=False):
        client = Client()
        with unchanged(Citizen, CitizenEvent, SignInLink):
            response = client.post(f"/account/sign-in/link/{token}/")
        assert response.status_code == 404
        assert "Please ask for a new one" in response.content.decode() or "neuen" in (
            response.content.decode()
        )
    with time_machine.travel(NOW + dt.timedelta(minutes=14), tick=False):
        assert Client().post(f"/account/sign-in/link/{token}/").status_code == 302


def test_an_unknown_token_is_refused_like_a_used_one(db):
    with pytest.raises(NotFound) as unknown:
        signin_link_use(token="no-such-token")
    token = signin_link_create(email="anna@example.org")
    signin_link_use(token=token)
    with pytest.raises(NotFound) as used:
        signin_link_use(token=token)
    assert unknown.value.detail == used.value.detail
    assert Client().get("/account/sign-in/link/x/").status_code == 404


def test_links_are_limited_per_address(db, settings):
    for _n in range(settings.CITIZEN_SIGNIN_LINKS_PER_HOUR):
        signin_link_create(email="anna@example.org", now=NOW)
    with unchanged(SignInLink), pytest.raises(TooMany):
        signin_link_create(email="ANNA@example.org", now=NOW + dt.timedelta(minutes=59))
    signin_link_create(email="other@example.org", now=NOW)  # another address is not limited
    signin_link_create(email="anna@example.org", now=NOW + dt.timedelta(minutes=61))


def test_the_page_says_so_when_the_address_is_used_up(db, settings):
    settings.CITIZEN_SIGNIN_LINKS_PER_HOUR = 1
    client = Client()
    assert _ask(client, "anna@example.org").status_code == 200
    response = _ask(client, "anna@example.org")
    assert response.status_code == 429
    assert response["Retry-After"]


def test_requests_are_limited_per_client_address(db, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_CITIZEN_SIGNIN = "2/h"
    client = Client()
    assert _ask(client, "a@example.org").status_code == 200
    assert _ask(client, "b@example.org").status_code == 200
    assert _ask(client, "c@example.org").status_code == 429


def test_the_answer_is_the_same_for_known_and_unknown_addresses(sent_link):
    Client().post(sent_link("known@example.org"))
    known = _ask(Client(), "known@example.org").content.decode()
    unknown = _ask(Client(), "unknown@example.org").content.decode()
    strip = re.compile(r"(known|unknown)@example\.org|csrfmiddlewaretoken\" value=\"[^\"]+")
    assert strip.sub("", known) == strip.sub("", unknown)


def test_a_bad_address_is_shown_at_the_field_and_kept(db):
    with unchanged(SignInLink):
        response = _ask(Client(), "not-an-address")
    assert response.status_code == 422
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert 'value="not-an-address"' in page


def test_captcha_is_required_when_switched_on(db, settings):
    settings.CAPTCHA_ENABLED = True
    with unchanged(SignInLink):
        response = _ask(Client(), "anna@example.org", captcha="wrong")
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/online/dog-registration/", "/online/dog-registration/"),
        ("/en/account/?x=1", "/en/account/?x=1"),
        ("https://evil.example/", ""),
        ("//evil.example/", ""),
        ("/\\evil.example", ""),
        ("javascript:alert(1)", ""),
        ("/account/\x00", ""),
        ("/" + "a" * 400, ""),
        ("", ""),
    ],
)
def test_next_is_only_a_local_path(given, kept):
    assert next_path_clean(given) == kept


def test_next_is_followed_after_sign_in(sent_link):
    path = sent_link(next_path="/online/dog-registration/")
    assert Client().post(path)["Location"] == "/online/dog-registration/"
    path = sent_link(next_path="https://evil.example/")
    assert Client().post(path)["Location"] == "/account/"


def test_sign_out_ends_the_citizen_session(sent_link):
    client = Client()
    client.post(sent_link())
    session = client.session
    session["form_drafts"] = ["a-draft-of-this-browser"]  # as forms.views keeps them
    session.save()
    response = client.post("/account/sign-out/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert "form_drafts" not in client.session  # the next person at this computer starts empty
    assert CitizenEvent.objects.filter(kind="signed_out").count() == 1
    assert client.get("/account/sign-out/").status_code == 405  # only by POST


def test_a_citizen_session_never_opens_staff_pages(sent_link):
    client = Client()
    client.post(sent_link())
    response = client.get("/staff/people/")
    assert response.status_code == 302
    assert "/staff/" in response["Location"]
    assert "login" in response["Location"]
    assert client.get("/admin/").status_code == 302


def test_staff_sign_in_is_untouched_by_citizen_sign_in_and_out(sent_link, make_staff):
    user = make_staff(Role.CLERK)
    client = Client()
    client.force_login(user)
    assert client.get("/staff/people/").status_code == 200
    client.post(sent_link())
    assert client.get("/staff/people/").status_code == 200  # still staff
    assert client.session[SESSION_KEY]["trust"] == TrustLevel.BASIC
    client.post("/account/sign-out/")
    assert client.get("/staff/people/").status_code == 200
    assert SESSION_KEY not in client.session


def test_the_mail_is_in_the_language_of_the_page(sent_link, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/account/sign-in/", {"email": "anna@example.org"})
    message = mail.outbox[-1]
    assert "/en/account/sign-in/link/" in message.body
    assert message.subject == "Your sign-in link for the Hamburg Service"
