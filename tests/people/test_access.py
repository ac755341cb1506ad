"""Lawful access to the person record (§ 40 BMG): every read checked by role and logged with
its purpose; what a reader may not see answers like what does not exist; the information
block (§ 51 BMG) shows to entitled staff."""

from __future__ import annotations

import datetime as dt
import re
from typing import get_args

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hamburg_service.accounts.models import AccessLog, AccessLogSubject, Role
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Conflict
from hamburg_service.people import jobs
from hamburg_service.people.access import STAFF_PURPOSES
from hamburg_service.people.api import Purposes
from hamburg_service.people.models import InformationBlock, PersonEvent
from hamburg_service.people.services import blocks, identity, merging, papers, residences
from tests.support.db import unchanged

from .conftest import FLAT, HOME, NOW, TODAY, person_input

READERS = {
    Role.CLERK,
    Role.CASEWORKER_REGISTRATION,
    Role.CASEWORKER_IMMIGRATION,
    Role.CENTRAL_REGISTRATION,
}
PURPOSE = {"purpose": "person_ticket", "reference": "A123"}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def anna(make_person, clerk):
    """A person with an address, an ID card, a residence title and an eAT card."""
    person = make_person(family_name="Yılmaz", given_names="Ayşe", nationalities=("TUR",))
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - dt.timedelta(days=3), actor=clerk
    )
    papers.document_record(
        person=person,
        kind="passport",
        number="U12345678",
        issuing_country="TUR",
        issued_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2030, 1, 1),
        actor=clerk,
    )
    papers.document_record(
        person=person,
        kind="eat",
        number="Y0ABC1234",
        issuing_country="DEU",
        issued_on=dt.date(2024, 5, 1),
        expires_on=TODAY + dt.timedelta(weeks=4),
        actor=clerk,
    )
    papers.title_record(
        person=person,
        kind="blue_card",
        legal_basis="§ 18g AufenthG",
        valid_from=dt.date(2024, 5, 1),
        valid_until=TODAY + dt.timedelta(weeks=4),
        actor=clerk,
    )
    return person


def page(client: Client, person_id: int, **query: str) -> tuple[int, str]:
    response = client.get(f"/staff/people/{person_id}/", {**PURPOSE, **query})
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: getattr(r, "value", "anon"))
def test_role_by_data_matrix(anna, client_as, role):
    """Who sees what: registration staff the register, immigration staff the register and
    residence matters, nobody else anything — and a refused reader gets the answer for an
    unknown person, logging nothing."""
    client = Client() if role is None else client_as(role, locations=["kundenzentrum-city"])
    search = client.get("/staff/people/", {"name": "Yilmaz", **PURPOSE})
    if role is None:
        assert search.status_code == 302
        return
    if role not in READERS:
        with unchanged(AccessLog):
            assert search.status_code == 403
            assert page(client, anna.pk)[0] == 403
        return
    assert search.status_code == 200
    assert f"/staff/people/{anna.pk}/" in search.content.decode()
    status, html = page(client, anna.pk)
    assert status == 200
    assert "Kirchenallee" in html  # register: address
    assert "U12345678" in html  # register: passport
    immigration = role is Role.CASEWORKER_IMMIGRATION
    assert ("Blaue Karte EU" in html or "EU Blue Card" in html) is immigration
    assert ("Y0ABC1234" in html) is immigration  # the eAT card is a residence matter
    opened = AccessLog.objects.filter(subject_type="person").latest("pk")
    assert ("residence_titles" in opened.categories) is immigration
    assert list(opened.subjects.values_list("person_id", flat=True)) == [anna.pk]
    # A record that does not exist answers exactly like one a reader may not see.
    with unchanged(AccessLog):
        missing = client.get("/staff/people/999999/", PURPOSE)
    assert missing.status_code == 404


