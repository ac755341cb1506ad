"""Nationalities, identity documents and residence titles: recorded and ended."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.people.checks import legal_basis_clean
from hamburg_service.people.models import (
    IdentityDocument,
    Nationality,
    PersonEvent,
    ResidenceTitle,
)
from hamburg_service.people.services import papers
from tests.support.db import unchanged

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("§18b AufenthG", "§ 18b AufenthG"),
        ("§16b", "§ 16b AufenthG"),
        ("§ 9", "§ 9 AufenthG"),
        ("18g", "§ 18g AufenthG"),
        ("§ 81 Absatz 4", "§ 81 Abs. 4 AufenthG"),
        ("§ 25 Abs. 2 S. 1 aufenthg", "§ 25 Abs. 2 S. 1 AufenthG"),
        ("§ 4a FreizügG/EU", "§ 4a FreizügG/EU"),
    ],
)
def test_legal_bases_are_stored_alike(text, stored):
    assert legal_basis_clean(text) == stored


def test_title_record_and_end(clerk, make_person):
    person = make_person(family_name="Osei", nationalities=("GHA",))
    title = papers.title_record(
        person=person,
        kind="blue_card",
        legal_basis="§18g",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2028, 1, 1),
        conditions="Beschäftigung nur als Softwareentwickler gestattet.",
        card_number="y1a2b3c4d",
        actor=clerk,
        now=NOW,
    )
    assert (title.legal_basis, title.card_number) == ("§ 18g AufenthG", "Y1A2B3C4D")
    provisional = papers.title_record(
        person=person,
        kind="provisional",
        legal_basis="§ 81 Abs. 4",
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=90),
        actor=clerk,
        now=NOW,
    )
    papers.title_end(title=title, ended_on=TODAY, reason="ersetzt", actor=clerk, now=NOW)
    title.refresh_from_db()
    assert (title.ended_on, title.ended_recorded_at) == (TODAY, NOW)
    kinds = list(person.events.values_list("kind", flat=True))
    assert kinds == ["created", "title_recorded", "title_recorded", "title_ended"]
    with unchanged(ResidenceTitle, PersonEvent), pytest.raises(Conflict):
        papers.title_end(title=title, ended_on=TODAY, reason="again", actor=clerk, now=NOW)
    assert provisional.ended_on is None


def test_title_refusals_write_nothing(clerk, make_person):
    person = make_person()
    with unchanged(ResidenceTitle, PersonEvent), pytest.raises(InvalidInput) as refused:
        papers.title_record(
            person=person,
            kind="residence_permit",
            legal_basis="Paragraph achtzehn",
            valid_from=TODAY,
            actor=clerk,
            now=NOW,
        )
    assert {e["field"] for e in refused.value.errors} == {"legal_basis", "valid_until"}
    settlement = papers.title_record(
        person=person,
        kind="settlement_permit",
        legal_basis="§ 9",
        valid_from=TODAY,
        actor=clerk,
        now=NOW,
    )
    assert settlement.valid_until is None


def test_documents(clerk, make_person):
    person = make_person()
    card = papers.document_record(
        person=person,
        kind="id_card",
        number="l01x00t47",
        issued_on=dt.date(2021, 8, 2),
        expires_on=dt.date(2031, 8, 1),
        actor=clerk,
        now=NOW,
    )
    assert card.number == "L01X00T47"
    other = make_person(family_name="Other")
    with unchanged(IdentityDocument, PersonEvent), pytest.raises(Conflict) as known:
        papers.document_record(
            person=other,
            kind="id_card",
            number="L01X00T47",
            issued_on=dt.date(2021, 8, 2),
            expires_on=dt.date(2031, 8, 1),
            actor=clerk,
            now=NOW,
        )
    assert known.value.code == "document-known"
    with unchanged(IdentityDocument, PersonEvent), pytest.raises(InvalidInput):
        papers.document_record(
            person=person,
            kind="passport",
            number="C4-X",
            issued_on=TODAY + dt.timedelta(days=1),
            expires_on=TODAY,
            actor=clerk,
            now=NOW,
        )
    papers.document_end(document=card, ended_on=TODAY, reason="verloren", actor=clerk, now=NOW)
    card.refresh_from_db()
    assert card.ended_reason == "verloren"


def test_nationalities(clerk, make_person):
    person = make_person(nationalities=("SYR",))
    with unchanged(Nationality, PersonEvent), pytest.raises(Conflict):
        papers.nationality_record(person=person, country="SYR", actor=clerk, now=NOW)
    german = papers.nationality_record(
        person=person, country="deu", since=dt.date(2024, 6, 1), actor=clerk, now=NOW
    )
    syrian = person.nationalities.get(country="SYR")
    papers.nationality_end(nationality=syrian, until=dt.date(2024, 5, 31), actor=clerk, now=NOW)
    assert german.country == "DEU"
    assert list(
        person.nationalities.filter(until__isnull=True).values_list("country", flat=True)
    ) == ["DEU"]
