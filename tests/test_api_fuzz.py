"""Property-based checks of the whole API against its own OpenAPI schema (schemathesis): every
operation, every method, every check schemathesis has (`checks.enabled`). Whatever a client
sends, the answer is never a 5xx; its status, media type, headers and body are documented;
schema-valid data is accepted and invalid data refused; undeclared methods answer 405 with
Allow; the declared authentication is enforced (`ignored_auth`); and along the schema's links
(`test_chains_…`) what was created can be used and what was deleted is gone.

Staff operations run as a signed-in administrator (session cookie and CSRF token), the ticket
machine's operations with the key of a ticket machine of the location in the path: both as
the schema's declared credentials, so that schemathesis also tries without them. Values drawn
for slugs and tokens name the demo city's locations, services, districts and counters, a
booking and a waitlist request half of the time, so that operations get past "not found" too.
The clock stands still on a Tuesday morning (open hours, booking window); every example (and
every chain) runs in a savepoint that is rolled back, so that none sees another's writes."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from hamburg_service.accounts.models import Role, RoleAssignment, User
from hamburg_service.appointments.services.booking import Slot, appointment_book, next_free_times
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.appointments.services.tokens import leave_token_from
from hamburg_service.appointments.services.waitlist import waitlist_join
from hamburg_service.catalog.demo import DEMO_FILE
from hamburg_service.catalog.hours import BERLIN
from hamburg_service.catalog.models import Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.visits.services.kiosks import kiosk_device_create
from hamburg_service.wsgi import application
from tests.support.actors import SYSTEM

TUESDAY_MORNING = dt.datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)

# Schemathesis is configured, and sets credentials on the cases it collects, before any fixture
# has run: the values only the demo city's fixture mints (the session, the ticket machines'
# keys, the tokens of a booking) enter as these stand-ins, which `minted` replaces just before
# the call. The CSRF token needs no server state: cookie and header only have to agree.
SESSION = "minted-staff-session"
KIOSK_KEY = "minted-kiosk-key-of-the-location"
MANAGE_TOKEN = "minted-manage-token"
CONFIRM_TOKEN = "minted-confirm-token"
LEAVE_TOKEN = "minted-leave-token"
CSRF_TOKEN = get_random_string(32)


@dataclass
class Minted:
    values: dict[str, str] = field(default_factory=dict)  # stand-in -> value
    kiosk_keys: dict[str, str] = field(default_factory=dict)  # location slug -> key

    def __call__(self, case: Any) -> Any:
        """`case` with the minted values in place of their stand-ins."""
        for container in (case.path_parameters, case.headers, case.cookies, case.body):
            if isinstance(container, dict):
                for name, value in container.items():
                    if isinstance(value, str) and value in self.values:
                        container[name] = self.values[value]
        if case.headers and case.headers.get("X-Kiosk-Key") == KIOSK_KEY:
            slug = (case.path_parameters or {}).get("slug", "")
            # A location without a ticket machine gets a key that fits none.
            case.headers["X-Kiosk-Key"] = self.kiosk_keys.get(slug, "no-such-key")
        return case


minted = Minted()

_DEMO = tomllib.loads(DEMO_FILE.read_text(encoding="utf-8"))
DICTIONARIES = {
    "locations": [spec["slug"] for spec in _DEMO["locations"]],
    "services": [spec["slug"] for spec in _DEMO["services"]],
    "districts": [spec["slug"] for spec in _DEMO["districts"]],
    "counters": ["Platz 1", "Platz 2", "Platz 3"],
    # where and what a ticket machine can draw a number for on a Tuesday morning
    "walk-in-locations": [
        spec["slug"] for spec in _DEMO["locations"] if spec["kind"] == "residents"
    ],
    "walk-in-services": [
        spec["slug"]
        for spec in _DEMO["services"]
        if spec["access"] != "appointment" and spec["agency"] == "residents"
    ],
    "manage-tokens": [MANAGE_TOKEN],
    "confirm-tokens": [CONFIRM_TOKEN],
    "leave-tokens": [LEAVE_TOKEN],
}

# Where the dictionaries are used: {operations (a regular expression on "METHOD /path"):
# {parameter: dictionary}}. Half of the values drawn for them come from the dictionary.
TICKETS = r"POST /api/v1/visits/\{slug\}/tickets$"
NAMED = {
    rf"^(?!{TICKETS})\w+ /api/v1/(locations|visits)/\{{slug\}}": {"path.slug": "locations"},
    r"^\w+ /api/v1/services/\{slug\}": {"path.slug": "services"},
    r"^GET /api/v1/locations(/\{slug\}/opening-hours)?$": {
        "query.service": "services",
        "query.district": "districts",
    },
    r"^POST /api/v1/appointments$": {"body.location": "locations", "body.services[*]": "services"},
    r"^POST /api/v1/waitlist$": {"body.locations[*]": "locations", "body.services[*]": "services"},
    rf"^{TICKETS}": {"path.slug": "walk-in-locations", "body.services[*]": "walk-in-services"},
    r"^PUT /api/v1/counters/\{counter_id\}/services$": {"body.slugs[*]": "services"},
    r"^PUT /api/v1/services/\{slug\}/locations$": {"body.slugs[*]": "locations"},
    r"^POST /api/v1/locations/\{slug\}/closures$": {"body.counters[*]": "counters"},
    r"^\w+ /api/v1/appointments/\{token\}": {"path.token": "manage-tokens"},
    r"^POST /api/v1/appointments/confirm$": {"body.token": "confirm-tokens"},
    r"^POST /api/v1/waitlist/\{token\}/leave$": {"path.token": "leave-tokens"},
}

# positive_data_acceptance expects a schema-valid request to be accepted, or refused only for
# reasons outside the request (401, 403, 404 for an unknown id in the path, 409, 429). These
# operations rightly answer 422 to schema-valid data as well, for what no JSON Schema can say
# (ACCEPTED is schemathesis's default; a 5xx is for not_a_server_error to report):
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
REFUSES_VALID_DATA = {
    # slugs that name no service (or location) in the catalogue, in the body
    "PUT /api/v1/counters/{counter_id}/services": "unknown service slugs",
    "PUT /api/v1/services/{slug}/locations": "unknown location slugs",
    "POST /api/v1/visits/{slug}/tickets": "unknown services, or not offered at the location",
    # the booking rules: dates inside the booking window, a free time, services offered there
    "GET /api/v1/availability": "unknown services, end before start, a place not found",
    "POST /api/v1/appointments": "unknown location or services, a time that is not free",
    "POST /api/v1/appointments/{token}/move": "a time that is not free or not bookable",
    "POST /api/v1/waitlist": "unknown services, dates outside the booking window",
    # register information: DIN 91379 names, a date of birth or a Hamburg address (§ 44 BMG)
    "POST /api/v1/register-information": "names with digits, neither birth date nor address",
    # the catalogue's rules across fields
    "POST /api/v1/locations/{slug}/schedules": "closes before opens, valid_until before from",
    "POST /api/v1/locations/{slug}/closures": "end before start, unknown counter names",
    "GET /api/v1/locations/{slug}/opening-hours": "end before start, more days than allowed",
    # cases: a case type must exist, a name without control characters, a day of receipt
    # within the last 90 days; a status the case type allows from the current one
    "POST /api/v1/cases": "unknown case type, received too long ago or in the future",
    "POST /api/v1/cases/{reference}/status": "a transition the case type does not allow",
    "GET /api/v1/cases/pool": "an unknown case type",
    # online services: a step's answers are the form definition's fields, checked by it
    "POST /api/v1/online/drafts/{draft_id}/steps/{step}": "fields the form does not have",
}

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20260303,
        "checks": {"enabled": True},  # every check, those added by later versions too
        "dictionaries": {name: {"values": values} for name, values in DICTIONARIES.items()},
        "operations": [
            *(
                {
                    "include-name-regex": operations,
                    "parameters": {
                        parameter: {"dictionary": dictionary, "probability": 0.5}
                        for parameter, dictionary in parameters.items()
                    },
                }
                for operations, parameters in NAMED.items()
            ),
            *(
                {
                    "include-name": name,
                    "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, 422]}},
                }
                for name in REFUSES_VALID_DATA
            ),
        ],
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@schema.auth()
class StaffAndTicketMachine:
    """The credentials of the security schemes an operation declares."""

    def get(self, case: Any, context: Any) -> Minted:
        return minted

    def set(self, case: Any, data: Minted, context: Any) -> None:
        security = case.operation.definition.raw.get("security", [])
        schemes = {name for requirement in security for name in requirement}
        if "SessionAuth" in schemes:
            case.cookies["sessionid"] = SESSION
            case.cookies["csrftoken"] = CSRF_TOKEN
            case.headers["X-CSRFToken"] = CSRF_TOKEN
        if "KioskKey" in schemes:
            case.headers["X-Kiosk-Key"] = KIOSK_KEY


@pytest.fixture(scope="module", autouse=True)
def clock():
    with time_machine.travel(TUESDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(demo_city):
    """In the demo city (shared, see conftest), in this test's transaction: an administrator
    signed in, a ticket machine at every location, an appointment held for confirmation and a
    request to join the waitlist, whose secrets `minted` puts in place of their stand-ins."""
    admin = User.objects.create_user(username="fuzz-admin", password="a-long-test-password")
    RoleAssignment.objects.create(user=admin, role=Role.ADMINISTRATOR)
    client = Client()
    client.force_login(admin)
    minted.values[SESSION] = client.cookies["sessionid"].value
    for location in Location.objects.filter(is_active=True):
        _, key = kiosk_device_create(location=location, name="Fuzzing", actor=SYSTEM)
        minted.kiosk_keys[location.slug] = key
    location = Location.objects.get(slug="kundenzentrum-city")
    services = [Service.objects.get(slug="anmeldung")]
    resident = PersonInput(name="Fuzzing", email="fuzzing@example.org", language="de")
    [(_, start), *_] = next_free_times(
        location=location, services=services, after=TUESDAY_MORNING + dt.timedelta(days=1)
    )
    booked = appointment_book(
        slot=Slot.of(location, services, start),
        person=resident,
        actor=Actor.resident(resident.email),
    )
    minted.values[MANAGE_TOKEN] = booked.manage_token
    minted.values[CONFIRM_TOKEN] = booked.confirm_token or ""
    entry = waitlist_join(
        services=services,
        locations=[location],
        date_from=start.date(),
        date_to=start.date() + dt.timedelta(days=7),
        person=resident,
        actor=Actor.resident(resident.email),
    )
    assert entry is not None
    minted.values[LEAVE_TOKEN] = leave_token_from(entry.leave_nonce)
    yield
    minted.values.clear()
    minted.kiosk_keys.clear()


@pytest.fixture(autouse=True)
def keep_test_connection_open():
    # As Django's test client does: the request cycle must not close the test's connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


HEALTH_CHECKS_OFF = [
    # the demo city and the signed-in staff are function-scoped fixtures, on purpose
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    # patterns (dates, text) on top of formats leave some drawn values out
    HealthCheck.filter_too_much,
]


@pytest.mark.usefixtures("demo_city", "signed_in")
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=HEALTH_CHECKS_OFF,
)
def test_every_operation_answers_as_documented(case):
    with transaction.atomic():  # nothing an example writes is seen by the next one
        minted(case).call_and_validate()
        transaction.set_rollback(True)


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """Chains of calls along the links of the schema (a location from the list, then its
    timetables; a timetable created, then deleted …), with the checks that need a history:
    use_after_free and ensure_resource_availability. One chain runs in one savepoint."""

    def setup(self) -> None:
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    def before_call(self, case: Any) -> None:
        minted(case)


@pytest.mark.usefixtures("demo_city", "signed_in")
def test_chains_of_calls_answer_as_documented():
    Workflow.run(
        settings=settings(
            max_examples=20,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=HEALTH_CHECKS_OFF,
        )
    )
