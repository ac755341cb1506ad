from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from hamburg_service.accounts.models import Role, RoleAssignment, User
from hamburg_service.catalog.demo import demo_city_load
from hamburg_service.catalog.models import Location

# The demo city is loaded (and committed) once per test process and shared by every test that
# asks for it: each test runs in a transaction that is rolled back, so what one test changes
# the next never sees. Tests that do not ask for it find the database empty: the first of them
# after the demo tests empties it once. Collection puts the demo tests first.
_demo = {"committed": False}


def _transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker is not None and marker.kwargs.get("transaction"))
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: 0 if "demo_city" in getattr(item, "fixturenames", ()) else 1)


@pytest.fixture(autouse=True)
def _demo_city_state(request: pytest.FixtureRequest, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Runs before every other fixture of a test (autouse): makes the committed database hold
    the demo city exactly when the test asks for it."""
    wanted = "demo_city" in request.fixturenames and not _transactional(request)
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server", "_django_db_helper"} & set(request.fixturenames)
    )
    if wanted != _demo["committed"] and (uses_db or wanted):
        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            if wanted:
                demo_city_load()
            else:
                call_command("flush", interactive=False, verbosity=0)
        _demo["committed"] = wanted
    yield
    if _transactional(request):  # they empty the database when they end
        _demo["committed"] = False


@pytest.fixture(autouse=True)
def _django_db_marker(request: pytest.FixtureRequest, _demo_city_state: None) -> None:
    """pytest-django's own fixture of this name (it opens the test's transaction for a
    `django_db` marker), overridden only to run after `_demo_city_state`: plugin fixtures come
    first, and a flush inside the test's transaction was rolled back with it, leaving the demo
    city to the next test."""
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("_django_db_helper")


@pytest.fixture
def demo_city(request: pytest.FixtureRequest, db: None) -> None:
    """The Hamburg demo city (32 locations, 31 services, timetables, counters)."""
    if _transactional(request):  # committed by the test itself, emptied at its end
        demo_city_load()


@pytest.fixture
def make_staff(db: None) -> Callable[..., User]:
    """make_staff(Role.CLERK, locations=["kundenzentrum-city"]) -> a saved user with that role."""
    counter = iter(range(1, 10_000))

    def make(*roles: Role, locations: list[str] | None = None, **fields: object) -> User:
        user = User.objects.create_user(
            username=f"staff{next(counter)}", password="a-long-test-password", **fields
        )
        for role in roles:
            RoleAssignment.objects.create(user=user, role=role)
        if locations:
            user.locations.add(*Location.objects.filter(slug__in=locations))
        return user

    return make


@pytest.fixture
def client_as(make_staff: Callable[..., User]) -> Callable[..., Client]:
    """client_as(Role.ADMINISTRATOR, locations=[...]) -> a test client signed in as such staff."""

    def make(*roles: Role, locations: list[str] | None = None) -> Client:
        client = Client()
        client.force_login(make_staff(*roles, locations=locations))
        return client

    return make


@pytest.fixture(autouse=True)
def tasks_run_immediately(settings) -> None:
    """Background tasks run in the test's own thread, at the moment they are enqueued (after
    commit). Tests of the database queue itself switch back to the database backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def rate_limits_off(settings) -> None:
    """Tests send many requests from one address; tests of the limits switch them on. The
    cache (limit counts, used captchas) starts empty for every test."""
    settings.RATE_LIMITS_ENABLED = False
    cache.clear()


@pytest.fixture(autouse=True)
def captcha_off(settings) -> None:
    """Most tests book through the client without a browser; captcha tests switch it on."""
    settings.CAPTCHA_ENABLED = False


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in German, the default: a request through the test client leaves its
    language active in the thread afterwards."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory of signing keys for the whole run (created on first use), never var/."""
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(autouse=True)
def signing_keys_elsewhere(settings, keys_dir: Path) -> None:
    """Certificates and letters sign with keys under a temporary directory."""
    settings.KEYS_DIR = keys_dir
    settings.SIGNING_KEY_FILE = keys_dir / "qr-ed25519.pem"
    settings.SIGNING_PREVIOUS_KEYS_FILE = keys_dir / "qr-ed25519-previous.pem"
    settings.DOCUMENT_SIGNING_KEY_FILE = keys_dir / "document-signing-key.pem"
    settings.DOCUMENT_SIGNING_CERT_FILE = keys_dir / "document-signing-cert.pem"
    settings.DOCUMENT_PREVIOUS_CERTS_FILE = keys_dir / "document-signing-previous.pem"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Staff made for a test get a cheap hash (Argon2 costs 0.1 s each, hundreds of times);
    the hashers of production stay second, so their hashes still check. The test of the
    production hash asks for it (`argon2_hashing`)."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *django_settings.PASSWORD_HASHERS,
    ]


@pytest.fixture
def argon2_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = [
        h for h in settings.PASSWORD_HASHERS if not h.endswith("MD5PasswordHasher")
    ]
