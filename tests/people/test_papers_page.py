"""Recording identity documents and residence titles on the record: register staff the ID
card and passport, immigration staff also the eAT card and the titles; bad input is shown at
its field with nothing lost."""

from __future__ import annotations

import pytest
import time_machine

from hamburg_service.accounts.models import Role
from hamburg_service.people.models import IdentityDocument, PersonEvent, ResidenceTitle
from tests.support.db import unchanged

from .conftest import NOW

PASSPORT = {
    "what": "document",
    "document-kind": "passport",
    "document-number": "c01x00t47",
    "document-issuing_country": "deu",
    "document-issued_on": "2024-01-02",
    "document-expires_on": "2034-01-01",
}
TITLE = {
    "what": "title",
    "title-kind": "blue_card",
    "title-legal_basis": "§ 18g AufenthG",
    "title-valid_from": "2025-03-01",
    "title-valid_until": "2029-02-28",
    "title-card_number": "y0abc1234",
}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def url(make_person):
    return f"/staff/people/{make_person().pk}/papers/?purpose=person_ticket&reference=A1"


def test_a_clerk_records_a_passport_but_not_a_title(url, client_as):
    clerk = client_as(Role.CLERK)
    assert clerk.post(url, PASSPORT).status_code == 302
    document = IdentityDocument.objects.get()
    assert (document.number, document.issuing_country) == ("C01X00T47", "DEU")
    assert PersonEvent.objects.filter(kind="document_recorded").exists()
    with unchanged(ResidenceTitle, IdentityDocument, PersonEvent):
        assert clerk.post(url, TITLE).status_code == 403
        eat = {**PASSPORT, "document-kind": "eat", "document-number": "Y0ABC1234"}
        assert clerk.post(url, eat).status_code == 403


def test_immigration_records_a_title_and_bad_input_keeps_everything(url, client_as):
    caseworker = client_as(Role.CASEWORKER_IMMIGRATION)
    with unchanged(ResidenceTitle, PersonEvent):
        wrong = caseworker.post(url, {**TITLE, "title-legal_basis": "Paragraph 18"})
    assert wrong.status_code == 422
    page = wrong.content.decode()
    assert 'value="Paragraph 18"' in page
    assert 'value="y0abc1234"' in page
    assert caseworker.post(url, TITLE).status_code == 302
    title = ResidenceTitle.objects.get()
    assert (title.kind, title.legal_basis, title.card_number) == (
        "blue_card",
        "§ 18g AufenthG",
        "Y0ABC1234",
    )
