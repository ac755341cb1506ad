"""The caseworker workstation in pages: next case, the case page with its clock and "why this
one", actions with refusals that keep what was typed, the pool without names, and every case
read logged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.cases.models import Case, CaseEvent, CaseStatus, Skill

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_client(make_staff, case_types):
    user = make_staff(Role.CASEWORKER_IMMIGRATION)
    for t in case_types.values():
        if t.agency == "immigration":
            Skill.objects.create(user=user, case_type=t)
    client = Client()
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client


def test_next_case_opens_the_most_urgent_with_why_this_one(worker_client, open_case):
    from django.utils import timezone

    now = timezone.now()
    open_case(received_at=now - dt.timedelta(days=2), now=now)
    urgent = open_case(
        "blue-card", name="Priya Raghunathan", received_at=now - dt.timedelta(days=70), now=now
    )
    answer = worker_client.post("/staff/cases/next/")
    assert answer.status_code == 302
    assert answer["Location"] == f"/staff/cases/{urgent.reference}/"
    page = worker_client.get(answer["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "Priya Raghunathan" in text
    assert "Warum dieser Fall" in text or "Why this one" in text
    log = AccessLog.objects.get(subject_type="case")
    assert (log.subject_ref, log.purpose, log.case_reference) == (
        urgent.reference,
        "person_case",
        urgent.reference,
    )


def test_my_cases_lists_names_and_is_logged(worker_client, open_case):
    open_case(name="Olumide Adeyemi")
    worker_client.post("/staff/cases/next/")
    page = worker_client.get("/staff/cases/")
    assert "Olumide Adeyemi" in page.content.decode()
    assert AccessLog.objects.filter(subject_type="cases", subject_ref="mine").count() == 1


def test_the_pool_shows_no_names(worker_client, open_case):
    case = open_case(name="Olumide Adeyemi")
    page = worker_client.get("/staff/cases/pool/")
    text = page.content.decode()
    assert case.reference in text
    assert "Olumide" not in text
    assert not AccessLog.objects.exists()


def test_a_refused_transition_keeps_the_reason_typed_and_changes_nothing(worker_client, open_case):
    open_case()
    worker_client.post("/staff/cases/next/")
    case = Case.objects.get()
    events = CaseEvent.objects.count()
    answer = worker_client.post(
        f"/staff/cases/{case.reference}/",
        {"action": "transition", "t-status": "waiting_applicant", "t-reason": ""},
    )
    assert answer.status_code == 422
    answer = worker_client.post(
        f"/staff/cases/{case.reference}/",
        {"action": "decide", "d-outcome": "approved", "d-reasons": "Alles vollständig"},
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "Alles vollständig" in text  # what was typed is still there
    assert "Reisepass" in text  # the missing documents named
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert CaseEvent.objects.count() == events
    answer = worker_client.post(
        f"/staff/cases/{case.reference}/",
        {"action": "transition", "t-status": "waiting_applicant", "t-reason": "Pass fehlt"},
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT


def test_a_case_of_another_agency_answers_like_an_unknown_one(client_as, open_case, case_types):
    case = open_case()
    registration = client_as(Role.CASEWORKER_REGISTRATION)
    hidden = registration.get(f"/staff/cases/{case.reference}/")
    unknown = registration.get("/staff/cases/HS-2026-999999/")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.content.replace(case.reference.encode(), b"") == unknown.content.replace(
        b"HS-2026-999999", b""
    )
    assert not AccessLog.objects.exists()


def test_the_desk_opens_a_case_and_gets_the_secret_once(client_as, case_types):
    desk = client_as(Role.FRONT_DESK)
    answer = desk.post(
        "/staff/cases/new/",
        {
            "case_type": case_types["residence-permit-extension"].pk,
            "applicant_name": "Nguyễn Thị Minh Khai",
            "applicant_email": "",
            "language": "en",
            "channel": "desk",
            "received_on": "",
        },
    )
    assert answer.status_code == 200
    case = Case.objects.get()
    assert case.reference in answer.content.decode()
    assert case.language == "en"
    bad = desk.post(
        "/staff/cases/new/",
        {
            "case_type": case_types["residence-permit-extension"].pk,
            "applicant_name": "Someone Else",
            "language": "de",
            "channel": "post",
            "received_on": "2099-01-01",
        },
    )
    assert bad.status_code == 422
    assert "Someone Else" in bad.content.decode()
    assert Case.objects.count() == 1


def test_leads_see_the_load_and_caseworkers_do_not(client_as, worker_client, case_types):
    lead = client_as(Role.TEAM_LEAD)
    assert lead.get("/staff/cases/team/").status_code == 200
    assert worker_client.get("/staff/cases/team/").status_code == 403
    assert client_as(Role.CLERK).get("/staff/cases/pool/").status_code == 403


def test_a_clerk_opens_a_case_from_the_persons_record(client_as, make_staff, case_types):
    from hamburg_service.core.actors import Actor
    from hamburg_service.people.checks import BirthDate
    from hamburg_service.people.services import identity

    user = make_staff(Role.CLERK)
    person = identity.person_create(
        data=identity.PersonInput(
            family_name="Ólafsdóttir",
            given_names="Sigríður",
            sex="w",
            birth=BirthDate(1991, 2, 3),
            nationalities=("ISL",),
        ),
        actor=Actor.staff(user),
    ).person
    clerk = Client()
    clerk.force_login(user)
    record = clerk.get(
        f"/staff/people/{person.pk}/", {"purpose": "person_ticket", "reference": "A-17"}
    ).content.decode()
    assert f"/staff/cases/new/?person={person.pk}&amp;purpose=person_ticket" in record
    form = clerk.get(
        "/staff/cases/new/", {"person": person.pk, "purpose": "person_ticket", "reference": "A-17"}
    )
    assert 'value="Sigríður Ólafsdóttir"' in form.content.decode()
    read = AccessLog.objects.filter(subject_type="person", categories=["name"]).get()
    assert (read.purpose, read.case_reference) == ("person_ticket", "A-17")
    answer = clerk.post(
        "/staff/cases/new/",
        {
            "person": person.pk,
            "purpose": "person_ticket",
            "reference": "A-17",
            "case_type": case_types["information-block"].pk,
            "applicant_name": "Sigríður Ólafsdóttir",
            "language": "de",
            "channel": "counter",
        },
    )
    assert answer.status_code == 200
    assert Case.objects.get().person_id == person.pk
    # The front desk reads no records: a person given answers as an unknown one.
    desk = client_as(Role.FRONT_DESK)
    hidden = desk.get(
        "/staff/cases/new/", {"person": person.pk, "purpose": "person_ticket", "reference": "A"}
    )
    assert hidden.status_code == 404
