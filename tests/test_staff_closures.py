"""Location leads close their location (or some counters) from the staff page."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.accounts.models import Role
from hamburg_service.catalog import selectors
from hamburg_service.catalog.models import CatalogEvent, Closure, Counter, Location
from tests.support.db import unchanged

pytestmark = pytest.mark.usefixtures("demo_city")
HOME = "kundenzentrum-city"
URL = f"/staff/locations/{HOME}/"
MONDAY = dt.date(2030, 1, 7)


def test_lead_closes_two_counters_for_an_afternoon(client_as):
    lead = client_as(Role.LOCATION_LEAD, locations=[HOME])
    counters = list(Counter.objects.filter(location__slug=HOME).order_by("name")[:2])
    response = lead.post(
        URL,
        {
            "start_date": MONDAY.isoformat(),
            "end_date": MONDAY.isoformat(),
            "start_time": "12:00",
            "end_time": "14:00",
            "counters": [c.pk for c in counters],
            "reason_de": "Schulung",
        },
    )
    assert response.status_code == 302
    closure = Closure.objects.get()
    assert set(closure.counters.all()) == set(counters)
    event = CatalogEvent.objects.get(kind="closure_created", object_id=closure.pk)
    assert event.actor.is_staff
    location = Location.objects.get(slug=HOME)
    day = selectors.opening_hours(location=location, start=MONDAY, end=MONDAY)[0]
    total = Counter.objects.filter(location=location, is_active=True).count()
    by_hour = {i.start.hour: i.counters for i in day.capacity}
    assert by_hour[12] == total - 2
    assert day.open  # the location itself stays open
    assert "Schulung" in lead.get(URL).content.decode()


def test_invalid_closure_is_refused_with_the_input_kept(client_as):
    lead = client_as(Role.LOCATION_LEAD, locations=[HOME])
    with unchanged(Closure, CatalogEvent):
        response = lead.post(
            URL,
            {
                "start_date": "2030-01-10",
                "end_date": "2030-01-08",
                "start_time": "12:00",
                "reason_de": "Umbau der Wartezone",
            },
        )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Umbau der Wartezone" in html
    assert 'value="2030-01-10"' in html
    assert "error-summary" in html


def test_clerk_sees_closures_but_cannot_add_or_remove_them(client_as):
    clerk = client_as(Role.CLERK, locations=[HOME])
    page = clerk.get(URL)
    assert page.status_code == 200
    assert 'name="start_date"' not in page.content.decode()
    closure = Closure.objects.create(
        location=Location.objects.get(slug=HOME), start_date=MONDAY, end_date=MONDAY
    )
    with unchanged(Closure, CatalogEvent):
        added = clerk.post(URL, {"start_date": "2030-01-08", "end_date": "2030-01-08"})
        removed = clerk.post(f"/staff/closures/{closure.pk}/delete/")
    assert added.status_code == 403
    assert removed.status_code == 403


def test_lead_removes_a_closure_of_their_location_only(client_as):
    lead = client_as(Role.LOCATION_LEAD, locations=[HOME])
    own = Closure.objects.create(
        location=Location.objects.get(slug=HOME), start_date=MONDAY, end_date=MONDAY
    )
    other = Closure.objects.create(
        location=Location.objects.get(slug="kundenzentrum-altona"),
        start_date=MONDAY,
        end_date=MONDAY,
    )
    with unchanged(Closure, CatalogEvent):
        assert lead.post(f"/staff/closures/{other.pk}/delete/").status_code == 403
    assert lead.post(f"/staff/closures/{own.pk}/delete/").status_code == 302
    assert list(Closure.objects.all()) == [other]
