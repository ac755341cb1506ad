"""The reads of "my account": a signed-in citizen's applications (the cases opened from their
account), letters, document requests, drafts and appointments.

A citizen sees only their own things: every read starts from `Case.citizen`, `Draft.citizen`
or the account's verified e-mail address, and a case of another account answers exactly like
one that does not exist. The lists read set-based: the same number of queries with one case
or fifty (pinned in tests/portal/test_account_pages.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from hamburg_service.accounts.models import Citizen
from hamburg_service.appointments.models import ACTIVE as APPOINTMENT_ACTIVE
from hamburg_service.appointments.models import Appointment
from hamburg_service.appointments.models import Status as AppointmentStatus
from hamburg_service.appointments.services.tokens import email_normalise
from hamburg_service.cases.documents import required_labels
from hamburg_service.cases.links import APPOINTMENT, link_token
from hamburg_service.cases.models import (
    UNDECIDED,
    AppointmentOffer,
    Case,
    CaseDocument,
    CaseFile,
    DocumentRequest,
    Letter,
    LetterKind,
)
from hamburg_service.cases.provisional import WARN_DAYS
from hamburg_service.cases.services.case_files import case_file_owner
from hamburg_service.cases.services.offers import offer_is_open
from hamburg_service.cases.services.requests import request_is_open
from hamburg_service.cases.status_page import STATUS_TEXT, reference_normalise
from hamburg_service.core.errors import NotFound
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.forms.definition import spec_of
from hamburg_service.forms.handlers.change_of_address import CASE_TYPE as ADDRESS_CASE_TYPE
from hamburg_service.forms.handlers.change_of_address import CERTIFICATE_PURPOSE
from hamburg_service.forms.logic import visible_steps
from hamburg_service.forms.models import Draft, DraftState, Submission
from hamburg_service.people.checks import today_in_hamburg

RECENT = 5  # rows of each kind on the overview
APPOINTMENTS_PAST_DAYS = 90


def application_unknown() -> NotFound:
    # One answer for a reference that does not exist and one of another account.
    return NotFound(_("There is no such application in your account."), code="application-unknown")


def my_cases(citizen: Citizen) -> QuerySet[Case]:
    return Case.objects.filter(citizen=citizen)


# --- applications -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    """A case as the account lists it: the status in the applicant's words and the dates."""

    case: Case
    status_title: str
    status_meaning: str
    expected_on: dt.date | None
    receipt_id: uuid.UUID | None  # the submission's public id (its receipt page)
    needs_me: bool  # a document request waits for an answer


def _status(case: Case) -> tuple[str, str]:
    title, meaning = STATUS_TEXT.get(case.status, (case.status, ""))
    return str(title), str(meaning)


def _open_request_cases(citizen: Citizen, today: dt.date) -> set[int]:
    return set(
        DocumentRequest.objects.filter(
            case__citizen=citizen,
            case__status__in=UNDECIDED,
            answered_at__isnull=True,
            overdue_at__isnull=True,
            due_on__gte=today,
        ).values_list("case_id", flat=True)
    )


def _row(case: Case, open_cases: set[int]) -> ApplicationRow:
    submission: Submission | None = getattr(case, "submission", None)
    expected = None
    if case.status in UNDECIDED:
        # The date promised on the receipt while there is one, else the service norm's date
        # as the case's clock keeps it (moved by every day of waiting for the applicant).
        expected = (
            max(submission.expected_on, case.planned_on)
            if submission is not None and submission.expected_on is not None
            else case.planned_on
        )
    title, meaning = _status(case)
    return ApplicationRow(
        case=case,
        status_title=title,
        status_meaning=meaning,
        expected_on=expected,
        receipt_id=submission.public_id if submission is not None else None,
        needs_me=case.pk in open_cases,
    )


