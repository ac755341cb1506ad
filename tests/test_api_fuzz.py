"""Draft."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from hamburg_service.accounts.models import Role, RoleAssignment, User
from hamburg_service.catalog.demo import demo_city_load
from hamburg_service.catalog.models import Location
from hamburg_service.core.actors import Actor
from hamburg_service.visits.services.kiosks import kiosk_device_create
from hamburg_service.wsgi import application

CONFIG = SchemathesisConfig.from_dict({"seed": 8, "checks": {"enabled": True}})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


SESSION_PLACEHOLDER = "staff-session"
KIOSK_PLACEHOLDER = "kiosk-key-of:"
CSRF = get_random_string(32)


@dataclass
class Credentials:
    session: str = ""
    kiosk_keys: dict[str, str] = field(default_factory=dict)


CREDENTIALS = Credentials()


@schema.auth()
class StaffAndKiosk:
    def get(self, case, context):
        return CREDENTIALS

    def set(self, case, data, context):
        schemes = {n for req in case.operation.definition.raw.get("security", []) for n in req}
        if "SessionAuth" in schemes:
            case.cookies["sessionid"] = SESSION_PLACEHOLDER
            case.cookies["csrftoken"] = CSRF
            case.headers["X-CSRFToken"] = CSRF
        if "KioskKey" in schemes:
            case.headers["X-Kiosk-Key"] = KIOSK_PLACEHOLDER


def signed(case):
    if case.cookies and case.cookies.get("sessionid") == SESSION_PLACEHOLDER:
        case.cookies["sessionid"] = CREDENTIALS.session
    if case.headers and case.headers.get("X-Kiosk-Key") == KIOSK_PLACEHOLDER:
        slug = (case.path_parameters or {}).get("slug", "")
        case.headers["X-Kiosk-Key"] = CREDENTIALS.kiosk_keys.get(slug, "no-such-key")
    return case


@pytest.fixture(scope="module")
def demo_in_database(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        demo_city_load()
        admin = User.objects.create_user(username="fuzz-admin", password="a-long-test-password")
        RoleAssignment.objects.create(user=admin, role=Role.ADMINISTRATOR)
        client = Client()
        client.force_login(admin)
        CREDENTIALS.session = client.cookies["sessionid"].value
        for location in Location.objects.filter(is_active=True):
            _, key = kiosk_device_create(location=location, name="fuzz", actor=Actor.system("fuzz"))
            CREDENTIALS.kiosk_keys[location.slug] = key
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def keep_test_connection_open():
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_in_database")
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api(case):
    with transaction.atomic():
        signed(case).call_and_validate(headers={"Host": "localhost"})
        transaction.set_rollback(True)
