"""Document requests (Nachforderung von Unterlagen): the caseworker asks the applicant for
documents with a deadline and an upload link; the applicant answers by upload; a reminder
before the deadline; an overdue request returns the case to its caseworker; and how long the
case's files are kept (docs/cases.md, "Documents and document requests").

While the case waits for the answer it is `waiting_applicant`, which suspends the clock where
the case type allows it; the answer (or the deadline passing) moves it back to `in_review`.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import access_record, agencies_for
from hamburg_service.accounts.models import AccessPurpose, DataCategory
from hamburg_service.accounts.permissions import CasesPerm
from hamburg_service.cases import request_mails
from hamburg_service.cases.documents import required_labels
from hamburg_service.cases.links import UPLOAD, link_token
from hamburg_service.cases.models import (
    UNDECIDED,
    Case,
    CaseDocument,
    CaseEventKind,
    CaseFile,
    CaseStatus,
    CaseTransition,
    DocumentRequest,
)
from hamburg_service.cases.services.case_files import case_file_owner
from hamburg_service.cases.services.common import (
    case_refresh,
    case_unknown,
    lock_case,
    require_worker,
)
from hamburg_service.cases.services.lifecycle import status_move
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound
from hamburg_service.core.events import event_record
from hamburg_service.core.scheduler import per_item
from hamburg_service.core.text import text_refused
from hamburg_service.core.tokens import token_hash
from hamburg_service.files.models import StoredFile
from hamburg_service.files.selectors import file_of
from hamburg_service.files.services import file_attach
from hamburg_service.people.checks import text_clean, today_in_hamburg

# The latest deadline a caseworker may set: eight weeks (a month is usual; a document from
# abroad takes longer).
REQUEST_MAX_DAYS = 56
OTHER_MAX = 10  # documents named in free text, per request
LABEL_MAX = 200
MESSAGE_MAX = 2000
UPLOAD_PURPOSE = "cases.document_request"


def link_invalid() -> NotFound:
    # One answer for a link that never existed, one answered and one past its deadline.
    return NotFound(
        _("This link is not valid any more. Please contact us, quoting your case reference."),
        code="link-invalid",
    )


def request_is_open(request: DocumentRequest, *, today: dt.date) -> bool:
    """The applicant may still upload: not answered, not overdue, the deadline not passed,
    and the case not decided."""
    return (
        request.answered_at is None
        and request.overdue_at is None
        and today <= request.due_on
        and request.case.status in UNDECIDED
    )


def _allowed(case: Case, source: str, target: str) -> bool:
    return CaseTransition.objects.filter(
        case_type_id=case.case_type_id, source=source, target=target
    ).exists()


def _due_clean(due_on: dt.date | None, today: dt.date) -> dt.date:
    if due_on is None:
        raise InvalidInput.field("due_on", _("Enter the deadline."), code="due-missing")
    if due_on <= today:
        raise InvalidInput.field(
            "due_on",
            _("The deadline must be after today: the applicant needs time to answer."),
            code="due-past",
        )
    latest = today + dt.timedelta(days=REQUEST_MAX_DAYS)
    if due_on > latest:
        raise InvalidInput.field(
            "due_on",
            _("The deadline can be at most %(weeks)d weeks ahead (%(day)s).")
            % {"weeks": REQUEST_MAX_DAYS // 7, "day": latest.strftime("%d.%m.%Y")},
            code="due-too-far",
        )
    return due_on


def _message_clean(message: str) -> str:
    """The caseworker's message keeps its line breaks (a letter), nothing invisible."""
    text = "\n".join(line.rstrip() for line in (message or "").replace("\r\n", "\n").split("\n"))
    text = text.strip()
    if text_refused(text):
        raise InvalidInput.field(
            "message",
            _("This contains control or formatting characters. Please type it again."),
            code="text-refused",
        )
    if len(text) > MESSAGE_MAX:
        raise InvalidInput.field(
            "message",
            _("This can be at most %(count)d characters long.") % {"count": MESSAGE_MAX},
            code="too-long",
        )
    return text


def _others_clean(other: Sequence[str]) -> list[str]:
    names: list[str] = []
    for line in other:
        name = text_clean(line, field="other", max_length=LABEL_MAX, required=False)
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    if len(names) > OTHER_MAX:
        raise InvalidInput.field(
            "other",
            _("Name at most %(count)d further documents in one request.") % {"count": OTHER_MAX},
            code="too-many-documents",
        )
    return names


