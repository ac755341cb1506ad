"""Catalogue validation in services, admin and API: a clear message, and nothing saved."""

from __future__ import annotations

import datetime as dt
import html
import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from hamburg_service.accounts.models import Role, User
from hamburg_service.catalog import services
from hamburg_service.catalog.models import (
    Agency,
    CatalogEvent,
    CatalogRevision,
    Closure,
    Counter,
    Location,
    LocationKind,
    Purpose,
    ScheduleRule,
    Service,
    Weekday,
    WeeklySchedule,
)
from hamburg_service.catalog.validation import RuleInput
from tests.support.actors import SYSTEM, staff
from tests.support.db import unchanged

from .conftest import rules_of

T = dt.time.fromisoformat
D = dt.date.fromisoformat


# Every catalogue table a refused write could touch: rows, links and the event log.
CATALOGUE = (
    Location,
    Service,
    Service.locations.through,
    WeeklySchedule,
    ScheduleRule,
    Closure,
    Closure.counters.through,
    Counter,
    Counter.services.through,
    CatalogEvent,
    CatalogRevision,
)


def nothing_saved():
    """A refused write leaves every catalogue row exactly as it was."""
    return unchanged(*CATALOGUE)


@pytest.fixture
def catalogue(make_location, make_service, make_counter):
    """A residents' centre and an immigration office, a service of each agency offered at its
    place, a residents' service offered nowhere, and a counter at each location."""
    centre = make_location("kundenzentrum-altona", name_de="Kundenzentrum Altona")
    office = make_location(
        "auslaenderdienststelle-altona",
        kind=LocationKind.IMMIGRATION,
        name_de="Ausländerdienststelle Altona",
    )
    passport = make_service("reisepass", name_de="Reisepass", at=[centre])
    permit = make_service(
        "aufenthaltstitel", name_de="Aufenthaltstitel", agency=Agency.IMMIGRATION, at=[office]
    )
    unoffered = make_service("fuehrungszeugnis", name_de="Führungszeugnis")
    centre_counter = make_counter(centre, "Platz 1", [passport])
    office_counter = make_counter(office, "Platz 1", [permit])
    return {
        "centre": centre,
        "office": office,
        "passport": passport,
        "permit": permit,
        "unoffered": unoffered,
        "centre_counter": centre_counter,
        "office_counter": office_counter,
    }


def msg(text: str, lang: str = settings.LANGUAGE_CODE, **params: object) -> str:
    """A validation message as people see it (by default in the default language, German)."""
    with translation.override(lang):
        translated = gettext(text)
        return translated % {k: str(v) for k, v in params.items()} if params else translated


OVERLAP = "%(day)s: %(a)s and %(b)s overlap."
NOT_AFTER = "%(day)s: closes at %(closes)s, which is not after it opens at %(opens)s."
SAME_START = (
    "Another timetable of this location for the same purpose already starts "
    "on this day. Change that one, or start this one on another day."
)
PERIOD_ENDS_EARLY = "The end of the validity period lies before its start."
WRONG_KIND = "These locations cannot offer a service of this agency: %(names)s."
NOT_OFFERED = "%(location)s does not offer: %(names)s."
LAST_DAY_FIRST = "The last day lies before the first day."
BOTH_TIMES = "Give both times, or none for whole days."
FOREIGN_COUNTERS = "These counters belong to another location: %(names)s."


def messages_of(error: ValidationError, field: str) -> str:
    assert field in error.message_dict, error.message_dict
    return " ".join(error.message_dict[field])


# --- catalog.services -------------------------------------------------------------------------


NEW_YEAR = dt.date(2026, 1, 1)


def create_schedule(location, rules, valid_from=NEW_YEAR, valid_until=None):
    return services.schedule_create(
        location=location,
        purpose=Purpose.OPENING,
        valid_from=valid_from,
        valid_until=valid_until,
        rules=rules,
        actor=SYSTEM,
    )


def test_schedule_create_refuses_overlapping_rules_on_one_weekday(catalogue):
    with nothing_saved(), pytest.raises(ValidationError) as caught:
        create_schedule(
            catalogue["centre"],
            rules_of({0: [("08:00", "12:00"), ("11:00", "14:00")], 1: [("08:00", "12:00")]}),
        )

    assert messages_of(caught.value, "rules") == msg(
        OVERLAP, day=Weekday.MONDAY.label, a="08:00–12:00", b="11:00–14:00"
    )


