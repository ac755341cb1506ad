"""The synthetic population: deterministic for a seed, plausible, consistent."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.core.management import CommandError, call_command

from hamburg_service.people.generate import GenerateError, people_generate
from hamburg_service.people.models import (
    IdentityDocument,
    Nationality,
    Person,
    PersonEvent,
    Residence,
    ResidenceTitle,
)
from hamburg_service.people.names import icao_transliterate

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 3, 10)


def _snapshot() -> dict[str, list[tuple]]:
    return {
        "people": list(
            Person.objects.order_by("external_id").values_list(
                "external_id",
                "family_name",
                "given_names",
                "original_family_name",
                "sex",
                "birth_key",
                "birth_country",
                "status",
                "created_at",
            )
        ),
        "residences": list(
            Residence.objects.order_by("person__external_id", "moved_in_on").values_list(
                "person__external_id",
                "street",
                "house_number",
                "postcode",
                "moved_in_on",
                "registered_at",
                "late",
                "moved_out_on",
            )
        ),
        "titles": list(
            ResidenceTitle.objects.order_by("person__external_id", "valid_from").values_list(
                "person__external_id", "kind", "legal_basis", "valid_from", "valid_until"
            )
        ),
        "documents": list(
            IdentityDocument.objects.order_by("number").values_list(
                "person__external_id", "kind", "number", "issued_on"
            )
        ),
    }


def _clear() -> None:
    for model in (PersonEvent, Residence, Nationality, IdentityDocument, ResidenceTitle, Person):
        model.objects.all().delete()


def test_the_same_seed_gives_the_same_population():
    people_generate(count=300, seed=5, batch_size=70, today=TODAY)
    first = _snapshot()
    _clear()
    people_generate(count=300, seed=5, batch_size=300, today=TODAY)
    assert _snapshot() == first
    _clear()
    people_generate(count=300, seed=6, today=TODAY)
    assert _snapshot()["people"] != first["people"]


def test_the_population_is_plausible_and_consistent():
    report = people_generate(count=2000, seed=1, today=TODAY)
    assert report["people"] == Person.objects.count() == 2000
    assert PersonEvent.objects.count() == 0  # no events for generated people
    with_titles = Person.objects.filter(titles__isnull=False).distinct().count()
    assert 0.12 < with_titles / 2000 < 0.20
    assert Person.objects.filter(birth_day__isnull=True).exists()  # partly unknown
    assert Person.objects.exclude(original_family_name="").exists()  # Cyrillic originals
    for person in Person.objects.exclude(original_family_name="")[:20]:
        assert person.family_key == icao_transliterate(person.original_family_name)
    # Never two current main residences, moves chained day by day, nothing in the future.
    for person_id in Person.objects.order_by("pk").values_list("pk", flat=True):
        rows = list(Residence.objects.filter(person_id=person_id).order_by("moved_in_on"))
        assert sum(r.moved_out_on is None for r in rows) <= 1
        for earlier, later in itertools.pairwise(rows):
            assert earlier.moved_out_on == later.moved_in_on - dt.timedelta(days=1)
        assert all(r.moved_in_on <= TODAY for r in rows)
        assert all(r.registered_at.date() <= TODAY for r in rows)
    resident = Person.objects.filter(status="resident").count()
    assert resident > 1900
    assert set(Person.objects.values_list("status", flat=True)) <= {
        "resident",
        "moved_away",
        "deceased",
    }
    assert Residence.objects.filter(late=True).exists()
    assert Nationality.objects.filter(country="DEU").count() > 1200


def test_a_seed_is_generated_once():
    people_generate(count=5, seed=3, today=TODAY)
    with pytest.raises(GenerateError):
        people_generate(count=5, seed=3, today=TODAY)
    with pytest.raises(CommandError):
        call_command("people_generate", "--count", "5", "--seed", "3", stdout=io.StringIO())
    out = io.StringIO()
    call_command("people_generate", "--count", "5", "--seed", "4", stdout=out)
    assert "'people': 5" in out.getvalue()
