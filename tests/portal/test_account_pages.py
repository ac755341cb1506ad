"""My account, page by page, for a signed-in citizen: the overview puts what needs attention
first, the applications list and detail show the status in plain words, letters and the
receipt; drafts continue where they stopped and can be deleted; documents, messages and
appointments are the account's own. Nobody else gets in: not signed in (or only as staff) goes
to the sign-in page; another account's application answers exactly like an unknown one. The
overview and the list read the same number of queries with one case or several."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hamburg_service.accounts.access import access_record
from hamburg_service.accounts.models import AccessPurpose, DataCategory, Role
from hamburg_service.appointments.models import Appointment, Channel, Status
from hamburg_service.appointments.services.tokens import email_normalise
from hamburg_service.cases.models import LetterKind
from hamburg_service.cases.services.requests import document_request_create
from hamburg_service.catalog.models import Counter, District
from hamburg_service.core.actors import Actor
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.services import file_store_generated
from hamburg_service.forms.models import Draft, DraftEvent, DraftState
from hamburg_service.people.checks import BirthDate
from hamburg_service.people.citizen_link import citizen_link_code
from hamburg_service.people.services import identity
from tests.portal.account_support import *  # noqa: F403
from tests.portal.account_support import letter_add, pdf_bytes, signed_in, submission_add
from tests.support.cities import weekday_location

pytestmark = pytest.mark.django_db

PAGES = [
    "portal:home",
    "portal:applications",
    "portal:drafts",
    "portal:documents",
    "portal:messages",
    "portal:appointments",
    "portal:my-data",
    "portal:link",
]


def text_of(response) -> str:
    return response.content.decode()


# --- who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_each_page_answers_a_signed_in_citizen(citizen_client, name):
    response = citizen_client.get(reverse(name))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private, no-store")
    assert 'aria-current="page"' in text_of(response)


@pytest.mark.parametrize("name", PAGES)
def test_a_visitor_who_is_not_signed_in_goes_to_the_sign_in_page_and_back(db, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    signin = reverse("portal:signin")
    assert response["Location"] == f"{signin}?next={reverse(name).replace('/', '%2F')}"


def test_a_staff_sign_in_is_not_a_citizen_account(client_as, account_case, citizen):
    account_case(citizen)
    staff = client_as(Role.TEAM_LEAD)
    for name in PAGES:
        response = staff.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:signin"))


def test_an_unknown_account_in_the_session_is_not_signed_in(db):
    client = Client()
    session = client.session
    session["citizen"] = {"id": 987654, "trust": "basic"}
    session.save()
    assert client.get(reverse("portal:home")).status_code == 302


def test_the_english_pages_are_under_en(citizen_client):
    english = citizen_client.get("/en/account/")
    assert english.status_code == 200
    assert '<html lang="en">' in text_of(english)
    assert "What needs your attention" in text_of(english)


# --- applications: list, detail, isolation ----------------------------------------------------


def test_the_applications_list_shows_status_in_plain_words_and_dates(
    citizen, citizen_client, account_case, published_form
):
    case = account_case(citizen)
    expected = timezone.localdate() + dt.timedelta(days=40)
    submission_add(case, published_form, expected_on=expected)
    page = text_of(citizen_client.get(reverse("portal:applications")))
    assert case.reference in page
    assert case.case_type.name in page
    assert "Received" in page or "Eingegangen" in page
    assert expected.strftime("%Y") in page
    assert reverse("portal:application", args=[case.reference]) in page


def test_the_detail_shows_status_timeline_letters_and_the_receipt(
    citizen, citizen_client, account_case, published_form
):
    case = account_case(citizen)
    submission = submission_add(case, published_form)
    letter = letter_add(
        case,
        kind=LetterKind.PROVISIONAL,
        number="FB-2026-000007",
        valid_until=timezone.localdate() + dt.timedelta(days=10),
    )
    page = text_of(citizen_client.get(reverse("portal:application", args=[case.reference])))
    assert "FB-2026-000007" in page
    download = reverse("portal:application-letter", args=[case.reference, letter.number, "de"])
    assert download in page
    assert reverse("forms:receipt", args=[submission.public_id]) in page
    assert 'class="timeline"' in page
    pdf = citizen_client.get(download)
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    # The overview warns that the provisional certificate ends soon.
    home = text_of(citizen_client.get(reverse("portal:home")))
    assert "FB-2026-000007" in home


def test_a_reference_as_typed_leads_to_the_application(citizen, citizen_client, account_case):
    case = account_case(citizen)
    response = citizen_client.get(reverse("portal:application", args=[case.reference.lower()]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:application", args=[case.reference])


def test_another_accounts_application_answers_like_an_unknown_one(
    citizen, make_citizen, account_case
):
    other = make_citizen("someone.else@example.org")
    theirs = account_case(other, name="Jan Müller")
    letter = letter_add(theirs, number="BS-2026-000099")
    mine = signed_in(citizen)
    unknown = mine.get(reverse("portal:application", args=["HS-2026-999999"]))
    foreign = mine.get(reverse("portal:application", args=[theirs.reference]))
    assert unknown.status_code == foreign.status_code == 404
    assert text_of(unknown).replace("HS-2026-999999", "") == text_of(foreign).replace(
        theirs.reference, ""
    )
    assert "Jan Müller" not in text_of(foreign)
    assert (
        mine.get(
            reverse("portal:application-letter", args=[theirs.reference, letter.number, "de"])
        ).status_code
        == 404
    )
    for name in PAGES:
        assert theirs.reference not in text_of(mine.get(reverse(name)))
    # Their own account sees it.
    assert (
        signed_in(other).get(reverse("portal:application", args=[theirs.reference])).status_code
        == 200
    )


def test_a_revoked_letter_is_listed_but_not_downloaded(citizen, citizen_client, account_case):
    case = account_case(citizen)
    letter = letter_add(
        case, number="BS-2026-000002", revoked_at=timezone.now(), revoked_reason="Fehler"
    )
    page = text_of(citizen_client.get(reverse("portal:documents")))
    assert "BS-2026-000002" in page
    download = reverse("portal:application-letter", args=[case.reference, letter.number, "de"])
    assert download not in page
    assert citizen_client.get(download).status_code == 404


# The session and the account, then one query per kind of thing shown (the overview: open
# requests with their documents and files, appointments, letters, provisional certificates
# ending soon, appointment offers, drafts, applications and which of them wait for an answer;
# the documents: letters, receipts, the changes of address whose certificates are read by one
# more query when there are any).
PINNED = {
    "portal:home": 12,
    "portal:applications": 4,
    "portal:drafts": 3,
    "portal:documents": 5,
    "portal:messages": 5,
}


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _fill(citizen, account_case, published_form, worker, n: int) -> None:
    for i in range(n):
        case = account_case(citizen, name=f"Person {i}", worker=worker)
        submission_add(case, published_form)
        letter_add(case, number=f"BS-2026-{case.pk + 100:06d}")
        document_request_create(
            case=case,
            documents=["passport"],
            other=[],
            message="",
            due_on=timezone.localdate() + dt.timedelta(days=14),
            actor=worker,
        )


def test_the_overview_and_the_list_read_the_same_queries_for_one_case_or_five(
    citizen, citizen_client, account_case, published_form, worker
):
    _fill(citizen, account_case, published_form, worker, 1)
    one = {name: _count(citizen_client, reverse(name)) for name in PAGES[:5]}
    _fill(citizen, account_case, published_form, worker, 4)
    five = {name: _count(citizen_client, reverse(name)) for name in PAGES[:5]}
    assert one == five == PINNED


# --- drafts ------------------------------------------------------------------------------------


def _draft(citizen, definition, **fields) -> Draft:
    now = timezone.now()
    return Draft.objects.create(
        public_id=uuid.uuid4(),
        definition=definition,
        citizen=citizen,
        created_at=now,
        updated_at=now,
        expires_at=now + dt.timedelta(days=7),
        **fields,
    )


def test_a_draft_continues_at_its_first_step_not_done(citizen, citizen_client, published_form):
    fresh = _draft(citizen, published_form)
    half = _draft(citizen, published_form, answers={"family_name": "Khai"}, steps_done=["owner"])
    done = _draft(
        citizen, published_form, answers={"family_name": "Khai"}, steps_done=["owner", "dog"]
    )
    page = text_of(citizen_client.get(reverse("portal:drafts")))
    assert reverse("forms:step", args=[fresh.public_id, "owner"]) in page
    assert reverse("forms:step", args=[half.public_id, "dog"]) in page
    assert reverse("forms:summary", args=[done.public_id]) in page
    assert "Register a dog (test)" in page or "Hund anmelden (Test)" in page
    home = text_of(citizen_client.get(reverse("portal:home")))
    assert reverse("forms:step", args=[half.public_id, "dog"]) in home


def test_deleting_a_draft_empties_it_and_deletes_its_files(citizen, citizen_client, published_form):
    draft = _draft(citizen, published_form, answers={"family_name": "Khai"}, steps_done=["owner"])
    stored = file_store_generated(
        data=pdf_bytes(),
        name="papers.pdf",
        content_type="application/pdf",
        owner=f"form-draft:{draft.public_id}",
        actor=Actor.resident(citizen.email),
        purpose="forms.draft",
    )
    response = citizen_client.post(reverse("portal:draft-delete", args=[draft.public_id]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == DraftState.EXPIRED
    assert draft.answers == {}
    assert StoredFile.objects.get(pk=stored.pk).state == FileState.DELETED
    assert DraftEvent.objects.filter(draft=draft, data__deleted_by="applicant").exists()
    assert str(draft.public_id) not in text_of(citizen_client.get(reverse("portal:drafts")))


def test_another_accounts_draft_cannot_be_deleted(citizen, make_citizen, published_form):
    other = make_citizen("other@example.org")
    theirs = _draft(other, published_form, answers={"family_name": "Müller"})
    response = signed_in(citizen).post(reverse("portal:draft-delete", args=[theirs.public_id]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == DraftState.OPEN
    assert theirs.answers == {"family_name": "Müller"}
    assert (
        signed_in(citizen).get(reverse("portal:draft-delete", args=[theirs.public_id])).status_code
        == 405
    )


# --- appointments ------------------------------------------------------------------------------


def _appointment(location, counter, email: str, start: dt.datetime, reference: str, **fields):
    return Appointment.objects.create(
        reference=reference,
        location=location,
        counter=counter,
        start=start,
        end=start + dt.timedelta(minutes=20),
        units=2,
        status=fields.pop("status", Status.CONFIRMED),
        channel=Channel.PUBLIC,
        name="Minh Khai",
        email=email,
        email_normalised=email_normalise(email),
        manage_nonce=uuid.uuid4().hex,
        manage_token_hash=uuid.uuid4().hex,
        confirmed_at=timezone.now(),
        **fields,
    )


def test_appointments_are_those_booked_with_the_accounts_address(citizen, citizen_client):
    district = District.objects.create(slug="mitte", name_de="Mitte", name_en="Mitte")
    location = weekday_location("centre", district, opens=7, closes=20)
    counter = Counter.objects.create(location=location, name="Platz 1")
    soon = timezone.now() + dt.timedelta(days=3)
    _appointment(location, counter, "Minh.Khai@example.org", soon, "MINE2345")
    _appointment(location, counter, "minh.khai+x@example.org", soon, "TAGG2345")
    _appointment(location, counter, "other@example.org", soon, "THEM2345")
    _appointment(location, counter, citizen.email, soon, "GONE2345", status=Status.CANCELLED)
    page = text_of(citizen_client.get(reverse("portal:appointments")))
    assert "MINE2345" in page
    assert "TAGG2345" not in page
    assert "THEM2345" not in page
    assert "GONE2345" in page  # under past and cancelled, without a link
    assert page.count("/appointments/manage/") == 1
    assert "MINE2345" in text_of(citizen_client.get(reverse("portal:home")))


# --- who read my data, and the link --------------------------------------------------------------


def test_an_account_without_a_record_learns_how_to_link_it(citizen, citizen_client):
    page = text_of(citizen_client.get(reverse("portal:my-data")))
    assert reverse("portal:link") in page
    link = text_of(citizen_client.get(reverse("portal:link")))
    assert citizen_link_code(citizen) in link


def test_a_linked_account_sees_who_read_its_record(make_citizen, make_staff):
    clerk = make_staff(Role.CLERK, first_name="Erika", last_name="Mustermann")
    person = identity.person_create(
        data=identity.PersonInput(
            family_name="Khai",
            given_names="Minh",
            sex="w",
            birth=BirthDate(1985, 3, 4),
            birth_place="Hanoi",
            birth_country="VNM",
            nationalities=("VNM",),
        ),
        actor=Actor.staff(clerk),
    ).person
    linked = make_citizen(person=person, person_linked_at=timezone.now(), person_linked_by="clerk")
    access_record(
        actor=clerk,
        subject_type="person",
        subject_ref=str(person.pk),
        purpose=AccessPurpose.PERSON_SUBJECT_REQUEST,
        categories=(DataCategory.NAME, DataCategory.ADDRESS),
        persons=[person.pk],
    )
    page = text_of(signed_in(linked).get(reverse("portal:my-data")))
    assert "Mustermann" not in page
    assert clerk.username not in page
    assert str(AccessPurpose.PERSON_SUBJECT_REQUEST.label) in page or "Anfrage" in page
    assert "<table>" in page
    link = text_of(signed_in(linked).get(reverse("portal:link")))
    assert citizen_link_code(linked) not in link
    # Linked through a BundID sign-in instead: an e-mail link (basic) is not enough for the
    # register's log; substantial or high is.
    linked.person_linked_by = "oidc_high"
    linked.save(update_fields=["person_linked_by"])
    page = text_of(signed_in(linked, "basic").get(reverse("portal:my-data")))
    assert "<table>" not in page
    assert reverse("portal:signin") in page
    page = text_of(signed_in(linked, "substantial").get(reverse("portal:my-data")))
    assert "<table>" in page
