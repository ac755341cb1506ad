"""A case from receipt to closing: open, move between statuses, note, link the person,
decide, correct a decision (docs/cases.md, "Statuses")."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import roles_of
from hamburg_service.accounts.models import Citizen, Role
from hamburg_service.accounts.permissions import CasesPerm
from hamburg_service.cases import mails, provisional
from hamburg_service.cases.clock import clock_of
from hamburg_service.cases.letters import decision_effects, grant_clean
from hamburg_service.cases.models import (
    DECISION_STATUSES,
    FINAL,
    UNDECIDED,
    WAITING,
    Case,
    CaseEventKind,
    CaseSequence,
    CaseStatus,
    CaseTransition,
    CaseType,
    Channel,
)
from hamburg_service.cases.reasons import reasons_chosen
from hamburg_service.cases.services.case_files import case_files_keep_until
from hamburg_service.cases.services.common import (
    case_refresh,
    lock_case,
    require_may,
    require_worker,
)
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.core.events import event_record
from hamburg_service.people.checks import text_clean, today_in_hamburg
from hamburg_service.people.models import Person

REFERENCE_PREFIX = "HS"
# Ten characters of 31 (no 0/O, 1/I/L), as the certificates' codes: typed from a letter.
SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # noqa: S105 - an alphabet, not a secret
SECRET_LENGTH = 10
# A case received by post is opened with the day the letter arrived, at most this long ago.
RECEIVED_BACK_DAYS = 90
NOTE_MAX = 4000
REASON_MAX = 1000


class Outcome:
    APPROVED = "approved"
    PARTLY = "partly_approved"
    REJECTED = "rejected"
    ALL = (APPROVED, PARTLY, REJECTED)


@dataclass(frozen=True, slots=True)
class OpenedCase:
    case: Case
    secret: str  # shown once, on the receipt: only its hash is kept


def secret_hash(reference: str, secret: str) -> str:
    """A keyed hash of the status secret: a stolen table alone does not give the secrets."""
    key = hashlib.sha256(b"cases.status-secret:" + settings.SECRET_KEY.encode()).digest()
    normalised = "".join(secret.split()).replace("-", "").upper()
    return hmac.new(key, f"{reference}:{normalised}".encode(), hashlib.sha256).hexdigest()


def _reference_next(year: int) -> str:
    sequence, _created = CaseSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{REFERENCE_PREFIX}-{year}-{sequence.last:06d}"


def _email_clean(email: str) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput.field(
            "applicant_email", _("Enter a valid e-mail address."), code="email-invalid"
        ) from None
    return email


def _received_clean(received_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if received_at is None:
        return now
    today = today_in_hamburg(now)
    day = today_in_hamburg(received_at)
    if day > today:
        raise InvalidInput.field(
            "received_on", _("An application cannot arrive in the future."), code="received-future"
        )
    if (today - day).days > RECEIVED_BACK_DAYS:
        raise InvalidInput.field(
            "received_on",
            _("Enter a day in the last %(days)d days.") % {"days": RECEIVED_BACK_DAYS},
            code="received-too-old",
        )
    return received_at


def case_open(
    *,
    case_type: CaseType,
    applicant_name: str,
    channel: str,
    actor: Actor,
    person: Person | None = None,
    citizen: Citizen | None = None,
    applicant_email: str = "",
    language: str = "de",
    received_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    received_mail: bool = True,
) -> OpenedCase:
    """Open a case in the pool. `received_at` is when the application arrived (a letter a few
    days ago); by default now. `citizen`: the account an online application came from (the
    applicant follows the case in "my account"). `received_mail=False`: the applicant is not
    sent the "received" status mail (an online application's receipt says it; the later
    status mails still go to `applicant_email`). Returns the case and its status secret,
    shown once."""
    now = now_or(now)
    if actor.is_staff:
        require_may(actor, CasesPerm.OPEN, case_type)
    if not case_type.is_active:
        raise InvalidInput.field(
            "case_type", _("This kind of application is not taken any more."), code="type-inactive"
        )
    if channel not in Channel.values:
        raise InvalidInput.field(
            "channel", _("Choose how the application arrived."), code="channel"
        )
    name = text_clean(applicant_name, field="applicant_name", max_length=200)
    email = _email_clean(applicant_email)
    received = _received_clean(received_at, now)
    secret = "".join(secrets.choice(SECRET_ALPHABET) for _i in range(SECRET_LENGTH))
    year = today_in_hamburg(now).year
    reference, prepared = None, None
    if person is not None and case_type.extends_title:
        # The provisional certificate (§ 81 (4) AufenthG) is made before the transaction
        # that records it with the case: the reference is taken first for it.
        with write_transaction():
            reference = _reference_next(year)
        received_on = today_in_hamburg(received)
        prepared = provisional.provisional_prepare(
            case_type=case_type,
            person=person,
            received_on=received_on,
            planned_on=clock_of(
                case_type, received_on=received_on, events=[], today=today_in_hamburg(now)
            ).planned_on,
            reference=reference,
            now=now,
        )
    with write_transaction():
        reference = reference or _reference_next(year)
        case = Case.objects.create(
            reference=reference,
            case_type=case_type,
            person=person,
            citizen=citizen,
            applicant_name=name,
            applicant_email=email,
            language="en" if language == "en" else "de",
            channel=channel,
            status=CaseStatus.RECEIVED,
            received_at=received,
            received_on=today_in_hamburg(received),
            planned_on=today_in_hamburg(received),
            secret_hash=secret_hash(reference, secret),
        )
        event_record(
            case,
            kind=CaseEventKind.RECEIVED,
            actor=actor,
            at=received,
            data={"channel": channel, "type": case_type.slug},
        )
        case_refresh(case, now, facts=True)
        if prepared is not None:
            provisional.provisional_commit(case=case, prepared=prepared, actor=actor, now=now)
        if received_mail:
            mails.status_mail_queue(case, mails.MailKind.RECEIVED, now)
    return OpenedCase(case, secret)


def _allowed(case: Case, target: str) -> bool:
    return CaseTransition.objects.filter(
        case_type_id=case.case_type_id, source=case.status, target=target
    ).exists()


def _transition_refused(case: Case, target: str) -> InvalidInput:
    return InvalidInput.field(
        "status",
        _("A case of this type cannot go from “%(source)s” to “%(target)s”.")
        % {
            "source": CaseStatus(case.status).label,
            "target": CaseStatus(target).label if target in CaseStatus.values else target,
        },
        code="transition-not-allowed",
    )


def status_move(
    case: Case,
    *,
    target: str,
    actor: Actor,
    now: dt.datetime,
    reason: str = "",
    status_mail: bool = True,
) -> None:
    """Record a status change of a locked case (no checks: the callers did them).
    `status_mail=False`: the applicant is not sent the status mail of this move (the caller
    tells them otherwise)."""
    source = case.status
    case.status = target
    if target in FINAL and case.closed_at is None:
        case.closed_at = now
        # The applicant's uploads now have their last day (the letters stay with the case).
        case_files_keep_until(case=case, closed_on=today_in_hamburg(now), actor=actor, now=now)
    event_record(
        case,
        kind=CaseEventKind.STATUS_CHANGED,
        actor=actor,
        at=now,
        data={"from": source, "to": target, "reason": reason},
    )
    if status_mail:
        mails.status_mail_queue(case, target, now)  # only the moves the applicant is told of


def case_transition(
    *, case: Case, target: str, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> Case:
    """Move a case to `target` as its type allows. Waiting (which may suspend the clock) and
    withdrawing need a reason; a decision is made with `case_decide`."""
    now = now_or(now)
    reason = text_clean(reason, field="reason", max_length=REASON_MAX, required=False)
    if target in DECISION_STATUSES:
        raise InvalidInput.field(
            "status", _("Record a decision with “Decide”."), code="decide-instead"
        )
    if (target in WAITING or target == CaseStatus.WITHDRAWN) and not reason:
        raise InvalidInput.field("reason", _("Say why."), code="reason-missing")
    with write_transaction():
        case = lock_case(case)
        require_worker(actor, case)
        if target not in CaseStatus.values or not _allowed(case, target):
            raise _transition_refused(case, target)
        status_move(case, target=target, actor=actor, now=now, reason=reason)
        case_refresh(case, now)
    return case


def case_note_add(*, case: Case, text: str, actor: Actor, now: dt.datetime | None = None) -> None:
    now = now_or(now)
    text = text_clean(text, field="text", max_length=NOTE_MAX)
    with write_transaction():
        case = lock_case(case)
        require_worker(actor, case)
        event_record(case, kind=CaseEventKind.NOTE, actor=actor, at=now, data={"text": text})


def case_person_link(
    *, case: Case, person: Person, actor: Actor, now: dt.datetime | None = None
) -> Case:
    """The applicant identified: the case points to their record from now on. An application
    to extend a title gets its provisional certificate or late notice now (cases.provisional),
    made before the transaction and recorded with the link."""
    now = now_or(now)
    prepared = None
    fresh = Case.objects.select_related("case_type").filter(pk=case.pk).first()
    if fresh is not None and fresh.person_id is None and fresh.case_type.extends_title:
        require_worker(actor, fresh)  # before the PDFs are made for nothing
        prepared = provisional.provisional_for_link(case=fresh, person=person, now=now)
    with write_transaction():
        case = lock_case(case)
        require_worker(actor, case)
        if case.person_id == person.pk:
            return case
        if case.person_id is not None:
            raise Conflict(
                _("This case is linked to another person already."), code="person-linked"
            )
        case.person = person
        event_record(
            case, kind=CaseEventKind.PERSON_LINKED, actor=actor, at=now, data={"person": person.pk}
        )
        case_refresh(case, now, facts=True)
        if prepared is not None:
            provisional.provisional_commit(case=case, prepared=prepared, actor=actor, now=now)
    return case


def _decider(actor: Actor, case_type: CaseType) -> bool:
    roles = set(roles_of(actor.user)) if actor.user is not None else set()
    return Role(case_type.decider_role) in roles or Role.TEAM_LEAD in roles


def case_decide(
    *,
    case: Case,
    outcome: str,
    reasons: str,
    actor: Actor,
    reason_keys: Sequence[str] = (),
    valid_until: dt.date | None = None,
    legal_basis: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """Approve, partly approve or reject, with reasons picked from the type's templates
    (`reason_keys`, cases.reasons) and/or written. Final: a later change is
    `case_decision_correct`. Refused while documents the type requires are missing, or from a
    waiting status. Approving a type that grants a title records it on the person (valid from
    today until `valid_until`, under the type's or the given `legal_basis`) and needs the
    person linked; any decision ends the case's provisional certificate (cases.letters)."""
    from hamburg_service.cases.documents import documents_missing

    now = now_or(now)
    if outcome not in Outcome.ALL:
        raise InvalidInput.field("outcome", _("Choose the decision."), code="outcome-invalid")
    reasons = text_clean(reasons, field="reasons", max_length=NOTE_MAX, required=not reason_keys)
    try:
        chosen = reasons_chosen(case.case_type, outcome, list(dict.fromkeys(reason_keys)))
    except ValueError:
        raise InvalidInput.field(
            "reason_keys",
            _("Choose only reasons that fit the decision."),
            code="reason-not-for-outcome",
        ) from None
    with write_transaction():
        case = lock_case(case)
        require_worker(actor, case)
        if not _decider(actor, case.case_type):
            raise InvalidInput.field(
                "outcome",
                _("Your role does not decide cases of this type."),
                code="not-decider",
            )
        if case.status not in UNDECIDED or case.status in WAITING:
            raise Conflict(_("Only a case in review can be decided."), code="case-not-decidable")
        missing = documents_missing(case)
        if missing and outcome != Outcome.REJECTED:
            raise InvalidInput.field(
                "outcome",
                _("These documents are still missing: %(documents)s.")
                % {"documents": ", ".join(missing)},
                code="documents-missing",
            )
        # After the documents: what a grant needs is asked for once the case may be decided.
        grant = grant_clean(
            case_type=case.case_type,
            outcome=outcome,
            valid_until=valid_until,
            legal_basis=legal_basis,
            today=today_in_hamburg(now),
            person_linked=case.person_id is not None,
        )
        effects = decision_effects(case=case, outcome=outcome, grant=grant, actor=actor, now=now)
        target = CaseStatus.REJECTED if outcome == Outcome.REJECTED else CaseStatus.DECIDED
        case.outcome = outcome
        case.decided_on = today_in_hamburg(now)
        status_move(
            case,
            target=target,
            actor=actor,
            now=now,
            reason=reasons or "; ".join(r.de for r in chosen)[:REASON_MAX],
        )
        data: dict[str, Any] = {"outcome": outcome, "reasons": reasons}
        if chosen:
            data["reason_keys"] = [r.key for r in chosen]
            data["reason_texts"] = [{"key": r.key, "de": r.de, "en": r.en} for r in chosen]
        event_record(
            case, kind=CaseEventKind.DECIDED, actor=actor, at=now, data={**data, **effects}
        )
        case_refresh(case, now)
    return case


def case_decision_correct(
    *, case: Case, outcome: str, reason: str, actor: Actor, now: dt.datetime | None = None
) -> Case:
    """A decision stays recorded as made; a correction is a new event with its reason."""
    now = now_or(now)
    if outcome not in Outcome.ALL:
        raise InvalidInput.field("outcome", _("Choose the decision."), code="outcome-invalid")
    reason = text_clean(reason, field="reason", max_length=REASON_MAX)
    with write_transaction():
        case = lock_case(case)
        require_worker(actor, case)
        if not case.decided_on:
            raise Conflict(_("This case has not been decided yet."), code="case-undecided")
        event_record(
            case,
            kind=CaseEventKind.DECISION_CORRECTED,
            actor=actor,
            at=now,
            data={"from": case.outcome, "outcome": outcome, "reason": reason},
        )
        case.outcome = outcome
        case_refresh(case, now)
    return case
