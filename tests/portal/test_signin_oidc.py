"""Citizen sign-in through OpenID Connect, end to end against the test provider running as a
second process (tests/oidc_provider): real codes, real signed ID tokens, nothing mocked."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from django.test import Client

from hamburg_service.accounts.citizens import SESSION_KEY
from hamburg_service.accounts.models import (
    Citizen,
    CitizenEvent,
    CitizenIdentity,
    PersonLinkSource,
    Role,
    TrustLevel,
)
from hamburg_service.core.actors import Actor
from hamburg_service.people.models import PersonEvent, PersonEventKind
from hamburg_service.people.services import identity
from tests.people.conftest import person_input
from tests.support.db import unchanged
from tests.support.oidc import local, oidc_provider, oidc_settings, provider_sign_in

__all__ = ["oidc_provider", "oidc_settings"]  # the fixtures, used by name

pytestmark = pytest.mark.usefixtures("oidc_settings")


@pytest.fixture
def clerk(make_staff) -> Actor:
    return Actor.staff(make_staff(Role.CLERK))


def _start(client: Client, next_path: str = "/account/drafts/") -> str:
    response = client.get("/account/sign-in/oidc/", {"next": next_path})
    assert response.status_code == 302
    return response["Location"]


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _session(client: Client) -> dict | None:
    return client.session.get(SESSION_KEY)


@pytest.mark.django_db
def test_sign_in_creates_the_account_with_the_trust_level_and_goes_on(oidc_provider):
    client = Client()
    authorize = _start(client)
    assert authorize.startswith(oidc_provider.issuer + "/authorize/")
    query = dict(parse_qsl(urlsplit(authorize).query))
    assert query["code_challenge_method"] == "S256"
    assert query["nonce"]
    assert query["state"]

    response = client.get(local(provider_sign_in(authorize, "substantial")))

    assert response.status_code == 302
    assert response["Location"] == "/account/drafts/"
    citizen = Citizen.objects.get()
    assert citizen.email == "anna.substantial@example.org"  # verified by the provider
    identity_row = CitizenIdentity.objects.get()
    assert identity_row.issuer == oidc_provider.issuer
    assert identity_row.trust_level == TrustLevel.SUBSTANTIAL
    assert _session(client) == {"id": citizen.pk, "trust": TrustLevel.SUBSTANTIAL}
    assert [e.kind for e in CitizenEvent.objects.filter(citizen=citizen)] == [
        "created",
        "signed_in",
    ]
    # Substantial never links the person record, even with a matching register entry.
    assert citizen.person_id is None


@pytest.mark.django_db
def test_second_sign_in_finds_the_same_account():
    first, second = Client(), Client()
    first.get(local(provider_sign_in(_start(first), "basic")))
    second.get(local(provider_sign_in(_start(second), "basic")))
    assert Citizen.objects.count() == 1
    citizen = Citizen.objects.get()
    assert citizen.email == ""  # the provider did not verify the address: not taken
    assert _session(second) == {"id": citizen.pk, "trust": TrustLevel.BASIC}


@pytest.mark.django_db
def test_trust_high_with_one_matching_person_links_the_record(clerk):
    person = identity.person_create(data=person_input(), actor=clerk).person
    client = Client()
    response = client.get(local(provider_sign_in(_start(client), "high")), follow=True)
    citizen = Citizen.objects.get()
    assert citizen.person_id == person.pk
    assert citizen.person_linked_by == PersonLinkSource.OIDC_HIGH
    assert _session(client)["trust"] == TrustLevel.HIGH
    assert CitizenEvent.objects.filter(citizen=citizen, kind="person_linked").exists()
    assert PersonEvent.objects.filter(person=person, kind=PersonEventKind.ACCOUNT_LINKED).exists()
    page = response.content.decode()
    assert "linked to your entry in the residents" in page or "Melderegister verknüpft" in page


@pytest.mark.django_db
def test_trust_substantial_with_a_matching_person_does_not_link(clerk):
    identity.person_create(data=person_input(), actor=clerk)
    client = Client()
    client.get(local(provider_sign_in(_start(client), "substantial")))
    assert Citizen.objects.get().person_id is None
    assert not CitizenEvent.objects.filter(kind="person_linked").exists()


@pytest.mark.django_db
def test_trust_high_without_a_match_is_signed_in_but_not_linked():
    client = Client()
    response = client.get(local(provider_sign_in(_start(client), "nobody")))
    assert response.status_code == 302
    assert _session(client)["trust"] == TrustLevel.HIGH
    assert Citizen.objects.get().person_id is None


@pytest.mark.django_db
def test_tampered_state_is_refused_and_nothing_is_written():
    client = Client()
    callback = provider_sign_in(_start(client), "high")
    with unchanged(Citizen, CitizenIdentity, CitizenEvent):
        response = client.get(local(_with_query(callback, state="forged-state")))
    assert response.status_code == 400
    assert _session(client) is None


@pytest.mark.django_db
def test_wrong_nonce_is_refused():
    """The provider signs the nonce it was given; one that is not ours is refused, even with
    the right state and a valid code."""
    client = Client()
    authorize = _with_query(_start(client), nonce="a-nonce-we-never-issued")
    callback = provider_sign_in(authorize, "high")
    with unchanged(Citizen, CitizenIdentity, CitizenEvent):
        response = client.get(local(callback))
    assert response.status_code == 400
    assert _session(client) is None


@pytest.mark.django_db
def test_replayed_code_is_refused():
    client = Client()
    callback = provider_sign_in(_start(client), "basic")
    assert client.get(local(callback)).status_code == 302
    client.post("/account/sign-out/")
    # The same answer again: its state was used up.
    with unchanged(Citizen, CitizenIdentity, CitizenEvent):
        assert client.get(local(callback)).status_code == 400
    # The same code with a fresh state: the provider refuses a code it has already redeemed.
    fresh = dict(parse_qsl(urlsplit(_start(client)).query))["state"]
    with unchanged(Citizen, CitizenIdentity, CitizenEvent):
        response = client.get(local(_with_query(callback, state=fresh)))
    assert response.status_code == 400
    assert _session(client) is None


@pytest.mark.django_db
def test_next_is_kept_only_when_it_is_a_local_path():
    client = Client()
    response = client.get(
        local(provider_sign_in(_start(client, next_path="https://evil.example/"), "basic"))
    )
    assert response["Location"] == "/account/"


@pytest.mark.django_db
def test_sign_in_from_the_english_pages_comes_back_in_english():
    client = Client()
    response = client.get("/en/account/sign-in/oidc/", {"next": "/en/account/"})
    callback = provider_sign_in(response["Location"], "basic")
    assert urlsplit(callback).path == "/account/sign-in/oidc/callback/"  # one registered URI
    assert client.get(local(callback))["Location"] == "/en/account/"


@pytest.mark.django_db
def test_button_only_when_configured(settings):
    assert "/account/sign-in/oidc/" in Client().get("/account/sign-in/").content.decode()
    settings.CITIZEN_OIDC_ISSUER = ""
    assert "/account/sign-in/oidc/" not in Client().get("/account/sign-in/").content.decode()
    assert Client().get("/account/sign-in/oidc/").status_code == 404


@pytest.mark.django_db
def test_unreachable_provider_is_a_clear_page(settings):
    settings.CITIZEN_OIDC_ISSUER = "http://127.0.0.1:9/nothing-here"
    response = Client().get("/account/sign-in/oidc/")
    assert response.status_code == 503
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("trusted", [False, True])
def test_a_provider_address_opens_an_e_mail_account_only_when_the_provider_is_trusted(
    settings, trusted
):
    """A provider that does not check addresses must not hand out the account of whoever
    signs in with that address by e-mail link."""
    settings.CITIZEN_OIDC_TRUST_EMAIL = trusted
    from hamburg_service.accounts.citizen_signin import signin_link_create, signin_link_use

    token = signin_link_create(email="anna.substantial@example.org", next_path="")
    by_mail, _next = signin_link_use(token=token)
    client = Client()
    client.get(local(provider_sign_in(_start(client), "substantial")))
    signed_in = _session(client)
    assert signed_in is not None
    if trusted:
        assert signed_in["id"] == by_mail.pk
        assert Citizen.objects.count() == 1
    else:
        assert signed_in["id"] != by_mail.pk
        assert Citizen.objects.count() == 2
        assert Citizen.objects.get(pk=by_mail.pk).email_key == "anna.substantial@example.org"
        assert Citizen.objects.get(pk=signed_in["id"]).email_key is None
