"""The online application on the staff case page: its answers laid out by step, as the
applicant saw them, and its files with downloads — for staff who may open the case, each
showing logged in the access log with the case as purpose. Staff who may not open the case get
404 for the files as for an unknown case; a case that did not come online has no panel."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.portal.account_support import *  # noqa: F403
from tests.portal.account_support import pdf_bytes, submission_add

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.core.actors import Actor
from hamburg_service.files.services import file_store_generated

pytestmark = pytest.mark.django_db


@pytest.fixture
def online(citizen, account_case, published_form):
    """An online case with its submission: a name, a breed and an uploaded pet passport."""
    case = account_case(citizen, name="Khai")
    stored = file_store_generated(
        data=pdf_bytes(),
        name="heimtierausweis.pdf",
        content_type="application/pdf",
        owner=f"case:{case.reference}",
        actor=Actor.resident(citizen.email),
        purpose="forms.upload",
    )
    submission_add(
        case,
        published_form,
        answers={
            "family_name": "Khai",
            "email": citizen.email,
            "breed": "labrador",
            "papers": [str(stored.public_id)],
        },
    )
    return case, stored


def staff_client(make_staff, role: Role) -> tuple[Client, object]:
    user = make_staff(role)
    client = Client()
    client.force_login(user)
    return client, user


def test_the_case_page_shows_the_answers_by_step_and_logs_the_read(make_staff, online):
    case, stored = online
    client, user = staff_client(make_staff, Role.CASEWORKER_IMMIGRATION)
    with_language = client.get("/en" + reverse("cases:case", args=[case.reference]))
    assert with_language.status_code == 200
    page = with_language.content.decode()
    assert "Online application" in page
    assert "Register a dog (test)" in page
    assert page.index(">Owner</h3>") < page.index(">Dog</h3>")
    assert "Family name" in page
    assert "Labrador" in page
    download = reverse("forms_staff:answer-file", args=[case.reference, stored.public_id])
    assert download in page
    assert "heimtierausweis.pdf" in page
    read = AccessLog.objects.get(actor=user, subject_type="online_answers")
    assert read.case_reference == case.reference
    assert read.purpose == "person_case"
    assert "documents" in read.categories


def test_entitled_staff_download_the_files_and_the_download_is_logged(make_staff, online):
    case, stored = online
    client, user = staff_client(make_staff, Role.TEAM_LEAD)
    response = client.get(
        reverse("forms_staff:answer-file", args=[case.reference, stored.public_id])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment")
    assert AccessLog.objects.filter(
        actor=user, subject_type="case_file", case_reference=case.reference
    ).exists()


def test_staff_who_may_not_open_the_case_get_nothing(make_staff, online):
    case, stored = online
    client, user = staff_client(make_staff, Role.CASEWORKER_REGISTRATION)
    assert client.get(reverse("cases:case", args=[case.reference])).status_code == 404
    download = client.get(
        reverse("forms_staff:answer-file", args=[case.reference, stored.public_id])
    )
    unknown = client.get(
        reverse("forms_staff:answer-file", args=["HS-2026-999999", stored.public_id])
    )
    assert download.status_code == unknown.status_code == 404
    assert not AccessLog.objects.filter(actor=user).exists()
    # A file that is not the application's answers alike, even for entitled staff.
    worker, _user = staff_client(make_staff, Role.CASEWORKER_IMMIGRATION)
    other = file_store_generated(
        data=pdf_bytes(),
        name="fremd.pdf",
        content_type="application/pdf",
        owner=f"case:{case.reference}",
        actor=Actor.system("test"),
        purpose="forms.upload",
    )
    assert (
        worker.get(
            reverse("forms_staff:answer-file", args=[case.reference, other.public_id])
        ).status_code
        == 404
    )


def test_a_case_that_did_not_come_online_has_no_panel(make_staff, citizen, account_case):
    case = account_case(citizen)
    client, user = staff_client(make_staff, Role.CASEWORKER_IMMIGRATION)
    page = client.get("/en" + reverse("cases:case", args=[case.reference])).content.decode()
    assert "Online application" not in page
    assert not AccessLog.objects.filter(actor=user, subject_type="online_answers").exists()
