"""Search nearest to a point: only the nearest locations, nearest first, with the distance."""

from __future__ import annotations

import pytest
import time_machine

from hamburg_service.appointments.selectors import distance_km

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
