"""Register information (einfache Melderegisterauskunft, § 44 BMG): exact matching, the three
answers, a blocked person indistinguishable from an unknown one — in the answer and in the
work the request does — and told of the request (§ 51 BMG); bad input refused at its field;
every request logged with its fee; the limits; the log for the office and the data
protection officer."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.notifications.models import Message
from hamburg_service.notifications.services import messages_deliver_due
from hamburg_service.people import information, jobs
from hamburg_service.people.checks import Address, BirthDate
from hamburg_service.people.models import Person, RegisterInformationRequest
from hamburg_service.people.services import blocks, identity, residences
from tests.support.db import unchanged

from .conftest import FLAT, HOME, NOW, ROOM, TODAY, person_input

PAGE = "/register-information/"
API = "/api/v1/register-information"
OFFICE = "meldestelle@hamburg.example"
REQUESTER = {
    "requester_name": "Inkasso Nord GmbH",
    "requester_email": "post@inkasso-nord.example",
    "purpose": "commercial",
    "commercial_purpose": "Collecting an unpaid invoice",
}


@pytest.fixture(autouse=True)
def frozen_now(settings):
    settings.CENTRAL_REGISTRATION_EMAIL = OFFICE
    settings.REGISTER_INFORMATION_FEE_CENTS = 1000
    with time_machine.travel(NOW, tick=False):
        yield


def move_in(person: Person, address: Address, clerk, *, days_ago: int = 400) -> None:
    residences.residence_register(
        person=person, address=address, moved_in_on=TODAY - dt.timedelta(days=days_ago), actor=clerk
    )


@pytest.fixture
def anna(make_person, clerk) -> Person:
    """Dr. Anna Maria Müller, born 4 March 1985: lived at FLAT, now at HOME (main) with ROOM
    as a secondary residence."""
    person = make_person(
        family_name="Müller",
        given_names="Anna Maria",
        doctoral_degree="Dr.",
        birth=BirthDate(1985, 3, 4),
    )
    move_in(person, FLAT, clerk, days_ago=900)
    residences.residence_change(
        person=person, address=HOME, moved_in_on=TODAY - dt.timedelta(days=100), actor=clerk
    )
    residences.residence_register(
        person=person,
        address=ROOM,
        kind="secondary",
        moved_in_on=TODAY - dt.timedelta(days=50),
        actor=clerk,
    )
    return person


def ask(**fields: str) -> dict[str, str]:
    return {"family_name": "Müller", "given_names": "Anna Maria", **REQUESTER, **fields}


def api(client: Client, data: dict[str, str], **headers: str) -> Any:
    return client.post(API, data, content_type="application/json", headers=headers)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Post to the page or the API and run what the request enqueued (the task)."""

    def post(data: dict[str, str], *, to: str = "page", client: Client | None = None) -> Any:
        client = client or Client()
        with django_capture_on_commit_callbacks(execute=True):
            if to == "page":
                return client.post(PAGE, data)
            if to == "en":
                return client.post(f"/en{PAGE}", data)
            return api(client, data)

    return post


# --- The answers ----------------------------------------------------------------------------


