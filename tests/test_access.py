"""The access layer scopes by location and by agency: a caseworker of one agency sees only
locations that serve it, city-wide roles everything, and nobody acts where no role grants."""

from __future__ import annotations

import pytest

from hamburg_service.accounts.access import agencies_for, has_perm, location_for, locations_for
from hamburg_service.accounts.models import Role
from hamburg_service.accounts.permissions import CatalogPerm, VisitsPerm
from hamburg_service.catalog.models import Location
from hamburg_service.core.errors import Forbidden, NotFound

RESIDENTS = "kundenzentrum-city"
IMMIGRATION = "auslaenderdienststelle-hamburg-mitte"


@pytest.fixture
def places(demo_city):
    return Location.objects.get(slug=RESIDENTS), Location.objects.get(slug=IMMIGRATION)


def test_a_registration_caseworker_is_scoped_to_residents_affairs(places, make_staff):
    residents, immigration = places
    worker = make_staff(Role.CASEWORKER_REGISTRATION, locations=[RESIDENTS, IMMIGRATION])
    assert agencies_for(worker, CatalogPerm.LOCATION_VIEW) == {"residents"}
    assert has_perm(worker, CatalogPerm.LOCATION_VIEW, residents)
    assert not has_perm(worker, CatalogPerm.LOCATION_VIEW, immigration)
    assert not has_perm(worker, CatalogPerm.LOCATION_VIEW, agency="immigration")
    assert set(locations_for(worker, CatalogPerm.LOCATION_VIEW).values_list("slug", flat=True)) == {
        RESIDENTS
    }
    with pytest.raises(Forbidden):
        location_for(worker, IMMIGRATION, CatalogPerm.LOCATION_VIEW)


def test_an_immigration_caseworker_is_scoped_to_immigration(places, make_staff):
    residents, immigration = places
    worker = make_staff(Role.CASEWORKER_IMMIGRATION, locations=[RESIDENTS, IMMIGRATION])
    assert agencies_for(worker, CatalogPerm.LOCATION_VIEW) == {"immigration"}
    assert has_perm(worker, CatalogPerm.LOCATION_VIEW, immigration)
    assert not has_perm(worker, CatalogPerm.LOCATION_VIEW, residents)


def test_city_wide_roles_act_everywhere_for_both_agencies(places, make_staff):
    manager = make_staff(Role.MANAGER)
    assert agencies_for(manager, CatalogPerm.LOCATION_VIEW) == {"residents", "immigration"}
    assert locations_for(manager, CatalogPerm.LOCATION_VIEW).count() == Location.objects.count()
    assert agencies_for(manager, VisitsPerm.COUNTER) == frozenset()  # no role grants it


def test_two_roles_grant_exactly_their_union(places, make_staff):
    residents, immigration = places
    # Lead at the residents' centre, registration caseworker there too: nothing at immigration.
    both = make_staff(Role.LOCATION_LEAD, Role.CASEWORKER_REGISTRATION, locations=[RESIDENTS])
    assert has_perm(both, VisitsPerm.KIOSK_MANAGE, residents)
    assert not has_perm(both, VisitsPerm.KIOSK_MANAGE, immigration)
    assert not has_perm(both, CatalogPerm.LOCATION_VIEW, immigration)


def test_an_unknown_location_is_not_found_and_a_foreign_one_forbidden(places, make_staff):
    clerk = make_staff(Role.CLERK, locations=[RESIDENTS])
    with pytest.raises(NotFound):
        location_for(clerk, "no-such-place", VisitsPerm.COUNTER)
    with pytest.raises(Forbidden):
        location_for(clerk, "kundenzentrum-altona", VisitsPerm.COUNTER)
    assert location_for(clerk, RESIDENTS, VisitsPerm.COUNTER).slug == RESIDENTS
