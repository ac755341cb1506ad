"""Anmeldung, Ummeldung, Abmeldung: the two-week rule, dates, postcodes, one main residence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.people.checks import Address
from hamburg_service.people.models import Person, PersonEvent, PersonStatus, Residence
from hamburg_service.people.services import residences
from tests.support.db import unchanged

from .conftest import FLAT, HOME, NOW, ROOM, TODAY

pytestmark = pytest.mark.django_db
WRITTEN = (Person, Residence, PersonEvent)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def test_anmeldung_within_two_weeks_is_on_time(clerk, make_person):
    person = make_person()
    residence = residences.residence_register(
        person=person,
        address=HOME,
        moved_in_on=TODAY - days(14),
        landlord_confirmation="WGB-2025-0042",
        actor=clerk,
        now=NOW,
    )
    assert residence.late is False
    assert residence.registered_at == NOW
    assert residence.landlord_confirmation == "WGB-2025-0042"
    event = person.events.get(kind="moved_in")
    assert event.data["late"] is False
    assert event.data["postcode"] == "20099"


def test_anmeldung_after_two_weeks_is_recorded_as_late(clerk, make_person):
    person = make_person()
    residence = residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - days(15), actor=clerk, now=NOW
    )
    assert residence.late is True
    assert person.events.get(kind="moved_in").data["late"] is True


def test_the_day_counts_in_hamburg_not_in_utc(clerk, make_person):
    """23:30 UTC on 24 March is already 25 March in Hamburg: the 15th day after moving in."""
    person = make_person()
    late_evening = dt.datetime(2025, 3, 24, 23, 30, tzinfo=dt.UTC)
    residence = residences.residence_register(
        person=person, address=HOME, moved_in_on=dt.date(2025, 3, 10), actor=clerk, now=late_evening
    )
    assert residence.late is True
    tomorrow_here = dt.datetime(2025, 3, 10, 23, 30, tzinfo=dt.UTC)  # 11 March 00:30 in Hamburg
    other = make_person(family_name="Okafor")
    assert residences.residence_register(
        person=other, address=HOME, moved_in_on=dt.date(2025, 3, 11), actor=clerk, now=tomorrow_here
    ).moved_in_on == dt.date(2025, 3, 11)


def test_a_move_in_in_the_future_is_refused(clerk, make_person):
    person = make_person()
    with unchanged(*WRITTEN), pytest.raises(InvalidInput) as refused:
        residences.residence_register(
            person=person, address=HOME, moved_in_on=TODAY + days(1), actor=clerk, now=NOW
        )
    assert refused.value.code == "move-in-in-future"
    assert refused.value.errors[0]["field"] == "moved_in_on"


@pytest.mark.parametrize(
    ("address", "field"),
    [
        (Address("Unter den Linden", "1", "10117"), "postcode"),  # Berlin
        (Address("Kirchenallee", "1", "2009"), "postcode"),
        (Address("Kirchenallee", "eins", "20099"), "house_number"),
        (Address("", "1", "20099"), "street"),
    ],
)
def test_a_wrong_address_is_refused(clerk, make_person, address, field):
    person = make_person()
    with unchanged(*WRITTEN), pytest.raises(InvalidInput) as refused:
        residences.residence_register(
            person=person, address=address, moved_in_on=TODAY, actor=clerk, now=NOW
        )
    assert [e["field"] for e in refused.value.errors] == [field]


def test_an_unknown_postcode_names_itself(clerk, make_person):
    from django.utils import translation

    person = make_person()
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        residences.residence_register(
            person=person,
            address=Address("Marienplatz", "1", "80331"),
            moved_in_on=TODAY,
            actor=clerk,
            now=NOW,
        )
    assert refused.value.code == "postcode-unknown"
    assert "80331 is not a Hamburg postcode" in refused.value.detail


def test_only_one_current_main_residence(clerk, make_person):
    person = make_person()
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY, actor=clerk, now=NOW
    )
    with unchanged(*WRITTEN), pytest.raises(Conflict) as refused:
        residences.residence_register(
            person=person, address=FLAT, moved_in_on=TODAY, actor=clerk, now=NOW
        )
    assert refused.value.code == "main-residence-exists"
    secondary = residences.residence_register(
        person=person, address=FLAT, moved_in_on=TODAY, kind="secondary", actor=clerk, now=NOW
    )
    assert secondary.kind == "secondary"


def test_the_database_itself_refuses_a_second_current_main_residence(make_person):
    person = make_person()
    fields = {
        "person": person,
        "kind": "main",
        "street": "Kirchenallee",
        "house_number": "1",
        "postcode": "20099",
        "moved_in_on": TODAY,
        "registered_at": NOW,
    }
    Residence.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Residence.objects.create(**fields)


def test_ummeldung_ends_the_old_main_residence_the_day_before(clerk, make_person):
    person = make_person()
    old = residences.residence_register(
        person=person,
        address=HOME,
        moved_in_on=dt.date(2020, 5, 1),
        actor=clerk,
        now=NOW - days(1700),
    )
    new = residences.residence_change(
        person=person, address=FLAT, moved_in_on=TODAY - days(2), actor=clerk, now=NOW
    )
    old.refresh_from_db()
    assert old.moved_out_on == TODAY - days(3)
    assert old.ended_recorded_at == NOW
    assert (new.kind, new.moved_out_on, new.late) == ("main", None, False)
    event = person.events.get(kind="moved_within")
    assert event.data["previous"] == old.pk
    assert Residence.objects.filter(person=person, moved_out_on__isnull=True).count() == 1


def test_ummeldung_needs_a_current_residence_and_a_later_date(clerk, make_person):
    person = make_person()
    with unchanged(*WRITTEN), pytest.raises(Conflict) as none:
        residences.residence_change(
            person=person, address=FLAT, moved_in_on=TODAY, actor=clerk, now=NOW
        )
    assert none.value.code == "no-current-residence"
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - days(5), actor=clerk, now=NOW
    )
    with unchanged(*WRITTEN), pytest.raises(InvalidInput) as earlier:
        residences.residence_change(
            person=person, address=FLAT, moved_in_on=TODAY - days(5), actor=clerk, now=NOW
        )
    assert earlier.value.code == "move-before-previous"
    with unchanged(*WRITTEN), pytest.raises(InvalidInput):
        residences.residence_change(
            person=person, address=FLAT, moved_in_on=TODAY + days(1), actor=clerk, now=NOW
        )


def test_a_late_ummeldung_is_flagged(clerk, make_person):
    person = make_person()
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - days(100), actor=clerk, now=NOW - days(95)
    )
    new = residences.residence_change(
        person=person, address=ROOM, moved_in_on=TODAY - days(20), actor=clerk, now=NOW
    )
    assert new.late is True
    assert person.events.get(kind="moved_within").data["late"] is True


def test_abmeldung_ends_every_residence_and_records_where_to(clerk, make_person):
    person = make_person()
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - days(300), actor=clerk, now=NOW - days(299)
    )
    residences.residence_register(
        person=person,
        address=ROOM,
        moved_in_on=TODAY - days(200),
        kind="secondary",
        actor=clerk,
        now=NOW - days(199),
    )
    ended = residences.residence_deregister(
        person=person,
        moved_out_on=TODAY + days(5),
        new_address="Rue de Rivoli 1, 75001 Paris",
        new_country="FRA",
        actor=clerk,
        now=NOW,
    )
    assert len(ended) == 2
    person.refresh_from_db()
    assert person.status == PersonStatus.MOVED_AWAY
    assert (person.moved_away_to, person.moved_away_country) == (
        "Rue de Rivoli 1, 75001 Paris",
        "FRA",
    )
    assert set(Residence.objects.filter(person=person).values_list("moved_out_on", flat=True)) == {
        TODAY + days(5)
    }
    assert person.events.get(kind="moved_away").data["new_country"] == "FRA"
    # Back in Hamburg: resident again.
    residences.residence_register(
        person=person, address=FLAT, moved_in_on=TODAY + days(6), actor=clerk, now=NOW + days(6)
    )
    person.refresh_from_db()
    assert (person.status, person.moved_away_to) == (PersonStatus.RESIDENT, "")


def test_abmeldung_of_a_secondary_residence_keeps_the_person_resident(clerk, make_person):
    person = make_person()
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - days(30), actor=clerk, now=NOW - days(29)
    )
    room = residences.residence_register(
        person=person,
        address=ROOM,
        moved_in_on=TODAY - days(20),
        kind="secondary",
        actor=clerk,
        now=NOW - days(19),
    )
    residences.residence_deregister(
        person=person, residence=room, moved_out_on=TODAY, actor=clerk, now=NOW
    )
    person.refresh_from_db()
    assert person.status == PersonStatus.RESIDENT


def test_abmeldung_refusals_write_nothing(clerk, make_person):
    person = make_person()
    with unchanged(*WRITTEN), pytest.raises(Conflict):
        residences.residence_deregister(person=person, moved_out_on=TODAY, actor=clerk, now=NOW)
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - days(3), actor=clerk, now=NOW
    )
    with unchanged(*WRITTEN), pytest.raises(InvalidInput) as too_early:
        residences.residence_deregister(
            person=person, moved_out_on=TODAY + days(8), actor=clerk, now=NOW
        )
    assert too_early.value.code == "move-out-too-early"
    with unchanged(*WRITTEN), pytest.raises(InvalidInput) as before:
        residences.residence_deregister(
            person=person, moved_out_on=TODAY - days(4), actor=clerk, now=NOW
        )
    assert before.value.code == "move-out-before-move-in"
    with unchanged(*WRITTEN), pytest.raises(InvalidInput):
        residences.residence_deregister(
            person=person, moved_out_on=TODAY, new_country="ATLANTIS", actor=clerk, now=NOW
        )
