"""The test OpenID Connect provider (tests/oidc_provider) as a real second process on
loopback, and helpers to walk its sign-in like a browser.

`oidc_provider` (session-scoped: the provider starts once per test process) gives its issuer
and users; `oidc_settings` points CITIZEN_OIDC_* at it for one test. Our side is driven by
the Django test client, the provider's side by a `requests.Session`, so the codes, tokens and
keys are the provider's own — nothing is mocked."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "hamburg-service-tests"
CLIENT_SECRET = "a-test-client-secret-of-some-length"
CALLBACK = "http://testserver/account/sign-in/oidc/callback/"
# The browser tests' live server: a loopback address, where the provider takes any port
# (RFC 8252, 7.3).
LIVE_CALLBACK = "http://127.0.0.1/account/sign-in/oidc/callback/"
PASSWORD = "a-provider-password"

# The provider's users: a sign-in at each trust level (acr as BundID names them).
USERS: dict[str, dict[str, object]] = {
    "high": {
        "given_name": "Anna Maria",
        "family_name": "Meier",
        "birthdate": "1985-03-04",
        "email": "anna.meier@example.org",
        "email_verified": True,
        "acr": "STORK-QAA-Level-4",
    },
    "substantial": {
        "given_name": "Anna Maria",
        "family_name": "Meier",
        "birthdate": "1985-03-04",
        "email": "anna.substantial@example.org",
        "email_verified": True,
        "acr": "STORK-QAA-Level-3",
    },
    "basic": {
        "given_name": "Bernd",
        "family_name": "Brot",
        "email": "bernd@example.org",
        "email_verified": False,
        "acr": "STORK-QAA-Level-1",
    },
    "nobody": {
        "given_name": "Niemand",
        "family_name": "Unbekannt",
        "birthdate": "1990-01-01",
        "acr": "STORK-QAA-Level-4",
    },
}


@dataclass(frozen=True)
class Provider:
    issuer: str
    process: subprocess.Popen[str]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """Start the provider once: its own SQLite file in a temporary directory, a free port
    chosen by the operating system, ready when it says so (it binds before it prints)."""
    where = tmp_path_factory.mktemp("oidc-provider")
    users = where / "users.json"
    users.write_text(
        json.dumps({name: {"password": PASSWORD, "claims": c} for name, c in USERS.items()})
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (where / "provider.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.oidc_provider.serve",
            "--db",
            str(where / "provider.sqlite3"),
            "--users",
            str(users),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--redirect-uri",
            CALLBACK,
            "--redirect-uri",
            LIVE_CALLBACK,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        log.close()
        raise RuntimeError(
            "The test OIDC provider did not start:\n" + (where / "provider.log").read_text()
        )
    port = int(line.split()[1])
    try:
        yield Provider(issuer=f"http://127.0.0.1:{port}/o", process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def oidc_settings(settings, oidc_provider: Provider) -> Provider:
    settings.CITIZEN_OIDC_ISSUER = oidc_provider.issuer
    settings.CITIZEN_OIDC_CLIENT_ID = CLIENT_ID
    settings.CITIZEN_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.CITIZEN_OIDC_NAME = "BundID"
    settings.CITIZEN_OIDC_SCOPES = "openid profile email address"
    settings.CITIZEN_OIDC_ACR = {
        "STORK-QAA-Level-1": "basic",
        "STORK-QAA-Level-3": "substantial",
        "STORK-QAA-Level-4": "high",
    }
    return oidc_provider


def provider_sign_in(authorize_url: str, username: str, password: str = PASSWORD) -> str:
    """Walk the provider's side like a browser: its login form, then its redirects, up to the
    address it sends the browser back to (our callback, on `testserver`)."""
    browser = requests.Session()
    browser.trust_env = False  # loopback: no proxy
    url = authorize_url
    for _step in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (301, 302, 303):
            url = requests.compat.urljoin(url, response.headers["Location"])
            if url.startswith("http://testserver/"):
                return url
            continue
        assert response.status_code == 200, response.text[:500]
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        assert match is not None, "the provider's login form was expected"
        next_field = re.search(r'name="next" value="([^"]*)"', response.text)
        response = browser.post(
            url,
            data={
                "csrfmiddlewaretoken": match.group(1),
                "username": username,
                "password": password,
                "next": next_field.group(1).replace("&amp;", "&") if next_field else "",
            },
            headers={"Referer": url},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, "the provider refused the sign-in"
        url = requests.compat.urljoin(url, response.headers["Location"])
        if url.startswith("http://testserver/"):
            return url
    raise AssertionError("the provider never sent the browser back")


def local(url: str) -> str:
    """The path and query of an address on our side (for the Django test client)."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")
