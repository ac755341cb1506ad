"""How the person record is read (docs/benchmarks.md, person record): the name prefix that an
index bounds on both databases, the reads compiled once, the search's order, and the fixed
number of statements of opening a record through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F, QuerySet
from django.test.utils import CaptureQueriesContext

from hamburg_service.accounts.models import Role
from hamburg_service.core.db import WordPrefix, rows_select
from hamburg_service.people import selectors
from hamburg_service.people.checks import BirthDate
from hamburg_service.people.models import Person, PersonEvent, Residence
from hamburg_service.people.services import identity, residences

from .conftest import FLAT, HOME, NOW, TODAY

PURPOSE = {"purpose": "person_correction"}


def test_a_word_prefix_is_whole_words(make_person):
    for given in ("Anna", "Anna Maria", "Anna Maria Luise", "Annabell", "Maria Anna"):
        make_person(family_name="Prefix", given_names=given)

    def found(words: str) -> list[str]:
        rows = Person.objects.filter(WordPrefix(F("given_key"), words), family_key="PREFIX")
        return sorted(rows.values_list("given_names", flat=True))

    assert found("ANNA") == ["Anna", "Anna Maria", "Anna Maria Luise"]
    assert found("ANNA MARIA") == ["Anna Maria", "Anna Maria Luise"]
    assert found("MARIA") == ["Maria Anna"]
    assert found("ANN") == []
    assert found("ANNA%") == []  # no wildcards
    assert found("ANN_") == []


def _residences(person_id: int) -> QuerySet[Residence]:
    return Residence.objects.filter(person_id=person_id).order_by("moved_in_on", "pk")


def _events(person_id: int) -> QuerySet[PersonEvent]:
    return PersonEvent.objects.filter(person_id=person_id).order_by("at", "pk")


def test_rows_compiled_once_are_the_rows_the_orm_reads(make_person, clerk):
    person = make_person()
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - dt.timedelta(days=400), actor=clerk
    )
    residences.residence_change(person=person, address=FLAT, moved_in_on=TODAY, actor=clerk)
    other = make_person(family_name="Schulz")
    for build in (_residences, _events):
        for pk in (person.pk, other.pk):
            fast = rows_select(build, pk)
            slow = list(build(pk))
            assert [vars(r) | {"_state": None} for r in fast] == [
                vars(r) | {"_state": None} for r in slow
            ]
            assert all(not r._state.adding for r in fast)
    assert rows_select(_residences, person.pk)[0].moved_in_on == TODAY - dt.timedelta(days=400)
    assert isinstance(rows_select(_events, person.pk)[0].data, dict)  # JSON decoded


def test_search_lists_by_name_keys_then_date_of_birth(make_person):
    made = [
        make_person(family_name="Mayer", given_names="Tom", birth=BirthDate(1990, 1, 2)),
        make_person(family_name="Meier", given_names="Anna", birth=BirthDate(1980, 5, 6)),
        make_person(family_name="Meier", given_names="Anna", birth=BirthDate(1970, 5, 6)),
        make_person(family_name="Maier", given_names="Zoe", birth=BirthDate(1960)),
    ]
    found = selectors.persons_matching(name="Meyer", limit=10)
    assert [p.pk for p in found] == [made[3].pk, made[0].pk, made[2].pk, made[1].pk]


@pytest.mark.parametrize("moves", [1, 12])
def test_opening_a_record_through_the_api_is_fourteen_statements(
    make_person, clerk, client_as, moves
):
    """The session, the user and their roles; BEGIN, the person, the corrections of their
    names, residences, nationalities, documents, titles, the block; the access log and the
    person it names; COMMIT. Never the appointments or visits (the API does not show them)."""
    person = make_person(family_name="Schulz")
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - dt.timedelta(days=400), actor=clerk
    )
    for n in range(moves - 1):
        residences.residence_change(
            person=person,
            address=FLAT if n % 2 == 0 else HOME,
            moved_in_on=TODAY - dt.timedelta(days=300 - n * 10),
            actor=clerk,
        )
    identity.person_correct(
        person=person, changes={"given_names": "Anna"}, reason="Schreibweise", actor=clerk, now=NOW
    )
    reader = client_as(Role.CLERK)
    url = f"/api/v1/people/{person.pk}"
    assert reader.get(url, PURPOSE).status_code == 200  # the session and language settled
    with CaptureQueriesContext(connection) as queries:
        response = reader.get(url, PURPOSE)
    assert response.status_code == 200
    assert len(response.json()["past_residences"]) == moves - 1
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 14, statements
    assert not any("appointments_" in s or "visits_" in s for s in statements)