def _free_key(name: str, existing: dict[str, CaseDocument], reserved: set[str]) -> str:
    """The key of a document named in free text: its slug, unique in the case. The same name
    asked for again is the same document; a name whose slug is taken gets a number."""
    base = slugify(name)
    if len(base) > 40:  # cut at a word's end where there is one
        base = base[:41].rsplit("-", 1)[0] if "-" in base[:41] else base[:40]
    base = base or "document"
    key, number = base, 1
    while True:
        doc = existing.get(key)
        if key not in reserved and (doc is None or doc.label.casefold() == name.casefold()):
            return key
        number += 1
        key = f"{base}-{number}"


def document_request_create(
    *,
    case: Case,
    documents: Sequence[str],
    other: Sequence[str],
    message: str,
    due_on: dt.date | None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> tuple[DocumentRequest, str]:
    """Ask the applicant for documents: `documents` are keys of the case type's required
    documents, `other` documents named in free text. The case waits for the applicant (the
    clock is suspended where its type allows it) until the answer or the deadline. Returns
    the request and its link's token (the e-mail carries the link; without an address the
    caseworker sends the letter by post)."""
    now = now_or(now)
    today = today_in_hamburg(now)
    keys = list(dict.fromkeys(str(k) for k in documents))
    names = _others_clean(other)
    message = _message_clean(message)
    due = _due_clean(due_on, today)
    if not keys and not names:
        raise InvalidInput.field(
            "documents",
            _("Choose at least one document, or name one."),
            code="request-empty",
        )
    with write_transaction():
        case = lock_case(case)
        require_worker(actor, case)
        # The labels in the applicant's language: the e-mail and the upload page show them.
        with translation.override(case.language):
            required = required_labels(case)
        unknown = [k for k in keys if k not in required]
        if unknown:
            raise InvalidInput.field(
                "documents",
                _("This kind of application does not list these documents: %(keys)s.")
                % {"keys": ", ".join(unknown)},
                code="document-unknown",
            )
        if case.status not in UNDECIDED:
            raise Conflict(
                _("Documents can be requested only before the decision."), code="case-decided"
            )
        waiting = CaseStatus.WAITING_APPLICANT
        if DocumentRequest.objects.filter(
            case=case, answered_at__isnull=True, overdue_at__isnull=True
        ).exists():
            raise Conflict(
                _(
                    "This case already waits for an answer to a document request. Wait for "
                    "the answer or the deadline before asking for more."
                ),
                code="request-open",
            )
        if case.status != waiting and not _allowed(case, case.status, waiting):
            raise InvalidInput.field(
                "documents",
                _("A case of this type cannot wait for the applicant from “%(status)s”.")
                % {"status": CaseStatus(case.status).label},
                code="transition-not-allowed",
            )
        if not _allowed(case, waiting, CaseStatus.IN_REVIEW):
            raise InvalidInput.field(
                "documents",
                _(
                    "A case of this type cannot return from waiting for the applicant to "
                    "review, so it cannot ask for documents. Ask an administrator to allow it."
                ),
                code="transition-not-allowed",
            )
        nonce = secrets.token_hex(16)
        token = link_token(nonce, UPLOAD)
        request = DocumentRequest.objects.create(
            case=case,
            message=message,
            due_on=due,
            created_at=now,
            link_nonce=nonce,
            token_hash=token_hash(token),
        )
        existing = {d.key: d for d in CaseDocument.objects.filter(case=case)}
        wanted: list[tuple[str, str]] = [(k, required[k]) for k in keys]
        for name in names:  # distinct names: each its own key
            wanted.append(
                (_free_key(name, existing, reserved=set(required) | {k for k, _l in wanted}), name)
            )
        for key, label in wanted:
            CaseDocument.objects.update_or_create(
                case=case,
                key=key,
                defaults={
                    "label": label,
                    "requested_at": now,
                    "received_at": None,  # asked again (an unreadable scan): wanted anew
                    "request": request,
                },
            )
        if case.status != waiting:
            status_move(
                case,
                target=waiting,
                actor=actor,
                now=now,
                reason=_("Documents requested, answer by %(day)s")
                % {"day": due.strftime("%d.%m.%Y")},
            )
        event_record(
            case,
            kind=CaseEventKind.DOCUMENTS_REQUESTED,
            actor=actor,
            at=now,
            data={
                "request": request.pk,
                "documents": [k for k, _l in wanted],
                "due_on": due.isoformat(),
                "by_post": not case.applicant_email,
            },
        )
        if case.applicant_email:
            request_mails.request_mail_queue(request, now=now)
        case_refresh(case, now)
    return request, token


def document_request_by_token(*, token: str) -> DocumentRequest:
    """The request a link is for, open or not (the page decides); NotFound for a wrong one."""
    request = (
        DocumentRequest.objects.select_related("case", "case__case_type")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if request is None or not token:
        raise link_invalid()
    return request


def document_request_open(*, token: str, now: dt.datetime | None = None) -> DocumentRequest:
    """The request of an upload link while the applicant may still answer it; the same
    NotFound for an unknown, answered or expired link."""
    request = document_request_by_token(token=token)
    if not request_is_open(request, today=today_in_hamburg(now_or(now))):
        raise link_invalid()
    return request


def request_documents(request: DocumentRequest) -> list[CaseDocument]:
    """The documents a request asked for, in the order asked."""
    return list(CaseDocument.objects.filter(request=request).order_by("pk"))


def request_files(request: DocumentRequest) -> list[CaseFile]:
    """The files sent in answer to a request (the applicant's own uploads)."""
    return list(
        CaseFile.objects.filter(case_id=request.case_id, document__request=request)
        .select_related("file", "document")
        .order_by("added_at", "pk")
    )


def document_request_answer(
    *,
    request: DocumentRequest,
    uploads: dict[str, list[StoredFile]],
    actor: Actor,
    finish: bool = False,
    now: dt.datetime | None = None,
) -> DocumentRequest:
    """The applicant's upload: the files (checked and staged by the upload form) are attached
    to the case, their documents received. Partial answers are fine: the request stays open
    until every document asked for is in, or the applicant says they have sent all they can
    (`finish`), or the deadline passes. When it is answered the case goes back to review (the
    clock runs again), to its caseworker — or to the pool if nobody is assigned."""
    now = now_or(now)
    today = today_in_hamburg(now)
    given = {key: list(files) for key, files in uploads.items() if files}
    with write_transaction():
        case = lock_case(request.case)
        request = DocumentRequest.objects.select_for_update().get(pk=request.pk)
        request.case = case
        if not request_is_open(request, today=today):
            raise link_invalid()
        documents = {d.key: d for d in CaseDocument.objects.filter(request=request)}
        unknown = [k for k in given if k not in documents]
        if unknown:
            raise InvalidInput.field(
                "documents",
                _("This request did not ask for: %(keys)s.") % {"keys": ", ".join(unknown)},
                code="document-unknown",
            )
        if not given and not finish:
            raise InvalidInput.field(
                "documents",
                _("Choose at least one file, or say that you have sent everything you can."),
                code="answer-empty",
            )
        files = [f for key in given for f in given[key]]
        if files:
            file_attach(files=files, owner=case_file_owner(case), actor=actor, now=now)
        CaseFile.objects.bulk_create(
            CaseFile(case=case, document=documents[key], file=stored, added_at=now)
            for key, stored_files in given.items()
            for stored in stored_files
        )
        for key in given:
            documents[key].received_at = now
        CaseDocument.objects.bulk_update([documents[k] for k in given], ["received_at"])
        missing = [d.key for d in documents.values() if d.received_at is None]
        answered = finish or not missing
        if answered:
            request.answered_at = now
            request.save(update_fields=["answered_at"])
        event_record(
            case,
            kind=CaseEventKind.DOCUMENTS_RECEIVED,
            actor=actor,
            at=now,
            data={
                "request": request.pk,
                "documents": list(given),
                "files": len(files),
                "missing": missing,
                "answered": answered,
            },
        )
        if answered and case.status == CaseStatus.WAITING_APPLICANT:
            status_move(
                case,
                target=CaseStatus.IN_REVIEW,
                actor=actor,
                now=now,
                reason=_("Documents received") if not missing else _("Answered in part"),
            )
        case_refresh(case, now)
    return request


def document_requests_remind(*, now: dt.datetime | None = None) -> int:
    """Each morning: one reminder, CASE_REQUEST_REMIND_DAYS before the deadline, for each open
    request whose applicant has an address and was asked earlier than that (a request due in
    two days needs no reminder tomorrow). Returns how many were queued."""
    now = now_or(now)
    today = today_in_hamburg(now)
    days = settings.CASE_REQUEST_REMIND_DAYS
    if days <= 0:
        return 0
    due = list(
        DocumentRequest.objects.filter(
            answered_at__isnull=True,
            overdue_at__isnull=True,
            reminded_at__isnull=True,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=days),
            case__status__in=UNDECIDED,
        )
        .exclude(case__applicant_email="")
        .values_list("pk", flat=True)
    )
    return per_item(due, lambda pk: _remind(pk, now, days), what="cases.document_request remind")


def _remind(pk: int, now: dt.datetime, days: int) -> bool:
    with write_transaction():
        request = (
            DocumentRequest.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(pk=pk, reminded_at__isnull=True, answered_at__isnull=True)
            .first()
        )
        if request is None:
            return False
        if today_in_hamburg(request.created_at) >= request.due_on - dt.timedelta(days=days):
            return False  # asked with little time: the first e-mail is fresh enough
        request.reminded_at = now
        request.save(update_fields=["reminded_at"])
        request_mails.reminder_mail_queue(request, now=now)
    return True


def document_requests_overdue(*, now: dt.datetime | None = None) -> int:
    """Each morning: the requests whose deadline passed without an answer are overdue; the
    case goes back to review (the clock runs again) and to its caseworker, who sees it flagged
    "documents overdue" in their list. Returns how many."""
    now = now_or(now)
    today = today_in_hamburg(now)
    late = list(
        DocumentRequest.objects.filter(
            answered_at__isnull=True, overdue_at__isnull=True, due_on__lt=today
        ).values_list("pk", flat=True)
    )
    return per_item(late, lambda pk: _overdue(pk, now), what="cases.document_request overdue")


def _overdue(pk: int, now: dt.datetime) -> bool:
    actor = Actor.system("cases.document_requests")
    with write_transaction():
        case_id = DocumentRequest.objects.filter(pk=pk).values_list("case_id", flat=True).first()
        if case_id is None:
            return False
        case = lock_case(Case(pk=case_id))
        request = (
            DocumentRequest.objects.select_for_update()
            .filter(pk=pk, answered_at__isnull=True, overdue_at__isnull=True)
            .first()
        )
        if request is None:
            return False
        request.overdue_at = now
        request.save(update_fields=["overdue_at"])
        missing = list(
            CaseDocument.objects.filter(request=request, received_at__isnull=True).values_list(
                "key", flat=True
            )
        )
        event_record(
            case,
            kind=CaseEventKind.REQUEST_OVERDUE,
            actor=actor,
            at=now,
            data={
                "request": request.pk,
                "due_on": request.due_on.isoformat(),
                "missing": missing,
            },
        )
        if case.status == CaseStatus.WAITING_APPLICANT:
            status_move(
                case,
                target=CaseStatus.IN_REVIEW,
                actor=actor,
                now=now,
                reason=_("Document request overdue"),
            )
        if case.status in UNDECIDED:
            case_refresh(case, now)
    return True


def documents_overdue() -> Exists:
    """For annotating cases: the latest document request ran out unanswered (the flag
    "documents overdue" in a caseworker's list), until a new request is made."""
    later = DocumentRequest.objects.filter(
        case=OuterRef("case"), created_at__gt=OuterRef("created_at")
    )
    return Exists(
        DocumentRequest.objects.filter(case=OuterRef("pk"), overdue_at__isnull=False).exclude(
            Exists(later)
        )
    )


def case_file_for(*, actor: Actor, reference: str, public_id: str | uuid.UUID) -> StoredFile:
    """One of a case's files for a member of staff who may read the case (caseworkers and
    team leads of its agency); the download is logged. NotFound alike for a case they may
    not see, one that does not exist and a file that is not the case's."""
    readable = (
        agencies_for(actor.user, CasesPerm.WORK) | agencies_for(actor.user, CasesPerm.ASSIGN)
        if actor.user is not None
        else frozenset()
    )
    case = (
        Case.objects.filter(
            reference=(reference or "").strip().upper()[:20],
            case_type__agency__in=readable,
        )
        .only("pk", "reference", "person_id")
        .first()
    )
    if case is None:
        raise case_unknown()
    stored = file_of(owner=case_file_owner(case), public_id=public_id)
    if not CaseFile.objects.filter(case=case, file=stored).exists():
        raise case_unknown()
    access_record(
        actor=actor,
        subject_type="case_file",
        subject_ref=case.reference,
        purpose=AccessPurpose.PERSON_CASE,
        categories=(DataCategory.DOCUMENTS,),
        case_reference=case.reference,
        persons=[case.person_id] if case.person_id else [],
    )
    return stored
