"""The reply channel in my account: a caseworker's document request on an online application
appears in the account (messages, the application's page, the overview) and its e-mail links
there; the applicant answers on the application's page with uploads — the case receives the
documents and goes back to review; a partial answer keeps the request open; a file that is not
what it claims is refused at its field with nothing changed; nobody answers another account's
request."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from hamburg_service.cases.models import (
    CaseDocument,
    CaseEvent,
    CaseEventKind,
    CaseFile,
    CaseStatus,
    DocumentRequest,
)
from hamburg_service.cases.services.requests import document_request_create
from hamburg_service.notifications.models import Message
from hamburg_service.notifications.renderers import render
from tests.portal.account_support import *  # noqa: F403
from tests.portal.account_support import pdf_upload, signed_in

pytestmark = pytest.mark.django_db


def ask(case, worker):
    asked, _token = document_request_create(
        case=case,
        documents=["passport", "photo"],
        other=[],
        message="Bitte gut lesbar.",
        due_on=timezone.localdate() + dt.timedelta(days=14),
        actor=worker,
    )
    return asked


@pytest.fixture
def waiting(citizen, account_case, worker):
    """An online case of the account, in review, now waiting for two documents."""
    case = account_case(citizen, worker=worker)
    asked = ask(case, worker)
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT
    return case, asked


def field(asked, key: str) -> str:
    return f"r{asked.pk}-doc-{key}"


def test_the_request_shows_in_the_account_with_the_answer_form(citizen_client, waiting):
    case, asked = waiting
    home = citizen_client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:application", args=[case.reference]) + "#requests-heading" in home
    messages = citizen_client.get(reverse("portal:messages")).content.decode()
    assert "Bitte gut lesbar." in messages
    assert f"#request-{asked.pk}" in messages
    page = citizen_client.get(reverse("portal:application", args=[case.reference]))
    text = page.content.decode()
    assert 'enctype="multipart/form-data"' in text
    assert f'name="{field(asked, "passport")}"' in text
    assert f'name="{field(asked, "photo")}"' in text
    assert f'name="r{asked.pk}-finish"' in text
    assert f'name="request" value="{asked.pk}"' in text


def test_answering_with_uploads_receives_the_documents_and_returns_the_case_to_review(
    citizen_client, waiting
):
    case, asked = waiting
    response = citizen_client.post(
        reverse("portal:application", args=[case.reference]),
        {
            "request": asked.pk,
            field(asked, "passport"): pdf_upload("passport.pdf"),
            field(asked, "photo"): pdf_upload("photo.pdf"),
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    asked.refresh_from_db()
    assert asked.answered_at is not None
    assert not CaseDocument.objects.filter(case=case, received_at__isnull=True).exists()
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.DOCUMENTS_RECEIVED)
    assert event.data["answered"] is True
    assert event.actor_kind == "resident"
    assert CaseFile.objects.filter(case=case).count() == 2
    # The page shows the new status and what was sent; the message stays listed, answered.
    page = citizen_client.get(response["Location"]).content.decode()
    assert "passport.pdf" in page
    assert 'enctype="multipart/form-data"' not in page
    messages = citizen_client.get(reverse("portal:messages")).content.decode()
    assert "Bitte gut lesbar." in messages
    assert "passport.pdf" in messages
    sent = CaseFile.objects.select_related("file").filter(case=case).first()
    assert sent is not None
    download = reverse("portal:application-file", args=[case.reference, sent.file.public_id])
    assert download in messages
    got = citizen_client.get(download)
    assert got.status_code == 200
    assert b"".join(got.streaming_content).startswith(b"%PDF")


def test_a_partial_answer_keeps_the_request_open_until_the_applicant_finishes(
    citizen_client, waiting
):
    case, asked = waiting
    url = reverse("portal:application", args=[case.reference])
    citizen_client.post(url, {"request": asked.pk, field(asked, "passport"): pdf_upload()})
    case.refresh_from_db()
    asked.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT
    assert asked.answered_at is None
    citizen_client.post(url, {"request": asked.pk, f"r{asked.pk}-finish": "on"})
    case.refresh_from_db()
    asked.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert asked.answered_at is not None


def test_a_file_that_is_not_what_it_claims_is_refused_at_its_field(citizen_client, waiting):
    case, asked = waiting
    program = Path(shutil.which("true") or "/bin/true").read_bytes()
    response = citizen_client.post(
        reverse("portal:application", args=[case.reference]),
        {
            "request": asked.pk,
            field(asked, "passport"): SimpleUploadedFile(
                "passport.pdf", program, content_type="application/pdf"
            ),
            field(asked, "photo"): pdf_upload("photo.pdf"),
        },
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert 'class="error-summary"' in text
    assert f'id="id_{field(asked, "passport")}-error"' in text
    assert "photo.pdf" in text  # the accepted file stays, nothing to choose again
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT
    assert not CaseFile.objects.filter(case=case).exists()
    assert not CaseDocument.objects.filter(case=case, received_at__isnull=False).exists()


def test_an_empty_answer_says_what_to_do(citizen_client, waiting):
    case, asked = waiting
    response = citizen_client.post(
        reverse("portal:application", args=[case.reference]), {"request": asked.pk}
    )
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT


def test_nobody_answers_another_accounts_request(make_citizen, waiting, account_case):
    case, asked = waiting
    other = make_citizen("other@example.org")
    own_case = account_case(other, name="Jan Müller")
    client = signed_in(other)
    # Their request id on the stranger's own application, and the application itself.
    on_own = client.post(
        reverse("portal:application", args=[own_case.reference]),
        {"request": asked.pk, field(asked, "passport"): pdf_upload()},
    )
    on_theirs = client.post(
        reverse("portal:application", args=[case.reference]),
        {"request": asked.pk, field(asked, "passport"): pdf_upload()},
    )
    assert on_own.status_code == on_theirs.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT
    assert not CaseFile.objects.exists()
    assert "Bitte gut lesbar." not in client.get(reverse("portal:messages")).content.decode()


def test_an_answered_request_cannot_be_answered_again(citizen_client, waiting):
    case, asked = waiting
    url = reverse("portal:application", args=[case.reference])
    citizen_client.post(url, {"request": asked.pk, f"r{asked.pk}-finish": "on"})
    again = citizen_client.post(url, {"request": asked.pk, field(asked, "passport"): pdf_upload()})
    assert again.status_code == 302
    assert not CaseFile.objects.filter(case=case).exists()
    assert DocumentRequest.objects.get(pk=asked.pk).answered_at is not None


def test_the_request_mail_of_an_online_case_links_to_the_account(waiting, account_case, worker):
    case, _asked = waiting
    message = Message.objects.get(template="cases/document_request", about=f"case:{case.reference}")
    with translation.override("de"):
        mail = render(message.template, message.context)
    assert reverse("portal:application", args=[case.reference]) in mail.body
    assert "/case-upload/" in mail.body  # the link without signing in still works
    # A case that did not come from an account: no account link.
    offline = account_case(None, name="Ohne Konto", worker=worker)
    offline.applicant_email = "ohne.konto@example.org"
    offline.save(update_fields=["applicant_email"])
    ask(offline, worker)
    plain = Message.objects.get(
        template="cases/document_request", about=f"case:{offline.reference}"
    )
    with translation.override("de"):
        body = render(plain.template, plain.context).body
    assert "/account/" not in body
