"""The residence permit application submitted end to end through the pages: an extension
from an account linked to the person record gets the provisional certificate at once; a
first application for a Blue Card becomes a Blue Card case; the uploads are the case's
documents; someone not living in Hamburg ends at the exit page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.forms.submission_support import *  # noqa: F403
from tests.forms.submission_support import (
    address_parts,
    date_parts,
    pdf_upload,
    png_upload,
    signed_in,
    submit,
    walk,
)

from hamburg_service.cases.documents import documents_missing
from hamburg_service.cases.models import Case, CaseDocument, CaseFile, Letter, LetterKind
from hamburg_service.forms.models import Submission
from hamburg_service.people.checks import Address, today_in_hamburg

pytestmark = pytest.mark.usefixtures("services")


def _steps(kind: str, purpose: str, title_until: dt.date | None) -> list:
    title = (
        {
            "title_kind": "residence_permit",
            "title_number": "Y01234567",
            **date_parts("title_valid_until", title_until),
        }
        if title_until
        else {"has_title": "no"}
    )
    work = {
        "employer_name": "Hafen Logistik GmbH",
        "employer_address": "Am Sandtorkai 1, 20457 Hamburg",
        "job_title": "Ingenieurin",
    }
    if purpose == "blue_card":
        work["gross_salary"] = "61000"
    return [
        ("application", {"kind": kind, "lives_in_hamburg": "yes"}),
        (
            "person",
            {
                "family_name": "Ğüneş-Ørsted",
                "given_names": "Çağlar",
                **date_parts("birth", "1990-04-17"),
                "birth_place": "İzmir",
                "nationality": "türkisch",
                "email": "caglar@example.org",
                "phone": "",
            },
        ),
        ("current-title", title),
        ("purpose", {"purpose": purpose, **work}),
        ("insurance", {"insurance_kind": "statutory", "insurer": "TK"}),
        ("address", address_parts("address", "Kirchenallee", "1", "20099")),
        (
            "documents",
            {
                "passport": pdf_upload("pass.pdf"),
                "photo": png_upload(),
                "employment_contract": pdf_upload("vertrag.pdf"),
                "health_insurance": pdf_upload("tk.pdf"),
                "rental_contract": pdf_upload("miete.pdf"),
            },
        ),
    ]


def test_an_extension_from_a_linked_account_gets_the_provisional_certificate_at_once(
    make_citizen, make_person
):
    today = today_in_hamburg(timezone.now())
    until = today + dt.timedelta(days=40)
    person = make_person(address=Address("Kirchenallee", "1", "20099"), title_until=until)
    citizen = make_citizen("caglar@example.org", person=person, person_linked_at=timezone.now())
    client = signed_in(citizen, "substantial")
    draft = walk(client, "residence-permit", _steps("extend", "employment", until))
    response = submit(client, draft)
    assert response.status_code == 302, response.content.decode()[:3000]
    submission = Submission.objects.get(draft=draft)
    case = Case.objects.select_related("case_type").get(pk=submission.case_id)
    assert case.case_type.slug == "residence-permit-extension"
    assert (case.person_id, case.citizen_id, case.channel) == (person.pk, citizen.pk, "online")
    assert case.applicant_name == "Çağlar Ğüneş-Ørsted"
    provisional = Letter.objects.get(case=case, kind=LetterKind.PROVISIONAL)
    assert provisional.valid_until is not None
    assert provisional.valid_until > until
    keys = set(CaseDocument.objects.filter(case=case).values_list("key", flat=True))
    assert keys == {
        "passport",
        "photo",
        "employment-contract",
        "health-insurance",
        "rental-contract",
    }
    assert documents_missing(case) == []
    assert submission.citizen_id == citizen.pk
    # The receipt is the account's: the same account in another browser sees it too.
    assert signed_in(citizen).get(response["Location"]).status_code == 200
    # The files sent with the application are listed in the account and open only there.
    page = client.get(f"/account/applications/{case.reference}/").content.decode()
    sent = CaseFile.objects.select_related("file").filter(case=case)
    assert sent.count() == 5
    for item in sent:
        link = f"/account/applications/{case.reference}/files/{item.file.public_id}/"
        assert link in page
    first = f"/account/applications/{case.reference}/files/{sent[0].file.public_id}/"
    assert client.get(first).status_code == 200
    assert signed_in(make_citizen("other@example.org")).get(first).status_code == 404


def test_an_extension_from_an_account_without_a_link_waits_for_the_caseworker(make_citizen):
    citizen = make_citizen("caglar@example.org")
    client = signed_in(citizen, "basic")
    until = today_in_hamburg(timezone.now()) + dt.timedelta(days=40)
    draft = walk(client, "residence-permit", _steps("extend", "employment", until))
    assert submit(client, draft).status_code == 302
    case = Submission.objects.get(draft=draft).case
    assert case.person_id is None
    assert not Letter.objects.filter(case=case).exists()


def test_a_first_blue_card_application_becomes_a_blue_card_case(make_citizen):
    client = signed_in(make_citizen("priya@example.org"), "basic")
    draft = walk(client, "residence-permit", _steps("apply", "blue_card", None))
    assert submit(client, draft).status_code == 302
    submission = Submission.objects.get(draft=draft)
    assert submission.case.case_type.slug == "blue-card"
    assert submission.answers["gross_salary"] in (61000, "61000")
    assert "title_number" not in submission.answers


def test_the_form_needs_a_sign_in_and_someone_outside_hamburg_ends_at_the_exit(make_citizen):
    from django.test import Client

    from hamburg_service.forms.models import Draft

    anonymous = Client().post("/online/residence-permit/")
    assert not anonymous.get("Location", "").startswith("/online/draft/")
    assert not Draft.objects.exists()
    client = signed_in(make_citizen(), "basic")
    draft = walk(client, "residence-permit", [])
    response = client.post(
        f"/online/draft/{draft.public_id}/application/",
        {"revision": str(draft.revision), "kind": "apply", "lives_in_hamburg": "no"},
    )
    assert response["Location"] == f"/online/draft/{draft.public_id}/exit/"
