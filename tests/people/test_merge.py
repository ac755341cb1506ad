"""Merging duplicates and undoing it: the rows moved are exactly the rows moved back."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.core.errors import Conflict
from hamburg_service.people import selectors
from hamburg_service.people.checks import BirthDate
from hamburg_service.people.models import (
    IdentityDocument,
    Nationality,
    Person,
    PersonEvent,
    Residence,
    ResidenceTitle,
)
from hamburg_service.people.services import merging, papers, residences
from tests.support.db import unchanged

from .conftest import FLAT, HOME, NOW, TODAY

pytestmark = pytest.mark.django_db
ALL = (Person, Residence, IdentityDocument, ResidenceTitle, Nationality, PersonEvent)


def _rows(person: Person) -> dict[str, list[int]]:
    return {
        "residences": sorted(person.residences.values_list("pk", flat=True)),
        "documents": sorted(person.documents.values_list("pk", flat=True)),
        "titles": sorted(person.titles.values_list("pk", flat=True)),
        "nationalities": sorted(person.nationalities.values_list("country", flat=True)),
    }


@pytest.fixture
def pair(clerk, make_person):
    survivor = make_person(
        family_name="Haidari", given_names="Farid", nationalities=("AFG",), birth=BirthDate(1990)
    )
    duplicate = make_person(
        family_name="Heidari",
        given_names="Farid",
        nationalities=("AFG", "IRN"),
        birth=BirthDate(1990, 1, 1),
    )
    residences.residence_register(
        person=survivor, address=HOME, moved_in_on=TODAY, actor=clerk, now=NOW
    )
    papers.title_record(
        person=duplicate,
        kind="residence_permit",
        legal_basis="§ 25 Abs. 2",
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=365),
        actor=clerk,
        now=NOW,
    )
    papers.document_record(
        person=duplicate,
        kind="passport",
        number="P01234567",
        issuing_country="AFG",
        issued_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2030, 1, 1),
        actor=clerk,
        now=NOW,
    )
    return survivor, duplicate


def test_merge_moves_the_rows_and_undo_moves_them_back(clerk, pair):
    survivor, duplicate = pair
    before = (_rows(survivor), _rows(duplicate))
    merging.person_merge(
        duplicate=duplicate, survivor=survivor, reason="Dublette", actor=clerk, now=NOW
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    merged = _rows(survivor)
    assert len(merged["titles"]) == 1
    assert len(merged["documents"]) == 1
    assert merged["nationalities"] == ["AFG", "IRN"]  # the duplicate's AFG stays with it
    assert _rows(duplicate)["nationalities"] == ["AFG"]
    # A merged record is no longer a duplicate candidate, nor can it be changed.
    found = selectors.duplicates_for(
        family_name="Haidari", given_names="Farid", birth=BirthDate(1990)
    )
    assert found == [survivor]
    with unchanged(*ALL), pytest.raises(Conflict) as refused:
        residences.residence_register(
            person=duplicate, address=FLAT, moved_in_on=TODAY, actor=clerk, now=NOW
        )
    assert refused.value.code == "person-merged"
    assert duplicate.events.get(kind="merged_into").data["moved"]["titles"] == merged["titles"]

    merging.person_merge_undo(
        duplicate=duplicate, reason="doch zwei Personen", actor=clerk, now=NOW
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert (_rows(survivor), _rows(duplicate)) == before
    assert survivor.events.filter(kind="merge_undone").count() == 1


def test_refused_merges_write_nothing(clerk, pair, make_person):
    survivor, duplicate = pair
    with unchanged(*ALL), pytest.raises(Conflict):
        merging.person_merge(
            duplicate=survivor, survivor=survivor, reason="x", actor=clerk, now=NOW
        )
    residences.residence_register(
        person=duplicate, address=FLAT, moved_in_on=TODAY, actor=clerk, now=NOW
    )
    with unchanged(*ALL), pytest.raises(Conflict) as two:
        merging.person_merge(
            duplicate=duplicate, survivor=survivor, reason="x", actor=clerk, now=NOW
        )
    assert two.value.code == "merge-two-main-residences"
    with unchanged(*ALL), pytest.raises(Conflict) as not_merged:
        merging.person_merge_undo(duplicate=duplicate, reason="x", actor=clerk, now=NOW)
    assert not_merged.value.code == "not-merged"


def test_an_undo_waits_for_the_later_merge_to_be_undone(clerk, pair, make_person):
    survivor, duplicate = pair
    third = make_person(family_name="Haydari", given_names="Farid", birth=BirthDate(1990))
    merging.person_merge(duplicate=duplicate, survivor=survivor, reason="x", actor=clerk, now=NOW)
    merging.person_merge(duplicate=survivor, survivor=third, reason="y", actor=clerk, now=NOW)
    with unchanged(*ALL), pytest.raises(Conflict) as refused:
        merging.person_merge_undo(duplicate=duplicate, reason="z", actor=clerk, now=NOW)
    assert refused.value.code == "survivor-merged"
    merging.person_merge_undo(duplicate=survivor, reason="z", actor=clerk, now=NOW)
    merging.person_merge_undo(duplicate=duplicate, reason="z", actor=clerk, now=NOW)
    assert Person.objects.filter(merged_into__isnull=False).count() == 0
