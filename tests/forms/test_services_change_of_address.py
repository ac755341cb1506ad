"""The change of address (Ummeldung) for a family submitted end to end through the pages: a
case for the registration staff; on approval the applicant and the identified family members
live at the new address in the register, and registration certificates are in the account's
case files. A late move is flagged; approving without an identified applicant is refused
with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.forms.submission_support import *  # noqa: F403
from tests.forms.submission_support import address_parts, date_parts, signed_in, submit, walk
from tests.support.db import unchanged

from hamburg_service.accounts.models import AccessLog, AccessLogSubject
from hamburg_service.cases.models import Case, CaseEvent, CaseFile
from hamburg_service.cases.services import pool
from hamburg_service.cases.services.lifecycle import case_decide
from hamburg_service.core.errors import InvalidInput
from hamburg_service.forms.handlers.change_of_address import certificates_of
from hamburg_service.forms.models import Submission
from hamburg_service.people.checks import Address, BirthDate, today_in_hamburg
from hamburg_service.people.models import Certificate, Residence

pytestmark = pytest.mark.usefixtures("services")
OLD = Address("Kirchenallee", "1", "20099")


def _steps(moved_in: dt.date, family: dict | None = None) -> list:
    steps = [
        (
            "move",
            {
                "from_hamburg": "yes",
                "who": "with_others" if family else "alone",
                **address_parts("new_address", "Osterstraße", "12", "20259"),
                **date_parts("moved_in_on", moved_in),
            },
        ),
        (
            "applicant",
            {
                "family_name": "Ğüneş-Ørsted",
                "given_names": "Çağlar",
                **date_parts("birth", "1990-04-17"),
                **address_parts("previous_address", "Kirchenallee", "1", "20099"),
                "email": "caglar@example.org",
            },
        ),
        ("landlord", {"landlord_kind": "code", "landlord_code": "WGB-2026-ABC123"}),
    ]
    if family:
        steps.append(("family", family))
    return steps


# An adult (the spouse) and a child, who is under 16 on the move-in day.
FAMILY = {
    "family-count": "2",
    "family.0.member_family_name": "Güneş-Ørsted",  # Ğ and G are one letter to the keys
    "family.0.member_given_names": "Ayşe",
    **date_parts("family.0.member_birth", "1992-08-01"),
    "family.0.member_relationship": "spouse",
    "family.1.member_family_name": "Ğüneş-Ørsted",
    "family.1.member_given_names": "Mia",  # the first of her given names
    **date_parts("family.1.member_birth", "2024-01"),
    "family.1.member_relationship": "child",
}


def _take(worker) -> Case:
    taken = pool.case_next(actor=worker)
    assert taken is not None
    return taken


def test_a_family_move_approved_moves_the_applicant_and_their_child_only(
    make_citizen, make_person, registration_worker
):
    today = today_in_hamburg(timezone.now())
    applicant = make_person(address=OLD)
    spouse = make_person(given_names="Ayşe", birth=BirthDate(1992, 8, 1), address=OLD)
    child = make_person(given_names="Mia Sophie", birth=BirthDate(2024, 1), address=OLD)
    # At the same address with the same family name but another birth: never read.
    make_person(given_names="Ayşe", birth=BirthDate(1950, 2, 3), address=OLD)
    citizen = make_citizen("caglar@example.org", person=applicant, person_linked_at=timezone.now())
    client = signed_in(citizen, "high")
    draft = walk(client, "change-of-address", _steps(today - dt.timedelta(days=3), FAMILY))
    assert submit(client, draft).status_code == 302
    submission = Submission.objects.get(draft=draft)
    case = submission.case
    assert (case.case_type.slug, case.person_id, case.citizen_id) == (
        "change-of-address",
        applicant.pk,
        citizen.pk,
    )
    assert len(submission.answers["family"]) == 2
    assert not CaseEvent.objects.filter(case=case, kind="note", data__late=True).exists()
    taken = _take(registration_worker)
    case_decide(case=taken, outcome="approved", reasons="Geprüft.", actor=registration_worker)
    for person in (applicant, child):
        current = Residence.objects.get(person=person, kind="main", moved_out_on__isnull=True)
        assert (current.street, current.house_number, current.postcode) == (
            "Osterstraße",
            "12",
            "20259",
        )
        assert current.landlord_confirmation == "WGB-2026-ABC123"
    # The adult moving with the applicant registers herself: not moved, no certificate.
    assert Residence.objects.get(person=spouse, moved_out_on__isnull=True).street == OLD.street
    assert not Certificate.objects.filter(person=spouse).exists()
    assert Certificate.objects.filter(person__in=[applicant, child]).count() == 2
    files = certificates_of(case)
    assert len(files) == 2
    assert all(f.content_type == "application/pdf" for f in files)
    assert CaseFile.objects.filter(case=case, file__in=files).count() == 2
    # Issued to the account: listed under documents and on the application, downloadable.
    documents = client.get("/account/documents/").content.decode()
    page = client.get(f"/account/applications/{case.reference}/").content.decode()
    for each in files:
        link = f"/account/applications/{case.reference}/certificates/{each.public_id}/"
        assert link in documents
        assert link in page
        response = client.get(link)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    # Another account gets the answer of a file that does not exist.
    other = signed_in(make_citizen("other@example.org"), "basic")
    link = f"/account/applications/{case.reference}/certificates/{files[0].public_id}/"
    assert other.get(link).status_code == 404
    decided = CaseEvent.objects.get(case=case, kind="decided")
    assert decided.data["moved"] == [applicant.pk, child.pk]
    assert decided.data["not_identified"] == []
    assert decided.data["must_register_themselves"] == ["Ayşe Güneş-Ørsted"]
    read = AccessLog.objects.get(subject_type="person_match")
    assert sorted(
        AccessLogSubject.objects.filter(log=read).values_list("person_id", flat=True)
    ) == sorted([spouse.pk, child.pk])
    assert read.case_reference == case.reference
    assert len(decided.data["certificates"]) == 2


def test_a_move_more_than_two_weeks_ago_is_accepted_and_flagged_late(make_citizen, make_person):
    applicant = make_person(address=OLD)
    citizen = make_citizen("caglar@example.org", person=applicant, person_linked_at=timezone.now())
    client = signed_in(citizen, "high")
    today = today_in_hamburg(timezone.now())
    draft = walk(client, "change-of-address", _steps(today - dt.timedelta(days=20)))
    assert submit(client, draft).status_code == 302
    case = Submission.objects.get(draft=draft).case
    assert CaseEvent.objects.filter(case=case, kind="note", data__late=True).exists()


def test_a_move_in_date_in_the_future_is_refused_next_to_the_field(make_citizen):
    client = signed_in(make_citizen(), "high")
    draft = walk(client, "change-of-address", [])
    tomorrow = today_in_hamburg(timezone.now()) + dt.timedelta(days=30)
    response = client.post(
        f"/online/draft/{draft.public_id}/move/",
        {"revision": str(draft.revision), **_steps(tomorrow)[0][1]},
    )
    assert response.status_code == 422


def test_approving_without_an_identified_applicant_is_refused_and_changes_nothing(
    make_citizen, make_person, registration_worker
):
    applicant = make_person(address=OLD)
    client = signed_in(make_citizen("caglar@example.org"), "high")  # not linked
    today = today_in_hamburg(timezone.now())
    draft = walk(client, "change-of-address", _steps(today - dt.timedelta(days=1)))
    assert submit(client, draft).status_code == 302
    taken = _take(registration_worker)
    with unchanged(Residence, Certificate, CaseFile), pytest.raises(InvalidInput) as refused:
        case_decide(case=taken, outcome="approved", reasons="Geprüft.", actor=registration_worker)
    assert refused.value.code == "person-missing"
    assert Residence.objects.get(person=applicant, moved_out_on__isnull=True).street == OLD.street
