"""The waitlist form groups the services by agency, as the search page does, and offers only
locations that provide the chosen services (issue 10, item 10). The page's script hides the
others (tests/browser/test_waitlist_form.py); the server refuses them."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone, translation

from hamburg_service.appointments.forms import WaitlistForm
from hamburg_service.appointments.models import WaitlistEntry, WaitlistEvent
from hamburg_service.catalog.models import Location
from hamburg_service.notifications.models import Message
from tests.support.db import unchanged

URL = "/en/appointments/waitlist/"
CITY = "kundenzentrum-city"  # registration of residence, not residence permits
IMMIGRATION = "auslaenderdienststelle-altona"  # residence permits, not registration


def offers_of(html: str, slug: str) -> set[str]:
    """What the location's list item says it offers (data-offers)."""
    found = re.search(rf'<li data-offers="([^"]*)"><input[^>]* value="{slug}"', html)
    assert found, slug
    return set(found.group(1).split())


def test_services_are_grouped_by_agency_and_locations_say_what_they_offer(demo_city, client):
    html = client.get(URL).content.decode()
    residents = html.index("<legend>Residents&#x27; affairs</legend>")
    immigration = html.index("<legend>Immigration</legend>")
    assert residents < html.index('value="anmeldung"') < immigration
    assert immigration < html.index('value="aufenthaltserlaubnis-verlaengern"')
    assert html.count('class="service-group"') == 2
    city, office = offers_of(html, CITY), offers_of(html, IMMIGRATION)
    assert "anmeldung" in city
    assert "aufenthaltserlaubnis-verlaengern" not in city
    assert "aufenthaltserlaubnis-verlaengern" in office
    assert "anmeldung" not in office
    assert "appointments/waitlist.js" in html


def test_a_location_that_does_not_offer_a_chosen_service_is_refused_and_nothing_is_lost(
    demo_city, client
):
    today = timezone.localdate()
    body = {
        "services": ["anmeldung"],
        "locations": [CITY, IMMIGRATION],
        "date_from": (today + dt.timedelta(days=3)).isoformat(),
        "date_to": (today + dt.timedelta(days=10)).isoformat(),
        "name": "Erika Mustermann",
        "email": "erika@example.org",
    }
    with unchanged(WaitlistEntry, WaitlistEvent, Message):
        refused = client.post(URL, body)
    assert refused.status_code == 422
    html = refused.content.decode()
    with translation.override("en"):
        office = Location.objects.get(slug=IMMIGRATION).name
        city = Location.objects.get(slug=CITY).name
    error = re.search(r'<p class="field-error" id="locations-error">(.*?)</p>', html, re.S)
    assert error, "the message stands at the locations"
    assert f"{office} does not offer:" in error.group(1)
    assert city not in error.group(1)
    assert '<a href="#id_locations_0">' in html  # and in the summary, linked to the field
    # Nothing typed is lost: the person, the days, the services and the ticked locations.
    for value in ("Erika Mustermann", "erika@example.org", body["date_from"], body["date_to"]):
        assert f'value="{value}"' in html
    for slug in ("anmeldung", CITY, IMMIGRATION):
        assert re.search(rf'value="{slug}"[^>]*checked', html), slug


def test_locations_that_offer_every_chosen_service_are_accepted(demo_city):
    today = timezone.localdate()
    form = WaitlistForm(
        {
            "services": ["anmeldung", "reisepass"],
            "locations": [CITY],
            "date_from": (today + dt.timedelta(days=3)).isoformat(),
            "date_to": (today + dt.timedelta(days=10)).isoformat(),
            "name": "Erika Mustermann",
            "email": "erika@example.org",
        }
    )
    assert form.is_valid(), form.errors
    refused = WaitlistForm({**form.data, "locations": [CITY, IMMIGRATION]})
    assert not refused.is_valid()
    assert list(refused.errors) == ["locations"]
