"""Document requests from request to answer: the case waits for the applicant (the clock
suspended) and comes back to review on upload with the suspended days counted; uploads are
checked by content (a renamed program is refused, accepted files are kept across the error);
reminders and overdue requests through the daily job; every bad link answers alike; files go
only to staff who may read the case; and the files' retention after closing."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import shutil
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.cases import jobs
from hamburg_service.cases.clock import months_after
from hamburg_service.cases.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseFile,
    CaseStatus,
    CaseTransition,
    DocumentRequest,
)
from hamburg_service.cases.services import pool
from hamburg_service.cases.services.case_files import case_file_owner, case_files_keep_until
from hamburg_service.cases.services.requests import (
    document_request_answer,
    document_request_create,
)
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.retention import files_retention
from hamburg_service.notifications.models import Message
from hamburg_service.notifications.renderers import render

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
EMAIL = "minh.khai@example.org"


# --- real files, made here ---------------------------------------------------------------


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def program_bytes() -> bytes:
    path = shutil.which("true")
    assert path is not None
    return Path(path).read_bytes()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture(autouse=True)
def uploads_root(settings, tmp_path: Path) -> Path:
    root = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            **settings.STORAGES["uploads"],
            "OPTIONS": {**settings.STORAGES["uploads"]["OPTIONS"], "location": root},
        },
    }
    return root


# --- the case ----------------------------------------------------------------------------


@pytest.fixture
def worker(caseworker) -> Actor:
    return caseworker(Role.CASEWORKER_IMMIGRATION)


@pytest.fixture
def case(open_case, worker) -> Case:
    """A residence permit extension, received today, taken by the worker (in review)."""
    opened = open_case(applicant_email=EMAIL, language="en")
    taken = pool.case_next(actor=worker, now=NOW)
    assert taken is not None
    assert taken.pk == opened.pk
    return taken


def ask(case: Case, worker: Actor, *, at: dt.datetime = NOW, due: dt.date = TODAY + 14 * DAY):
    return document_request_create(
        case=case,
        documents=["passport", "photo"],
        other=["Birth certificate of your child"],
        message="Please send a readable copy.\nAll pages, please.",
        due_on=due,
        actor=worker,
        now=at,
    )


def state(case: Case) -> tuple[object, ...]:
    case.refresh_from_db()
    return (
        case.status,
        case.assigned_to_id,
        case.suspended_days,
        CaseEvent.objects.filter(case=case).count(),
        DocumentRequest.objects.count(),
        CaseDocument.objects.count(),
        Message.objects.count(),
    )


def upload_url(token: str) -> str:
    return f"/en/case-upload/{token}/"


# --- asking ------------------------------------------------------------------------------


def test_a_request_makes_the_case_wait_with_the_clock_suspended_and_mails_the_link(case, worker):
    asked, token = ask(case, worker)
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT
    assert case.suspended_since == TODAY
    assert asked.token_hash != token
    assert len(asked.token_hash) == 64
    docs = {d.key: d for d in CaseDocument.objects.filter(case=case)}
    # The type's documents in the applicant's language, the free one under a slug of its name.
    assert docs["passport"].label == "Passport"
    assert docs["birth-certificate-of-your-child"].label == ("Birth certificate of your child")
    assert all(d.request_id == asked.pk and d.received_at is None for d in docs.values())
    event = CaseEvent.objects.get(case=case, kind="documents_requested")
    assert event.data["due_on"] == (TODAY + 14 * DAY).isoformat()
    message = Message.objects.get(template="cases/document_request")
    assert (message.recipient, message.language) == (EMAIL, "en")
    assert token not in str(message.context)  # the outbox holds no link secret
    with translation.override("en"):
        mail = render(message.template, message.context)
    assert case.reference in mail.subject
    assert f"http://127.0.0.1:8000/en/case-upload/{token}/" in mail.body
    assert "Birth certificate of your child" in mail.body
    assert "All pages, please." in mail.body
    assert "Monday, 16 March 2026" in mail.body


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"due_on": TODAY}, "due_on", "due-past"),
        ({"due_on": TODAY - DAY}, "due_on", "due-past"),
        ({"due_on": TODAY + 57 * DAY}, "due_on", "due-too-far"),
        ({"documents": [], "other": ["  "]}, "documents", "request-empty"),
        ({"documents": ["passport", "tax-return"]}, "documents", "document-unknown"),
        ({"other": ["Birth\u202ecertificate"]}, "other", "text-refused"),
        ({"message": "Hello\x00"}, "message", "text-refused"),
    ],
)
def test_a_bad_request_is_refused_clearly_and_changes_nothing(case, worker, change, field, code):
    before = state(case)
    arguments = {
        "documents": ["passport"],
        "other": [],
        "message": "",
        "due_on": TODAY + 14 * DAY,
        **change,
    }
    with pytest.raises(InvalidInput) as caught:
        document_request_create(case=case, actor=worker, now=NOW, **arguments)
    assert caught.value.code == code
    assert caught.value.errors[0]["field"] == field
    assert state(case) == before


def test_a_type_that_cannot_wait_for_the_applicant_refuses_clearly(case, worker):
    CaseTransition.objects.filter(
        case_type=case.case_type, source="waiting_applicant", target="in_review"
    ).delete()
    before = state(case)
    with pytest.raises(InvalidInput) as caught, translation.override("en"):
        ask(case, worker)
    assert caught.value.code == "transition-not-allowed"
    assert "cannot return from waiting" in caught.value.detail
    assert state(case) == before


def test_one_request_at_a_time_and_only_by_the_cases_worker(case, worker, caseworker):
    ask(case, worker)
    before = state(case)
    with pytest.raises(Conflict) as caught:
        ask(case, worker)
    assert caught.value.code == "request-open"
    other = caseworker(Role.CASEWORKER_IMMIGRATION)
    with pytest.raises(Conflict):  # not theirs
        ask(case, other)
    stranger = caseworker(Role.CASEWORKER_REGISTRATION)
    with pytest.raises(NotFound):  # another agency: no such case
        ask(case, stranger)
    assert state(case) == before


# --- answering ---------------------------------------------------------------------------


def test_uploading_everything_returns_the_case_to_review_with_the_suspended_days(case, worker):
    asked, token = ask(case, worker)
    client = Client()
    with time_machine.travel(NOW + 5 * DAY, tick=False):
        page = client.get(upload_url(token))
        assert page.status_code == 200
        text = page.content.decode()
        assert "Passport" in text
        assert "16 March 2026" in text
        answer = client.post(
            upload_url(token),
            {
                "doc-passport": [
                    upload("pass.pdf", pdf_bytes()),
                    upload("pass-2.pdf", pdf_bytes()),
                ],
                "doc-photo": [upload("photo.png", png_bytes())],
                "doc-birth-certificate-of-your-child": [upload("birth.pdf", pdf_bytes())],
            },
        )
    assert answer.status_code == 200
    assert "We have received your answer" in answer.content.decode()
    case.refresh_from_db()
    asked.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert case.assigned_to_id == worker.user_id  # back with its caseworker
    assert case.suspended_days == 5
    assert case.suspended_since is None
    assert case.planned_on == TODAY + (42 + 5) * DAY  # the norm moved by the days waited
    assert asked.answered_at == NOW + 5 * DAY
    assert CaseDocument.objects.filter(case=case, received_at__isnull=True).count() == 0
    files = CaseFile.objects.filter(case=case).select_related("file")
    assert sorted(f.file.original_name for f in files) == [
        "birth.pdf",
        "pass-2.pdf",
        "pass.pdf",
        "photo.png",
    ]
    assert {(f.file.state, f.file.owner) for f in files} == {
        (FileState.ATTACHED, case_file_owner(case))
    }
    event = CaseEvent.objects.get(case=case, kind="documents_received")
    assert (event.data["files"], event.data["answered"], event.actor_kind) == (4, True, "resident")
    # The link is closed now: it answers like one that never existed.
    assert Client().get(upload_url(token)).status_code == 404


def test_a_renamed_program_is_refused_and_the_accepted_file_is_kept(case, worker, uploads_root):
    _asked, token = ask(case, worker)
    client = Client()
    with time_machine.travel(NOW + DAY, tick=False):
        first = client.post(
            upload_url(token),
            {
                "doc-passport": [upload("passport.pdf", program_bytes())],
                "doc-photo": [upload("photo.png", png_bytes())],
            },
        )
        assert first.status_code == 422
        text = html.unescape(first.content.decode())
        assert "'passport.pdf' is not a PDF: its content is a program." in text
        assert "Already uploaded: photo.png" in text
        assert CaseFile.objects.count() == 0  # nothing attached
        case.refresh_from_db()
        assert case.status == CaseStatus.WAITING_APPLICANT
        carried = re.findall(r'name="doc-photo-staged" value="([^"]+)"', first.content.decode())
        assert len(carried) == 1
        second = client.post(
            upload_url(token),
            {
                "doc-photo-staged": [html.unescape(carried[0])],
                "doc-passport": [upload("passport.pdf", pdf_bytes())],
            },
        )
    assert second.status_code == 302  # sent in part: the request stays open
    names = sorted(CaseFile.objects.values_list("file__original_name", flat=True))
    assert names == ["passport.pdf", "photo.png"]
    assert StoredFile.objects.count() == 2  # the program left nothing behind


def test_a_pdf_with_javascript_is_refused(case, worker):
    _asked, token = ask(case, worker)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    with time_machine.travel(NOW + DAY, tick=False):
        answer = Client().post(
            upload_url(token), {"doc-passport": [upload("p.pdf", out.getvalue())]}
        )
    assert answer.status_code == 422
    assert "active content" in html.unescape(answer.content.decode())
    assert not CaseFile.objects.exists()


def test_a_partial_answer_keeps_the_request_open_until_the_applicant_finishes(case, worker):
    asked, token = ask(case, worker)
    resident = Actor.resident(EMAIL)
    client = Client()
    with time_machine.travel(NOW + 2 * DAY, tick=False):
        sent = client.post(upload_url(token), {"doc-passport": [upload("p.pdf", pdf_bytes())]})
        assert sent.status_code == 302
        page = client.get(upload_url(token)).content.decode()
    assert "p.pdf" in page  # their own uploads, listed with a download link
    link = re.search(r'href="(/en/case-upload/[^"]+/files/[^"]+/)"', page)
    assert link is not None
    with time_machine.travel(NOW + 2 * DAY, tick=False):
        download = client.get(link.group(1))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes()  # type: ignore[attr-defined]
    case.refresh_from_db()
    asked.refresh_from_db()
    assert (case.status, asked.answered_at) == (CaseStatus.WAITING_APPLICANT, None)
    with pytest.raises(InvalidInput) as caught:  # nothing chosen and not finished
        document_request_answer(request=asked, uploads={}, actor=resident, now=NOW + 3 * DAY)
    assert caught.value.code == "answer-empty"
    document_request_answer(
        request=asked, uploads={}, finish=True, actor=resident, now=NOW + 3 * DAY
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert case.suspended_days == 3
    event = CaseEvent.objects.filter(case=case, kind="documents_received").latest("at")
    assert event.data["missing"] == ["photo", "birth-certificate-of-your-child"]


def test_unknown_answered_and_expired_links_answer_alike(case, worker, settings):
    asked, token = ask(case, worker)
    client = Client()
    with time_machine.travel(NOW + DAY, tick=False):
        unknown = client.get(upload_url("x" * len(token)))
    with time_machine.travel(NOW + 15 * DAY, tick=False):  # the day after the deadline
        expired = client.get(upload_url(token))
    document_request_answer(
        request=asked, uploads={}, finish=True, actor=Actor.resident(), now=NOW + DAY
    )
    with time_machine.travel(NOW + 2 * DAY, tick=False):
        answered = client.get(upload_url(token))
    assert unknown.status_code == expired.status_code == answered.status_code == 404
    # The same page, but for the address itself (in the language switch).
    pages = [
        page.content.decode().replace("x" * len(token), "TOKEN").replace(token, "TOKEN")
        for page in (unknown, expired, answered)
    ]
    assert pages[0] == pages[1] == pages[2]
    assert b"This link is not valid any more" in unknown.content
    # The pages are rate limited per address.
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_CASE_LINKS = "3/h"
    codes = [client.get(upload_url("y" * 20)).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


# --- the daily job -----------------------------------------------------------------------


def morning(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC)  # 07:00 in Hamburg


def test_the_job_reminds_once_before_the_deadline(case, worker):
    asked, _token = ask(case, worker, due=TODAY + 10 * DAY)
    assert jobs.document_requests(morning(TODAY + 6 * DAY)) == 0  # four days before
    assert jobs.document_requests(morning(TODAY + 7 * DAY)) == 1  # three days before
    assert jobs.document_requests(morning(TODAY + 8 * DAY)) == 0  # once only
    asked.refresh_from_db()
    assert asked.reminded_at == morning(TODAY + 7 * DAY)
    reminder = Message.objects.get(template="cases/document_request_reminder")
    with translation.override("en"):
        mail = render(reminder.template, reminder.context)
    assert "Reminder" in mail.subject
    assert "/en/case-upload/" in mail.body
    assert "Passport" in mail.body
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT


def test_an_overdue_request_returns_the_case_flagged_to_its_caseworker(case, worker, worker_page):
    asked, token = ask(case, worker, due=TODAY + 4 * DAY)
    jobs.document_requests(morning(TODAY + 4 * DAY))  # the last day counts: still open
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT
    assert jobs.document_requests(morning(TODAY + 5 * DAY)) == 1
    assert jobs.document_requests(morning(TODAY + 6 * DAY)) == 0
    asked.refresh_from_db()
    case.refresh_from_db()
    assert asked.overdue_at == morning(TODAY + 5 * DAY)
    assert case.status == CaseStatus.IN_REVIEW
    assert case.assigned_to_id == worker.user_id
    assert case.suspended_days == 5  # suspended until the morning it came back
    event = CaseEvent.objects.get(case=case, kind="request_overdue")
    assert event.data["missing"] == [
        "passport",
        "photo",
        "birth-certificate-of-your-child",
    ]
    mine = worker_page.get("/en/staff/cases/").content.decode()
    assert "documents overdue" in mine
    assert Client().get(upload_url(token)).status_code == 404
    # A new request clears the flag.
    ask(case, worker, at=morning(TODAY + 6 * DAY), due=TODAY + 20 * DAY)
    assert "documents overdue" not in worker_page.get("/en/staff/cases/").content.decode()


# --- staff pages and downloads -----------------------------------------------------------


@pytest.fixture
def worker_page(worker) -> Client:
    client = Client()
    client.force_login(worker.user)
    return client


def test_the_case_page_requests_documents_and_lists_the_files(case, worker, worker_page):
    page = worker_page.get(f"/en/staff/cases/{case.reference}/").content.decode()
    assert "Request documents" in page
    assert 'name="q-documents" value="passport"' in page
    answer = worker_page.post(
        f"/en/staff/cases/{case.reference}/request/",
        {"q-documents": ["passport"], "q-other": "", "q-due_on": "2020-01-01", "q-message": ""},
    )
    assert answer.status_code == 422  # a deadline in the past: said, and what was typed kept
    assert "The deadline must be after today" in answer.content.decode()
    assert not DocumentRequest.objects.exists()
    due = (dt.date.today() + 10 * DAY).isoformat()
    answer = worker_page.post(
        f"/en/staff/cases/{case.reference}/request/",
        {"q-documents": ["passport"], "q-other": "Marriage certificate", "q-due_on": due},
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"/en/staff/cases/{case.reference}/"
    page = worker_page.get(answer["Location"]).content.decode()
    assert "waiting for the answer" in page
    assert "Marriage certificate" in page
    assert 'name="q-documents"' not in page  # one request at a time


def test_without_an_address_the_caseworker_gets_the_letter_to_post(open_case, worker, worker_page):
    case = open_case(name="Amadou Diallo")  # no e-mail address
    pool.case_next(actor=worker)
    due = (dt.date.today() + 10 * DAY).isoformat()
    answer = worker_page.post(
        f"/en/staff/cases/{case.reference}/request/", {"q-documents": ["photo"], "q-due_on": due}
    )
    assert answer.status_code == 302
    assert "/letter/" in answer["Location"]
    letter = worker_page.get(answer["Location"]).content.decode()
    assert "Documents needed for your application" in letter or "Unterlagen" in letter
    link = re.search(r"http://127\.0\.0\.1:8000/(?:en/)?case-upload/([^/]+)/", letter)
    assert link is not None
    assert not Message.objects.exists()
    assert Client().get(f"/case-upload/{link.group(1)}/").status_code == 200  # the link works


def test_files_go_only_to_staff_who_may_read_the_case(case, worker, caseworker, make_staff):
    asked, _token = ask(case, worker)
    from hamburg_service.files.forms import FilesField  # the field stores, staged

    stored = FilesField(purpose="cases.document_request")
    stored.actor = Actor.resident(EMAIL)
    from hamburg_service.files.forms import FilesValue

    files = stored.clean(FilesValue(uploads=[upload("pass.pdf", pdf_bytes())]))
    document_request_answer(
        request=asked, uploads={"passport": files}, actor=Actor.resident(EMAIL), now=NOW + DAY
    )
    url = f"/en/staff/cases/{case.reference}/files/{files[0].public_id}/"
    colleague = Client()  # same agency, not assigned: may read the case
    colleague.force_login(caseworker(Role.CASEWORKER_IMMIGRATION).user)
    answer = colleague.get(url)
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith('attachment; filename="pass.pdf"')
    assert b"".join(answer.streaming_content) == pdf_bytes()  # type: ignore[attr-defined]
    log = AccessLog.objects.get(subject_type="case_file")
    assert (log.case_reference, log.categories) == (case.reference, ["documents"])
    stranger = Client()  # another agency's caseworker: no such case, no such file
    stranger.force_login(caseworker(Role.CASEWORKER_REGISTRATION).user)
    assert stranger.get(url).status_code == 404
    # A file of another owner through this case's address: no such file.
    assert (
        colleague.get(
            f"/en/staff/cases/{case.reference}/files/12345678-1234-5678-1234-567812345678/"
        ).status_code
        == 404
    )
    assert Client().get(url).status_code == 302  # not signed in: to the sign-in page


def test_the_files_are_kept_six_months_after_closing_then_deleted(case, worker, settings):
    asked, _token = ask(case, worker)
    from hamburg_service.files.forms import FilesField, FilesValue

    field = FilesField(purpose="cases.document_request")
    field.actor = Actor.resident(EMAIL)
    files = field.clean(FilesValue(uploads=[upload("pass.pdf", pdf_bytes())]))
    document_request_answer(
        request=asked, uploads={"passport": files}, actor=Actor.resident(EMAIL), now=NOW + DAY
    )
    closed_on = dt.date(2026, 8, 31)
    keep = case_files_keep_until(
        case=case, closed_on=closed_on, actor=Actor.system("tests"), now=NOW + 30 * DAY
    )
    assert keep == dt.date(2027, 2, 28)  # six months, to the month's last day
    assert StoredFile.objects.get().delete_after == keep
    files_retention(now=dt.datetime(2027, 2, 28, 12, tzinfo=dt.UTC))
    assert CaseFile.objects.count() == 1  # still its day
    files_retention(now=dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC))
    assert not CaseFile.objects.exists()
    assert not StoredFile.objects.exists()


def test_withdrawing_the_case_starts_the_uploads_retention(case, worker):
    from hamburg_service.cases.services import lifecycle
    from hamburg_service.files.forms import FilesField, FilesValue

    asked, _token = ask(case, worker)
    field = FilesField(purpose="cases.document_request")
    field.actor = Actor.resident(EMAIL)
    files = field.clean(FilesValue(uploads=[upload("pass.pdf", pdf_bytes())]))
    document_request_answer(
        request=asked, uploads={"passport": files}, actor=Actor.resident(EMAIL), now=NOW + DAY
    )
    assert StoredFile.objects.get().delete_after is None
    lifecycle.case_transition(
        case=case,
        target="withdrawn",
        reason="Antrag zurückgenommen",
        actor=worker,
        now=NOW + 2 * DAY,
    )
    closed_on = (NOW + 2 * DAY).date()
    assert StoredFile.objects.get().delete_after == months_after(closed_on, 6)
