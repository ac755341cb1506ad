"""Defects found when the running system was attacked from outside (issue 9), each reproduced:
absurd dates, NUL and control characters, foreign-origin JSON, oversized bodies, zone-suffixed
times, huge ids, off-site links, a database that is away, lockouts behind a proxy."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client

from hamburg_service.accounts.models import Role
from hamburg_service.appointments.models import Appointment, WaitlistEntry
from hamburg_service.appointments.selectors import appointments_hit_by_closures
from hamburg_service.catalog.models import Closure, Location, ScheduleRule, WeeklySchedule
from hamburg_service.core.api_schemas import TEXT_PATTERN
from hamburg_service.core.text import text_refused
from tests.support.db import unchanged
from tests.test_production import run_django

HOME = "kundenzentrum-city"


@pytest.fixture
def lead(demo_city, client_as) -> Client:
    return client_as(Role.LOCATION_LEAD, locations=[HOME])


def ask_to_wait(client: Client, **fields: str):  # type: ignore[no-untyped-def]
    """A request to join the waitlist, with `fields` in place of sound ones."""
    body = {
        "services": ["anmeldung"],
        "date_from": "2026-03-10",
        "date_to": "2026-03-12",
        "name": "Anna Berg",
        "email": "anna@example.org",
        **fields,
    }
    return client.post("/api/v1/waitlist", data=json.dumps(body), content_type="application/json")


def problem(response) -> dict:
    assert response["Content-Type"] == "application/problem+json", response.content
    return json.loads(response.content)


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01", "0001-01-02"), ("2030-01-01", "9999-12-31"), ("1999-12-31", "2030-01-01")],
)
def test_absurd_closure_dates_are_refused_by_api_and_page(lead, start, end):
    with unchanged(Closure):
        api = lead.post(
            f"/api/v1/locations/{HOME}/closures",
            data=json.dumps({"start_date": start, "end_date": end}),
            content_type="application/json",
        )
        page = lead.post(f"/staff/locations/{HOME}/", {"start_date": start, "end_date": end})
    assert api.status_code == 422
    messages = " ".join(e["message"] for e in problem(api)["errors"])
    assert "01.01.2000" in messages
    assert "31.12.2099" in messages
    assert page.status_code == 422
    assert "01.01.2000" in page.content.decode()
    assert f'value="{start}"' in page.content.decode()  # what was entered is kept


def test_a_legacy_closure_to_the_year_9999_does_not_break_the_appointment_book(lead):
    location = Location.objects.get(slug=HOME)
    Closure.objects.create(
        location=location, start_date=dt.date(2030, 1, 1), end_date=dt.date(9999, 12, 31)
    )
    assert appointments_hit_by_closures(location=location) == []
    assert lead.get(f"/appointments/staff/{HOME}/").status_code == 200


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (f"/api/v1/locations/{HOME}/opening-hours?start=9999-12-31", 422),
        (f"/api/v1/locations/{HOME}/opening-hours?start=0001-01-01", 422),
        (f"/api/v1/locations/{HOME}/opening-hours?start=2030-02-30", 422),
        ("/api/v1/availability?services=anmeldung&start=9999-12-31", 422),
        (f"/appointments/staff/{HOME}/?date=0001-01-01", 200),  # falls back to today
        (f"/appointments/staff/{HOME}/?date=2030-02-30", 200),
        (f"/appointments/staff/{HOME}/new/?services=anmeldung&after=0001-01-01", 200),
    ],
)
def test_impossible_and_far_dates_never_answer_500(lead, url, status):
    response = lead.get(url)
    assert response.status_code == status
    if "after=" in url:  # the search form says what is wrong and shows no times
        assert "01.01.2000" in response.content.decode()


@pytest.fixture
def administrator(demo_city, client_as) -> Client:
    return client_as(Role.ADMINISTRATOR)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [("0001-01-01", None, "valid_from"), ("2030-01-01", "9999-12-31", "valid_until")],
)
def test_far_dates_of_a_timetable_are_refused_by_api_and_admin(administrator, first, last, field):
    location = Location.objects.get(slug=HOME)
    with unchanged(WeeklySchedule, ScheduleRule):
        api = administrator.post(
            f"/api/v1/locations/{HOME}/schedules",
            data=json.dumps(
                {
                    "valid_from": first,
                    "valid_until": last,
                    "rules": [{"weekday": 0, "opens": "08:00", "closes": "12:00"}],
                }
            ),
            content_type="application/json",
        )
        admin = administrator.post(
            "/admin/catalog/closure/add/",
            {"location": location.pk, "start_date": first, "end_date": last or first},
        )
    assert api.status_code == 422
    assert {e["field"] for e in problem(api)["errors"]} == {field}
    assert admin.status_code == 200  # the form again, with the error, nothing saved
    assert "2099" in admin.content.decode()


def test_a_waitlist_request_for_far_days_is_refused(demo_city, client):
    with unchanged(WaitlistEntry):
        response = ask_to_wait(client, date_from="0001-01-01", date_to="9999-12-31")
    assert response.status_code == 422
    assert {e["field"] for e in problem(response)["errors"]} == {"date_from", "date_to"}


def test_a_timetable_time_with_a_zone_suffix_is_refused(administrator):
    with unchanged(WeeklySchedule, ScheduleRule):
        response = administrator.post(
            f"/api/v1/locations/{HOME}/schedules",
            data=json.dumps(
                {
                    "valid_from": "2030-01-01",
                    "rules": [{"weekday": 0, "opens": "08:00Z", "closes": "12:00+01:00"}],
                }
            ),
            content_type="application/json",
        )
    assert response.status_code == 422
    fields = {e["field"] for e in problem(response)["errors"]}
    assert fields == {"rules.0.opens", "rules.0.closes"}


@pytest.mark.parametrize(
    "url",
    [
        "/appointments/manage/abc%00def/",
        "/visits/t/%00/",
        "/api/v1/appointments/abc%00def",
        "/api/v1/services/anm%00eldung",
        "/services/anm%00eldung/",
    ],
)
def test_nul_bytes_in_paths_are_a_page_that_does_not_exist(demo_city, client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/services?q=a%00b",
        "/api/v1/availability?services=anmeldung%00",
        "/?q=Anmeldung%01",
        "/appointments/?services=anmeldung&near=200%0099",
    ],
)
def test_control_characters_in_query_parameters_are_refused(demo_city, client, url):
    response = client.get(url)
    assert response.status_code == 422


def test_control_characters_and_bidi_overrides_in_json_and_forms_are_refused(demo_city, client):
    with unchanged(Appointment):
        api = client.post(
            "/api/v1/appointments",
            data=json.dumps(
                {
                    "location": HOME,
                    "services": ["anmeldung"],
                    "start": "2030-01-15T09:00:00+01:00",
                    "name": "Anna \u202eredrO",
                    "email": "anna@example.org",
                }
            ),
            content_type="application/json",
        )
    body = problem(api)
    assert api.status_code == 422
    assert body["errors"][0]["field"] == "name"
    feedback = client.post(
        "/accessibility/", {"message": "Kontrast\x00zu gering", "name": "Ana\x07"}
    )
    assert feedback.status_code == 422
    assert feedback.content.decode().count("Steuer- oder Formatierungszeichen") >= 2


HIDDEN = {
    "NUL": "\x00",
    "right-to-left mark": "\u200f",
    "left-to-right mark": "\u200e",
    "Arabic letter mark": "\u061c",
    "zero-width space": "\u200b",
    "byte order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "right-to-left isolate": "\u2067",
    "non-character of plane 1": "\U0001fffe",
    "non-character U+FDD0": "\ufdd0",
    "private use": "\ue000",
    "tag letter": "\U000e0041",
    "musical format control": "\U0001d173",
}


@pytest.mark.parametrize("hidden", HIDDEN.values(), ids=HIDDEN.keys())
def test_invisible_formatting_and_non_characters_in_a_name_are_refused(demo_city, client, hidden):
    with unchanged(Appointment, WaitlistEntry):
        response = ask_to_wait(client, name=f"Anna{hidden}Berg")
    assert response.status_code == 422
    assert [error["field"] for error in problem(response)["errors"]] == ["name"]


@pytest.mark.parametrize(
    "name",
    # DIN 91379 names, and the joiners Persian and Indic scripts need
    ["Çağlar Ğüneş-Ørsted", "Nguyễn Thị Minh Khai", "Ólafsdóttir", "O'Brien", "می\u200cخواهم"],
)
def test_names_of_din_91379_and_joiners_are_text_a_person_may_send(name):
    assert not text_refused(name)
    assert re.fullmatch(TEXT_PATTERN, name)


def test_the_published_text_pattern_reads_alike_in_javascript():
    """JSON Schema patterns are JavaScript regular expressions: only \\uXXXX escapes (no
    \\U…, which JavaScript reads as the letter U), ranges in ascending order."""
    body = TEXT_PATTERN.removeprefix("^[^").removesuffix("]*$")
    assert re.fullmatch(r"(\\u[0-9a-f]{4}(-\\u[0-9a-f]{4})?)+", body)
    for low, high in re.findall(r"\\u([0-9a-f]{4})-\\u([0-9a-f]{4})", body):
        assert int(low, 16) <= int(high, 16)
    assert not re.fullmatch(TEXT_PATTERN, "a\u200fb")


def test_json_sent_as_plain_text_from_a_foreign_form_is_refused(demo_city, client):
    with unchanged(Appointment):
        response = client.post(
            "/api/v1/appointments",
            data=json.dumps({"location": HOME, "services": ["anmeldung"]}),
            content_type="text/plain",
        )
    assert response.status_code == 415
    assert problem(response)["type"].endswith("/unsupported-media-type")


def test_a_body_over_the_limit_is_413_not_500(demo_city, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(
        "/api/v1/appointments", data="{" + " " * 20_000 + "}", content_type="application/json"
    )
    assert response.status_code == 413
    assert problem(response)["type"].endswith("/too-large")
    assert (
        client.post("/api/v1/appointments", data="{nope", content_type="application/json")[
            "Content-Type"
        ]
        == "application/problem+json"
    )


def test_a_time_with_a_zone_suffix_is_refused_on_every_database(lead):
    with unchanged(Closure):
        response = lead.post(
            f"/api/v1/locations/{HOME}/closures",
            data=json.dumps(
                {
                    "start_date": "2030-01-15",
                    "end_date": "2030-01-15",
                    "start_time": "10:00Z",
                    "end_time": "12:00Z",
                }
            ),
            content_type="application/json",
        )
    assert response.status_code == 422
    assert {e["field"] for e in problem(response)["errors"]} >= {"start_time", "end_time"}


@pytest.mark.parametrize("number", ["-99999999999999999999999", "99999999999999999999999"])
def test_a_huge_id_is_refused_not_a_crash(demo_city, client_as, number):
    admin = client_as(Role.ADMINISTRATOR)
    assert admin.delete(f"/api/v1/closures/{number}").status_code in (404, 422)
    assert admin.get(f"/admin/catalog/closure/{number}/change/").status_code in (302, 404, 422)
    counter = admin.post(f"/visits/counter/{number}/", {"action": "call-next"})
    assert counter.status_code in (404, 422)


def test_the_404_page_never_links_to_another_site(demo_city, client):
    page = client.get("/en//evil.example/x").content.decode()
    assert 'href="//evil.example' not in page
    assert 'href="/evil.example/x?lang=de"' in page


DATABASE_AWAY = """
from django.test import Client
client = Client(HTTP_HOST="localhost")
for url in ("/locations/", "/api/v1/services"):
    response = client.get(url)
    print(url, response.status_code, response.get("Retry-After"), response["Content-Type"])