def test_a_record_merged_away_answers_exactly_like_one_that_never_existed(
    anna, make_person, clerk, client_as
):
    twin = identity.person_create(
        data=person_input(family_name="Yilmaz", given_names="Ayse"),
        distinct_from=(anna.pk,),
        actor=clerk,
    ).person
    merging.person_merge(duplicate=twin, survivor=anna, reason="dieselbe Person", actor=clerk)
    reader = client_as(Role.CLERK)
    never = 10**9
    with unchanged(AccessLog):
        merged_away = reader.get(f"/staff/people/{twin.pk}/", PURPOSE)
        unknown = reader.get(f"/staff/people/{never}/", PURPOSE)
    assert merged_away.status_code == unknown.status_code == 404

    # The same page but for the address itself (the language links repeat it).
    def addressless(response, pk: int) -> bytes:
        return response.content.replace(f"/staff/people/{pk}/".encode(), b"/staff/people/N/")

    assert addressless(merged_away, twin.pk) == addressless(unknown, never)


def test_the_list_shows_only_what_is_needed_to_pick_and_opening_is_a_second_read(anna, client_as):
    clerk = client_as(Role.CLERK)
    html = clerk.get("/staff/people/", {"name": "Yilmaz Ayse", "birth": "04.03.1985", **PURPOSE})
    text = html.content.decode()
    assert "Yılmaz, Ayşe" in text
    assert "04.03.1985" in text
    assert "20099" in text  # the postcode of the main residence helps to pick
    assert "Kirchenallee" not in text  # but not the address
    assert "U12345678" not in text
    search = AccessLog.objects.get(subject_type="person_search")
    assert search.criteria == {"name": "Yilmaz Ayse", "birth": "04.03.1985"}
    assert (search.hits, search.purpose, search.case_reference) == (1, "person_ticket", "A123")
    assert list(search.subjects.values_list("person_id", flat=True)) == [anna.pk]
    link = re.search(r'href="(/staff/people/\d+/\?[^"]+)"', text).group(1).replace("&amp;", "&")
    assert clerk.get(link).status_code == 200
    assert AccessLog.objects.filter(subject_type="person").count() == 1


def test_no_record_opens_without_a_purpose_and_nothing_is_logged_then(anna, client_as):
    clerk = client_as(Role.CLERK)
    with unchanged(AccessLog):
        ask = clerk.get(f"/staff/people/{anna.pk}/")
        assert ask.status_code == 200
        assert "Yılmaz" not in ask.content.decode()
        no_reference = clerk.get(f"/staff/people/{anna.pk}/", {"purpose": "person_ticket"})
        assert no_reference.status_code == 422
        assert "Geben Sie die Nummer" in no_reference.content.decode()
        bogus = clerk.get(f"/staff/people/{anna.pk}/", {"purpose": "curiosity"})
        assert bogus.status_code == 422
    reason = clerk.get(f"/staff/people/{anna.pk}/", {"purpose": "person_correction"})
    assert reason.status_code == 200
    assert AccessLog.objects.get().purpose == "person_correction"


def test_expiry_within_eight_weeks_is_flagged(anna, client_as):
    _status, html = page(client_as(Role.CASEWORKER_IMMIGRATION), anna.pk)
    assert html.count("läuft in 8 Wochen ab") == 2  # the Blue Card and the eAT card


def test_the_record_as_on_an_earlier_day(anna, client_as, clerk):
    residences.residence_change(person=anna, address=FLAT, moved_in_on=TODAY, actor=clerk, now=NOW)
    reader = client_as(Role.CLERK)
    _status, today = page(reader, anna.pk)
    _status, before = page(reader, anna.pk, on=(TODAY - dt.timedelta(days=1)).isoformat())
    current_today = today.split("Frühere Wohnungen")[0]
    assert "Eppendorfer Weg" in current_today
    assert "Kirchenallee" in before.split("Frühere Wohnungen")[0]


