"""The public API: schema, content, language and RFC 9457 error bodies."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.usefixtures("demo_city")
PROBLEM = "application/problem+json"
PROBLEM_TYPES = "https://service.hamburg.example/problems/"


def test_openapi_schema_lists_the_catalogue_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/v1/services",
        "/api/v1/services/{slug}",
        "/api/v1/locations",
        "/api/v1/locations/{slug}",
        "/api/v1/locations/{slug}/opening-hours",
        "/api/v1/districts",
    ):
        assert "get" in paths[path], path
    params = {
        p["name"] for p in paths["/api/v1/locations/{slug}/opening-hours"]["get"]["parameters"]
    }
    assert {"start", "end", "service", "purpose"} <= params


def test_service_search_finds_words_in_either_language(client):
    german = [s["slug"] for s in client.get("/api/v1/services", {"q": "Anmeldung"}).json()]
    assert german[0] == "anmeldung"
    english = [s["slug"] for s in client.get("/api/v1/services", {"q": "passport"}).json()]
    assert "reisepass" in english
    folded = [s["slug"] for s in client.get("/api/v1/services", {"q": "Fuehrungszeugnis"}).json()]
    assert folded == [
        s["slug"] for s in client.get("/api/v1/services", {"q": "Führungszeugnis"}).json()
    ]
    assert folded
    only_immigration = client.get("/api/v1/services", {"agency": "immigration"}).json()
    assert only_immigration
    assert {s["agency"] for s in only_immigration} == {"immigration"}


def test_texts_follow_accept_language_and_fall_back_to_german(client):
    de = client.get("/api/v1/services/reisepass").json()
    en = client.get("/api/v1/services/reisepass", headers={"accept-language": "en"}).json()
    fr = client.get("/api/v1/services/reisepass", headers={"accept-language": "fr"}).json()
    assert de["name"] != en["name"]
    assert fr["name"] == de["name"]
    assert "kundenzentrum-city" in de["locations"]


def test_location_detail_has_address_accessibility_and_services(client):
    body = client.get("/api/v1/locations/kundenzentrum-city").json()
    assert body["address"]["postcode"].isdigit()
    assert 53 < body["address"]["latitude"] < 54
    assert isinstance(body["accessibility"]["step_free"], bool)
    assert "anmeldung" in body["services"]
    assert body["district"]["slug"] == "hamburg-mitte"


def test_opening_hours_for_a_week_with_capacity(client):
    monday = dt.date(2030, 1, 7)
    body = client.get(
        "/api/v1/locations/kundenzentrum-city/opening-hours",
        {
            "start": monday.isoformat(),
            "end": (monday + dt.timedelta(days=6)).isoformat(),
            "service": "anmeldung",
        },
    ).json()
    assert body["time_zone"] == "Europe/Berlin"
    assert next(d["date"] for d in body["days"]) == "2030-01-07"
    assert len(body["days"]) == 7
    first = body["days"][0]
    assert first["open"]
    assert first["open"][0]["start"].endswith("+01:00")
    assert first["capacity"][0]["counters"] >= 1
    sunday = body["days"][6]
    assert sunday["open"] == []
    assert sunday["capacity"] == []


def test_holiday_is_named_and_closed(client):
    body = client.get(
        "/api/v1/locations/kundenzentrum-city/opening-hours",
        {"start": "2030-10-03", "end": "2030-10-03"},
        headers={"accept-language": "en"},
    ).json()
    assert body["days"][0]["open"] == []
    assert body["days"][0]["holiday"] == "German Unity Day"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2030-13-01"}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"start": "2030-01-10", "end": "2030-01-01"}, "end"),
        ({"start": "2030-01-01", "end": "2032-01-01"}, "end"),
        ({"purpose": "lunch"}, "purpose"),
    ],
)
def test_malformed_parameters_give_422_naming_the_field(client, params, field):
    response = client.get("/api/v1/locations/kundenzentrum-city/opening-hours", params)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422
    assert body["type"] == f"{PROBLEM_TYPES}invalid-input"
    assert body["instance"] == "/api/v1/locations/kundenzentrum-city/opening-hours"
    assert field in {e["field"] for e in body["errors"]}


def test_error_messages_are_in_the_users_language(client):
    url = "/api/v1/locations/kundenzentrum-city/opening-hours"
    params = {"start": "2030-01-10", "end": "2030-01-01"}
    german = client.get(url, params).json()
    english = client.get(url, params, headers={"accept-language": "en"}).json()
    assert english["errors"][0]["message"] == "The end date lies before the start date."
    assert german["errors"][0]["message"] != english["errors"][0]["message"]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/api/v1/services/no-such-service", "service-unknown"),
        ("/api/v1/locations/no-such-place", "location-unknown"),
        ("/api/v1/locations/no-such-place/opening-hours", "location-unknown"),
        ("/api/v1/locations?service=no-such-service", "service-unknown"),
        ("/api/v1/no-such-endpoint", "not-found"),
    ],
)
def test_unknown_ids_give_404_problem_details(client, url, code):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert body["type"] == f"{PROBLEM_TYPES}{code}"
    assert body["title"]


def test_unexpected_failure_is_a_500_problem_without_internals(client, monkeypatch):
    from hamburg_service.catalog import selectors

    def broken(**kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(selectors, "services_search", broken)
    client.raise_request_exception = False
    response = client.get("/api/v1/services")
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == f"{PROBLEM_TYPES}internal-error"
    assert "secret internal detail" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
