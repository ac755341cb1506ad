"""Property-based checks of the whole API against its own OpenAPI schema (schemathesis):
whatever a client sends, the answer is never a 5xx and always matches the documented schema.
GETs only: writes are covered by their own tests."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from hamburg_service.catalog.demo import demo_city_load
from hamburg_service.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(scope="module")
def demo_in_database(django_db_setup, django_db_blocker):
    """The demo city for the whole module, committed; emptied again afterwards so later tests
    start from a clean database."""
    with django_db_blocker.unblock():
        demo_city_load()
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def keep_test_connection_open():
    # As Django's test client does: the request cycle must not close the test's connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_in_database")
@schema.include(method="GET").parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
def test_public_api_never_fails_and_matches_its_schema(case):
    # A well-formed request naming a service that does not exist is rightly a 422, so schema
    # validity alone does not promise a 2xx here.
    case.call_and_validate(
        headers={"Host": "localhost"}, excluded_checks=[positive_data_acceptance]
    )
