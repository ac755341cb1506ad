"""Creating and correcting a person, duplicates, deaths; nothing changes when refused."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.people import selectors
from hamburg_service.people.checks import BirthDate
from hamburg_service.people.models import (
    Nationality,
    Person,
    PersonEvent,
    PersonStatus,
    Residence,
)
from hamburg_service.people.services import identity, residences
from tests.support.db import unchanged

from .conftest import HOME, NOW, TODAY, person_input

pytestmark = pytest.mark.django_db
PEOPLE = (Person, Nationality, PersonEvent)


def test_create_stores_names_keys_and_nationalities(clerk):
    created = identity.person_create(
        data=person_input(
            family_name="Ğüneş-Ørsted",
            given_names="Çağlar",
            nationalities=("TUR", "D", "dnk"),
            birth_country="TUR",
        ),
        actor=clerk,
        now=NOW,
    )
    person = created.person
    assert created.duplicates == []
    assert person.family_key == "GUENES OERSTED"
    assert person.given_key == "CAGLAR"
    assert person.birth_key == 19850304
    assert person.status == PersonStatus.RESIDENT
    assert sorted(person.nationalities.values_list("country", flat=True)) == ["DEU", "DNK", "TUR"]
    event = person.events.get()
    assert event.kind == "created"
    assert event.actor_user_id == clerk.user_id
    assert event.at == NOW


def test_partly_unknown_birth_dates(make_person):
    march = make_person(birth=BirthDate(1990, 3, None))
    unknown = make_person(family_name="Haidari", birth=BirthDate(1990))
    assert (march.birth_key, march.birth_display) == (19900300, "00.03.1990")
    assert (unknown.birth_key, unknown.birth_display) == (19900000, "00.00.1990")
    assert BirthDate.parse("1990-00-00") == BirthDate(1990)
    assert BirthDate.parse("00.03.1990") == BirthDate(1990, 3)
    assert BirthDate.parse("1990-XX-XX") == BirthDate(1990)


@pytest.mark.parametrize(
    ("birth", "message"),
    [
        (BirthDate(2023, 2, 29), "no such day"),
        (BirthDate(1985, 13), "no such month"),
        (BirthDate(1985, None, 4), "needs its month"),
        (BirthDate(2025, 3, 11), "future"),
        (BirthDate(1700), "between"),
    ],
)
def test_impossible_birth_dates_are_refused_and_nothing_is_written(clerk, birth, message):
    from django.utils import translation

    with translation.override("en"), unchanged(*PEOPLE), pytest.raises(InvalidInput) as refused:
        identity.person_create(data=person_input(birth=birth), actor=clerk, now=NOW)
    assert refused.value.code == "birth-date-invalid"
    assert message in refused.value.detail


def test_every_wrong_field_is_named_at_once(clerk):
    with unchanged(*PEOPLE), pytest.raises(InvalidInput) as refused:
        identity.person_create(
            data=person_input(
                family_name="Smith2", sex="q", birth_country="XYZ", nationalities=("ZZZ",)
            ),
            actor=clerk,
            now=NOW,
        )
    fields = {e["field"] for e in refused.value.errors}
    assert fields == {"family_name", "sex", "birth_country", "nationalities.0"}


def test_withdrawn_countries_are_accepted_as_country_of_birth_only(clerk):
    person = identity.person_create(
        data=person_input(birth_country="SUN", nationalities=("UKR",)), actor=clerk, now=NOW
    ).person
    assert person.birth_country == "SUN"
    with pytest.raises(InvalidInput):
        identity.person_create(
            data=person_input(family_name="Other", nationalities=("SUN",)), actor=clerk, now=NOW
        )


def test_similar_names_with_the_same_birth_are_possible_duplicates(clerk, make_person):
    meier = make_person(family_name="Meier", given_names="Anna")
    mayer = identity.person_create(
        data=person_input(family_name="Mayer", given_names="Anna Maria"), actor=clerk, now=NOW
    )
    assert mayer.duplicates == [meier]
    # Unknown parts of a birth date match anything; other birthdays, other given names do not.
    vague = identity.person_create(
        data=person_input(family_name="Maier", given_names="Anna", birth=BirthDate(1985)),
        actor=clerk,
        now=NOW,
    )
    assert vague.duplicates == [meier, mayer.person]
    other_day = identity.person_create(
        data=person_input(family_name="Meyer", birth=BirthDate(1985, 3, 5)), actor=clerk, now=NOW
    )
    assert other_day.duplicates == [vague.person]
    assert (
        identity.person_create(
            data=person_input(family_name="Meyer", given_names="Bernd"), actor=clerk, now=NOW
        ).duplicates
        == []
    )
    assert mayer.person.events.get().data["possible_duplicates"] == [meier.pk]


def test_duplicates_across_scripts_and_birth_names(clerk, make_person):
    ivanov = make_person(
        family_name="Ivanov",
        given_names="Aleksandr",
        original_family_name="Иванов",
        original_given_names="Александр",
        birth=BirthDate(1979, 6, 1),
    )
    iwanow = identity.person_create(
        data=person_input(
            family_name="Iwanow", given_names="Alexander", birth=BirthDate(1979, 6, 1)
        ),
        actor=clerk,
        now=NOW,
    )
    assert iwanow.duplicates == [ivanov]
    married = make_person(family_name="Schulz", birth_name="Schmidt", given_names="Eva")
    found = selectors.duplicates_for(
        family_name="Schmitt", given_names="Eva", birth=BirthDate(1985, 3, 4)
    )
    assert found == [married]


def test_an_identical_person_is_not_created_twice_unless_confirmed(clerk, make_person):
    first = make_person(family_name="Müller", given_names="Thomas")
    with unchanged(*PEOPLE), pytest.raises(Conflict) as refused:
        identity.person_create(
            data=person_input(family_name="Mueller", given_names="Thomas"), actor=clerk, now=NOW
        )
    assert refused.value.code == "person-exists"
    assert refused.value.extra["person_ids"] == [first.pk]
    namesake = identity.person_create(
        data=person_input(family_name="Müller", given_names="Thomas"),
        actor=clerk,
        distinct_from=(first.pk,),
        now=NOW,
    )
    assert namesake.person.pk != first.pk
    assert namesake.duplicates == [first]
    assert namesake.person.events.get().data["confirmed_distinct_from"] == [first.pk]


def test_correct_names_keeps_the_before_and_recomputes_keys(clerk, make_person):
    person = make_person(family_name="Maier", given_names="Anna")
    later = NOW + dt.timedelta(days=1)
    identity.person_correct(
        person=person,
        changes={"family_name": "Schulz", "birth_name": "Maier"},
        reason="Eheschließung",
        effective_on=dt.date(2025, 3, 1),
        actor=clerk,
        now=later,
    )
    person.refresh_from_db()
    assert (person.family_name, person.family_key, person.birth_name) == (
        "Schulz",
        "SCHULZ",
        "Maier",
    )
    event = person.events.latest("at")
    assert event.kind == "corrected"
    assert event.data["before"] == {"family_name": "Maier", "birth_name": ""}
    assert event.data["after"] == {"family_name": "Schulz", "birth_name": "Maier"}
    assert event.data["reason"] == "Eheschließung"
    # Still found as a duplicate under the birth name.
    assert selectors.duplicates_for(
        family_name="Meier", given_names="Anna", birth=BirthDate(1985, 3, 4)
    ) == [person]


def test_a_correction_without_change_or_with_a_bad_name_writes_nothing(clerk, make_person):
    person = make_person()
    with unchanged(*PEOPLE), pytest.raises(InvalidInput) as same:
        identity.person_correct(
            person=person, changes={"family_name": "Meier"}, reason="x", actor=clerk, now=NOW
        )
    assert same.value.code == "nothing-changed"
    with unchanged(*PEOPLE), pytest.raises(InvalidInput):
        identity.person_correct(
            person=person, changes={"family_name": "M3ier"}, reason="x", actor=clerk, now=NOW
        )
    with unchanged(*PEOPLE), pytest.raises(InvalidInput):
        identity.person_correct(
            person=person, changes={"family_name": "Maier"}, reason=" ", actor=clerk, now=NOW
        )


def test_death_ends_residences_and_freezes_the_record(clerk, make_person):
    person = make_person()
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - dt.timedelta(days=3), actor=clerk, now=NOW
    )
    with pytest.raises(InvalidInput):
        identity.person_death_record(
            person=person, died_on=TODAY + dt.timedelta(days=1), actor=clerk, now=NOW
        )
    identity.person_death_record(person=person, died_on=TODAY, actor=clerk, now=NOW)
    person.refresh_from_db()
    assert person.status == PersonStatus.DECEASED
    assert Residence.objects.get(person=person).moved_out_on == TODAY
    with unchanged(Person, Residence, PersonEvent), pytest.raises(Conflict) as refused:
        residences.residence_register(
            person=person, address=HOME, moved_in_on=TODAY, actor=clerk, now=NOW
        )
    assert refused.value.code == "person-deceased"


def test_persons_matching_finds_spellings_in_any_script(make_person):
    ivanov = make_person(family_name="Ivanov", given_names="Aleksandr", birth=BirthDate(1979, 6, 1))
    make_person(family_name="Ivanov", given_names="Anna", birth=BirthDate(1979, 6, 1))
    make_person(family_name="Ivanov", given_names="Aleksandr", birth=BirthDate(1981, 1, 1))
    assert selectors.persons_matching(name="Иванов Александр", birth=BirthDate(1979)) == [ivanov]
    assert selectors.persons_matching(name="Iwanow Alexander", birth=BirthDate(1979, 6)) == [ivanov]
    assert len(selectors.persons_matching(name="Ivanov")) == 3
    assert selectors.persons_matching(name="") == []
