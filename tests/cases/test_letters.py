"""Decisions and their letters: reasons from the type's templates and the caseworker's own
words, a signed and tagged PDF in German with an English courtesy translation where the type
allows, the legal remedy on a rejection, the title a grant writes to the person record (and
the refusal without a person), downloads only for those entitled, and verification of the
letter by number and code or by its QR code."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from hamburg_service.accounts.models import Role
from hamburg_service.cases import letters
from hamburg_service.cases.forms import DecideForm
from hamburg_service.cases.models import (
    Case,
    CaseEvent,
    Letter,
    LetterCheckCount,
)
from hamburg_service.cases.reasons import reason_templates
from hamburg_service.cases.services import lifecycle, pool
from hamburg_service.cases.services.lifecycle import Outcome
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound
from hamburg_service.core.signing import payload_sign
from hamburg_service.files.models import StoredFile
from hamburg_service.people.models import PersonEvent, ResidenceTitle
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
LATER = NOW + dt.timedelta(days=10)
DECIDED = TODAY + dt.timedelta(days=10)
UNTIL = dt.date(2028, 3, 11)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def worker(caseworker):
    return caseworker()


@pytest.fixture
def taken(open_case, worker):
    """take(slug, person=...) -> the case opened and taken by the worker, documents in."""

    def take(slug: str = "residence-permit-extension", **fields) -> Case:
        open_case(slug, **fields)
        case = pool.case_next(actor=worker, now=NOW)
        assert case is not None
        documents_received(case)
        return case

    return take


def decide(case: Case, worker, outcome: str = Outcome.APPROVED, **fields) -> Case:
    values = {"reasons": "", "valid_until": UNTIL, "legal_basis": "§ 18a AufenthG"}
    values.update(fields)
    return lifecycle.case_decide(case=case, outcome=outcome, actor=worker, now=LATER, **values)


# --- the decision and its letter -------------------------------------------------------------


def test_an_approval_writes_the_title_and_its_letter_is_signed_tagged_german_and_english(
    taken, worker, make_person
):
    person = make_person()
    case = taken(person=person)
    decide(
        case,
        worker,
        reason_keys=["requirements-met"],
        reasons="Arbeitsvertrag bei der Hafen GmbH unbefristet.",
    )
    title = ResidenceTitle.objects.get(person=person)
    assert (title.kind, title.legal_basis) == ("residence_permit", "§ 18a AufenthG")
    assert (title.valid_from, title.valid_until) == (DECIDED, UNTIL)
    decided = CaseEvent.objects.get(case=case, kind="decided")
    assert decided.data["title"] == title.pk
    assert decided.data["reason_keys"] == ["requirements-met"]

    issued = letters.letter_issue(case=case, actor=worker, now=LATER)
    letter = issued.letter
    assert letter.number == "BS-2026-000001"
    assert letter.kind == "decision"
    assert letter.title_id == title.pk
    assert letter.valid_until == UNTIL
    assert letter.code_hash
    assert issued.code not in letter.code_hash
    german = stored_bytes(letter.pdf)
    assert german == issued.pdf
    assert_tagged_and_signed(german, "de")
    text = pdf_text(german)
    for expected in (
        "BS-2026-000001",
        case.reference,
        "Çağlar Ğüneş-Ørsted",
        "17.04.1990",  # a title is granted: the date of birth identifies its holder
        "Ihrem Antrag „Verlängerung der Aufenthaltserlaubnis“ vom 02.03.2026 wird",
        "Aufenthaltserlaubnis nach § 18a AufenthG",
        "12.03.2026 bis zum 11.03.2028",
        "Die allgemeinen und besonderen Voraussetzungen",
        "Arbeitsvertrag bei der Hafen GmbH unbefristet.",
        letters.code_display(issued.code),
    ):
        assert expected in " ".join(text.split()), expected
    assert "Verwaltungsgericht" not in text  # no remedy against a grant
    english = stored_bytes(letter.courtesy_pdf)
    assert_tagged_and_signed(english, "en")
    text = " ".join(pdf_text(english).split())
    assert "Courtesy translation. Only the German original is legally binding" in text
    assert "The general and specific requirements" in text
    assert "valid from 12 March 2026 until 11 March 2028" in text
    assert "Arbeitsvertrag bei der Hafen GmbH unbefristet." in text  # as written, in German
    assert letter.pdf.owner == letter.courtesy_pdf.owner == f"case-letters:{case.reference}"
    event = CaseEvent.objects.get(case=case, kind="letter_issued")
    assert event.data["number"] == "BS-2026-000001"


def test_a_rejection_carries_the_legal_remedy_and_writes_no_title(taken, worker, make_person):
    person = make_person()
    case = taken(person=person)
    with unchanged(ResidenceTitle):
        decide(case, worker, Outcome.REJECTED, reason_keys=["livelihood"])
    issued = letters.letter_issue(case=case, actor=worker, now=LATER)
    text = " ".join(pdf_text(issued.pdf).split())
    assert "wird abgelehnt" in text
    assert "Der Lebensunterhalt ist nicht gesichert" in text
    assert "Rechtsbehelfsbelehrung" in text
    assert "innerhalb eines Monats nach seiner Bekanntgabe Klage" in text
    assert "Verwaltungsgericht Hamburg, Lübeckertordamm 4, 20099 Hamburg" in text
    assert "Ein Widerspruchsverfahren findet nicht statt" in text
    assert "keine aufschiebende Wirkung (§ 84 Abs. 1 Satz 1 Nr. 1 AufenthG)" in text
    assert "17.04.1990" not in text  # nothing granted: no date of birth (data minimisation)
    english = " ".join(pdf_text(issued.courtesy or b"").split())
    assert "Legal remedy" in english
    assert "within one month of its notification" in english
    assert issued.letter.title_id is None


def test_a_type_without_english_letters_gets_german_only_and_the_objection_remedy(
    caseworker, open_case
):
    worker = caseworker(Role.CASEWORKER_REGISTRATION)
    open_case("dog-registration", name="Heike Hoffmann")
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    documents_received(case)
    lifecycle.case_decide(
        case=case,
        outcome=Outcome.REJECTED,
        reasons="Kein Nachweis der Haftpflichtversicherung.",
        actor=worker,
        now=LATER,
    )
    issued = letters.letter_issue(case=case, actor=worker, now=LATER)
    assert issued.courtesy is None
    assert issued.letter.courtesy_pdf is None
    text = " ".join(pdf_text(issued.pdf).split())
    assert "Heike Hoffmann" in text
    assert "Kein Nachweis der Haftpflichtversicherung." in text
    assert "Widerspruch erhoben werden" in text
    assert "Hamburg Service –, Sitz Hamburg" in text
    with pytest.raises(NotFound):
        letters.letter_file(case=case, number=issued.letter.number, variant="en")


def test_granting_without_a_person_is_refused_and_changes_nothing(taken, worker):
    case = taken()  # opened by post: the applicant not identified yet
    with (
        unchanged(Case, CaseEvent, ResidenceTitle, PersonEvent, Letter),
        pytest.raises(InvalidInput) as caught,
        translation.override("en"),
    ):
        decide(case, worker, reason_keys=["requirements-met"])
    assert caught.value.code == "person-missing"
    assert "Identify the applicant first" in caught.value.errors[0]["message"]
    # Rejecting needs no person.
    decide(case, worker, Outcome.REJECTED, reasons="Pass abgelaufen.")
    case.refresh_from_db()
    assert case.outcome == Outcome.REJECTED


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"valid_until": None}, "valid_until", "title-needs-end"),
        ({"valid_until": DECIDED}, "valid_until", "title-ends-too-soon"),
        ({"legal_basis": ""}, "legal_basis", "legal-basis-missing"),
        ({"legal_basis": "somewhere"}, "legal_basis", "legal-basis-invalid"),
        ({"reason_keys": ["livelihood"]}, "reason_keys", "reason-not-for-outcome"),
        ({"reason_keys": ["made-up"]}, "reason_keys", "reason-not-for-outcome"),
        ({"reason_keys": [], "reasons": ""}, "reasons", "required"),
    ],
)
def test_what_a_grant_needs_is_checked_and_a_refusal_changes_nothing(
    taken, worker, make_person, fields, field, code
):
    case = taken(person=make_person())
    values = {"reason_keys": ["requirements-met"], **fields}
    with (
        unchanged(Case, CaseEvent, ResidenceTitle, Letter),
        pytest.raises(InvalidInput) as caught,
    ):
        decide(case, worker, **values)
    assert caught.value.code == code
    assert field in {e["field"] for e in caught.value.errors}


def test_an_unlimited_title_takes_no_end(taken, worker, make_person):
    case = taken("settlement-permit", person=make_person())
    with pytest.raises(InvalidInput) as caught:
        decide(case, worker, reasons="ok", valid_until=UNTIL, legal_basis="")
    assert caught.value.code == "title-unlimited"
    decide(case, worker, reasons="ok", valid_until=None, legal_basis="")
    title = ResidenceTitle.objects.get()
    assert (title.kind, title.legal_basis, title.valid_until) == (
        "settlement_permit",
        "§ 9 AufenthG",  # the type's
        None,
    )


def test_one_letter_per_decision_and_a_correction_replaces_it(taken, worker, make_person):
    case = taken(person=make_person())
    with pytest.raises(Conflict) as caught:
        letters.letter_issue(case=case, actor=worker, now=LATER)
    assert caught.value.code == "case-undecided"
    decide(case, worker, Outcome.REJECTED, reason_keys=["passport"])
    first = letters.letter_issue(case=case, actor=worker, now=LATER).letter
    with unchanged(Letter, CaseEvent, StoredFile), pytest.raises(Conflict) as caught:
        letters.letter_issue(case=case, actor=worker, now=LATER)
    assert caught.value.code == "letter-issued"
    assert not letters.letter_due(case)
    lifecycle.case_decision_correct(
        case=case,
        outcome=Outcome.PARTLY,
        reason="Pass nachgereicht; Titel nur für ein Jahr.",
        actor=worker,
        now=LATER,
    )
    assert letters.letter_due(case)
    second = letters.letter_issue(case=case, actor=worker, now=LATER + dt.timedelta(hours=1))
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert first.revoked_reason == f"replaced by {second.letter.number}"
    text = " ".join(pdf_text(second.pdf).split())
    assert "teilweise stattgegeben" in text
    assert "Pass nachgereicht; Titel nur für ein Jahr." in text
    assert "Rechtsbehelfsbelehrung" in text  # a partial rejection can be challenged too


# --- reason templates ----------------------------------------------------------------------


def test_a_type_s_own_reason_templates_replace_the_defaults(case_types):
    blue_card = case_types["blue-card"]
    defaults = reason_templates(blue_card, "rejected")
    assert {t.key for t in defaults} >= {"livelihood", "passport"}
    blue_card.reason_templates = [
        {"key": "salary", "outcome": "rejected", "de": "Gehaltsgrenze nicht erreicht."},
        {"key": "", "outcome": "rejected", "de": "no key: skipped"},
        {"key": "odd", "outcome": "maybe", "de": "unknown outcome: skipped"},
        "not even an object",
    ]
    blue_card.save()
    (salary,) = reason_templates(blue_card)
    assert (salary.key, salary.de, salary.en) == (
        "salary",
        "Gehaltsgrenze nicht erreicht.",
        "Gehaltsgrenze nicht erreicht.",  # no English given: the German
    )
    form = DecideForm(case_type=blue_card)
    ((_group, options),) = form.fields["reason_keys"].choices  # grouped by outcome
    assert options == [("salary", "Gehaltsgrenze nicht erreicht.")]
    assert "valid_until" in form.fields
    assert "valid_until" not in DecideForm(case_type=case_types["dog-registration"]).fields


# --- pages and downloads -------------------------------------------------------------------


@pytest.fixture
def worker_client(worker):
    client = Client()
    client.force_login(worker.user)
    return client


def test_the_case_page_decides_and_issues_the_letter_in_one_step(
    taken, worker_client, make_person, client_as
):
    case = taken(person=make_person())
    page = worker_client.get(f"/staff/cases/{case.reference}/")
    html = page.content.decode()
    assert 'name="d-reason_keys" value="requirements-met"' in html
    assert 'name="d-valid_until"' in html
    answer = worker_client.post(
        f"/staff/cases/{case.reference}/",
        {
            "action": "decide",
            "d-outcome": "approved",
            "d-reason_keys": ["requirements-met", "purpose-continues"],
            "d-reasons": "",
            "d-valid_until": "2028-03-11",
            "d-legal_basis": "18a",
        },
    )
    assert answer.status_code == 302
    letter = Letter.objects.get(case=case)
    assert ResidenceTitle.objects.get(pk=letter.title_id).legal_basis == "§ 18a AufenthG"
    html = worker_client.get(answer["Location"]).content.decode()
    assert letter.number in html
    german = f"/staff/cases/{case.reference}/letters/{letter.number}/de/"
    english = f"/staff/cases/{case.reference}/letters/{letter.number}/en/"
    assert german in html
    assert english in html
    download = worker_client.get(german)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == stored_bytes(letter.pdf)
    assert worker_client.get(english).status_code == 200
    # Staff not entitled to the case get what an unknown letter gets.
    other = client_as(Role.CASEWORKER_REGISTRATION)
    hidden = other.get(german)
    unknown = worker_client.get(f"/staff/cases/{case.reference}/letters/BS-2026-000999/de/")
    assert hidden.status_code == unknown.status_code == 404


def test_a_refused_decision_on_the_page_keeps_what_was_typed(taken, worker_client):
    case = taken()
    answer = worker_client.post(
        f"/en/staff/cases/{case.reference}/",
        {
            "action": "decide",
            "d-outcome": "approved",
            "d-reason_keys": ["requirements-met"],
            "d-reasons": "Alles vollständig",
            "d-valid_until": "2028-03-11",
        },
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "Identify the applicant first" in html
    assert "Alles vollständig" in html
    assert 'value="requirements-met" id="id_d-reason_keys_requirements-met" checked' in html
    assert not Letter.objects.exists()


def test_the_applicant_s_letters_and_their_files(taken, worker, make_person, open_case):
    case = taken(person=make_person())
    decide(case, worker, reason_keys=["requirements-met"])
    letter = letters.letter_issue(case=case, actor=worker, now=LATER).letter
    assert letters.letters_for_applicant(case) == [letter]
    assert letters.letter_file(case=case, number=letter.number.lower()) == letter.pdf
    assert letters.letter_file(case=case, number=letter.number, variant="en") == (
        letter.courtesy_pdf
    )
    other = open_case(name="Someone Else")
    for case_, number, variant in [
        (other, letter.number, "de"),
        (case, "BS-2026-000002", "de"),
        (case, letter.number, "fr"),
        (case, "nonsense", "de"),
    ]:
        with pytest.raises(NotFound):
            letters.letter_file(case=case_, number=number, variant=variant)


# --- verification --------------------------------------------------------------------------


@pytest.fixture
def issued(taken, worker, make_person):
    case = taken(person=make_person())
    decide(case, worker, reason_keys=["requirements-met"])
    return letters.letter_issue(case=case, actor=worker, now=LATER)


def test_a_decision_letter_verifies_by_number_and_code_and_by_its_qr_code(issued):
    letter = issued.letter
    answer = by_code(letter.number.lower().replace("-", " "), issued.code.lower(), "/en")
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "Genuine: BS-2026-000001" in html
    assert "Çağlar Ğüneş-Ørsted" in html
    assert "granted" in html
    assert "residence permit § 18a AufenthG" in html
    assert answer["Cache-Control"] == "no-store"
    payload = payload_sign("bsd", letters.qr_data(letter.data), issued_at=letter.issued_at)
    answer = by_payload(payload + "\n")
    assert answer.status_code == 200
    assert "Çağlar Ğüneş-Ørsted" in answer.content.decode()
    letter.refresh_from_db()
    assert letter.checks == 2
    counts = dict(LetterCheckCount.objects.values_list("outcome", "checks"))
    assert counts == {"code_valid": 1, "qr_valid": 1}


def test_a_wrong_code_answers_exactly_like_an_unknown_number(issued):
    letter, code = issued.letter, issued.code
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    answers = [
        (by_code(letter.number, wrong), letter.number),
        (by_code("BS-2026-000999", wrong), "BS-2026-000999"),
        (by_code("BS-2025-000001", code), "BS-2025-000001"),
    ]
    bodies = []
    for response, number in answers:
        assert response.status_code == 422
        body = CSRF.sub("", response.content.decode()).replace(number, "N")
        bodies.append(body.replace(wrong, "C").replace(code, "C"))
    assert bodies[0] == bodies[1] == bodies[2]
    assert "Ğüneş" not in bodies[0]
    assert "No valid document of the Hamburg Service has this number" in (
        by_code("BS-2026-000999", wrong, "/en").content.decode()
    )
    counts = dict(LetterCheckCount.objects.values_list("outcome", "checks"))
    assert counts == {"code_not_valid": 4}
    letter.refresh_from_db()
    assert letter.checks == 0


def test_an_altered_qr_code_is_refused_and_a_replaced_letter_shows_as_no_longer_valid(
    issued, worker
):
    letter = issued.letter
    changed = dict(letters.qr_data(letter.data), n="Erika Mustermann")
    answer = by_payload(payload_sign("bsd", changed, issued_at=letter.issued_at), "/en")
    assert answer.status_code == 422
    assert "no such document is on file" in answer.content.decode()
    lifecycle.case_decision_correct(
        case=letter.case, outcome=Outcome.PARTLY, reason="Nur ein Jahr.", actor=worker, now=LATER
    )
    letters.letter_issue(case=letter.case, actor=worker, now=LATER + dt.timedelta(minutes=5))
    html = by_code(letter.number, issued.code, "/en").content.decode()
    assert "No longer valid: BS-2026-000001" in html
    assert "is no longer valid since 12 March 2026" in html
