"""Dog registration submitted end to end through the pages: the right case, its files, the
fee; a dangerous breed ends at the exit page and cannot be submitted."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.forms.submission_support import *  # noqa: F403
from tests.forms.submission_support import address_parts, date_parts, pdf_upload, submit, walk
from tests.support.db import unchanged

from hamburg_service.cases.models import Case, CaseDocument, CaseEvent, CaseFile
from hamburg_service.files.models import FileState
from hamburg_service.forms.models import Draft, DraftState, Handoff, Submission
from hamburg_service.notifications.models import Message

pytestmark = pytest.mark.usefixtures("services")

OWNER = {
    "family_name": "Hoffmann",
    "given_names": "Heike",
    **date_parts("birth", "1975-06-12"),
    "email": "heike.hoffmann@example.org",
    **address_parts("address", "Kirchenallee", "1", "20099"),
}
DOG = {
    "dog_name": "Bello",
    "breed": "labrador_retriever",
    "sex": "male",
    **date_parts("dog_birth", "2021-05"),
    "chip": "276098106060123",
    **date_parts("kept_since", "2022-01-10"),
}


def _insurance() -> dict:
    return {
        "insurer": "Hanse Versicherung",
        "policy_number": "HV-123/456",
        "liability_insurance": pdf_upload("versicherung.pdf"),
    }


def test_a_dog_registration_becomes_a_case_with_its_file_and_fee():
    client = Client()
    draft = walk(
        client,
        "dog-registration",
        [
            ("owner", OWNER),
            ("dog", DOG),
            ("insurance", _insurance()),
            ("fee", {"fee_accepted": "on"}),
        ],
    )
    response = submit(client, draft)
    assert response.status_code == 302, response.content.decode()[:3000]
    submission = Submission.objects.get(draft=draft)
    assert response["Location"] == f"/online/receipt/{submission.public_id}/"
    case = Case.objects.select_related("case_type").get(pk=submission.case_id)
    assert case.case_type.slug == "dog-registration"
    assert (case.channel, case.applicant_name, case.applicant_email) == (
        "online",
        "Heike Hoffmann",
        "heike.hoffmann@example.org",
    )
    assert case.citizen_id is None
    assert case.person_id is None
    # The answers as submitted: visible ones only, with the definition's version.
    assert submission.answers["chip"] == "276098106060123"
    assert submission.answers["dog_birth"] == "2021-05"
    assert "breed_other" not in submission.answers
    assert "listed_cross" not in submission.answers
    assert submission.definition.version == 1
    # The upload is the case's now, as the document the type requires.
    document = CaseDocument.objects.get(case=case)
    assert (document.key, document.received_at is not None) == ("liability-insurance", True)
    files = list(CaseFile.objects.filter(case=case).select_related("file"))
    assert len(files) == 1
    assert files[0].document_id == document.pk
    assert files[0].file.owner == f"case:{case.reference}"
    assert files[0].file.state == FileState.ATTACHED
    assert files[0].file.delete_after is None
    # The fee, recorded on the case.
    note = CaseEvent.objects.get(case=case, kind="note")
    assert note.data["fee"] == 1000
    # The receipt e-mail and the hand-off to the office's mailbox.
    assert Message.objects.filter(
        template="forms/submission_receipt", recipient="heike.hoffmann@example.org"
    ).exists()
    handoff = Handoff.objects.get(submission=submission)
    assert (handoff.kind, handoff.target, handoff.state) == (
        "email",
        "hunderegister@example.hamburg.de",
        "pending",
    )
    draft.refresh_from_db()
    assert draft.state == DraftState.SUBMITTED
    # The receipt: the reference, the secret once, the PDF.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert case.reference in page.content.decode()
    assert "Status-Geheimnis" in page.content.decode() or "secret" in page.content.decode()
    again = client.get(response["Location"]).content.decode()
    assert case.reference in again
    pdf = client.get(f"/online/receipt/{submission.public_id}/summary.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # Another browser sees no receipt at all.
    assert Client().get(response["Location"]).status_code == 404
    assert Client().get(f"/online/receipt/{submission.public_id}/summary.pdf").status_code == 404


def test_a_dangerous_breed_ends_at_the_exit_page_and_cannot_be_submitted():
    client = Client()
    draft = walk(client, "dog-registration", [("owner", OWNER)])
    response = client.post(
        f"/online/draft/{draft.public_id}/dog/",
        {"revision": str(draft.revision), **DOG, "breed": "pitbull_terrier"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/online/draft/{draft.public_id}/exit/"
    exit_page = client.get(response["Location"]).content.decode()
    assert "Hundegesetz" in exit_page
    with unchanged(Case, Submission, Draft):
        refused = submit(client, draft)
    assert refused.status_code == 409
    assert (
        "nicht vollständig" in refused.content.decode()
        or "not complete" in refused.content.decode()
    )


def test_a_cross_of_a_listed_breed_ends_at_the_exit_page_too():
    client = Client()
    draft = walk(client, "dog-registration", [("owner", OWNER)])
    response = client.post(
        f"/online/draft/{draft.public_id}/dog/",
        {"revision": str(draft.revision), **DOG, "breed": "mixed", "listed_cross": "yes"},
    )
    assert response["Location"] == f"/online/draft/{draft.public_id}/exit/"


def test_a_microchip_number_not_of_15_digits_is_refused_next_to_the_field():
    client = Client()
    draft = walk(client, "dog-registration", [("owner", OWNER)])
    response = client.post(
        f"/online/draft/{draft.public_id}/dog/",
        {"revision": str(draft.revision), **DOG, "chip": "27609810606012"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "15 Ziffern" in page
    assert "27609810606012" in page  # what was typed is kept
