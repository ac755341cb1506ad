"""The permission of every role on every page and endpoint that exists."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hamburg_service.accounts.models import Role
from hamburg_service.accounts.permissions import Perm, has_perm, locations_for
from hamburg_service.catalog.models import Closure, Counter, Location, WeeklySchedule

HOME = "kundenzentrum-city"  # where location-bound staff work in these tests
OTHER = "kundenzentrum-altona"
ALL_ROLES = list(Role)
CITY_WIDE = {Role.MANAGER, Role.ADMINISTRATOR}
BOOK_WRITERS = {Role.FRONT_DESK, Role.CLERK, Role.LOCATION_LEAD, Role.ADMINISTRATOR}
BOOK_READERS = BOOK_WRITERS | {Role.MANAGER}

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
        }
    city = role in CITY_WIDE
    return {
        "/staff/": 200,
        f"/staff/locations/{HOME}/": 200,
        f"/staff/locations/{OTHER}/": 200 if city else 403,
        "/staff/feedback/": 200 if role in {Role.MANAGER, Role.ADMINISTRATOR} else 403,
        "/admin/": 200 if role is Role.ADMINISTRATOR else 403,
        "/admin/catalog/service/": 200 if role is Role.ADMINISTRATOR else 403,
        "/admin/accounts/user/": 200 if role is Role.ADMINISTRATOR else 403,
        f"/appointments/staff/{HOME}/": 200 if role in BOOK_READERS else 403,
        f"/appointments/staff/{HOME}/find/?q=Anna": 200 if role in BOOK_READERS else 403,
        f"/appointments/staff/{OTHER}/": 200 if role in BOOK_READERS and city else 403,
        f"/appointments/staff/{HOME}/new/": 200 if role in BOOK_WRITERS else 403,
        f"/appointments/staff/{OTHER}/new/": 200 if role is Role.ADMINISTRATOR else 403,
    }


@pytest.mark.parametrize("role", [None, *ALL_ROLES], ids=lambda r: getattr(r, "value", "anon"))
def test_staff_pages_by_role(signed_in, role):
    client = signed_in(role)
    for url, status in _page_expectations(role).items():
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        if status == 302:
            final = client.get(url, follow=True).redirect_chain[-1][0]
            assert final.startswith("/staff/login/?next="), url


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
    admin = role is Role.ADMINISTRATOR
    closes = role in {Role.LOCATION_LEAD, Role.ADMINISTRATOR}
    return {
        "me": 200,
        "schedules_home": 200,
        "schedules_other": 200 if city else 403,
        "counters_home": 200,
        "create_schedule": 201 if admin else 403,
        "create_closure_home": 201 if closes else 403,
        "create_closure_other": 201 if admin else 403,
        "skills": 200 if admin else 403,
        "offer": 200 if admin else 403,
    }


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
        slugs = set(locations_for(lead, Perm.CLOSURE_MANAGE).values_list("slug", flat=True))
    assert slugs == {HOME, OTHER}
    manager = make_staff(Role.MANAGER)
    assert locations_for(manager, Perm.LOCATION_VIEW).count() == Location.objects.count()
    assert not locations_for(manager, Perm.CLOSURE_MANAGE).exists()


def test_inactive_staff_and_staff_without_roles_have_no_permissions(demo_city, make_staff):
    home = Location.objects.get(slug=HOME)
    inactive = make_staff(Role.ADMINISTRATOR, is_active=False)
    nobody = make_staff(locations=[HOME])
    for user in (inactive, nobody):
        assert not any(has_perm(user, perm, home) for perm in Perm)


def test_admin_speaks_german_and_english(signed_in):
    admin = signed_in(Role.ADMINISTRATOR)
    german = admin.get("/admin/").content.decode()
    english = admin.get("/en/admin/").content.decode()
    assert "Leistungen" in german
    assert 'href="/en/admin/"' in german
    assert "Services" in english
    assert 'href="/admin/"' in english
