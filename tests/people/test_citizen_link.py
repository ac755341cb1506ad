"""The verified link between a citizen's account and their person record: automatic only at
trust level high with exactly one match; otherwise by a clerk who enters the account's code."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from hamburg_service.accounts.models import (
    AccessLog,
    Citizen,
    CitizenEvent,
    PersonLinkSource,
    Role,
    TrustLevel,
)
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.people import citizen_link
from hamburg_service.people.checks import BirthDate
from hamburg_service.people.citizen_link import MatchOutcome
from hamburg_service.people.models import PersonEvent, PersonEventKind
from hamburg_service.people.services import identity, residences
from tests.people.conftest import HOME, NOW, TODAY, person_input
from tests.support.db import unchanged

CLAIMS = {"family_name": "Meier", "given_name": "Anna Maria", "birthdate": "1985-03-04"}


@pytest.fixture
def citizen(db) -> Citizen:
    return Citizen.objects.create(
        public_id=uuid.uuid4(),
        email="anna@example.org",
        email_key="anna@example.org",
        created_at=NOW,
    )


def test_high_with_one_match_links(citizen, make_person):
    person = make_person()
    outcome = citizen_link.citizen_link_verified(
        citizen=citizen, claims=CLAIMS, trust=TrustLevel.HIGH, now=NOW
    )
    assert outcome == MatchOutcome.LINKED
    citizen.refresh_from_db()
    assert citizen.person_id == person.pk
    assert citizen.person_linked_by == PersonLinkSource.OIDC_HIGH
    assert citizen.person_linked_at == NOW
    assert PersonEvent.objects.filter(person=person, kind=PersonEventKind.ACCOUNT_LINKED).exists()


def test_names_match_by_transliteration(citizen, make_person):
    person = make_person(family_name="Müller", given_names="Jörg")
    claims = {"family_name": "MUELLER", "given_name": "Joerg", "birthdate": "1985-03-04"}
    citizen_link.citizen_link_verified(citizen=citizen, claims=claims, trust=TrustLevel.HIGH)
    citizen.refresh_from_db()
    assert citizen.person_id == person.pk


@pytest.mark.parametrize("trust", [TrustLevel.BASIC, TrustLevel.SUBSTANTIAL])
def test_lower_trust_never_links(citizen, make_person, trust):
    make_person()
    with unchanged(Citizen, CitizenEvent, PersonEvent):
        outcome = citizen_link.citizen_link_verified(citizen=citizen, claims=CLAIMS, trust=trust)
    assert outcome == MatchOutcome.NOT_HIGH


@pytest.mark.parametrize(
    ("claims", "outcome"),
    [
        ({**CLAIMS, "birthdate": "1985-03-05"}, MatchOutcome.NONE),
        ({**CLAIMS, "given_name": "Anna"}, MatchOutcome.NONE),
        ({**CLAIMS, "birthdate": "1985"}, MatchOutcome.INCOMPLETE),
        ({"family_name": "Meier"}, MatchOutcome.INCOMPLETE),
    ],
)
def test_no_exact_match_does_not_link(citizen, make_person, claims, outcome):
    make_person()
    with unchanged(Citizen, CitizenEvent, PersonEvent):
        assert (
            citizen_link.citizen_link_verified(
                citizen=citizen, claims=claims, trust=TrustLevel.HIGH
            )
            == outcome
        )


def test_several_matches_do_not_link_unless_the_address_tells_them_apart(
    citizen, make_person, clerk
):
    first = make_person()
    identity.person_create(
        data=person_input(birth_place="Berlin"), actor=clerk, distinct_from=(first.pk,), now=NOW
    )
    with unchanged(Citizen, CitizenEvent):
        assert (
            citizen_link.citizen_link_verified(
                citizen=citizen, claims=CLAIMS, trust=TrustLevel.HIGH
            )
            == MatchOutcome.SEVERAL
        )
    residences.residence_register(
        person=first, address=HOME, moved_in_on=TODAY, actor=clerk, now=NOW
    )
    elsewhere = {**CLAIMS, "address": {"postal_code": "22765"}}
    assert (
        citizen_link.citizen_link_verified(citizen=citizen, claims=elsewhere, trust=TrustLevel.HIGH)
        == MatchOutcome.NONE
    )
    here = {**CLAIMS, "address": {"postal_code": HOME.postcode}}
    assert (
        citizen_link.citizen_link_verified(citizen=citizen, claims=here, trust=TrustLevel.HIGH)
        == MatchOutcome.LINKED
    )
    citizen.refresh_from_db()
    assert citizen.person_id == first.pk


def test_a_partial_birth_in_the_register_is_not_a_match(citizen, make_person):
    make_person(birth=BirthDate(1985, 3, None))
    assert (
        citizen_link.citizen_link_verified(citizen=citizen, claims=CLAIMS, trust=TrustLevel.HIGH)
        == MatchOutcome.NONE
    )


def test_the_code_names_its_account_and_a_mistyped_one_none(citizen):
    code = citizen_link.citizen_link_code(citizen)
    assert len(code.replace("-", "")) == 8
    assert citizen_link.citizen_by_code(code) == citizen
    assert citizen_link.citizen_by_code(code.lower().replace("-", " ")) == citizen
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert citizen_link.citizen_by_code(wrong) is None
    assert citizen_link.citizen_by_code("") is None
    assert citizen_link.citizen_by_code("ZZZZZ-ZZZ" * 5) is None


def test_a_clerk_links_and_unlinks_with_the_code(citizen, make_person, clerk):
    person = make_person()
    code = citizen_link.citizen_link_code(citizen)
    citizen_link.citizen_person_link(person=person, code=code, actor=clerk, now=NOW)
    citizen.refresh_from_db()
    assert citizen.person_id == person.pk
    assert citizen.person_linked_by == PersonLinkSource.CLERK
    event = CitizenEvent.objects.get(citizen=citizen, kind="person_linked")
    assert event.actor_user_id == clerk.user_id
    with pytest.raises(Conflict):
        citizen_link.citizen_person_link(person=person, code=code, actor=clerk)

    citizen_link.citizen_person_unlink(person=person, citizen=citizen, actor=clerk)
    citizen.refresh_from_db()
    assert citizen.person_id is None
    assert PersonEvent.objects.filter(person=person, kind=PersonEventKind.ACCOUNT_UNLINKED).exists()


def test_a_wrong_code_changes_nothing(citizen, make_person, clerk):
    person = make_person()
    with unchanged(Citizen, CitizenEvent, PersonEvent), pytest.raises(InvalidInput) as error:
        citizen_link.citizen_person_link(person=person, code="0000-0000", actor=clerk)
    assert error.value.errors[0]["field"] == "code"


def test_the_clerks_page_links_with_a_logged_read(citizen, make_person, make_staff):
    person = make_person()
    client = Client()
    client.force_login(make_staff(Role.CLERK))
    url = f"/staff/people/{person.pk}/account/?purpose=person_correction&reference="
    reads = AccessLog.objects.count()
    page = client.get(url)
    assert page.status_code == 200, page.content.decode()[:300]
    assert AccessLog.objects.count() == reads + 1

    response = client.post(url, {"action": "link", "code": "0000-0000"})
    assert response.status_code == 422
    assert 'value="0000-0000"' in response.content.decode()

    code = citizen_link.citizen_link_code(citizen)
    assert client.post(url, {"action": "link", "code": code}).status_code == 302
    citizen.refresh_from_db()
    assert citizen.person_id == person.pk

    response = client.post(url, {"action": "unlink", "account": str(citizen.public_id)})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.person_id is None


def test_the_clerks_page_is_closed_to_a_role_without_register_writes(
    citizen, make_person, make_staff
):
    person = make_person()
    client = Client()
    client.force_login(make_staff(Role.FRONT_DESK))
    code = citizen_link.citizen_link_code(citizen)
    with unchanged(Citizen):
        response = client.post(
            f"/staff/people/{person.pk}/account/?purpose=person_correction&reference=",
            {"action": "link", "code": code},
        )
    assert response.status_code in (403, 404)