def applications_of(
    citizen: Citizen, *, today: dt.date, limit: int | None = None
) -> list[ApplicationRow]:
    """The account's cases, newest first (two queries, however many)."""
    cases = (
        my_cases(citizen).select_related("case_type", "submission").order_by("-received_at", "-pk")
    )
    rows = list(cases[:limit] if limit else cases)
    open_cases = _open_request_cases(citizen, today) if rows else set()
    return [_row(case, open_cases) for case in rows]


def application_of(citizen: Citizen, reference: str) -> Case:
    """One of the account's cases; NotFound alike for an unknown reference and another
    account's case."""
    case = (
        my_cases(citizen)
        .select_related("case_type", "submission")
        .filter(reference=reference_normalise(reference))
        .first()
    )
    if case is None:
        raise application_unknown()
    return case


# --- document requests: the reply channel -----------------------------------------------------


@dataclass(slots=True)
class RequestView:
    request: DocumentRequest
    case: Case
    documents: list[CaseDocument]
    files: list[CaseFile] = field(default_factory=list)
    open: bool = False
    missing: list[str] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.request.overdue_at is not None


def _label(document: CaseDocument, named: dict[str, str]) -> str:
    # The type's documents in the page's language; a document the caseworker named as written.
    return named.get(document.key) or document.label


