"""A case from receipt to decision through the services: every change an event, the clock and
urgency stored from the events, and each refusal leaving the case as it was."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.accounts.models import Role
from hamburg_service.cases.models import Case, CaseDocument, CaseEvent, CaseStatus
from hamburg_service.cases.services import lifecycle, pool
from hamburg_service.cases.services.lifecycle import Outcome, secret_hash
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db
LATER = NOW + dt.timedelta(days=10)


def snapshot(case: Case) -> tuple[object, ...]:
    case.refresh_from_db()
    return (
        case.status,
        case.assigned_to_id,
        case.outcome,
        case.decided_on,
        case.planned_on,
        CaseEvent.objects.filter(case=case).count(),
    )


def received_docs(case: Case) -> None:
    for item in case.case_type.required_documents:
        CaseDocument.objects.create(case=case, key=item["key"], label=item["de"], received_at=NOW)


def grants_no_title(case: Case) -> None:
    # Approving a type that grants a title needs the person and the title's end: that is
    # tested in test_letters.py; here the type writes none.
    case.case_type.grants_title_kind = ""
    case.case_type.save(update_fields=["grants_title_kind"])


def test_opening_a_case_gives_a_reference_a_secret_and_a_planned_date(case_types, desk):
    opened = lifecycle.case_open(
        case_type=case_types["residence-permit-extension"],
        applicant_name="Çağlar Ğüneş-Ørsted",
        channel="post",
        actor=desk,
        received_at=NOW - dt.timedelta(days=3),
        now=NOW,
    )
    case = opened.case
    assert case.reference == "HS-2026-000001"
    assert case.status == CaseStatus.RECEIVED
    assert case.received_on == TODAY - dt.timedelta(days=3)
    assert case.planned_on == case.received_on + dt.timedelta(days=42)
    assert len(opened.secret) == 10
    assert case.secret_hash == secret_hash(case.reference, opened.secret)
    assert opened.secret not in case.secret_hash
    (event,) = CaseEvent.objects.filter(case=case)
    assert (event.kind, event.data["channel"]) == ("received", "post")
    again = lifecycle.case_open(
        case_type=case_types["blue-card"],
        applicant_name="Priya Raghunathan",
        channel="online",
        actor=desk,
        now=NOW,
    )
    assert again.case.reference == "HS-2026-000002"


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"applicant_name": ""}, "applicant_name", "required"),
        ({"applicant_name": "Anna\x00"}, "applicant_name", "text-refused"),
        ({"applicant_email": "not-an-address"}, "applicant_email", "email-invalid"),
        ({"channel": "pigeon"}, "channel", "channel"),
        ({"received_at": NOW + dt.timedelta(days=1)}, "received_on", "received-future"),
        ({"received_at": NOW - dt.timedelta(days=91)}, "received_on", "received-too-old"),
    ],
)
def test_opening_with_bad_input_is_refused_and_opens_nothing(case_types, desk, fields, field, code):
    values: dict[str, object] = {
        "case_type": case_types["blue-card"],
        "applicant_name": "Priya Raghunathan",
        "channel": "online",
        "actor": desk,
        "now": NOW,
    }
    values.update(fields)
    with pytest.raises(InvalidInput) as caught:
        lifecycle.case_open(**values)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.errors[0]["field"] == field
    assert not Case.objects.exists()


def test_a_role_without_cases_cannot_open_one(case_types, make_staff):
    manager = Actor.staff(make_staff(Role.MANAGER))
    with pytest.raises(Forbidden):
        lifecycle.case_open(
            case_type=case_types["blue-card"],
            applicant_name="Priya",
            channel="post",
            actor=manager,
            now=NOW,
        )
    assert not Case.objects.exists()


def test_registration_caseworkers_cannot_open_immigration_cases(case_types, caseworker):
    worker = caseworker(Role.CASEWORKER_REGISTRATION)
    with pytest.raises(Forbidden):
        lifecycle.case_open(
            case_type=case_types["blue-card"],
            applicant_name="Priya",
            channel="post",
            actor=worker,
            now=NOW,
        )
    assert not Case.objects.exists()


def test_waiting_for_the_applicant_suspends_the_stored_clock(open_case, caseworker):
    worker = caseworker()
    open_case()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    assert case.status == CaseStatus.IN_REVIEW
    lifecycle.case_transition(
        case=case,
        target=CaseStatus.WAITING_APPLICANT,
        actor=worker,
        reason="Passport copy missing",
        now=NOW + dt.timedelta(days=2),
    )
    lifecycle.case_transition(
        case=case, target=CaseStatus.IN_REVIEW, actor=worker, now=NOW + dt.timedelta(days=9)
    )
    case.refresh_from_db()
    assert case.suspended_days == 7
    assert case.planned_on == TODAY + dt.timedelta(days=42 + 7)
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", "data__to"))
    assert kinds == [
        ("received", None),
        ("status_changed", "in_review"),
        ("assigned", worker.user_id),
        ("status_changed", "waiting_applicant"),
        ("status_changed", "in_review"),
    ]


def test_a_transition_the_type_does_not_allow_is_refused_and_changes_nothing(open_case, caseworker):
    worker = caseworker()
    open_case()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    before = snapshot(case)
    for target, code in [
        (CaseStatus.READY_FOR_PICKUP, "transition-not-allowed"),
        (CaseStatus.CLOSED, "transition-not-allowed"),
        ("flying", "transition-not-allowed"),
        (CaseStatus.DECIDED, "decide-instead"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            lifecycle.case_transition(case=case, target=target, actor=worker, reason="x", now=LATER)
        assert caught.value.code == code
    with pytest.raises(InvalidInput) as caught:
        lifecycle.case_transition(
            case=case, target=CaseStatus.WAITING_APPLICANT, actor=worker, now=LATER
        )
    assert caught.value.code == "reason-missing"
    assert snapshot(case) == before


def test_only_the_assigned_caseworker_or_a_lead_moves_a_case(open_case, caseworker, make_staff):
    worker, other = caseworker(), caseworker()
    open_case()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    before = snapshot(case)
    with pytest.raises(Conflict) as caught:
        lifecycle.case_transition(
            case=case, target=CaseStatus.WAITING_APPLICANT, actor=other, reason="x", now=LATER
        )
    assert caught.value.code == "case-not-yours"
    registration = caseworker(Role.CASEWORKER_REGISTRATION)
    with pytest.raises(NotFound):  # the other agency's case: as if it did not exist
        lifecycle.case_note_add(case=case, text="hello", actor=registration, now=LATER)
    assert snapshot(case) == before
    lead = Actor.staff(make_staff(Role.TEAM_LEAD))
    lifecycle.case_note_add(case=case, text="Checked by the lead", actor=lead, now=LATER)
    assert CaseEvent.objects.filter(case=case, kind="note").count() == 1


def test_deciding_needs_the_required_documents_unless_rejecting(open_case, caseworker):
    worker = caseworker()
    open_case()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    before = snapshot(case)
    with pytest.raises(InvalidInput) as caught:
        lifecycle.case_decide(
            case=case, outcome=Outcome.APPROVED, reasons="All fine", actor=worker, now=LATER
        )
    assert caught.value.code == "documents-missing"
    assert "Reisepass" in caught.value.errors[0]["message"]
    assert snapshot(case) == before
    received_docs(case)
    grants_no_title(case)
    lifecycle.case_decide(
        case=case, outcome=Outcome.APPROVED, reasons="All fine", actor=worker, now=LATER
    )
    case.refresh_from_db()
    assert (case.status, case.outcome, case.decided_on) == (
        CaseStatus.DECIDED,
        Outcome.APPROVED,
        TODAY + dt.timedelta(days=10),
    )
    assert case.urgency == 0  # decided: out of the ranking


def test_a_decision_is_final_and_a_correction_is_a_new_event(open_case, caseworker):
    worker = caseworker()
    open_case()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    received_docs(case)
    grants_no_title(case)
    lifecycle.case_decide(
        case=case, outcome=Outcome.APPROVED, reasons="ok", actor=worker, now=LATER
    )
    before = snapshot(case)
    with pytest.raises(Conflict):
        lifecycle.case_decide(
            case=case, outcome=Outcome.REJECTED, reasons="changed my mind", actor=worker, now=LATER
        )
    assert snapshot(case) == before
    lifecycle.case_decision_correct(
        case=case,
        outcome=Outcome.PARTLY,
        reason="Only for two years, not three",
        actor=worker,
        now=LATER,
    )
    decided = CaseEvent.objects.get(case=case, kind="decided")
    assert decided.data["outcome"] == Outcome.APPROVED  # the decision as made stays
    corrected = CaseEvent.objects.get(case=case, kind="decision_corrected")
    assert corrected.data == {
        "from": "approved",
        "outcome": "partly_approved",
        "reason": "Only for two years, not three",
    }


def test_a_registration_caseworker_does_not_decide_immigration_matters(open_case, caseworker):
    worker = caseworker(Role.CASEWORKER_REGISTRATION)
    open_case("dog-registration", name="Heike Hoffmann")
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    received_docs(case)
    case.case_type.decider_role = Role.CENTRAL_REGISTRATION
    case.case_type.save()
    with pytest.raises(InvalidInput) as caught:
        lifecycle.case_decide(
            case=case, outcome=Outcome.APPROVED, reasons="ok", actor=worker, now=LATER
        )
    assert caught.value.code == "not-decider"
    case.refresh_from_db()
    assert case.decided_on is None


def test_refusals_are_app_errors_with_clear_messages(open_case, caseworker):
    worker = caseworker()
    open_case()
    case = pool.case_next(actor=worker, now=NOW)
    assert case is not None
    with pytest.raises(AppError) as caught:
        lifecycle.case_note_add(case=case, text="   ", actor=worker, now=LATER)
    assert caught.value.errors[0]["message"]
