"""The permission of every role on every page and endpoint that exists."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from hamburg_service.accounts.access import has_perm, locations_for
from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.accounts.permissions import (
    DOMAIN_PERMS,
    ROLE_PERMS,
    AppointmentsPerm,
    CatalogPerm,
    VisitsPerm,
)
from hamburg_service.appointments.services.booking import Slot, appointment_book, next_free_times
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.catalog.models import (
    CatalogEvent,
    Closure,
    Counter,
    Location,
    ScheduleRule,
    Service,
    WeeklySchedule,
)
from hamburg_service.visits.models import KioskDevice
from tests.support.actors import SYSTEM
from tests.support.db import unchanged

HOME = "kundenzentrum-city"  # where location-bound staff work in these tests
OTHER = "kundenzentrum-altona"
IMMIGRATION = "auslaenderdienststelle-hamburg-mitte"
WELCOME = "hamburg-welcome-center"  # serves both agencies
ALL_ROLES = list(Role)
CITY_WIDE = {Role.MANAGER, Role.ADMINISTRATOR, Role.CENTRAL_REGISTRATION, Role.DATA_PROTECTION}
BOOK_WRITERS = {Role.FRONT_DESK, Role.CLERK, Role.LOCATION_LEAD, Role.ADMINISTRATOR}
BOOK_READERS = BOOK_WRITERS | {Role.MANAGER}
ON_SITE = BOOK_WRITERS  # front desk and counters (VisitsPerm.DESK / COUNTER)
KIOSK_MANAGERS = {Role.LOCATION_LEAD, Role.ADMINISTRATOR}  # VisitsPerm.KIOSK_MANAGE
# Caseworkers are scoped to their agency: the immigration caseworker sees nothing of HOME,
# a residents' centre, although they are assigned there.
SEES_HOME = set(ALL_ROLES) - {Role.CASEWORKER_IMMIGRATION}

PUBLIC_PAGES = [
    "/",
    "/?q=Anmeldung",
    "/en/",
    "/services/anmeldung/",
    "/locations/",
    f"/locations/{HOME}/",
    "/accessibility/",
    "/imprint/",
    "/privacy/",
    "/healthz",
    "/api/v1/services",
    "/api/v1/services/anmeldung",
    "/api/v1/districts",
    "/api/v1/locations",
    f"/api/v1/locations/{HOME}",
    f"/api/v1/locations/{HOME}/opening-hours",
    "/api/v1/openapi.json",
    "/api/docs",
    "/appointments/",
    "/appointments/?services=anmeldung",
    "/api/v1/availability?services=anmeldung",
]


@pytest.fixture
def references(demo_city: None) -> dict[str, str]:
    """The reference of a booked appointment at HOME and at OTHER."""
    anmeldung = Service.objects.get(slug="anmeldung")
    out = {}
    for n, slug in enumerate((HOME, OTHER)):
        location = Location.objects.get(slug=slug)
        _slug, start = next_free_times(
            location=location, services=[anmeldung], after=timezone.now()
        )[0]
        out[slug] = appointment_book(
            slot=Slot.of(location, [anmeldung], start),
            person=PersonInput(name="Anna Beispiel", email=f"anna{n}@example.org"),
            actor=SYSTEM,
            channel="staff",
        ).appointment.reference
    return out


@pytest.fixture
def signed_in(demo_city: None, client_as):
    def make(role: Role | None) -> Client:
        if role is None:
            return Client()
        return client_as(role, locations=[] if role in CITY_WIDE else [HOME])

    return make


@pytest.mark.parametrize("role", [None, *ALL_ROLES], ids=lambda r: getattr(r, "value", "anon"))
def test_public_pages_and_read_endpoints_are_open_to_everyone(signed_in, role):
    client = signed_in(role)
    for url in PUBLIC_PAGES:
        assert client.get(url).status_code == 200, url


# expected status per role for each staff page; location-bound staff work at HOME only.
def _page_expectations(role: Role | None) -> dict[str, int]:
    if role is None:
        return {
            "/staff/": 302,
            f"/staff/locations/{HOME}/": 302,
            "/staff/feedback/": 302,
            "/admin/": 302,
            "/admin/catalog/service/": 302,
            f"/appointments/staff/{HOME}/": 302,
            f"/appointments/staff/{HOME}/new/": 302,
            f"/visits/desk/{HOME}/": 302,
            "/visits/counter/": 302,
            f"/visits/kiosks/{HOME}/": 302,
            "/staff/access-log/": 302,
        }
    city = role in CITY_WIDE
    home = role in SEES_HOME
    return {
        "/staff/": 200,
        f"/staff/locations/{HOME}/": 200 if home else 403,
        f"/staff/locations/{OTHER}/": 200 if city else 403,
        "/staff/feedback/": 200 if role in {Role.MANAGER, Role.ADMINISTRATOR} else 403,
        "/admin/": 200 if role is Role.ADMINISTRATOR else 403,
        "/admin/catalog/service/": 200 if role is Role.ADMINISTRATOR else 403,
        "/admin/accounts/user/": 200 if role is Role.ADMINISTRATOR else 403,
        # Only the data protection officer reads the access log; it is not in the admin.
        "/staff/access-log/": 200 if role is Role.DATA_PROTECTION else 403,
        "/admin/accounts/accesslog/": 404 if role is Role.ADMINISTRATOR else 403,
        f"/appointments/staff/{HOME}/": 200 if role in BOOK_READERS else 403,
        f"/appointments/staff/{HOME}/find/?q=Anna": 200 if role in BOOK_READERS else 403,
        f"/appointments/staff/{OTHER}/": 200 if role in BOOK_READERS and city else 403,
        f"/appointments/staff/{HOME}/new/": 200 if role in BOOK_WRITERS else 403,
        f"/appointments/staff/{OTHER}/new/": 200 if role is Role.ADMINISTRATOR else 403,
        f"/visits/desk/{HOME}/": 200 if role in ON_SITE else 403,
        f"/visits/desk/{OTHER}/": 200 if role is Role.ADMINISTRATOR else 403,
        "/visits/counter/": 200 if role in ON_SITE else 403,
        f"/visits/kiosks/{HOME}/": 200 if role in KIOSK_MANAGERS else 403,
        f"/visits/kiosks/{OTHER}/": 200 if role is Role.ADMINISTRATOR else 403,
    }


def _assert_statuses(client: Client, expected: dict[str, int]) -> None:
    for url, status in expected.items():
        if status == 200:
            response = client.get(url)
        else:
            with unchanged(AccessLog):  # a refused read shows and logs nothing
                response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        if status == 302:
            final = client.get(url, follow=True).redirect_chain[-1][0]
            assert final.startswith("/staff/login/?next="), url


@pytest.mark.parametrize("role", [None, *ALL_ROLES], ids=lambda r: getattr(r, "value", "anon"))
def test_staff_pages_by_role(signed_in, role):
    _assert_statuses(signed_in(role), _page_expectations(role))


@pytest.mark.parametrize("role", [None, *ALL_ROLES], ids=lambda r: getattr(r, "value", "anon"))
def test_appointment_detail_by_role(signed_in, references, role):
    """An appointment the reader may not see (another location) answers like one that does
    not exist: 404, not 403; without the permission anywhere it is 403."""
    home = f"/appointments/staff/appointment/{references[HOME]}/"
    other = f"/appointments/staff/appointment/{references[OTHER]}/"
    unknown = "/appointments/staff/appointment/ZZZZZZZZ/"
    if role is None:
        expected = {home: 302, other: 302}
    elif role not in BOOK_READERS:
        expected = {home: 403, other: 403, unknown: 403}
    else:
        expected = {unknown: 404, other: 200 if role in CITY_WIDE else 404, home: 200}
    _assert_statuses(signed_in(role), expected)
    if role in BOOK_READERS:
        assert AccessLog.objects.filter(
            subject_type="appointment", subject_ref=references[HOME]
        ).exists()


def _api_expectations(role: Role | None) -> dict[str, int]:
    if role is None:
        return dict.fromkeys(
            [
                "me",
                "schedules_home",
                "counters_home",
                "create_schedule",
                "create_closure_home",
                "skills",
                "offer",
            ],
            401,
        )
    city = role in CITY_WIDE
    home = role in SEES_HOME
    admin = role is Role.ADMINISTRATOR
    closes = role in {Role.LOCATION_LEAD, Role.ADMINISTRATOR}
    return {
        "me": 200,
        "schedules_home": 200 if home else 403,
        "schedules_other": 200 if city else 403,
        "counters_home": 200 if home else 403,
        "create_schedule": 201 if admin else 403,
        "create_closure_home": 201 if closes else 403,
        "create_closure_other": 201 if admin else 403,
        "skills": 200 if admin else 403,
        "offer": 200 if admin else 403,
    }


CATALOGUE_ROWS = (
    WeeklySchedule,
    ScheduleRule,
    Closure,
    CatalogEvent,
    Counter.services.through,
    Service.locations.through,
)


def _call(client: Client, name: str) -> int:
    counter = Counter.objects.filter(location__slug=HOME).first()
    assert counter is not None
    calls = {
        "me": ("get", "/api/v1/me", None),
        "schedules_home": ("get", f"/api/v1/locations/{HOME}/schedules", None),
        "schedules_other": ("get", f"/api/v1/locations/{OTHER}/schedules", None),
        "counters_home": ("get", f"/api/v1/locations/{HOME}/counters", None),
        "create_schedule": (
            "post",
            f"/api/v1/locations/{HOME}/schedules",
            {
                "valid_from": "2030-01-07",
                "rules": [{"weekday": 0, "opens": "08:00", "closes": "12:00"}],
            },
        ),
        "create_closure_home": (
            "post",
            f"/api/v1/locations/{HOME}/closures",
            {"start_date": "2030-02-01", "end_date": "2030-02-01", "reason_de": "Betriebsausflug"},
        ),
        "create_closure_other": (
            "post",
            f"/api/v1/locations/{OTHER}/closures",
            {"start_date": "2030-02-01", "end_date": "2030-02-01"},
        ),
        "skills": ("put", f"/api/v1/counters/{counter.pk}/services", {"slugs": ["anmeldung"]}),
        "offer": (
            "put",
            "/api/v1/services/fischereischein/locations",
            {
                "slugs": list(
                    Location.objects.filter(services__slug="fischereischein").values_list(
                        "slug", flat=True
                    )
                )
            },
        ),
    }
    method, url, body = calls[name]
    if body is None:
        return getattr(client, method)(url).status_code
    return getattr(client, method)(
        url, data=json.dumps(body), content_type="application/json"
    ).status_code


@pytest.mark.parametrize("role", [None, *ALL_ROLES], ids=lambda r: getattr(r, "value", "anon"))
def test_staff_api_by_role(signed_in, role):
    client = signed_in(role)
    schedules_before = WeeklySchedule.objects.count()
    closures_before = Closure.objects.count()
    expected = _api_expectations(role)
    for name, status in expected.items():
        if status < 400:
            assert _call(client, name) == status, name
            continue
        with unchanged(*CATALOGUE_ROWS):  # a refused write leaves nothing behind
            assert _call(client, name) == status, name
    # Refused writes leave nothing behind.
    created_schedules = 1 if expected["create_schedule"] == 201 else 0
    created_closures = sum(
        1 for k in ("create_closure_home", "create_closure_other") if expected.get(k) == 201
    )
    assert WeeklySchedule.objects.count() == schedules_before + created_schedules
    assert Closure.objects.count() == closures_before + created_closures


def test_forbidden_and_unauthenticated_api_answers_are_problem_details(signed_in):
    anonymous = signed_in(None).get("/api/v1/me")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"
    clerk = signed_in(Role.CLERK).get(f"/api/v1/locations/{OTHER}/schedules")
    assert clerk.status_code == 403
    assert clerk.json()["status"] == 403


def test_locations_for_is_one_set_based_query(demo_city, make_staff, django_assert_num_queries):
    lead = make_staff(Role.LOCATION_LEAD, locations=[HOME, OTHER])
    with django_assert_num_queries(2):  # the roles, then the locations
        slugs = set(locations_for(lead, CatalogPerm.CLOSURE_MANAGE).values_list("slug", flat=True))
    assert slugs == {HOME, OTHER}
    manager = make_staff(Role.MANAGER)
    assert locations_for(manager, CatalogPerm.LOCATION_VIEW).count() == Location.objects.count()
    assert not locations_for(manager, CatalogPerm.CLOSURE_MANAGE).exists()


def test_inactive_staff_and_staff_without_roles_have_no_permissions(demo_city, make_staff):
    home = Location.objects.get(slug=HOME)
    inactive = make_staff(Role.ADMINISTRATOR, is_active=False)
    nobody = make_staff(locations=[HOME])
    for user in (inactive, nobody):
        assert not any(has_perm(user, perm, home) for domain in DOMAIN_PERMS for perm in domain)


def test_admin_speaks_german_and_english(signed_in):
    admin = signed_in(Role.ADMINISTRATOR)
    german = admin.get("/admin/").content.decode()
    english = admin.get("/en/admin/").content.decode()
    assert "Leistungen" in german
    assert 'href="/en/admin/?lang=en"' in german
    assert "Services" in english
    assert 'href="/admin/?lang=de"' in english


def test_visits_pages_keep_the_roles_of_appointment_management():
    """The front desk and counters moved from APPOINTMENTS_MANAGE to their own permissions,
    granted to the same roles; setting up ticket machines is the leads' and administrators'."""
    assert ROLE_PERMS[VisitsPerm.DESK] == ROLE_PERMS[AppointmentsPerm.MANAGE] == ON_SITE
    assert ROLE_PERMS[VisitsPerm.COUNTER] == ON_SITE
    assert ROLE_PERMS[VisitsPerm.KIOSK_MANAGE] == KIOSK_MANAGERS
    assert str(VisitsPerm.COUNTER) == "visits.counter"


def test_caseworkers_act_only_for_their_agency(demo_city, make_staff):
    places = [HOME, IMMIGRATION, WELCOME]
    home, immigration, welcome = (Location.objects.get(slug=slug) for slug in places)
    registration = make_staff(Role.CASEWORKER_REGISTRATION, locations=places)
    foreigners_office = make_staff(Role.CASEWORKER_IMMIGRATION, locations=places)
    view = CatalogPerm.LOCATION_VIEW

    def slugs(user) -> set[str]:
        return set(locations_for(user, view).values_list("slug", flat=True))

    assert slugs(registration) == {HOME, WELCOME}
    assert slugs(foreigners_office) == {IMMIGRATION, WELCOME}
    assert has_perm(registration, view, home)
    assert not has_perm(registration, view, immigration)
    assert not has_perm(foreigners_office, view, home)
    assert has_perm(foreigners_office, view, welcome, agency="immigration")
    assert not has_perm(foreigners_office, view, welcome, agency="residents")
    clerk = make_staff(Role.CLERK, locations=places)  # not a caseworker: both agencies
    assert slugs(clerk) == set(places)


def test_only_leads_of_the_location_set_up_ticket_machines(demo_city, client_as):
    home = f"/visits/kiosks/{HOME}/"
    other = f"/visits/kiosks/{OTHER}/"
    create = {"action": "create", "name": "Eingang"}
    clerk = client_as(Role.CLERK, locations=[HOME])
    lead = client_as(Role.LOCATION_LEAD, locations=[HOME])
    with unchanged(KioskDevice):
        assert clerk.post(home, create).status_code == 403
        assert lead.post(other, create).status_code == 403
        assert Client().post(home, create).status_code == 302
    assert lead.post(home, create).status_code == 200
    device = KioskDevice.objects.get()
    assert device.location.slug == HOME
    revoke = {"action": "revoke", "device": device.pk}
    with unchanged(KioskDevice):
        assert clerk.post(home, revoke).status_code == 403
        assert (
            client_as(Role.LOCATION_LEAD, locations=[OTHER]).post(other, revoke).status_code == 404
        )