def test_a_record_costs_the_same_queries_however_long_its_history(make_person, clerk, client_as):
    reader = client_as(Role.CASEWORKER_IMMIGRATION)
    counts = []
    for moves in (1, 12):
        person = make_person(family_name=f"Schmidt{moves}"[:7] if moves == 1 else "Schulz")
        residences.residence_register(
            person=person, address=HOME, moved_in_on=TODAY - dt.timedelta(days=400), actor=clerk
        )
        for n in range(moves):
            residences.residence_change(
                person=person,
                address=FLAT if n % 2 == 0 else HOME,
                moved_in_on=TODAY - dt.timedelta(days=300 - n * 10),
                actor=clerk,
            )
        page(reader, person.pk, history="1")  # warm the session
        with CaptureQueriesContext(connection) as queries:
            status, _html = page(reader, person.pk, history="1")
        assert status == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_central_office_sets_extends_and_lifts_a_block_others_cannot(
    anna, client_as, settings, django_capture_on_commit_callbacks
):
    office = client_as(Role.CENTRAL_REGISTRATION)
    url = f"/staff/people/{anna.pk}/?purpose=person_block"
    for role in (Role.CLERK, Role.CASEWORKER_IMMIGRATION):
        with unchanged(InformationBlock, PersonEvent):
            refused = client_as(role).post(url, {"reason": "Gefährdung", "action": "set"})
            assert refused.status_code == 403
    empty = office.post(url, {"reason": "", "action": "set"})
    assert empty.status_code == 422
    assert not InformationBlock.objects.exists()
    assert (
        office.post(url, {"reason": "Gefährdung durch Dritte", "action": "set"}).status_code == 302
    )
    block = InformationBlock.objects.get()
    assert (block.starts_on, block.ends_on) == (TODAY, dt.date(2027, 3, 10))
    assert PersonEvent.objects.filter(person=anna, kind="block_set").exists()
    # Entitled staff see it, on the record and in the list.
    _status, html = page(client_as(Role.CLERK), anna.pk)
    assert "Auskunftssperre (§ 51 BMG)" in html
    hits = client_as(Role.CLERK).get("/staff/people/", {"name": "Yilmaz", **PURPOSE})
    assert "Auskunftssperre" in hits.content.decode()
    # A block lasts at most two years, then it is extended.
    too_long = office.post(url, {"reason": "x", "ends_on": "2028-01-01", "action": "set"})
    assert too_long.status_code == 422
    # The reminder before it ends goes to the office, by block number, once.
    settings.CENTRAL_REGISTRATION_EMAIL = "zentrale@example.org"
    with (
        time_machine.travel(dt.datetime(2027, 2, 1, 8, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert jobs.block_reminders(dt.datetime(2027, 2, 1, 8, tzinfo=dt.UTC)) == 1
        assert jobs.block_reminders(dt.datetime(2027, 2, 1, 9, tzinfo=dt.UTC)) == 0
    [reminder] = mail.outbox
    assert reminder.to == ["zentrale@example.org"]
    assert f"{block.pk}" in reminder.subject
    assert "Yılmaz" not in reminder.body
    extended = office.post(url, {"reason": "weiterhin", "action": "set"})
    assert extended.status_code == 302
    block.refresh_from_db()
    assert block.reminded_at is None
    assert office.post(url, {"action": "lift"}).status_code == 302
    block.refresh_from_db()
    assert block.lifted_on == TODAY


def test_a_block_service_refuses_a_second_block(anna):
    office = Actor.system("test")
    blocks.block_set(person=anna, reason="a", actor=office)
    with unchanged(InformationBlock), pytest.raises(Conflict) as refused:
        blocks.block_set(person=anna, reason="b", actor=office)
    assert refused.value.code == "block-exists"


# Every page that shows person data writes its access-log entry (the walk of issue 11).
PERSON_URLS = [
    ("/staff/people/?name=Yilmaz&purpose=person_ticket&reference=A1", "person_search"),
    ("/staff/people/{id}/?purpose=person_ticket&reference=A1", "person"),
    ("/staff/people/{id}/?purpose=person_ticket&reference=A1&history=1", "person"),
    ("/staff/people/{id}/?purpose=person_ticket&reference=A1&on=2025-03-01", "person"),
    ("/en/staff/people/{id}/?purpose=person_case&reference=C1", "person"),
    ("/api/v1/people?name=Yilmaz&purpose=person_ticket&reference=A1", "person_search"),
    ("/api/v1/people/{id}?purpose=person_ticket&reference=A1", "person"),
    ("/api/v1/people/{id}?purpose=person_authority&on=2025-03-01", "person"),
    ("/api/v1/people/{id}/history?purpose=person_correction", "person"),
    ("/staff/people/{id}/duplicates/?purpose=person_correction", "person_duplicates"),
    ("/staff/people/{id}/correct/?purpose=person_correction", "person"),
    ("/staff/people/{id}/death/?purpose=person_correction", "person"),
]


@pytest.mark.parametrize(("url", "kind"), PERSON_URLS)
def test_every_url_that_shows_person_data_writes_its_entry(anna, client_as, url, kind):
    # Registration caseworkers may also compare duplicates and correct; immigration reads
    # titles.
    writes = any(page in url for page in ("/duplicates/", "/correct/", "/death/"))
    role = Role.CASEWORKER_REGISTRATION if writes else Role.CASEWORKER_IMMIGRATION
    reader = client_as(role)
    before = AccessLog.objects.count()
    response = reader.get(url.format(id=anna.pk))
    assert response.status_code == 200
    assert AccessLog.objects.count() == before + 1
    entry = AccessLog.objects.latest("pk")
    assert entry.subject_type == kind
    assert AccessLogSubject.objects.filter(log=entry, person_id=anna.pk).exists()


def test_the_api_answers_by_role_like_the_pages(anna, client_as):
    url = f"/api/v1/people/{anna.pk}"
    assert Client().get(url, PURPOSE).status_code == 401
    clerk = client_as(Role.CLERK).get(url, PURPOSE).json()
    assert clerk["family_name"] == "Yılmaz"
    assert clerk["residences"][0]["street"] == "Kirchenallee"
    assert clerk["residence_titles"] is None  # not a reader of residence matters
    assert [d["kind"] for d in clerk["documents"]] == ["passport"]
    immigration = client_as(Role.CASEWORKER_IMMIGRATION).get(url, PURPOSE).json()
    assert [t["kind"] for t in immigration["residence_titles"]] == ["blue_card"]
    assert {d["kind"] for d in immigration["documents"]} == {"passport", "eat"}
    with unchanged(AccessLog):
        for role in (Role.FRONT_DESK, Role.MANAGER, Role.ADMINISTRATOR, Role.DATA_PROTECTION):
            client = client_as(role)
            assert client.get(url, PURPOSE).status_code == 404
            assert client.get("/api/v1/people", {"name": "Yilmaz", **PURPOSE}).status_code == 403
        missing = client_as(Role.CLERK).get("/api/v1/people/999999", PURPOSE)
        assert missing.status_code == 404
        no_purpose = client_as(Role.CLERK).get(url)
        assert no_purpose.status_code == 422
    history = client_as(Role.CLERK).get(f"{url}/history", {"purpose": "person_correction"})
    kinds = [e["kind"] for e in history.json()]
    assert "moved_in" in kinds
    assert "title_recorded" not in kinds  # a residence matter


def test_the_api_documents_exactly_the_staff_purposes():
    assert list(get_args(Purposes)) == [str(p) for p in STAFF_PURPOSES]


def test_a_block_that_ran_out_is_history_and_a_new_one_can_be_set(anna, client_as):
    office = Actor.system("test")
    block = blocks.block_set(
        person=anna, reason="alt", ends_on=TODAY + dt.timedelta(days=10), actor=office
    )
    later = NOW + dt.timedelta(days=30)
    with time_machine.travel(later, tick=False):
        _status, html = page(client_as(Role.CLERK), anna.pk)
        assert "Auskunftssperre (§ 51 BMG)" not in html
        again = blocks.block_set(person=anna, reason="neu", actor=office, now=later)
    block.refresh_from_db()
    assert block.lifted_on == TODAY + dt.timedelta(days=11)
    assert again.lifted_on is None


def test_a_person_prints_as_a_number_never_as_a_name(anna):
    assert str(anna) == f"Person {anna.pk}"


def test_family_names_of_several_words_are_found(make_person, client_as):
    """The staff search compared only the first typed word's code with the whole family
    name's: "Al-Jubouri" and "von Bülow" were never found (bench/people.py)."""
    jubouri = make_person(family_name="Al-Jubouri", given_names="Ahmad")
    buelow = make_person(family_name="von Bülow", given_names="Anna")
    clerk = client_as(Role.CLERK)
    for typed, person in (
        ("Al Jubouri Ahmad", jubouri),
        ("al-jubouri", jubouri),
        ("von Buelow Anna", buelow),
    ):
        page = clerk.get("/staff/people/", {"name": typed, **PURPOSE}).content.decode()
        assert f"/staff/people/{person.pk}/" in page, typed