def test_found_gives_names_degree_and_current_addresses_main_first(anna, run):
    response = run(ask(birth_date="04.03.1985"), to="api")
    assert response.status_code == 200
    body = response.json()
    assert body["answer"] == "found"
    assert body["fee_cents"] == 1000
    person = body["person"]
    assert (person["family_name"], person["given_names"], person["doctoral_degree"]) == (
        "Müller",
        "Anna Maria",
        "Dr.",
    )
    assert [(a["kind"], a["street"], a["postcode"]) for a in person["addresses"]] == [
        ("main", "Kirchenallee", "20099"),
        ("secondary", "Bahrenfelder Straße", "22765"),
    ]
    # The page says the same; the former address is not current and not shown.
    page = run(ask(birth_date="1985-03-04"), to="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Kirchenallee 1" in html
    assert "Bahrenfelder Straße 3-5" in html
    assert "Eppendorfer Weg" not in html
    assert "Dr. Anna Maria Müller" in html


@pytest.mark.parametrize(
    ("family", "given", "found"),
    [
        ("Mueller", "Anna Maria", True),  # ICAO 9303: Ü is UE
        ("MÜLLER", "anna  maria", True),  # case and spaces
        ("Müller", "Anna", True),  # the first given name
        ("Müller", "Maria", False),  # not the first
        ("Müller", "Ann", False),  # whole names only
        ("Miller", "Anna Maria", False),  # never phonetic
        ("Müller", "Anna Maria Luise", False),  # more names than registered
    ],
)
def test_names_match_exactly_after_transliteration_never_phonetically(
    anna, run, family, given, found
):
    body = run(ask(family_name=family, given_names=given, birth_date="04.03.1985"), to="api").json()
    assert body["answer"] == ("found" if found else "not_found")


def test_a_name_affix_may_be_typed_in_front_of_the_family_name(make_person, clerk, run):
    person = make_person(family_name="Bülow", name_affix="von", given_names="Vicco")
    move_in(person, HOME, clerk)
    for family, answer in (("von Bülow", "found"), ("Bülow", "found"), ("van Bülow", "not_found")):
        body = run(ask(family_name=family, given_names="Vicco", birth_date="04.03.1985"), to="api")
        assert body.json()["answer"] == answer, family
    assert body.json()["person"] is None


def test_nobody_with_these_details_is_not_found(anna, run):
    body = run(ask(birth_date="05.03.1985"), to="api").json()
    with translation.override("de"):
        detail = information.answer_text("not_found")
    assert body == {"answer": "not_found", "detail": detail, "person": None, "fee_cents": 1000}


def test_two_matching_people_are_not_unique_until_a_former_address_tells_them_apart(
    anna, make_person, clerk, run
):
    twin = identity.person_create(
        data=person_input(
            family_name="Müller", given_names="Anna Maria", birth=BirthDate(1985, 3, 4)
        ),
        actor=clerk,
        distinct_from=(anna.pk,),
        now=NOW,
    ).person
    move_in(twin, Address(street="Osterstraße", house_number="7", postcode="20259"), clerk)
    assert run(ask(birth_date="04.03.1985"), to="api").json()["answer"] == "not_unique"
    # The page keeps the form with everything entered, to add a detail.
    page = run(ask(birth_date="04.03.1985"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="04.03.1985"' in html
    assert 'value="Inkasso Nord GmbH"' in html
    assert "<form" in html
    # Anna's former address (typed another way) names her alone.
    body = run(
        ask(
            birth_date="04.03.1985",
            street="Eppendorfer-Weg",
            house_number="12 A",
            postcode="20259",
        ),
        to="api",
    ).json()
    assert body["answer"] == "found"
    assert body["person"]["addresses"][0]["street"] == "Kirchenallee"


def test_a_former_address_without_a_date_of_birth_finds_the_person(anna, run):
    def answer(street: str, number: str, postcode: str) -> str:
        data = ask(street=street, house_number=number, postcode=postcode)
        return run(data, to="api").json()["answer"]

    assert answer("Eppendorfer Weg", "12a", "20259") == "found"
    assert answer("eppendorfer weg", "12 A", "20259") == "found"
    assert answer("Kirchenallee", "1", "20099") == "found"  # the current one names her too
    assert answer("Bahrenfelder Str.", "3-5", "22765") == "found"
    assert answer("Eppendorfer Weg", "14", "20259") == "not_found"
    assert answer("Eppendorfer Weg", "12a", "20251") == "not_found"
    assert answer("Eppendorfer Straße", "12a", "20259") == "not_found"
    # With both, both must fit.
    both = ask(
        birth_date="05.03.1985", street="Eppendorfer Weg", house_number="12a", postcode="20259"
    )
    assert run(both, to="api").json()["answer"] == "not_found"


def test_partly_unknown_dates_of_birth_match_only_exactly(make_person, clerk, run):
    march = make_person(family_name="Haidari", given_names="Ahmad", birth=BirthDate(1985, 3))
    year = make_person(family_name="Karimi", given_names="Zahra", birth=BirthDate(1990))
    move_in(march, HOME, clerk)
    move_in(year, FLAT, clerk)

    def answer(family: str, given: str, birth: str) -> str:
        data = ask(family_name=family, given_names=given, birth_date=birth)
        return run(data, to="api").json()["answer"]

    assert answer("Haidari", "Ahmad", "00.03.1985") == "found"
    assert answer("Haidari", "Ahmad", "1985-03") == "found"
    assert answer("Haidari", "Ahmad", "04.03.1985") == "not_found"  # not loosely
    assert answer("Haidari", "Ahmad", "00.00.1985") == "not_found"
    assert answer("Karimi", "Zahra", "1990-00-00") == "found"
    assert answer("Karimi", "Zahra", "01.01.1990") == "not_found"


def test_moved_away_and_deceased_people_are_not_found(make_person, clerk, run):
    gone = make_person(family_name="Schulz", given_names="Peter")
    move_in(gone, FLAT, clerk)
    residences.residence_deregister(
        person=gone, moved_out_on=TODAY - dt.timedelta(days=5), actor=clerk, new_address="Berlin"
    )
    dead = make_person(family_name="Weber", given_names="Klaus")
    move_in(dead, ROOM, clerk)
    identity.person_death_record(person=dead, died_on=TODAY - dt.timedelta(days=2), actor=clerk)
    for family, given, former in (("Schulz", "Peter", FLAT), ("Weber", "Klaus", ROOM)):
        by_birth = ask(family_name=family, given_names=given, birth_date="04.03.1985")
        by_address = ask(
            family_name=family,
            given_names=given,
            street=former.street,
            house_number=former.house_number,
            postcode=former.postcode,
        )
        for data in (by_birth, by_address):
            assert run(data, to="api").json()["answer"] == "not_found", family
            row = RegisterInformationRequest.objects.latest("pk")
            assert (row.answer, row.person_id) == ("not_found", None)


# --- § 51 BMG: the block ------------------------------------------------------------------------


@pytest.fixture
def blocked(anna, clerk):
    return blocks.block_set(person=anna, reason="Threatened by a former partner", actor=clerk)


def _unknown(**fields: str) -> dict[str, str]:
    return ask(family_name="Niemand", given_names="Nemo", **fields)


BY_BIRTH = {"birth_date": "04.03.1985"}
BY_ADDRESS = {"street": "Eppendorfer Weg", "house_number": "12a", "postcode": "20259"}


def test_a_blocked_person_is_answered_byte_for_byte_like_an_unknown_one(blocked, anna, run):
    """The same request, first about the blocked person, then once nobody of that name is in
    the register: the same status, headers and body — on the page in both languages and in
    the API — and the same receipt but for its number."""

    def answers() -> list[Any]:
        return [
            run(ask(**details), to=to)
            for to in ("page", "en", "api")
            for details in (BY_BIRTH, BY_ADDRESS)
        ]

    hidden = answers()
    # Now nobody of that name is in the register (the search key no longer fits).
    Person.objects.filter(pk=anna.pk).update(family_key="SOMEBODY ELSE")
    unknown = answers()
    for hit, miss in zip(hidden, unknown, strict=True):
        assert hit.status_code == miss.status_code == 200
        assert hit.headers == miss.headers
        assert hit.content == miss.content
    assert hidden[-1].json()["answer"] == "not_found"
    rows = list(RegisterInformationRequest.objects.order_by("pk"))
    receipts = {
        m.body.replace(row.reference, "#")
        for row in rows
        for m in mail.outbox
        if row.reference in m.subject
    }
    # 12 receipts, 4 texts: German or English, by birth or by address — blocked or not.
    assert len(receipts) == 4


def test_the_office_is_told_of_a_request_for_a_blocked_person_the_unknown_one_tells_nobody(
    blocked, anna, run
):
    run(_unknown(**BY_BIRTH), to="api")
    unknown = RegisterInformationRequest.objects.latest("pk")
    assert (unknown.answer, unknown.person_id, unknown.blocked, unknown.blocks) == (
        "not_found",
        None,
        False,
        [],
    )
    assert unknown.notified_at is None
    assert not Message.objects.filter(template="people/information_blocked").exists()
    assert Message.objects.filter(template="people/information_receipt").count() == 1
    run(ask(**BY_BIRTH), to="api")
    row = RegisterInformationRequest.objects.latest("pk")
    assert (row.answer, row.person_id, row.blocked, row.blocks) == (
        "not_found",
        anna.pk,
        True,
        [blocked.pk],
    )
    assert row.notified_at == NOW
    notice = Message.objects.get(template="people/information_blocked")
    assert (notice.recipient, notice.about, notice.language) == (
        OFFICE,
        f"block:{blocked.pk}",
        "de",
    )
    messages_deliver_due(now=NOW)
    [office] = [m for m in mail.outbox if m.to == [OFFICE]]
    text = office.subject + office.body
    assert str(blocked.pk) in text
    assert row.reference in text
    assert f"/staff/people/register-information/?reference={row.reference}" in text
    for personal in ("Müller", "Anna", "Kirchenallee", "Inkasso"):
        assert personal not in text  # the office opens the record and the log (logged reads)


def test_without_an_office_address_the_block_is_recorded_for_the_office_page(
    blocked, anna, run, settings
):
    settings.CENTRAL_REGISTRATION_EMAIL = ""
    run(ask(**BY_BIRTH), to="api")
    row = RegisterInformationRequest.objects.get()
    assert (row.blocked, row.blocks, row.notified_at) == (True, [blocked.pk], None)
    assert not Message.objects.filter(template="people/information_blocked").exists()


def test_a_blocked_namesake_neither_hides_nor_doubles_the_person_who_may_be_found(
    anna, blocked, make_person, clerk, run
):
    other = identity.person_create(
        data=person_input(
            family_name="Müller", given_names="Anna Maria", birth=BirthDate(1985, 3, 4)
        ),
        actor=clerk,
        distinct_from=(anna.pk,),
        now=NOW,
    ).person
    move_in(other, Address(street="Osterstraße", house_number="7", postcode="20259"), clerk)
    body = run(ask(birth_date="04.03.1985"), to="api").json()
    assert body["answer"] == "found"  # not "not unique": the blocked one counts as absent
    assert body["person"]["addresses"][0]["street"] == "Osterstraße"
    row = RegisterInformationRequest.objects.latest("pk")
    assert (row.person_id, row.blocks) == (other.pk, [blocked.pk])
    assert Message.objects.filter(template="people/information_blocked").count() == 1


def test_a_lifted_or_ended_block_no_longer_hides_the_person(anna, blocked, clerk, run):
    blocks.block_lift(block=blocked, actor=clerk)
    assert run(ask(birth_date="04.03.1985"), to="api").json()["answer"] == "found"


def test_the_request_path_does_the_same_queries_for_blocked_and_unknown(
    blocked, settings, django_capture_on_commit_callbacks
):
    """No timing tells blocked from unknown: the same statements, in the same order, the same
    number, and one task enqueued after commit either way (the database queue here)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    work = {}
    for name, data in (
        ("blocked", ask(birth_date="04.03.1985")),
        ("unknown", _unknown(birth_date="04.03.1985")),
        ("blocked-address", ask(street="Eppendorfer Weg", house_number="12a", postcode="20259")),
        (
            "unknown-address",
            _unknown(street="Eppendorfer Weg", house_number="12a", postcode="20259"),
        ),
    ):
        for to in ("page", "api"):
            client = Client()
            with (
                CaptureQueriesContext(connection) as queries,
                django_capture_on_commit_callbacks(execute=True) as callbacks,
            ):
                response = client.post(PAGE, data) if to == "page" else api(client, data)
            assert response.status_code == 200
            work[name, to] = ([q["sql"].split()[0] for q in queries], len(callbacks))
    for to in ("page", "api"):
        assert work["blocked", to] == work["unknown", to]
        assert work["blocked-address", to] == work["unknown-address", to]
        kinds, tasks = work["blocked", to]
        assert tasks == 1
        assert kinds.count("SELECT") == 1  # the one lookup
        assert kinds.count("INSERT") == 2  # the request row and the task
    # The rows are alike too, but for the block ids: no person to check as a foreign key, no
    # entry in the index of blocked requests — the task marks the blocked ones.
    written = list(RegisterInformationRequest.objects.order_by("pk"))
    assert {(r.answer, r.person_id, r.blocked) for r in written} == {("not_found", None, False)}
    assert [r.blocks for r in written] == [[blocked.pk], [blocked.pk], [], []] * 2
    queued = DBTaskResult.objects.all()
    assert queued.count() == 8
    assert all(
        set(task.args_kwargs["kwargs"]) == {"request_id"} for task in queued
    )  # the queue holds no personal data
    for task in queued:
        information.register_information_settle.call(**task.args_kwargs["kwargs"])
    settled = list(RegisterInformationRequest.objects.order_by("pk"))
    assert [(r.person_id, r.blocked) for r in settled] == [
        (blocked.person_id, True),
        (blocked.person_id, True),
        (None, False),
        (None, False),
    ] * 2
    assert Message.objects.filter(template="people/information_blocked").count() == 4
    assert Message.objects.filter(template="people/information_receipt").count() == 8


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({}, "birth_date", "too-little-to-identify"),  # neither birth date nor address
        ({"family_name": "M", "birth_date": "04.03.1985"}, "family_name", "name-too-short"),
        ({"given_names": "A.", "birth_date": "04.03.1985"}, "given_names", "name-too-short"),
        ({"birth_date": "04.03.2031"}, "birth_date", "birth-date-invalid"),  # the future
        ({"birth_date": "31.02.1985"}, "birth_date", "birth-date-invalid"),
        (
            {"street": "Friedrichstraße", "house_number": "1", "postcode": "10117"},
            "postcode",
            "postcode-unknown",
        ),
        (
            {"street": "Eppendorfer Weg", "postcode": "20259"},
            "house_number",
            "house-number-invalid",
        ),
        ({"family_name": "Müller3", "birth_date": "04.03.1985"}, "family_name", "name-character"),
        (
            {"requester_email": "not an address", "birth_date": "04.03.1985"},
            "requester_email",
            "email-invalid",
        ),
        (
            {"commercial_purpose": "", "birth_date": "04.03.1985"},
            "commercial_purpose",
            "commercial-purpose-missing",
        ),
        ({"requester_name": "", "birth_date": "04.03.1985"}, "requester_name", "requester-missing"),
    ],
)
def test_too_little_or_wrong_input_is_refused_at_its_field_keeping_the_input(
    anna, run, fields, field, code
):
    data = ask(**fields)
    with unchanged(RegisterInformationRequest, Message, AccessLog):
        page = run(data, to="en")
        answer = run(data, to="api")
    html = page.content.decode()
    assert page.status_code == 422
    assert f'id="id_{field}-error"' in html
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', html) or field == "purpose"
    for name, value in data.items():
        if value and name != "purpose":
            assert f'value="{value}"' in html, name  # nothing entered is lost
    assert 'value="commercial"' in html
    assert "checked" in html
    assert answer.status_code == 422
    problem = answer.json()
    assert field in {e["field"] for e in problem["errors"]}
    if len(problem["errors"]) == 1:
        assert problem["type"].endswith("/" + code)


def test_the_messages_speak_the_users_language(anna, run):
    english = run(ask(), to="en").content.decode()
    assert "Give the date of birth or a former address in Hamburg" in english
    with translation.override("de"):
        german_text = translation.gettext(
            "Give the date of birth or a former address in Hamburg (or both): a name alone "
            "cannot identify anyone."
        )
    german = run(ask()).content.decode()
    assert german_text.replace("'", "&#x27;") in german
    assert '<html lang="de">' in german
    assert '<html lang="en">' in english
    refused = Client().post(
        API, ask(), content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert "Give the date of birth" in refused.json()["errors"][0]["message"]


def test_a_private_request_needs_no_commercial_purpose_and_keeps_none(anna, run):
    data = ask(birth_date="04.03.1985", purpose="private", commercial_purpose="ignored")
    assert run(data, to="api").json()["answer"] == "found"
    row = RegisterInformationRequest.objects.latest("pk")
    assert (row.purpose, row.commercial_purpose) == ("private", "")


# --- The log and the fee --------------------------------------------------------------------


def test_every_request_is_logged_once_with_its_details_answer_and_fee(anna, run, settings):
    page = Client().get(f"/en{PAGE}")
    assert page.status_code == 200
    assert "€10.00" in page.content.decode()  # the fee is shown before sending
    settings.REGISTER_INFORMATION_FEE_CENTS = 1250
    run(
        ask(birth_date="04.03.1985", street="Eppendorfer Weg", house_number="12a", postcode="20259")
    )
    row = RegisterInformationRequest.objects.get()
    assert (row.answer, row.person_id, row.fee_cents, row.channel, row.language) == (
        "found",
        anna.pk,
        1250,
        "page",
        "de",
    )
    assert row.criteria == {
        "family_name": "Müller",
        "given_names": "Anna Maria",
        "birth_date": "04.03.1985",
        "street": "Eppendorfer Weg",
        "house_number": "12a",
        "postcode": "20259",
    }
    assert (row.requester_name, row.requester_email, row.purpose) == (
        "Inkasso Nord GmbH",
        "post@inkasso-nord.example",
        "commercial",
    )
    assert row.commercial_purpose == "Collecting an unpaid invoice"
    assert row.at == NOW
    assert row.receipt_queued_at == NOW
    assert len(row.reference) == information.REFERENCE_LENGTH
    # The task is idempotent: a second run queues nothing more.
    assert not information.register_information_notify(request_id=row.pk)
    receipt = Message.objects.get(template="people/information_receipt")
    assert receipt.recipient == "post@inkasso-nord.example"
    messages_deliver_due(now=NOW)
    [sent] = mail.outbox
    assert row.reference in sent.subject
    assert "Kirchenallee 1" in sent.body
    assert "12,50 €" in sent.body


def test_the_answer_page_shows_neither_the_record_number_nor_the_request_number(anna, blocked, run):
    html = run(ask(birth_date="04.03.1985"), to="en").content.decode()
    row = RegisterInformationRequest.objects.latest("pk")
    assert row.reference not in html
    assert f"/staff/people/{anna.pk}/" not in html
    assert "block" not in html.lower()


# --- Limits ---------------------------------------------------------------------------------


def test_requests_are_limited_per_client_address(anna, run, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_REGISTER_INFORMATION = "2/h"
    client = Client(REMOTE_ADDR="192.0.2.7")
    data = ask(birth_date="04.03.1985")
    assert run(data, client=client).status_code == 200
    assert run(data, to="api", client=client).status_code == 200
    with unchanged(RegisterInformationRequest, Message):
        page = run(data, client=client)
        answer = run(data, to="api", client=client)
    assert page.status_code == answer.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert int(answer["Retry-After"]) > 0
    assert 'value="Inkasso Nord GmbH"' in page.content.decode()  # the input is kept
    assert answer.json()["type"].endswith("/rate-limited")
    # Another address is not held up.
    assert run(data, client=Client(REMOTE_ADDR="192.0.2.8")).status_code == 200


def test_the_proof_of_work_captcha_is_required_when_on(anna, run, settings):
    settings.CAPTCHA_ENABLED = True
    data = ask(birth_date="04.03.1985")
    with unchanged(RegisterInformationRequest):
        page = run(data, to="en")
        answer = run(data, to="api")
    assert page.status_code == answer.status_code == 422
    assert "automatic check that you are a person" in page.content.decode()
    assert "captcha" in {e["field"] for e in answer.json()["errors"]}
    assert 'data-captcha-url="/api/v1/captcha"' in Client().get(PAGE).content.decode()


# --- The log page for staff -----------------------------------------------------------------

LOG = "/staff/people/register-information/"


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: getattr(r, "value", "anon"))
def test_the_log_page_is_for_the_office_and_the_data_protection_officer(
    anna, blocked, run, client_as, role
):
    run(ask(birth_date="04.03.1985"), to="api")
    row = RegisterInformationRequest.objects.get()
    client = Client() if role is None else client_as(role)
    if role not in (Role.CENTRAL_REGISTRATION, Role.DATA_PROTECTION):
        with unchanged(AccessLog):
            response = client.get(LOG)
        assert response.status_code == (302 if role is None else 403)
        return
    response = client.get(f"/en{LOG}")
    html = response.content.decode()
    assert response.status_code == 200
    for shown in (row.reference, "Inkasso Nord GmbH", "Collecting an unpaid invoice", "04.03.1985"):
        assert shown in html
    assert f"Block {blocked.pk}" in html
    assert "office told" in html
    assert f"/staff/people/{anna.pk}/" in html
    assert "€10.00" in html
    entry = AccessLog.objects.latest("pk")
    assert (entry.subject_type, entry.purpose, entry.hits) == (
        "register_information",
        "register_information",
        1,
    )
    assert list(entry.subjects.values_list("person_id", flat=True)) == [anna.pk]


def test_the_log_page_filters_and_pages_with_a_fixed_number_of_queries(
    anna, blocked, run, client_as, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(information, "LOG_PAGE_SIZE", 2)
    for _ in range(3):
        run(_unknown(birth_date="04.03.1985"), to="api")
    run(ask(birth_date="04.03.1985"), to="api")
    client = client_as(Role.DATA_PROTECTION)
    newest_first = list(RegisterInformationRequest.objects.order_by("-pk"))
    first = client.get(f"/en{LOG}").content.decode()
    assert newest_first[0].reference in first
    assert newest_first[2].reference not in first
    older = re.search(r'href="(\?[^"]*before=\d+[^"]*)"', first)
    assert older is not None
    second = client.get(f"/en{LOG}{older.group(1).replace('&amp;', '&')}").content.decode()
    assert newest_first[2].reference in second
    assert newest_first[0].reference not in second
    only_blocked = client.get(f"/en{LOG}", {"blocked_only": "on"}).content.decode()
    assert newest_first[0].reference in only_blocked
    assert newest_first[1].reference not in only_blocked
    by_number = client.get(f"/en{LOG}", {"reference": newest_first[2].reference.lower()})
    assert newest_first[2].reference in by_number.content.decode()
    assert newest_first[1].reference not in by_number.content.decode()
    with django_assert_max_num_queries(12):
        client.get(f"/en{LOG}")


def test_a_request_whose_task_was_lost_is_settled_by_the_scheduler(
    blocked, settings, django_capture_on_commit_callbacks
):
    """The task is the fast way; the scheduler's sweep makes sure no receipt and no § 51
    notice is lost when a task never runs."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        api(Client(), ask(**BY_BIRTH))  # enqueued, never worked off
    row = RegisterInformationRequest.objects.get()
    assert row.receipt_queued_at is None
    assert jobs.register_information_settle(NOW + dt.timedelta(seconds=30)) == 0  # not yet
    later = NOW + dt.timedelta(minutes=3)
    assert jobs.register_information_settle(later) == 1
    assert jobs.register_information_settle(later) == 0
    row.refresh_from_db()
    assert (row.receipt_queued_at, row.notified_at) == (later, later)
    assert Message.objects.filter(template="people/information_blocked").count() == 1
    # The task, should it run after all, does nothing more.
    [task] = DBTaskResult.objects.filter(task_path__endswith="register_information_settle")
    information.register_information_settle.call(**task.args_kwargs["kwargs"])
    assert Message.objects.filter(template="people/information_blocked").count() == 1
