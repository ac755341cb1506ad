from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from hamburg_service.accounts.models import Role, RoleAssignment, User
from hamburg_service.catalog.demo import demo_city_load
from hamburg_service.catalog.models import Location


@pytest.fixture
def demo_city(db: None) -> None:
    """The Hamburg demo city (32 locations, 31 services, timetables, counters)."""
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