def test_schedule_create_refuses_a_rule_that_closes_before_it_opens(catalogue):
    with nothing_saved(), pytest.raises(ValidationError) as caught:
        create_schedule(catalogue["centre"], [RuleInput(2, T("16:00"), T("08:00"))])

    assert messages_of(caught.value, "rules") == msg(
        NOT_AFTER, day=Weekday.WEDNESDAY.label, opens="16:00", closes="08:00"
    )


def test_schedule_create_refuses_a_second_timetable_starting_the_same_day(catalogue):
    create_schedule(catalogue["centre"], rules_of({0: [("08:00", "16:00")]}))
    with nothing_saved(), pytest.raises(ValidationError) as caught:
        create_schedule(catalogue["centre"], rules_of({1: [("09:00", "12:00")]}))

    assert messages_of(caught.value, "valid_from") == msg(SAME_START)
    assert list(ScheduleRule.objects.values_list("weekday", flat=True)) == [0]


def test_a_booking_timetable_may_start_the_same_day_as_the_opening_one(catalogue):
    create_schedule(catalogue["centre"], rules_of({0: [("08:00", "16:00")]}))

    services.schedule_create(
        location=catalogue["centre"],
        purpose=Purpose.BOOKING,
        valid_from=D("2026-01-01"),
        valid_until=None,
        rules=rules_of({0: [("08:00", "15:30")]}),
        actor=SYSTEM,
    )

    assert WeeklySchedule.objects.count() == 2


def test_schedule_create_refuses_valid_until_before_valid_from(catalogue):
    with nothing_saved(), pytest.raises(ValidationError) as caught:
        create_schedule(
            catalogue["centre"],
            rules_of({0: [("08:00", "16:00")]}),
            valid_from=D("2026-06-01"),
            valid_until=D("2026-05-31"),
        )

    assert messages_of(caught.value, "valid_until") == msg(PERIOD_ENDS_EARLY)


def test_service_locations_set_refuses_a_location_of_the_wrong_kind(catalogue):
    with nothing_saved(), pytest.raises(ValidationError) as caught:
        services.service_locations_set(
            service=catalogue["permit"],
            locations=[catalogue["office"], catalogue["centre"]],
            actor=SYSTEM,
        )

    assert messages_of(caught.value, "locations") == msg(WRONG_KIND, names="Kundenzentrum Altona")
    assert list(catalogue["permit"].locations.all()) == [catalogue["office"]]


def test_service_locations_set_refuses_to_strand_skilled_counters(catalogue, make_location):
    other = make_location()
    with nothing_saved(), pytest.raises(ValidationError) as caught:
        services.service_locations_set(
            service=catalogue["passport"], locations=[other], actor=SYSTEM
        )

    assert messages_of(caught.value, "locations") == msg(
        "Counters at locations you removed can still serve this service: "
        "%(names)s. Change those counters first.",
        names="Kundenzentrum Altona · Platz 1",
    )
    assert list(catalogue["passport"].locations.all()) == [catalogue["centre"]]


def test_counter_skills_set_refuses_a_service_the_location_does_not_offer(catalogue):
    counter = catalogue["centre_counter"]
    with nothing_saved(), pytest.raises(ValidationError) as caught:
        services.counter_skills_set(
            counter=counter,
            services=[catalogue["passport"], catalogue["unoffered"], catalogue["permit"]],
            actor=SYSTEM,
        )

    assert messages_of(caught.value, "services") == msg(
        NOT_OFFERED, location="Kundenzentrum Altona", names="Aufenthaltstitel, Führungszeugnis"
    )
    assert list(counter.services.all()) == [catalogue["passport"]]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"start_date": D("2026-03-05"), "end_date": D("2026-03-04")}, "end_date", LAST_DAY_FIRST),
        ({"start_time": T("10:00")}, "end_time", BOTH_TIMES),
        ({"end_time": T("10:00")}, "end_time", BOTH_TIMES),
        (
            {"start_time": T("12:00"), "end_time": T("10:00")},
            "end_time",
            "The closure must end after it starts.",
        ),
    ],
)
def test_closure_create_refuses_inconsistent_dates_and_times(catalogue, fields, field, message):
    values = {"start_date": D("2026-03-02"), "end_date": D("2026-03-02"), **fields}
    with nothing_saved(), pytest.raises(ValidationError) as caught:
        services.closure_create(location=catalogue["centre"], actor=SYSTEM, **values)

    assert messages_of(caught.value, field) == msg(message)


