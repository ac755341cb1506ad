"""The provisional certificate at once (§ 81 (4) AufenthG): an application to extend a title
received while it is valid — the day of expiry included — gets the certificate when the case
is opened (or when the applicant is identified), recorded as a title on the person, a signed
PDF with a QR code and a verification code; a late one (a title expired yesterday) gets the
notice instead; no title, or only a provisional certificate, gets nothing. A daily job warns
before a certificate of an open case ends; a decision ends it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from hamburg_service.cases import letters, provisional
from hamburg_service.cases.models import Case, CaseEvent, Letter, LetterCheckCount
from hamburg_service.cases.services import lifecycle, pool
from hamburg_service.cases.services.common import lock_case
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict
from hamburg_service.core.signing import payload_sign
from hamburg_service.files.models import StoredFile
from hamburg_service.notifications.models import Message
from hamburg_service.notifications.renderers import render
from hamburg_service.people.models import ResidenceTitle
from hamburg_service.people.services import papers
from tests.support.db import unchanged

from .conftest import NOW, TODAY
from .letters_support import (  # noqa: F401 - fixtures
    assert_tagged_and_signed,
    by_code,
    by_payload,
    documents_received,
    fixture_clerk,
    fixture_make_person,
    fixture_uploads_root,
    pdf_text,
    stored_bytes,
)

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
# Received today, decision planned in 42 days (13 April): + 1 month is before + 3 months.
PLANNED_PLUS_MONTH = dt.date(2026, 5, 13)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def title(kind: str, until: dt.date | None, *, pk: int = 1, since: dt.date = dt.date(2024, 1, 1)):
    return ResidenceTitle(pk=pk, kind=kind, valid_from=since, valid_until=until, legal_basis="§ 1")


# --- the rule ------------------------------------------------------------------------------


def rule(titles, received=TODAY, planned=TODAY + dt.timedelta(days=42), today=TODAY):
    return provisional.provisional_rule(
        titles=titles, received_on=received, planned_on=planned, today=today
    )


def test_the_rule_and_its_edge_cases():
    # The day of expiry itself is in time.
    plan = rule([title("residence_permit", TODAY)])
    assert plan is not None
    assert (plan.kind, plan.valid_from, plan.valid_until) == (
        "provisional",
        TODAY,
        PLANNED_PLUS_MONTH,
    )
    # Expired the day before: late.
    late = rule([title("residence_permit", TODAY - DAY)])
    assert late is not None
    assert (late.kind, late.valid_until) == ("late_notice", None)
    # Nothing to extend: no title on record, only a provisional certificate, a title without
    # end, a title ended (withdrawn), a title that begins only later.
    assert rule([]) is None
    assert rule([title("provisional", TODAY + 30 * DAY)]) is None
    assert rule([title("settlement_permit", None)]) is None
    ended = title("residence_permit", TODAY + 30 * DAY)
    ended.ended_on = TODAY - 10 * DAY
    assert rule([ended]) is None
    assert rule([title("residence_permit", TODAY + 400 * DAY, since=TODAY + DAY)]) is None
    # The title that runs longest counts; a provisional certificate beside it does not.
    plan = rule(
        [
            title("residence_permit", TODAY - 40 * DAY, pk=1),
            title("blue_card", TODAY + 10 * DAY, pk=2),
            title("provisional", TODAY + 200 * DAY, pk=3),
        ]
    )
    assert plan is not None
    assert (plan.kind, plan.title.pk) == ("provisional", 2)


def test_validity_three_months_at_most_a_month_after_the_planned_decision_at_least_a_month():
    # A quick type: a month after the planned decision comes first.
    plan = rule([title("blue_card", TODAY)], planned=TODAY + 30 * DAY)
    assert plan is not None
    assert plan.valid_until == dt.date(2026, 5, 1)
    # A slow type: three months from receipt.
    plan = rule([title("blue_card", TODAY)], planned=TODAY + 200 * DAY)
    assert plan is not None
    assert plan.valid_until == dt.date(2026, 6, 2)
    # Received by post 80 days ago: still a month from today.
    received = TODAY - 80 * DAY
    plan = rule([title("blue_card", received)], received=received, planned=received + 42 * DAY)
    assert plan is not None
    assert plan.valid_until == dt.date(2026, 4, 2)
    # Applied early: not before a month after the old title ends.
    plan = rule([title("blue_card", TODAY + 100 * DAY)])
    assert plan is not None
    assert plan.valid_until == dt.date(2026, 7, 10)


# --- opening a case --------------------------------------------------------------------------


def test_opening_an_extension_in_time_issues_the_certificate_at_once(
    open_case, make_person, case_types
):
    person = make_person(title_until=TODAY, conditions="Beschäftigung nur als Ingenieur.")
    case = open_case(person=person)
    letter = Letter.objects.get(case=case)
    assert (letter.kind, letter.number) == ("provisional", "FB-2026-000001")
    assert letter.valid_until == PLANNED_PLUS_MONTH
    assert letter.code_hash
    recorded = ResidenceTitle.objects.get(pk=letter.title_id)
    assert (recorded.person_id, recorded.kind, recorded.legal_basis) == (
        person.pk,
        "provisional",
        "§ 81 Abs. 4 AufenthG",
    )
    assert (recorded.valid_from, recorded.valid_until) == (TODAY, PLANNED_PLUS_MONTH)
    assert recorded.conditions == "Beschäftigung nur als Ingenieur."
    event = CaseEvent.objects.get(case=case, kind="provisional_issued")
    assert event.data["number"] == "FB-2026-000001"
    # Living on a provisional certificate counts in the urgency.
    case.refresh_from_db()
    assert case.facts["title_provisional"] is True
    german = stored_bytes(letter.pdf)
    assert_tagged_and_signed(german, "de")
    text = " ".join(pdf_text(german).split())
    for expected in (
        "FB-2026-000001",
        "Çağlar Ğüneş-Ørsted",
        "17.04.1990",
        "Aufenthaltserlaubnis § 18b AufenthG",
        "am 02.03.2026 die Verlängerung",
        "(§ 81 Abs. 4 Satz 1 AufenthG)",
        "gilt bis zum 13.05.2026",
        "Beschäftigung nur als Ingenieur.",
    ):
        assert expected in text, expected
    english = " ".join(pdf_text(stored_bytes(letter.courtesy_pdf)).split())
    assert "is deemed to continue from its expiry" in english
    assert "valid until 13 May 2026" in english


def test_a_title_expired_the_day_before_gets_the_late_notice(open_case, make_person):
    person = make_person(title_until=TODAY - DAY)
    with unchanged(ResidenceTitle):
        case = open_case(person=person)
    letter = Letter.objects.get(case=case)
    assert (letter.kind, letter.number) == ("late_notice", "HW-2026-000001")
    assert letter.code_hash == ""  # a notice, not a certificate: nothing to verify
    assert letter.title_id is None
    assert CaseEvent.objects.filter(case=case, kind="late_notice").exists()
    assert not CaseEvent.objects.filter(case=case, kind="provisional_issued").exists()
    text = " ".join(pdf_text(stored_bytes(letter.pdf)).split())
    assert "bis zum 01.03.2026 gültig" in text
    assert "nicht nach § 81 Abs. 4 Satz 1 AufenthG als fortbestehend" in text
    assert "(§ 81 Abs. 4 Satz 3 AufenthG)" in text
    assert case.reference in text


@pytest.mark.parametrize(
    "fields",
    [
        {},  # no residence title on record
        {"kind": "provisional", "title_until": TODAY + 30 * DAY},
        {"kind": "settlement_permit"},
    ],
)
def test_no_title_or_only_a_provisional_certificate_gets_nothing(open_case, make_person, fields):
    person = make_person(**fields)
    with unchanged(ResidenceTitle, Letter, StoredFile):
        case = open_case(person=person)
    assert not CaseEvent.objects.filter(case=case).exclude(kind="received").exists()


def test_a_type_that_extends_no_title_issues_nothing(open_case, make_person):
    person = make_person(title_until=TODAY)
    with unchanged(ResidenceTitle, Letter):
        open_case("settlement-permit", person=person)


# --- linking the person later ----------------------------------------------------------------


def test_a_case_opened_without_the_person_issues_when_they_are_linked_by_the_day_of_receipt(
    open_case, make_person, caseworker
):
    # Received by post ten days ago; the title ended five days ago: in time.
    person = make_person(title_until=TODAY - 5 * DAY)
    open_case(channel="post", received_at=NOW - 10 * DAY)
    assert not Letter.objects.exists()
    worker = caseworker()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    other = caseworker()
    with unchanged(Case, Letter, ResidenceTitle, StoredFile), pytest.raises(Conflict):
        lifecycle.case_person_link(case=case, person=person, actor=other, now=NOW)
    lifecycle.case_person_link(case=case, person=person, actor=worker, now=NOW)
    letter = Letter.objects.get(case=case)
    assert letter.kind == "provisional"
    recorded = ResidenceTitle.objects.get(pk=letter.title_id)
    assert recorded.valid_from == TODAY - 10 * DAY
    # Linking again issues nothing more.
    lifecycle.case_person_link(case=case, person=person, actor=worker, now=NOW)
    assert Letter.objects.count() == 1


def test_titles_changed_between_making_and_recording_refuse_and_write_nothing(
    open_case, make_person, caseworker, clerk
):
    person = make_person(title_until=TODAY + 20 * DAY)
    case = open_case()
    prepared = provisional.provisional_for_link(case=case, person=person, now=NOW)
    assert prepared is not None
    papers.title_end(
        title=ResidenceTitle.objects.get(person=person),
        ended_on=TODAY,
        reason="widerrufen",
        actor=clerk,
        now=NOW,
    )
    case.person = person
    case.save(update_fields=["person"])
    worker = caseworker()
    with (
        unchanged(Letter, ResidenceTitle),
        pytest.raises(Conflict) as caught,
        write_transaction(),
    ):
        provisional.provisional_commit(
            case=lock_case(case), prepared=prepared, actor=worker, now=NOW
        )
    assert caught.value.code == "titles-changed"


# --- verification ----------------------------------------------------------------------------


@pytest.fixture
def certificate(open_case, make_person):
    """(case, letter, code): a provisional certificate issued at opening."""
    case = open_case(person=make_person(title_until=TODAY + 10 * DAY))
    letter = Letter.objects.get(case=case)
    code = letters.code_display(
        next(
            word
            for word in pdf_text(stored_bytes(letter.pdf)).split()
            if len(word) == 11 and word[5] == "-" and word.replace("-", "").isalnum()
        ).replace("-", "")
    )
    return case, letter, code


def test_the_certificate_verifies_by_code_and_qr_and_a_wrong_code_is_like_an_unknown_number(
    certificate,
):
    _case, letter, code = certificate
    answer = by_code(letter.number, code, "/en")
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "Genuine: FB-2026-000001" in html
    assert "Provisional certificate (Fiktionsbescheinigung)" in html
    assert "17 April 1990" in html
    assert "13 May 2026" in html
    payload = payload_sign("fbs", letters.qr_data(letter.data), issued_at=letter.issued_at)
    assert by_payload(payload, "/en").status_code == 200
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    mistaken = by_code(letter.number, wrong)
    unknown = by_code("FB-2026-000777", wrong)
    assert mistaken.status_code == unknown.status_code == 422
    assert (
        mistaken.content.decode()
        .replace(letter.number, "N")
        .replace(wrong, "C")
        .split('name="csrfmiddlewaretoken"')[0]
        == unknown.content.decode()
        .replace("FB-2026-000777", "N")
        .replace(wrong, "C")
        .split('name="csrfmiddlewaretoken"')[0]
    )
    counts = dict(
        LetterCheckCount.objects.filter(kind="provisional").values_list("outcome", "checks")
    )
    assert counts == {"code_valid": 1, "qr_valid": 1, "code_not_valid": 2}


def test_a_registration_certificate_s_kind_is_not_taken_for_ours(certificate):
    _case, letter, _code = certificate
    # The registration certificate's QR kind with our data goes the people's way, as before.
    foreign = payload_sign("mb", letters.qr_data(letter.data), issued_at=letter.issued_at)
    answer = by_payload(foreign, "/en")
    assert answer.status_code == 422
    assert "no such certificate is on file" in answer.content.decode()


def test_verification_is_limited_per_letter_number(certificate, settings):
    _case, letter, code = certificate
    settings.RATE_LIMITS_ENABLED = True
    settings.CERTIFICATE_VERIFY_NUMBER_RATE = "2/h"
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    for _ in range(2):
        assert by_code(letter.number, wrong).status_code == 422
    limited = by_code(letter.number.lower(), code, "/en")
    assert limited.status_code == 429
    assert "checked too often" in limited.content.decode()


def test_a_decision_ends_the_certificate_and_verification_shows_it(
    certificate, caseworker, make_person
):
    case, letter, code = certificate
    worker = caseworker()
    taken = pool.case_next(actor=worker, now=NOW)
    assert taken is not None
    assert taken.pk == case.pk
    documents_received(taken)
    later = NOW + 20 * DAY
    lifecycle.case_decide(
        case=taken,
        outcome="approved",
        reasons="Voraussetzungen liegen vor.",
        valid_until=dt.date(2028, 3, 1),
        legal_basis="§ 18a AufenthG",
        actor=worker,
        now=later,
    )
    letter.refresh_from_db()
    assert letter.revoked_at == later
    ended = ResidenceTitle.objects.get(pk=letter.title_id)
    assert ended.ended_on == TODAY + 20 * DAY
    decided = CaseEvent.objects.get(case=case, kind="decided")
    assert decided.data["provisional_ended"] == [letter.number]
    html = by_code(letter.number, code, "/en").content.decode()
    assert "No longer valid: FB-2026-000001" in html
    assert "no longer valid since 22 March 2026" in html


def test_an_expired_certificate_shows_as_expired(certificate):
    _case, letter, code = certificate
    assert letter.valid_until is not None
    with time_machine.travel(
        dt.datetime.combine(letter.valid_until + DAY, dt.time(12), tzinfo=dt.UTC), tick=False
    ):
        html = by_code(letter.number, code, "/en").content.decode()
    assert "Expired: FB-2026-000001" in html


# --- the warning before it ends ----------------------------------------------------------------


def test_the_daily_job_warns_two_weeks_before_the_certificate_ends(
    open_case, make_person, caseworker
):
    case = open_case(person=make_person(title_until=TODAY), applicant_email="c.g@example.org")
    silent = open_case(
        name="Ohne Adresse", person=make_person(title_until=TODAY, family_name="Olsen")
    )
    letter = Letter.objects.get(case=case)
    assert letter.valid_until == PLANNED_PLUS_MONTH
    early = dt.datetime.combine(PLANNED_PLUS_MONTH - 15 * DAY, dt.time(7), tzinfo=dt.UTC)
    assert provisional.provisional_warn(now=early) == 0
    due = early + DAY
    assert provisional.provisional_warn(now=due) == 2
    assert provisional.provisional_warn(now=due + DAY) == 0  # once
    event = CaseEvent.objects.get(case=case, kind="provisional_expiring")
    assert event.data["number"] == letter.number
    assert CaseEvent.objects.filter(case=silent, kind="provisional_expiring").count() == 1
    # Only the applicant with an address is written to.
    (message,) = Message.objects.filter(template="cases/provisional_expiring")
    assert message.recipient == "c.g@example.org"
    assert message.template == "cases/provisional_expiring"
    with translation.override("en"):
        mail = render(message.template, message.context)
    assert letter.number in mail.subject or case.reference in mail.subject
    assert "is valid until 13 May 2026" in mail.body
    # The case page shows it to the caseworker.
    worker = caseworker()
    client = Client()
    with time_machine.travel(due, tick=False):
        client.force_login(worker.user)
        html = client.get(f"/en/staff/cases/{case.reference}/").content.decode()
    assert "Ends soon:" in html
    assert f"provisional certificate {letter.number}, valid until" in html


def test_no_warning_for_a_decided_case(open_case, make_person, caseworker):
    case = open_case(person=make_person(title_until=TODAY), applicant_email="c.g@example.org")
    worker = caseworker()
    taken = pool.case_next(actor=worker, now=NOW)
    assert taken is not None
    lifecycle.case_decide(
        case=taken, outcome="rejected", reasons="Pass fehlt.", actor=worker, now=NOW + DAY
    )
    due = dt.datetime.combine(PLANNED_PLUS_MONTH - 5 * DAY, dt.time(7), tzinfo=dt.UTC)
    assert provisional.provisional_warn(now=due) == 0
    assert not Message.objects.filter(template="cases/provisional_expiring").exists()
    assert not CaseEvent.objects.filter(case=case, kind="provisional_expiring").exists()


# --- a new certificate before it ends ----------------------------------------------------------


def test_a_new_certificate_replaces_the_one_that_ends(certificate, caseworker):
    case, letter, code = certificate
    worker = caseworker()
    client = Client()
    later = NOW + 30 * DAY
    with time_machine.travel(later, tick=False):
        client.force_login(worker.user)
        url = f"/en/staff/cases/{case.reference}/provisional/"
        with unchanged(Letter, ResidenceTitle):  # not their case yet
            assert client.post(url).status_code == 302
        assert pool.case_next(actor=worker, now=later) is not None
        page = client.get(f"/en/staff/cases/{case.reference}/").content.decode()
        assert "Issue a new provisional certificate" in page
        answer = client.post(url)
    assert answer.status_code == 302
    renewed = Letter.objects.get(number="FB-2026-000002")
    letter.refresh_from_db()
    assert letter.revoked_reason == "replaced by FB-2026-000002"
    assert renewed.valid_until == dt.date(2026, 5, 13)  # a month after the planned decision
    new_title = ResidenceTitle.objects.get(pk=renewed.title_id)
    assert (new_title.valid_from, new_title.valid_until) == (TODAY + 30 * DAY, renewed.valid_until)
    assert ResidenceTitle.objects.get(pk=letter.title_id).ended_on == TODAY + 29 * DAY
    assert "No longer valid: FB-2026-000001" in by_code(letter.number, code, "/en").content.decode()
    text = " ".join(pdf_text(stored_bytes(renewed.pdf)).split())
    assert "gilt bis zum 13.05.2026" in text
    # A decided case gets none.
    lifecycle.case_decide(
        case=case, outcome="rejected", reasons="Pass fehlt.", actor=worker, now=later + DAY
    )
    with unchanged(Letter), pytest.raises(Conflict):
        provisional.provisional_renew(case=case, actor=worker, now=later + 2 * DAY)
