"""What people type to find a service, and the service they mean (the first hit), in German
and English: a table to keep the search honest when services or words change."""

from __future__ import annotations

import pytest

from hamburg_service.catalog.selectors import services_search

FIRST_HITS = [
    ("register address", "anmeldung"),
    ("Anmeldung", "anmeldung"),
    ("Ummeldung", "anmeldung"),
    ("Umzug nach Hamburg", "anmeldung"),
    ("abmelden", "abmeldung"),
    ("deregister", "abmeldung"),
    ("Personalausweis", "personalausweis"),
    ("ID card", "personalausweis"),
    ("Reisepass", "reisepass"),
    ("passport", "reisepass"),
    ("Meldebescheinigung", "meldebescheinigung"),
    ("proof of address", "meldebescheinigung"),
    ("Hund anmelden", "hunderegistrierung"),
    ("fishing", "fischereischein"),
    ("Kirchenaustritt", "kirchenaustritt"),
    ("Fuehrungszeugnis", "fuehrungszeugnis"),
    ("Blue Card", "blaue-karte-eu"),
    ("Niederlassungserlaubnis", "niederlassungserlaubnis"),
    ("Fiktionsbescheinigung", "fiktionsbescheinigung"),
    ("residence permit extension", "aufenthaltserlaubnis-verlaengern"),
    ("visa extension", "aufenthaltserlaubnis-verlaengern"),
    ("Aufenthaltserlaubnis verlängern", "aufenthaltserlaubnis-verlaengern"),
    ("Verpflichtungserklärung", "verpflichtungserklaerung"),
]


@pytest.mark.parametrize(("query", "slug"), FIRST_HITS, ids=[q for q, _ in FIRST_HITS])
def test_the_service_people_mean_comes_first(demo_city, query, slug):
    found = services_search(query=query)
    assert found, f"{query!r} finds nothing"
    assert found[0].slug == slug, [s.slug for s in found[:3]]