def test_closure_create_refuses_a_counter_of_another_location(catalogue):
    with nothing_saved(), pytest.raises(ValidationError) as caught:
        services.closure_create(
            location=catalogue["centre"],
            start_date=D("2026-03-02"),
            end_date=D("2026-03-02"),
            counters=[catalogue["centre_counter"], catalogue["office_counter"]],
            actor=SYSTEM,
        )

    assert messages_of(caught.value, "counters") == msg(FOREIGN_COUNTERS, names="Platz 1")


def test_valid_writes_through_services_are_saved_and_recorded(catalogue, make_staff):
    admin = make_staff(Role.ADMINISTRATOR)

    schedule = services.schedule_create(
        location=catalogue["centre"],
        purpose=Purpose.OPENING,
        valid_from=D("2026-01-01"),
        valid_until=None,
        rules=rules_of({0: [("08:00", "12:00"), ("12:00", "16:00")]}),
        actor=staff(admin),
    )
    closure = services.closure_create(
        location=catalogue["centre"],
        start_date=D("2026-03-02"),
        end_date=D("2026-03-02"),
        counters=[catalogue["centre_counter"]],
        actor=staff(admin),
    )

    assert schedule.rules.count() == 2
    assert list(closure.counters.all()) == [catalogue["centre_counter"]]
    events = {
        (e.kind, e.object_id, e.actor_kind, e.actor_user_id) for e in CatalogEvent.objects.all()
    }
    assert events == {
        ("schedule_created", schedule.pk, "staff", admin.pk),
        ("closure_created", closure.pk, "staff", admin.pk),
    }


def test_a_catalogue_service_records_its_given_time_and_staff_actor(catalogue, make_staff):
    admin = make_staff(Role.ADMINISTRATOR)
    now = dt.datetime(2026, 2, 3, 9, 15, 42, 123456, tzinfo=dt.UTC)

    closure = services.closure_create(
        location=catalogue["centre"],
        start_date=D("2026-03-02"),
        end_date=D("2026-03-02"),
        actor=staff(admin),
        now=now,
    )

    event = CatalogEvent.objects.get()
    assert (event.kind, event.object_type, event.object_id) == (
        "closure_created",
        "closure",
        closure.pk,
    )
    assert event.at == now
    assert (event.actor_kind, event.actor_user, event.actor_name) == ("staff", admin, "")
    assert event.actor == staff(admin)


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client_as):
    return client_as(Role.ADMINISTRATOR)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def schedule_form(location, rules, valid_from="2026-01-01", valid_until="", purpose="opening"):
    data = {
        "location": location.pk,
        "purpose": purpose,
        "label": "Standard",
        "valid_from": valid_from,
        "valid_until": valid_until,
        "rules-TOTAL_FORMS": len(rules),
        "rules-INITIAL_FORMS": 0,
        "rules-MIN_NUM_FORMS": 0,
        "rules-MAX_NUM_FORMS": 1000,
    }
    for n, (weekday, opens, closes) in enumerate(rules):
        data |= {
            f"rules-{n}-weekday": weekday,
            f"rules-{n}-opens": opens,
            f"rules-{n}-closes": closes,
        }
    return data


def test_admin_schedule_add_page_has_the_rules_formset(admin_client):
    response = admin_client.get("/admin/catalog/weeklyschedule/add/")

    assert response.status_code == 200
    text = page_text(response)
    for name in ("location", "purpose", "valid_from", "valid_until", "rules-TOTAL_FORMS"):
        assert f'name="{name}"' in text


def test_admin_refuses_overlapping_rules(admin_client, catalogue):
    with nothing_saved():
        response = admin_client.post(
            "/admin/catalog/weeklyschedule/add/",
            schedule_form(catalogue["centre"], [(0, "08:00", "12:00"), (0, "11:30", "14:00")]),
        )

    assert response.status_code == 200
    assert msg(OVERLAP, day=Weekday.MONDAY.label, a="08:00–12:00", b="11:30–14:00") in page_text(
        response
    )


