"""Search nearest to a point: only the nearest locations, nearest first, with the distance."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import unquote

import pytest
import time_machine

from hamburg_service.appointments.selectors import distance_km
from hamburg_service.catalog.places import place_resolve
from hamburg_service.core.api_schemas import TEXT_PATTERN

from .conftest import NOW


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_distance_between_town_hall_and_altona_is_about_three_km():
    assert 2.5 < distance_km(53.5503, 9.9924, 53.5503, 9.9350) < 4.5


def test_near_limits_the_search_to_the_nearest_locations(city, client):
    city.other.latitude, city.other.longitude = 53.60, 10.10
    city.other.save()
    near_centre = client.get(
        "/api/v1/availability", {"services": "anmeldung", "near": "53.55,10.0", "nearest": 1}
    ).json()
    assert {row["location"] for row in near_centre} == {"centre"}
    assert near_centre[0]["distance_km"] == 0.0
    both = client.get(
        "/api/v1/availability",
        {"services": "anmeldung", "near": "53.61,10.11", "nearest": 2, "limit": 6},
    ).json()
    assert both[0]["location"] == "other"
    distances = [row["distance_km"] for row in both]
    assert distances == sorted(distances)


@pytest.mark.parametrize("near", ["hamburg", "53.5", "200,10", "53.5;10.0"])
def test_a_malformed_point_is_422_naming_near(city, client, near):
    response = client.get("/api/v1/availability", {"services": "anmeldung", "near": near})
    assert response.status_code == 422
    assert "near" in {e["field"] for e in response.json()["errors"]}


# --- near a Hamburg postcode, address or district ----------------------------------------------

SEARCH = "/appointments/"
SANKT_GEORG = (53.5530, 10.0069)  # "centre", by the main station
HARBURG = (53.4604, 9.9837)  # "other", in Harburg


@pytest.fixture
def spread(city):
    """The two locations of the small city, moved apart: one central, one in Harburg."""
    for location, (lat, lon) in ((city.location, SANKT_GEORG), (city.other, HARBURG)):
        location.latitude, location.longitude = lat, lon
        location.save()
    return city


def _km(place, point) -> float:
    return round(distance_km(place.latitude, place.longitude, *point), 1)


@pytest.mark.parametrize("near", ["20099", "Kirchenallee 1, 20099 Hamburg"])
def test_near_a_postcode_ranks_locations_by_distance_from_it(spread, client, near):
    rows = client.get(
        "/api/v1/availability", {"services": "anmeldung", "near": near, "limit": 8}
    ).json()
    place = place_resolve("20099")
    assert {row["location"] for row in rows} == {"centre", "other"}
    assert [row["location"] for row in rows[:4]] == ["centre"] * 4  # nearest first
    by_location = {row["location"]: row["distance_km"] for row in rows}
    assert by_location == {"centre": _km(place, SANKT_GEORG), "other": _km(place, HARBURG)}
    assert by_location["centre"] < 1 < 9 < by_location["other"]
    distances = [row["distance_km"] for row in rows]
    assert distances == sorted(distances)


def test_near_a_district_with_nearest_one_keeps_only_that_location(spread, client):
    rows = client.get(
        "/api/v1/availability", {"services": "anmeldung", "near": "Harburg", "nearest": 1}
    ).json()
    assert rows
    assert {row["location"] for row in rows} == {"other"}
    assert rows[0]["distance_km"] == _km(place_resolve("Harburg"), HARBURG)


def test_near_coordinates_still_work_next_to_place_names(spread, client):
    rows = client.get(
        "/api/v1/availability", {"services": "anmeldung", "near": "53.46,9.98", "nearest": 1}
    ).json()
    assert {row["location"] for row in rows} == {"other"}
    assert rows[0]["distance_km"] == round(distance_km(53.46, 9.98, *HARBURG), 1)


@pytest.mark.parametrize(
    ("near", "language", "message"),
    [
        ("80331", "de", "80331 ist keine Hamburger Postleitzahl."),
        ("Marienplatz 1, 80331 München", "en", "80331 is not a Hamburg postcode."),
        ("Atlantis", "en", "We could not find this place in Hamburg."),
        ("Atlantis", "de", "Diesen Ort haben wir in Hamburg nicht gefunden."),
    ],
)
def test_a_place_outside_hamburg_or_unknown_is_422_naming_near(
    spread, client, near, language, message
):
    response = client.get(
        "/api/v1/availability",
        {"services": "anmeldung", "near": near},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["near"]
    assert errors[0]["message"].startswith(message)


def test_the_openapi_description_of_near_names_places_and_the_attribution(client):
    schema = client.get("/api/v1/openapi.json").json()
    parameters = schema["paths"]["/api/v1/availability"]["get"]["parameters"]
    near = next(p for p in parameters if p["name"] == "near")
    assert "postcode" in near["description"]
    assert "GeoNames" in near["description"]
    assert near["schema"]["maxLength"] == 100
    # The only pattern is the one every string has (no control characters): places pass it.
    assert near["schema"]["pattern"] == TEXT_PATTERN
    assert re.fullmatch(TEXT_PATTERN, "Ottensen, 22765 Hamburg-Altona")


def _page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_search_page_near_a_postcode_names_the_place_and_shows_distances(spread, client):
    page = _page(client.get(SEARCH, {"services": "anmeldung", "near": "20099"}))
    place = place_resolve("20099")
    assert f'<p class="near-place">In der Nähe von {place.label}</p>' in page
    centre_km = f"{_km(place, SANKT_GEORG):.1f}".replace(".", ",")
    other_km = f"{_km(place, HARBURG):.1f}".replace(".", ",")
    assert f"Centre, {centre_km} km</h4>" in page  # German decimal comma
    assert f"Other, {other_km} km</h4>" in page
    assert 'value="20099"' in page  # the input is kept
    assert "In der Nähe von (Postleitzahl oder Stadtteil)" in page
    assert "GeoNames" in page
    assert "CC BY 4.0" in page


def test_search_page_searches_only_the_nearest_locations(spread, client, monkeypatch):
    monkeypatch.setattr("hamburg_service.appointments.views.NEAREST_DEFAULT", 1)
    page = _page(client.get(SEARCH, {"services": "anmeldung", "near": "Harburg"}))
    assert "location=other" in page
    assert "location=centre" not in page
    assert "In der Nähe von Harburg" in page


def test_search_page_in_english(spread, client):
    page = _page(client.get("/en" + SEARCH, {"services": "anmeldung", "near": "Eimsbuettel"}))
    assert '<html lang="en">' in page
    assert "Near (postcode or district)" in page
    assert '<p class="near-place">Nearest to Eimsbüttel</p>' in page
    km = _km(place_resolve("Eimsbüttel"), SANKT_GEORG)
    assert f"Centre, {km:.1f} km</h4>" in page
    assert "Postcode data © " in page


def test_search_page_without_near_shows_no_distance(spread, client):
    page = _page(client.get(SEARCH, {"services": "anmeldung"}))
    assert "near-place" not in page
    assert " km</h4>" not in page


@pytest.mark.parametrize(
    ("prefix", "near", "message"),
    [
        ("", "80331", "80331 ist keine Hamburger Postleitzahl."),
        ("/en", "80331", "80331 is not a Hamburg postcode."),
        ("", "Atlantis", "Diesen Ort haben wir in Hamburg nicht gefunden."),
        ("/en", "Atlantis", "We could not find this place in Hamburg."),
    ],
)
def test_search_page_shows_a_bad_place_at_the_field_and_keeps_the_input(
    spread, client, prefix, near, message
):
    page = _page(
        client.get(
            prefix + SEARCH,
            {"services": "anmeldung", "near": near, "time_of_day": "morning"},
        )
    )
    assert 'class="error-summary"' in page
    assert 'href="#id_near"' in page
    assert re.search(r'<p class="field-error" id="id_near-error">' + re.escape(message), page)
    field = re.search(r"<input[^>]*name=\"near\"[^>]*>", page)
    assert field is not None
    assert f'value="{near}"' in field.group(0)
    assert 'aria-invalid="true"' in field.group(0)
    assert "id_near-error" in field.group(0)
    assert re.search(r'value="anmeldung"[^>]*checked', page)  # the other choices are kept
    assert re.search(r'<option value="morning" selected>', page)
    assert 'id="times-heading"' not in page  # nothing searched


def _day_groups(page: str) -> list[list[str]]:
    """Per day of the results, the locations in the order shown."""
    days = page.split("<h3>")[1:]
    return [re.findall(r'<h4 class="times-location">([^,<]+),', day) for day in days]


def test_near_results_show_the_nearest_location_first_within_each_day(spread, client):
    """Issue 10.7: near Harburg, each day lists Harburg's times before the centre's."""
    page = _page(client.get(SEARCH, {"services": "anmeldung", "near": "Harburg"}))
    groups = _day_groups(page)
    assert groups
    assert all(day[0] == "Other" for day in groups)
    assert any(day == ["Other", "Centre"] for day in groups)
    page = _page(client.get(SEARCH, {"services": "anmeldung", "near": "20099"}))
    assert all(day[0] == "Centre" for day in _day_groups(page))


def test_more_times_continue_after_the_last_time_shown(spread, client):
    def starts(page: str) -> list[str]:
        return re.findall(r"start=([0-9T%A-F:+-]+)", page)

    first = _page(client.get(SEARCH, {"services": "anmeldung"}))
    more = re.search(r'<a href="([^"]+)" class="more-times">', first)
    assert more, "a full page offers more times"
    shown = [dt.datetime.fromisoformat(unquote(s)) for s in starts(first)]
    second = _page(client.get(SEARCH + html.unescape(more.group(1)).split("#")[0]))
    following = [dt.datetime.fromisoformat(unquote(s)) for s in starts(second)]
    assert following
    assert min(following) > max(shown)
    assert len(shown) <= 30