"""


def test_a_database_that_is_away_answers_503_with_retry_after():
    result = run_django(
        DATABASE_AWAY,
        DATABASE_URL="postgres://postgres@127.0.0.1:9/nowhere",
        ALLOWED_HOSTS="localhost",
        LOG_LEVEL="CRITICAL",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("/locations/ 503 30 text/html"), lines
    assert lines[1].startswith("/api/v1/services 503 30 application/problem+json"), lines


def test_wrong_passwords_from_one_address_behind_the_proxy_lock_only_that_address(
    make_staff, settings
):
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 3
    clerk = make_staff(Role.CLERK)

    def sign_in(password: str, client_ip: str) -> int:
        return (
            Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client_ip)
            .post("/staff/login/", {"username": clerk.username, "password": password})
            .status_code
        )

    for _ in range(3):
        sign_in("wrong", "203.0.113.9")
    assert sign_in("a-long-test-password", "203.0.113.9") == 429  # locked for the attacker
    assert sign_in("a-long-test-password", "198.51.100.7") == 302  # not for Erika elsewhere


def test_staff_booking_keeps_the_chosen_time_after_an_error(demo_city, client_as):
    desk = client_as(Role.FRONT_DESK, locations=[HOME])
    url = f"/appointments/staff/{HOME}/new/?services=anmeldung"
    page = desk.get(url).content.decode()
    times = re.findall(r'name="start" id="start-\d+" value="([^"]+)"', page)
    assert len(times) >= 2
    with unchanged(Appointment):
        again = desk.post(url, {"start": times[1], "name": "Erika", "email": "not-an-address"})
    assert again.status_code == 422
    checked = re.findall(r'value="([^"]+)" checked', again.content.decode())
    assert checked == [times[1]]


def test_a_staff_search_from_a_past_day_starts_today(lead):
    """A search "from" a day long past is not a walk through years of empty days: it starts
    today, exactly like a search without a day."""
    base = f"/appointments/staff/{HOME}/new/?services=anmeldung"
    past = lead.get(f"{base}&after=2000-01-01")
    plain = lead.get(base)
    assert past.status_code == plain.status_code == 200
    times = past.context["times"]
    assert times
    assert times == plain.context["times"]
    assert min(t["start"].date() for t in times) >= dt.date.today()