def test_admin_refuses_a_rule_that_closes_before_it_opens(admin_client, catalogue):
    with nothing_saved():
        response = admin_client.post(
            "/admin/catalog/weeklyschedule/add/",
            schedule_form(catalogue["centre"], [(1, "16:00", "09:00")]),
        )

    assert response.status_code == 200
    expected = msg(NOT_AFTER, day=Weekday.TUESDAY.label, opens="16:00", closes="09:00")
    assert expected in page_text(response)


def test_admin_refuses_valid_until_before_valid_from(admin_client, catalogue):
    with nothing_saved():
        response = admin_client.post(
            "/admin/catalog/weeklyschedule/add/",
            schedule_form(
                catalogue["centre"],
                [(0, "08:00", "12:00")],
                valid_from="2026-06-01",
                valid_until="2026-05-01",
            ),
        )

    assert response.status_code == 200
    assert msg(PERIOD_ENDS_EARLY) in page_text(response)


def test_admin_refuses_a_second_timetable_starting_the_same_day(admin_client, catalogue):
    create_schedule(catalogue["centre"], rules_of({0: [("08:00", "16:00")]}))
    with nothing_saved():
        response = admin_client.post(
            "/admin/catalog/weeklyschedule/add/",
            schedule_form(catalogue["centre"], [(1, "08:00", "12:00")]),
        )

    assert response.status_code == 200
    assert msg(SAME_START) in page_text(response)


def test_admin_adds_a_valid_schedule_and_records_the_event(admin_client, catalogue):
    admin = User.objects.get(role_assignments__role=Role.ADMINISTRATOR)

    response = admin_client.post(
        "/admin/catalog/weeklyschedule/add/",
        schedule_form(
            catalogue["centre"],
            [(0, "08:00", "12:00"), (0, "13:00", "16:00"), (3, "10:00", "18:00")],
        ),
    )

    assert response.status_code == 302
    schedule = WeeklySchedule.objects.get()
    assert schedule.location == catalogue["centre"]
    assert schedule.valid_from == D("2026-01-01")
    assert sorted((r.weekday, r.opens, r.closes) for r in schedule.rules.all()) == [
        (0, T("08:00"), T("12:00")),
        (0, T("13:00"), T("16:00")),
        (3, T("10:00"), T("18:00")),
    ]
    event = CatalogEvent.objects.get()
    assert (event.kind, event.object_type, event.object_id, event.actor_kind, event.actor_user) == (
        "created",
        "weeklyschedule",
        schedule.pk,
        "staff",
        admin,
    )


def test_admin_refuses_a_counter_skilled_for_an_unoffered_service(admin_client, catalogue):
    with nothing_saved():
        response = admin_client.post(
            "/admin/catalog/counter/add/",
            {
                "location": catalogue["centre"].pk,
                "name": "Platz 2",
                "services": [catalogue["passport"].pk, catalogue["unoffered"].pk],
                "is_active": "on",
            },
        )

    assert response.status_code == 200
    expected = msg(NOT_OFFERED, location="Kundenzentrum Altona", names="Führungszeugnis")
    assert expected in page_text(response)


def service_form(service, locations):
    return {
        "slug": service.slug,
        "name_de": service.name_de,
        "name_en": service.name_en,
        "agency": service.agency,
        "leika_key": service.leika_key,
        "is_active": "on",
        "summary_de": "",
        "summary_en": "",
        "keywords_de": "",
        "keywords_en": "",
        "documents_de": "",
        "documents_en": "",
        "fee_cents": "",
        "fee_note_de": "",
        "fee_note_en": "",
        "handling_minutes": service.handling_minutes,
        "channel": service.channel,
        "access": service.access,
        "locations": [loc.pk for loc in locations],
        "combinable_with": [],
    }


def test_admin_refuses_to_offer_a_service_at_a_location_of_the_wrong_kind(admin_client, catalogue):
    permit = catalogue["permit"]
    with nothing_saved():
        response = admin_client.post(
            f"/admin/catalog/service/{permit.pk}/change/",
            service_form(permit, [catalogue["office"], catalogue["centre"]]),
        )

    assert response.status_code == 200
    assert msg(WRONG_KIND, names="Kundenzentrum Altona") in page_text(response)
    assert list(permit.locations.all()) == [catalogue["office"]]


