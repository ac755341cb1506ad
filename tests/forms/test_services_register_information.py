"""Register information (§ 44 BMG) asked online end to end: answered at once by the person
record's register information, the answer e-mailed to the requester and kept with a closed
case of the account; an unknown person is answered "not found" the same way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.forms.submission_support import *  # noqa: F403
from tests.forms.submission_support import date_parts, signed_in, submit, walk

from hamburg_service.cases.models import Case, CaseEvent
from hamburg_service.forms.handlers.register_information import answer_of
from hamburg_service.forms.models import Submission
from hamburg_service.notifications.models import Message
from hamburg_service.people.checks import Address, BirthDate
from hamburg_service.people.models import RegisterInformationRequest

pytestmark = pytest.mark.usefixtures("services")

REQUESTER = {
    "requester_name": "Inkasso Nord GmbH",
    "requester_email": "auskunft@inkasso-nord.example",
    "purpose": "commercial",
    "commercial_purpose": "Einziehen einer Forderung",
}


def _ask(client: Client, family_name: str = "Meier") -> Submission:
    draft = walk(
        client,
        "register-information",
        [
            ("requester", REQUESTER),
            (
                "person-sought",
                {
                    "family_name": family_name,
                    "given_names": "Anna",
                    "identify_by": "birth",
                    **date_parts("birth_date", "1985-03-04"),
                },
            ),
            ("fee", {"fee_accepted": "on"}),
        ],
    )
    response = submit(client, draft)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Submission.objects.select_related("case").get(draft=draft)


def test_a_person_found_is_answered_by_e_mail_and_in_the_account(
    make_person, make_citizen, django_capture_on_commit_callbacks
):
    person = make_person(
        family_name="Meier",
        given_names="Anna Maria",
        birth=BirthDate(1985, 3, 4),
        address=Address("Kirchenallee", "1", "20099"),
    )
    citizen = make_citizen("auskunft@inkasso-nord.example")
    with django_capture_on_commit_callbacks(execute=True):
        submission = _ask(signed_in(citizen))
    case = Case.objects.select_related("case_type").get(pk=submission.case_id)
    assert (case.case_type.slug, case.status, case.citizen_id) == (
        "register-information",
        "closed",
        citizen.pk,
    )
    request = RegisterInformationRequest.objects.get()
    assert (request.answer, request.requester_email, request.purpose) == (
        "found",
        "auskunft@inkasso-nord.example",
        "commercial",
    )
    note = CaseEvent.objects.get(case=case, kind="note")
    assert note.data["register_information"] == request.reference
    assert note.data["fee"] == request.fee_cents
    # The answer by e-mail (the register's receipt) and our receipt of the application.
    templates = set(
        Message.objects.filter(recipient="auskunft@inkasso-nord.example").values_list(
            "template", flat=True
        )
    )
    assert templates == {"people/information_receipt", "forms/submission_receipt"}
    # No status mail: the case was closed at once.
    assert not Message.objects.filter(template__startswith="cases/status_").exists()
    assert case.applicant_email == "auskunft@inkasso-nord.example"
    # The answer as it was shown, kept with the case: a later change of the register, or of
    # two requests at the same moment, does not change what the account shows.
    person.family_name = "Schulz"
    person.save(update_fields=["family_name"])
    RegisterInformationRequest.objects.filter(pk=request.pk).update(
        requester_email="someone@else.example"
    )
    with CaptureQueriesContext(connection) as queries:
        shown = answer_of(case)
    assert not [q["sql"] for q in queries if "people_" in q["sql"]]  # no read of the register
    assert shown is not None
    assert shown.reference == request.reference
    assert shown.answer == "found"
    assert shown.names["family_name"] == "Meier"
    assert shown.addresses == ["Kirchenallee 1, 20099 Hamburg"]
    assert submission.expected_on is None
    # In the account, on the application's page.
    page = signed_in(citizen).get(f"/en/account/applications/{case.reference}/").content.decode()
    assert "The answer of the register" in page
    assert "Anna Maria Meier" in page
    assert "Kirchenallee 1, 20099 Hamburg" in page


def test_an_unknown_person_is_answered_not_found_in_the_same_way(make_person):
    submission = _ask(Client(), family_name="Unbekannt")
    shown = answer_of(submission.case)
    assert shown is not None
    assert shown.answer == "not_found"
    assert shown.names == {}
    assert shown.addresses == []
    assert submission.case.status == "closed"
    assert RegisterInformationRequest.objects.get().answer == "not_found"
