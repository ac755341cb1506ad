"""Resolving a Hamburg postcode, address or district to a point from the GeoNames postcode file."""

from __future__ import annotations

import csv

import pytest
from django.utils import translation

from hamburg_service.catalog.places import (
    POSTCODES_CSV,
    near_resolve,
    place_error,
    place_resolve,
)
from hamburg_service.core.errors import InvalidInput


def _rows() -> dict[str, dict[str, str]]:
    with POSTCODES_CSV.open(encoding="utf-8", newline="") as f:
        return {row["postcode"]: row for row in csv.DictReader(f)}


ROWS = _rows()


def _point(postcode: str) -> tuple[float, float]:
    return float(ROWS[postcode]["latitude"]), float(ROWS[postcode]["longitude"])


def _mean(postcodes: list[str]) -> tuple[float, float]:
    points = [_point(code) for code in postcodes]
    return (
        round(sum(p[0] for p in points) / len(points), 4),
        round(sum(p[1] for p in points) / len(points), 4),
    )


def _with_district(name: str) -> list[str]:
    return sorted(code for code, row in ROWS.items() if name in row["place"].split(" / "))


def test_the_file_holds_hamburg_postcodes_with_points_inside_hamburg():
    assert len(ROWS) == 102
    for code, row in ROWS.items():
        assert code == "27499" or code[:2] in {"20", "21", "22"}, code
        if code != "27499":  # Neuwerk, an island in the North Sea, belongs to Hamburg
            assert 53.38 < float(row["latitude"]) < 53.75, code
            assert 9.7 < float(row["longitude"]) < 10.33, code


def test_a_postcode_resolves_to_its_own_point_and_is_named_with_its_districts():
    place = place_resolve("20099")
    assert place is not None
    assert place.label == "20099 " + ROWS["20099"]["place"]
    assert "Sankt Georg" in place.label
    assert (place.latitude, place.longitude) == _point("20099")
    assert place.postcodes == ("20099",)


def test_an_address_is_resolved_by_the_postcode_in_it():
    place = place_resolve("Kirchenallee 1, 20099 Hamburg")
    assert place == place_resolve("20099")


def test_a_district_under_several_postcodes_is_the_mean_of_their_points():
    place = place_resolve("Ottensen")
    assert place is not None
    assert place.label == "Ottensen"
    expected = _with_district("Ottensen")
    assert len(expected) > 1
    assert place.postcodes == tuple(expected)
    assert (place.latitude, place.longitude) == _mean(expected)


@pytest.mark.parametrize(
    "text",
    ["Harburg", "harburg", "HARBURG", "  Harburg ", "Hamburg-Harburg", "Harburg, Hamburg"],
)
def test_a_district_is_found_whatever_the_case_and_with_the_city_named(text):
    place = place_resolve(text)
    assert place is not None
    assert place.label == "Harburg"
    assert (place.latitude, place.longitude) == _mean(_with_district("Harburg"))


@pytest.mark.parametrize("text", ["Eimsbüttel", "Eimsbuettel", "eimsbuttel", "EIMSBÜTTEL"])
def test_umlauts_may_be_spelled_out_or_left_off(text):
    place = place_resolve(text)
    assert place is not None
    assert place.label == "Eimsbüttel"
    assert place.postcodes == tuple(_with_district("Eimsbüttel"))


def test_st_is_read_as_sankt_and_a_street_without_postcode_falls_back_to_the_district():
    pauli = place_resolve("St. Pauli")
    assert pauli is not None
    assert pauli.label == "Sankt Pauli"
    assert place_resolve("Ottenser Hauptstraße 10, Ottensen") == place_resolve("Ottensen")


def test_a_name_shared_by_hyphenated_districts_means_all_of_them():
    altona = place_resolve("Altona")
    assert altona is not None
    expected = sorted(set(_with_district("Altona-Altstadt")) | set(_with_district("Altona-Nord")))
    assert altona.postcodes == tuple(expected)


@pytest.mark.parametrize("text", ["80331", "Marienplatz 1, 80331 München", "80331 Ottensen"])
def test_a_postcode_outside_hamburg_is_not_resolved_and_says_so(text):
    assert place_resolve(text) is None
    with translation.override("en"):
        assert place_error(text) == "80331 is not a Hamburg postcode."
    with translation.override("de"):
        assert place_error(text) == "80331 ist keine Hamburger Postleitzahl."


@pytest.mark.parametrize("text", ["", "   ", "xyz", "Hamburg", "Atlantis 12", "2009", "Berlin"])
def test_unknown_text_is_not_resolved(text):
    assert place_resolve(text) is None
    with translation.override("en"):
        assert place_error(text).startswith("We could not find this place in Hamburg.")
    with translation.override("de"):
        assert place_error(text).startswith("Diesen Ort haben wir in Hamburg nicht gefunden.")


def test_near_accepts_coordinates_and_names_the_field_on_errors():
    point = near_resolve("53.55, 10.0")
    assert (point.latitude, point.longitude) == (53.55, 10.0)
    assert near_resolve("Ottensen") == place_resolve("Ottensen")
    with pytest.raises(InvalidInput) as caught:
        near_resolve("95,10", field="where")
    assert caught.value.errors[0]["field"] == "where"
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        near_resolve("80331")
    assert caught.value.errors == [{"field": "near", "message": "80331 is not a Hamburg postcode."}]