def test_admin_changes_where_a_service_is_offered_when_valid(
    admin_client, catalogue, make_location
):
    permit = catalogue["permit"]
    second_office = make_location(kind=LocationKind.IMMIGRATION)

    response = admin_client.post(
        f"/admin/catalog/service/{permit.pk}/change/",
        service_form(permit, [catalogue["office"], second_office]),
    )

    assert response.status_code == 302
    assert set(permit.locations.all()) == {catalogue["office"], second_office}
    assert CatalogEvent.objects.filter(kind="changed", object_id=permit.pk).exists()


def closure_form(location, **fields):
    return {
        "location": location.pk,
        "start_date": "2026-03-02",
        "end_date": "2026-03-02",
        "start_time": "",
        "end_time": "",
        "counters": [],
        "reason_de": "",
        "reason_en": "",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"end_date": "2026-03-01"}, LAST_DAY_FIRST),
        ({"start_time": "10:00"}, BOTH_TIMES),
    ],
)
def test_admin_refuses_an_inconsistent_closure(admin_client, catalogue, fields, message):
    with nothing_saved():
        response = admin_client.post(
            "/admin/catalog/closure/add/", closure_form(catalogue["centre"], **fields)
        )

    assert response.status_code == 200
    assert msg(message) in page_text(response)


def test_admin_refuses_a_closure_of_another_locations_counter(admin_client, catalogue):
    with nothing_saved():
        response = admin_client.post(
            "/admin/catalog/closure/add/",
            closure_form(catalogue["centre"], counters=[catalogue["office_counter"].pk]),
        )

    assert response.status_code == 200
    assert msg(FOREIGN_COUNTERS, names="Platz 1") in page_text(response)


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def api(client_as):
    client = client_as(Role.ADMINISTRATOR)

    def call(method: str, path: str, body: dict):
        return getattr(client, method)(
            f"/api/v1{path}", data=json.dumps(body), content_type="application/json"
        )

    return call


def problem_fields(response, status: int = 422) -> dict[str, str]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "https://service.hamburg.example/problems/invalid-input"
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == response.wsgi_request.path
    return {e["field"]: e["message"] for e in body["errors"]}


def schedule_body(**fields):
    return {
        "purpose": "opening",
        "label": "Standard",
        "valid_from": "2026-01-01",
        "rules": [{"weekday": 0, "opens": "08:00", "closes": "16:00"}],
        **fields,
    }


def test_api_refuses_overlapping_rules(api, catalogue):
    with nothing_saved():
        response = api(
            "post",
            "/locations/kundenzentrum-altona/schedules",
            schedule_body(
                rules=[
                    {"weekday": 4, "opens": "08:00", "closes": "12:00"},
                    {"weekday": 4, "opens": "09:00", "closes": "10:00"},
                ]
            ),
        )

    assert problem_fields(response) == {
        "rules": msg(OVERLAP, day=Weekday.FRIDAY.label, a="08:00–12:00", b="09:00–10:00")
    }


def test_api_problem_details_follow_the_requested_language(client_as, catalogue):
    client = client_as(Role.ADMINISTRATOR)

    response = client.post(
        "/api/v1/locations/kundenzentrum-altona/closures",
        data=json.dumps({"start_date": "2026-03-05", "end_date": "2026-03-02"}),
        content_type="application/json",
        headers={"accept-language": "en"},
    )

    assert problem_fields(response) == {"end_date": msg(LAST_DAY_FIRST, lang="en")}
    assert response.json()["detail"] == "The last day lies before the first day."


def test_api_refuses_a_malformed_date(api, catalogue):
    with nothing_saved():
        response = api(
            "post",
            "/locations/kundenzentrum-altona/schedules",
            schedule_body(valid_from="2026-13-45"),
        )

    assert problem_fields(response) == {"valid_from": msg("Enter a valid date as YYYY-MM-DD.")}