def requests_of(citizen: Citizen, *, today: dt.date, case: Case | None = None) -> list[RequestView]:
    """The document requests of the account's cases (or of one), newest first, with the
    documents asked for and the files the applicant sent: three queries, however many."""
    requests = (
        DocumentRequest.objects.filter(case__citizen=citizen)
        .select_related("case", "case__case_type")
        .prefetch_related(Prefetch("documents", queryset=CaseDocument.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )
    if case is not None:
        requests = requests.filter(case=case)
    found = list(requests)
    files: dict[int, list[CaseFile]] = defaultdict(list)
    if found:
        for item in (
            CaseFile.objects.filter(document__request__in=[r.pk for r in found])
            .select_related("file", "document")
            .order_by("added_at", "pk")
        ):
            assert item.document is not None
            files[item.document.request_id or 0].append(item)
    named_by_type: dict[int, dict[str, str]] = {}
    views = []
    for request in found:
        named = named_by_type.setdefault(request.case.case_type_id, required_labels(request.case))
        documents = list(request.documents.all())
        for document in documents:
            document.label = _label(document, named)
        views.append(
            RequestView(
                request=request,
                case=request.case,
                documents=documents,
                files=files.get(request.pk, []),
                open=request_is_open(request, today=today),
                missing=[d.label for d in documents if d.received_at is None],
            )
        )
    return views


def request_of(citizen: Citizen, case: Case, pk: int) -> DocumentRequest:
    """A request of the account's case, open or not; NotFound for any other."""
    request = (
        DocumentRequest.objects.select_related("case", "case__case_type")
        .filter(case__citizen=citizen, case=case, pk=pk)
        .first()
    )
    if request is None:
        raise NotFound(_("There is no such request."), code="request-unknown")
    return request


def application_files_of(citizen: Citizen, case: Case) -> list[CaseFile]:
    """The files the applicant uploaded with the online application itself (those sent for a
    document request are listed with the request): one query."""
    return list(
        CaseFile.objects.select_related("file", "document")
        .filter(
            case=case,
            case__citizen=citizen,
            document__request__isnull=True,
            file__state=FileState.ATTACHED,
        )
        .exclude(file__purpose=CERTIFICATE_PURPOSE)
        .order_by("added_at", "pk")
    )


def sent_file_of(citizen: Citizen, case: Case, public_id: uuid.UUID) -> StoredFile:
    """A file the applicant sent — with the application or for one of its requests — kept
    while the case keeps its files; NotFound for any other."""
    item = (
        CaseFile.objects.select_related("file")
        .filter(
            case=case,
            case__citizen=citizen,
            file__public_id=public_id,
            file__state=FileState.ATTACHED,
        )
        .exclude(file__purpose=CERTIFICATE_PURPOSE)
        .first()
    )
    if item is None:
        raise NotFound(_("There is no such file."), code="file-unknown")
    return item.file


def certificate_of(citizen: Citizen, case: Case, public_id: uuid.UUID) -> StoredFile:
    """A registration certificate issued to the account on approving a change of address;
    NotFound for any other file."""
    found = StoredFile.objects.filter(
        owner=case_file_owner(case),
        purpose=CERTIFICATE_PURPOSE,
        state=FileState.ATTACHED,
        public_id=public_id,
    ).first()
    if found is None or case.citizen_id != citizen.pk:
        raise NotFound(_("There is no such file."), code="file-unknown")
    return found


@dataclass(frozen=True, slots=True)
class CertificateRow:
    case: Case
    file: StoredFile


def certificates_of(citizen: Citizen, *, case: Case | None = None) -> list[CertificateRow]:
    """The registration certificates of the account's changes of address (or of one case),
    newest first: two queries."""
    cases = (
        [case]
        if case is not None
        else list(
            my_cases(citizen).filter(case_type__slug=ADDRESS_CASE_TYPE).select_related("case_type")
        )
    )
    owners = {case_file_owner(c): c for c in cases}
    files = StoredFile.objects.filter(
        owner__in=list(owners), purpose=CERTIFICATE_PURPOSE, state=FileState.ATTACHED
    ).order_by("-created_at", "-pk")
    return [CertificateRow(owners[f.owner], f) for f in files]


@dataclass(frozen=True, slots=True)
class OfferRow:
    """An appointment offered from a case (the biometrics for the card): the link to choose
    a time while it is open, the appointment once booked."""

    offer: AppointmentOffer
    choose_url: str


def offers_of(citizen: Citizen, *, today: dt.date, case: Case | None = None) -> list[OfferRow]:
    """The appointment offers of the account's undecided and decided cases that the
    applicant can still act on: one query."""
    offers = (
        AppointmentOffer.objects.filter(case__citizen=citizen, withdrawn_at__isnull=True)
        .select_related("case", "case__case_type", "service", "appointment")
        .order_by("window_until", "pk")
    )
    if case is not None:
        offers = offers.filter(case=case)
    return [
        OfferRow(
            offer,
            reverse("case-links:appointment", args=[link_token(offer.link_nonce, APPOINTMENT)])
            if offer_is_open(offer, today=today) and offer.link_nonce
            else "",
        )
        for offer in offers
        if offer_is_open(offer, today=today) or offer.appointment is not None
    ]


# --- letters and certificates ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LetterRow:
    letter: Letter
    case: Case
    kind_label: str
    issued_on: dt.date
    revoked: bool
    variants: list[str]  # "de", and "en" where there is a courtesy translation
    expiring: bool = False


def _letter_row(letter: Letter, case: Case, today: dt.date, issued_on: dt.date) -> LetterRow:
    variants = []
    if letter.revoked_at is None:
        for variant, stored in (("de", letter.pdf), ("en", letter.courtesy_pdf)):
            if stored is not None and stored.storage_name:
                variants.append(variant)
    kind = str(LetterKind(letter.kind).label) if letter.kind in LetterKind.values else letter.kind
    return LetterRow(
        letter=letter,
        case=case,
        kind_label=kind,
        issued_on=issued_on,
        revoked=letter.revoked_at is not None,
        variants=variants,
        expiring=_expiring(letter, case, today),
    )


def _expiring(letter: Letter, case: Case, today: dt.date) -> bool:
    return (
        letter.kind == LetterKind.PROVISIONAL
        and letter.revoked_at is None
        and case.status in UNDECIDED
        and letter.valid_until is not None
        and letter.valid_until <= today + dt.timedelta(days=WARN_DAYS)
    )


def letters_of(citizen: Citizen, *, today: dt.date, case: Case | None = None) -> list[LetterRow]:
    """The letters and certificates of the account's cases (or of one), newest first: one
    query."""
    letters = (
        Letter.objects.filter(case__citizen=citizen)
        .select_related("case", "case__case_type", "pdf", "courtesy_pdf")
        .order_by("-issued_at", "-pk")
    )
    if case is not None:
        letters = letters.filter(case=case)
    return [
        _letter_row(letter, letter.case, today, today_in_hamburg(letter.issued_at))
        for letter in letters
    ]


def expiring_provisionals(citizen: Citizen, *, today: dt.date) -> list[Letter]:
    """Provisional certificates of open cases that end within WARN_DAYS: one query."""
    return list(
        Letter.objects.filter(
            case__citizen=citizen,
            case__status__in=UNDECIDED,
            kind=LetterKind.PROVISIONAL,
            revoked_at__isnull=True,
            valid_until__lte=today + dt.timedelta(days=WARN_DAYS),
        )
        .select_related("case", "case__case_type")
        .order_by("valid_until", "pk")
    )


def receipts_of(citizen: Citizen) -> list[Submission]:
    """The account's submissions with their receipt: one query."""
    return list(
        Submission.objects.filter(case__citizen=citizen)
        .select_related("case", "case__case_type")
        .order_by("-submitted_at", "-pk")
    )


# --- drafts ------------------------------------------------------------------------------------


def drafts_of(citizen: Citizen, *, now: dt.datetime) -> list[Draft]:
    """The account's drafts still open, the latest change first: one query."""
    return list(
        Draft.objects.filter(citizen=citizen, state=DraftState.OPEN, expires_at__gt=now)
        .select_related("definition")
        .order_by("-updated_at", "-pk")
    )


@dataclass(frozen=True, slots=True)
class DraftRow:
    draft: Draft
    title: str
    next_step: str  # the key of the first visible step not done yet; "" when all are done
    done: int  # visible steps done
    total: int  # visible steps


def draft_rows(drafts: list[Draft], *, today: dt.date, language: str) -> list[DraftRow]:
    """Where each draft goes on: its first visible step not done yet, or its summary. The
    definitions are parsed once per process (forms.definition.spec_of); no query."""
    rows = []
    for draft in drafts:
        spec = spec_of(draft.definition)
        steps = [s for s in visible_steps(spec, draft.answers or {}, today=today) if not s.exit]
        done = set(draft.steps_done or [])
        rest = [s.key for s in steps if s.key not in done]
        rows.append(
            DraftRow(
                draft=draft,
                title=spec.title(language),
                next_step=rest[0] if rest else "",
                done=len(steps) - len(rest),
                total=len(steps),
            )
        )
    return rows


def draft_of(citizen: Citizen, public_id: uuid.UUID) -> Draft:
    draft = (
        Draft.objects.select_related("definition")
        .filter(citizen=citizen, public_id=public_id, state=DraftState.OPEN)
        .first()
    )
    if draft is None:
        raise NotFound(_("There is no such draft."), code="draft-unknown")
    return draft


# --- appointments ------------------------------------------------------------------------------


def appointments_of(citizen: Citizen, *, now: dt.datetime) -> list[Appointment]:
    """Appointments booked with the account's verified e-mail address (the address as
    given, in any case; a "+tag" does not match another): upcoming ones that are still on,
    and those of the last APPOINTMENTS_PAST_DAYS. Two queries."""
    if not citizen.email:
        return []
    key = email_normalise(citizen.email)
    return list(
        Appointment.objects.filter(
            email_normalised=key,
            email__iexact=citizen.email.strip(),
            start__gte=now - dt.timedelta(days=APPOINTMENTS_PAST_DAYS),
        )
        .exclude(status=AppointmentStatus.EXPIRED)
        .select_related("location")
        .prefetch_related("services")
        .order_by("start", "pk")
    )


def upcoming(appointments: list[Appointment], now: dt.datetime) -> list[Appointment]:
    return [a for a in appointments if a.status in APPOINTMENT_ACTIVE and a.end >= now]
