"""The applicant's e-mails on status changes: queued in the outbox inside the change's
transaction, in the case's language, only for the changes they should know of and only with an
address; the name and reference, a link to the status page — never the secret, the decision's
outcome or its reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import translation

from hamburg_service.accounts.models import Role
from hamburg_service.cases.mails import status_mail_queue
from hamburg_service.cases.models import Case, CaseStatus
from hamburg_service.cases.services import lifecycle, pool
from hamburg_service.cases.services.lifecycle import Outcome, case_open
from hamburg_service.core.errors import AppError
from hamburg_service.notifications import renderers
from hamburg_service.notifications.models import Message
from hamburg_service.notifications.services import message_deliver

from .conftest import NOW

pytestmark = pytest.mark.django_db
EMAIL = "minh.khai@example.org"


def templates(case: Case) -> list[str]:
    return list(
        Message.objects.filter(about=f"case:{case.reference}")
        .order_by("pk")
        .values_list("template", flat=True)
    )


def rendered(message: Message) -> renderers.Rendered:
    with translation.override(message.language):
        return renderers.render(message.template, message.context)


@pytest.fixture
def opened(case_types, desk):
    def make(*, email: str = EMAIL, language: str = "de", slug: str = "residence-permit-extension"):
        return case_open(
            case_type=case_types[slug],
            applicant_name="Nguyễn Thị Minh Khai",
            applicant_email=email,
            language=language,
            channel="counter",
            actor=desk,
            now=NOW,
        )

    return make


def test_receipt_names_the_reference_and_links_the_page_but_never_the_secret(opened):
    got = opened()
    message = Message.objects.get()
    assert (message.template, message.recipient, message.language) == (
        "cases/status_received",
        EMAIL,
        "de",
    )
    assert message.context == {"case_id": got.case.pk}  # nothing to leak from the outbox
    text = rendered(message)
    assert got.case.reference in text.subject
    assert "Nguyễn Thị Minh Khai" in text.body
    assert f"/case-status/?reference={got.case.reference}" in text.body
    assert got.secret not in text.subject + text.body
    assert "/en/" not in text.body


def test_in_english_for_an_english_case_and_delivered_after_commit(opened):
    got = opened(language="en")
    message = Message.objects.get()
    assert message.language == "en"
    text = rendered(message)
    assert text.subject == f"Your application {got.case.reference} has been received"
    assert f"/en/case-status/?reference={got.case.reference}" in text.body
    assert "not contain the secret" in text.body
    # The immediate task backend of the tests delivers on commit.
    assert message_deliver(message_id=message.pk) in (True, False)
    assert mail.outbox
    assert mail.outbox[-1].to == [EMAIL]


def test_no_address_no_mail(opened, caseworker):
    got = opened(email="")
    worker = caseworker()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    lifecycle.case_transition(
        case=case, target=CaseStatus.WITHDRAWN, reason="Asked by phone", actor=worker, now=NOW
    )
    assert not Message.objects.exists()
    assert status_mail_queue(got.case, "closed", NOW) is None


def test_the_changes_the_applicant_is_told_of_and_not_the_office_steps(opened, caseworker):
    got = opened(slug="information-block")  # decided without documents or a title
    worker = caseworker(Role.CASEWORKER_REGISTRATION)
    case = pool.case_next(actor=worker, now=NOW)  # received → in review, assigned: internal
    assert case is not None
    lifecycle.case_note_add(case=case, text="Call the employer", actor=worker, now=NOW)
    assert templates(case) == ["cases/status_received"]
    later = NOW + dt.timedelta(days=1)
    lifecycle.case_transition(
        case=case,
        target=CaseStatus.WAITING_AUTHORITY,
        reason="Police check",
        actor=worker,
        now=later,
    )
    lifecycle.case_transition(case=case, target=CaseStatus.IN_REVIEW, actor=worker, now=later)
    assert templates(case) == ["cases/status_received"]
    lifecycle.case_transition(
        case=case, target=CaseStatus.WAITING_APPLICANT, reason="Photo", actor=worker, now=later
    )
    lifecycle.case_transition(case=case, target=CaseStatus.IN_REVIEW, actor=worker, now=later)
    assert templates(case)[-1] == "cases/status_waiting_applicant"
    lifecycle.case_decide(
        case=case,
        outcome=Outcome.APPROVED,
        reasons="Threat of 4,200 EUR shown (§ 51 BMG).",
        actor=worker,
        now=later,
    )
    lifecycle.case_transition(case=case, target=CaseStatus.IN_PRODUCTION, actor=worker, now=later)
    lifecycle.case_transition(
        case=case, target=CaseStatus.READY_FOR_PICKUP, actor=worker, now=later
    )
    lifecycle.case_transition(case=case, target=CaseStatus.CLOSED, actor=worker, now=later)
    assert templates(case) == [
        "cases/status_received",
        "cases/status_waiting_applicant",
        "cases/status_decided",
        "cases/status_ready_for_pickup",
        "cases/status_closed",
    ]
    decided = Message.objects.get(template="cases/status_decided")
    text = rendered(decided)
    body = text.subject + text.body
    assert case.reference in body
    assert "Nguyễn Thị Minh Khai" in body
    for leak in ("4,200", "BMG", "approved", "genehmigt", "Call the employer"):
        assert leak not in body
    for message in Message.objects.all():
        text = rendered(message)
        assert text.subject
        assert case.reference in text.subject
        assert got.secret not in text.body


def test_a_rejection_is_told_as_a_decision_without_its_reasons(opened, caseworker):
    opened()
    worker = caseworker()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    lifecycle.case_decide(
        case=case, outcome=Outcome.REJECTED, reasons="No income at all.", actor=worker, now=NOW
    )
    message = Message.objects.get(template="cases/status_decided")
    text = rendered(message)
    assert "income" not in (text.subject + text.body).lower()
    assert "reject" not in (text.subject + text.body).lower()


def test_withdrawn_is_told(opened, caseworker):
    opened(language="en")
    worker = caseworker()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    lifecycle.case_transition(
        case=case, target=CaseStatus.WITHDRAWN, reason="Left Germany", actor=worker, now=NOW
    )
    message = Message.objects.get(template="cases/status_withdrawn")
    text = rendered(message)
    assert "withdrawn" in text.subject
    assert "Left Germany" not in text.body


def test_a_refused_change_queues_nothing(opened, caseworker):
    opened()
    worker = caseworker()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    before = Message.objects.count()
    with pytest.raises(AppError):
        lifecycle.case_transition(
            case=case, target=CaseStatus.READY_FOR_PICKUP, actor=worker, now=NOW
        )
    with pytest.raises(AppError):
        lifecycle.case_decide(  # documents missing
            case=case, outcome=Outcome.APPROVED, reasons="Fine.", actor=worker, now=NOW
        )
    assert Message.objects.count() == before


def test_a_document_request_is_told_once_by_its_own_mail(opened, caseworker):
    from hamburg_service.cases.services.requests import document_request_create

    opened()
    worker = caseworker()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    document_request_create(
        case=case,
        documents=["passport"],
        other=[],
        message="",
        due_on=(NOW + dt.timedelta(days=14)).date(),
        actor=worker,
        now=NOW,
    )
    assert templates(case) == ["cases/status_received", "cases/document_request"]