def test_api_refuses_valid_until_before_valid_from(api, catalogue):
    with nothing_saved():
        response = api(
            "post",
            "/locations/kundenzentrum-altona/schedules",
            schedule_body(valid_from="2026-06-01", valid_until="2026-01-01"),
        )

    assert problem_fields(response) == {"valid_until": msg(PERIOD_ENDS_EARLY)}


def test_api_refuses_a_counter_skill_the_location_does_not_offer(api, catalogue):
    counter = catalogue["centre_counter"]
    with nothing_saved():
        response = api(
            "put", f"/counters/{counter.pk}/services", {"slugs": ["reisepass", "fuehrungszeugnis"]}
        )

    assert problem_fields(response) == {
        "services": msg(NOT_OFFERED, location="Kundenzentrum Altona", names="Führungszeugnis")
    }
    assert list(counter.services.all()) == [catalogue["passport"]]


def test_api_refuses_a_service_location_of_the_wrong_kind(api, catalogue):
    with nothing_saved():
        response = api(
            "put",
            "/services/aufenthaltstitel/locations",
            {"slugs": ["auslaenderdienststelle-altona", "kundenzentrum-altona"]},
        )

    assert problem_fields(response) == {"locations": msg(WRONG_KIND, names="Kundenzentrum Altona")}
    assert list(catalogue["permit"].locations.all()) == [catalogue["office"]]


def test_api_refuses_a_closure_ending_before_it_starts(api, catalogue):
    with nothing_saved():
        response = api(
            "post",
            "/locations/kundenzentrum-altona/closures",
            {"start_date": "2026-03-05", "end_date": "2026-03-02"},
        )

    assert problem_fields(response) == {"end_date": msg(LAST_DAY_FIRST)}


def test_api_refuses_a_closure_of_an_unknown_counter(api, catalogue):
    with nothing_saved():
        response = api(
            "post",
            "/locations/kundenzentrum-altona/closures",
            {"start_date": "2026-03-02", "end_date": "2026-03-02", "counters": ["Platz 9"]},
        )

    assert problem_fields(response) == {
        "counters": msg(
            "%(location)s has no counters named: %(names)s.",
            location="Kundenzentrum Altona",
            names="Platz 9",
        )
    }


def test_api_adds_a_valid_schedule_and_records_the_actor(api, catalogue):
    admin = User.objects.get(role_assignments__role=Role.ADMINISTRATOR)

    response = api(
        "post",
        "/locations/kundenzentrum-altona/schedules",
        schedule_body(
            valid_from="2026-04-01",
            valid_until="2026-09-30",
            rules=[
                {"weekday": 0, "opens": "08:00", "closes": "12:00"},
                {"weekday": 0, "opens": "13:00", "closes": "16:00"},
            ],
        ),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    schedule = WeeklySchedule.objects.get()
    assert body["id"] == schedule.pk
    assert body["location"] == "kundenzentrum-altona"
    assert (body["valid_from"], body["valid_until"]) == ("2026-04-01", "2026-09-30")
    assert schedule.rules.count() == 2
    event = CatalogEvent.objects.get()
    assert (event.kind, event.object_id, event.actor_kind, event.actor_user) == (
        "schedule_created",
        schedule.pk,
        "staff",
        admin,
    )


def test_api_adds_a_valid_counter_closure(api, catalogue):
    response = api(
        "post",
        "/locations/kundenzentrum-altona/closures",
        {
            "start_date": "2026-03-02",
            "end_date": "2026-03-03",
            "start_time": "10:00",
            "end_time": "12:00",
            "counters": ["Platz 1"],
            "reason_de": "Schulung",
        },
    )

    assert response.status_code == 201, response.content
    closure = Closure.objects.get()
    assert list(closure.counters.all()) == [catalogue["centre_counter"]]
    assert response.json()["counters"] == ["Platz 1"]
    assert CatalogEvent.objects.filter(kind="closure_created", object_id=closure.pk).exists()


def test_api_writes_need_the_catalogue_role(client_as, catalogue):
    clerk = client_as(Role.CLERK, locations=["kundenzentrum-altona"])

    with nothing_saved():
        response = clerk.post(
            "/api/v1/locations/kundenzentrum-altona/schedules",
            data=json.dumps(schedule_body()),
            content_type="application/json",
        )

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "https://service.hamburg.example/problems/role-forbids"
    assert WeeklySchedule.objects.count() == 0
