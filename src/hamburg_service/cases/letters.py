"""The letters a case issues (docs/cases.md, "Decisions and letters"): decision letters
(Bescheid), provisional certificates (Fiktionsbescheinigung, cases.provisional) and notices on
a late application — each a signed, tagged PDF in German, with an English courtesy translation
where the case type allows, kept as a file of the case, and recorded as a `Letter` with a public
number of its kind and year (`BS-2026-000123`, `FB-…`, `HW-…`).

- **Decision letter** (`letter_issue`): made from the decision as recorded (`case_decide`):
  the outcome, the reasons chosen (German and English, cases.reasons) and written (German),
  the title granted, and for a (partly) rejecting decision the legal remedy (cases.wording).
  Only what the decision needs: the applicant's name, their date of birth where a title is
  granted, the case reference and the dates.
- **A decision that grants a title** (`grant_clean`, `decision_effects`, called by
  `case_decide`): approving a case of a type with `grants_title_kind` records that title on
  the person (valid from the decision day); without a linked person it is refused. Any
  decision ends the case's provisional certificate (the fiction lasts until the decision).
- **Verification** (`letter_verify_code`, `letter_verify_payload`), registered with
  `core.verification` so that the public page of the person record (one layer below) checks
  our numbers and QR codes too: a wrong code answers exactly like an unknown number; every
  check is counted (`LetterCheckCount`, `Letter.checks`).

PDFs are rendered and signed before the transaction that records them (a second or two that
no lock is held for); a number taken for a letter that then fails leaves a gap. Unlike the
registration certificate's, the PDF is kept (the applicant downloads it later), so whoever may
download it can read its verification code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Protocol

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import access_record
from hamburg_service.accounts.models import AccessPurpose, DataCategory
from hamburg_service.cases import wording
from hamburg_service.cases.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseType,
    Letter,
    LetterCheckCount,
    LetterKind,
    LetterSequence,
)
from hamburg_service.cases.services.common import lock_case, require_worker
from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound
from hamburg_service.core.events import event_record
from hamburg_service.core.pdf import pdf_render_signed
from hamburg_service.core.signing import payload_sign, payload_verify
from hamburg_service.core.verification import Verifier, register
from hamburg_service.files.models import StoredFile
from hamburg_service.files.services import file_store_generated
from hamburg_service.people.certificates import (
    code_display,
    code_hash,
    code_matches,
    code_new,
    code_normalise,
    key_set_url,
    verify_url,
)
from hamburg_service.people.checks import Collector, legal_basis_clean, today_in_hamburg
from hamburg_service.people.models import CertificateCheckOutcome as Outcome
from hamburg_service.people.models import Person, ResidenceTitle
from hamburg_service.people.services.papers import LIMITED_TITLES, title_end, title_record

PREFIXES = {
    LetterKind.DECISION: "BS",  # Bescheid
    LetterKind.PROVISIONAL: "FB",  # Fiktionsbescheinigung
    LetterKind.LATE_NOTICE: "HW",  # Hinweis
}
KIND_OF_PREFIX = {prefix: kind for kind, prefix in PREFIXES.items()}
# The QR codes' kinds (core.signing): not "mb", the registration certificate's.
PAYLOAD_KINDS = {LetterKind.DECISION: "bsd", LetterKind.PROVISIONAL: "fbs"}
TEMPLATES = {
    LetterKind.DECISION: "cases/letter_pdf.html",
    LetterKind.PROVISIONAL: "cases/provisional_pdf.html",
    LetterKind.LATE_NOTICE: "cases/late_notice_pdf.html",
}
FILE_NAMES = {
    LetterKind.DECISION: ("bescheid", "decision"),
    LetterKind.PROVISIONAL: ("fiktionsbescheinigung", "provisional-certificate"),
    LetterKind.LATE_NOTICE: ("hinweis", "notice"),
}
GRANTING = ("approved", "partly_approved")
REJECTING = ("partly_approved", "rejected")
OWN_REASONS_MAX = 4000

_NUMBER = re.compile(r"^(BS|FB|HW)-?(\d{4})-?(\d{1,9})$")
_SEPARATORS = re.compile(r"[\s\-]+")


# --- numbers, names, dates ---------------------------------------------------------------------


def number_normalise(text: str) -> str | None:
    """`FB-2026-000123` from what a person typed (`fb 2026 123`); None when it is not one of
    our letters' numbers."""
    match = _NUMBER.match(_SEPARATORS.sub("-", (text or "").strip().upper()))
    if match is None:
        return None
    return f"{match.group(1)}-{match.group(2)}-{int(match.group(3)):06d}"


def number_next(kind: str, year: int) -> str:
    """The next number of `kind` in `year`, counted up in a short transaction of its own."""
    with write_transaction():
        LetterSequence.objects.bulk_create(
            [LetterSequence(year=year, kind=kind, last=0)], ignore_conflicts=True
        )
        LetterSequence.objects.filter(year=year, kind=kind).update(last=F("last") + 1)
        last = LetterSequence.objects.get(year=year, kind=kind).last
    return f"{PREFIXES[LetterKind(kind)]}-{year}-{last:06d}"


def person_name(person: Person) -> str:
    parts = (person.doctoral_degree, person.given_names, person.name_affix, person.family_name)
    return " ".join(p for p in parts if p)


def birth_iso(person: Person) -> str:
    """`1985-03-00`: the date of birth with 00 for what is unknown, as the register keeps it."""
    return f"{person.birth_year:04d}-{person.birth_month or 0:02d}-{person.birth_day or 0:02d}"


def birth_text(iso: str, language: str) -> str:
    if not iso:
        return ""
    year, month, day = (int(p) for p in iso.split("-"))
    if language != "en":
        return f"{day:02d}.{month:02d}.{year:04d}"
    if month and day:
        return wording.day_text(dt.date(year, month, day), "en")
    if month:
        return wording.day_text(dt.date(year, month, 1), "en").split(" ", 1)[1]
    return str(year)


def _date(iso: str | None) -> dt.date | None:
    return dt.date.fromisoformat(iso) if iso else None


def person_read_record(actor: Actor, case: Case, person: Person, *, birth: bool) -> None:
    """What a letter prints of the person record is a read of it: logged for staff."""
    if actor.user is None:
        return
    categories = [DataCategory.NAME, DataCategory.RESIDENCE_TITLES]
    if birth:
        categories.append(DataCategory.BIRTH)
    access_record(
        actor=actor,
        subject_type="person",
        subject_ref=f"person:{person.pk}",
        purpose=AccessPurpose.PERSON_CASE,
        categories=categories,
        case_reference=case.reference,
        persons=[person.pk],
    )


# --- rendering and storing -------------------------------------------------------------------


@dataclass(frozen=True)
class Made:
    """A letter rendered and signed, not yet recorded."""

    kind: str
    number: str
    issued_at: dt.datetime
    data: dict[str, Any]
    code: str  # empty for a letter without verification (a late notice)
    payload: str
    pdf: bytes
    courtesy: bytes | None


def languages_for(case_type: CaseType) -> tuple[str, ...]:
    return ("de", "en") if case_type.english_letters else ("de",)


def letter_make(
    *,
    kind: str,
    case_type: CaseType,
    data: dict[str, Any],
    context: Callable[[str, dict[str, Any]], dict[str, Any]],
    now: dt.datetime,
    verifiable: bool = True,
) -> Made:
    """Number, code, QR code and the signed PDFs (German; English where the type allows) of a
    letter whose snapshot is `data`; `context(language, data)` gives what its template shows."""
    issued_at = now.replace(microsecond=0)  # the QR code holds whole seconds
    number = number_next(kind, today_in_hamburg(issued_at).year)
    data = {**data, "c": number, "k": kind}
    code = code_new() if verifiable else ""
    payload = (
        payload_sign(PAYLOAD_KINDS[LetterKind(kind)], qr_data(data), issued_at=issued_at)
        if code
        else ""
    )
    pdfs: dict[str, bytes] = {}
    for language in languages_for(case_type):
        with translation.override(language):
            shown = context(language, data)
            shown.update(
                number=number,
                code=code_display(code) if code else "",
                issued_on=wording.day_text(today_in_hamburg(issued_at), language),
                verify_url=verify_url(),
                verify_link=verify_url(number=number),
                key_set_url=key_set_url(),
                courtesy=language != "de",
                courtesy_note=wording.pick(wording.COURTESY_NOTE, language),
            )
            alt = _(
                "QR code with the signed data of document %(number)s; its text can be checked "
                "at %(url)s"
            ) % {"number": number, "url": shown["verify_url"]}
            reason = _("Issued by the Hamburg Service")
        pdfs[language] = pdf_render_signed(
            TEMPLATES[LetterKind(kind)],
            shown,
            language,
            qr=payload or None,
            qr_alt=alt,
            reason=reason,
        )
    return Made(
        kind=kind,
        number=number,
        issued_at=issued_at,
        data=data,
        code=code,
        payload=payload,
        pdf=pdfs["de"],
        courtesy=pdfs.get("en"),
    )


def letter_record(
    *,
    case: Case,
    made: Made,
    actor: Actor,
    event: str,
    event_data: dict[str, Any] | None = None,
    title_id: int | None = None,
    valid_until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Letter:
    """Store the PDFs as files of the case and record the letter and its event (inside the
    case's transaction, the case locked). The event is at `now`, the moment it is recorded:
    the letter's own time is cut to whole seconds (its QR code), which would put it before
    the receipt or decision of the same second in the case's timeline."""
    german, english = FILE_NAMES[LetterKind(made.kind)]

    def store(pdf: bytes, name: str, purpose: str) -> StoredFile:
        return file_store_generated(
            data=pdf,
            name=f"{name}-{made.number}.pdf",
            content_type="application/pdf",
            # Not the uploads' owner: letters are kept with the case, not deleted with them.
            owner=f"case-letters:{case.reference}",
            actor=actor,
            purpose=purpose,
            now=made.issued_at,
        )

    letter = Letter.objects.create(
        case=case,
        kind=made.kind,
        number=made.number,
        language="de",
        data=made.data,
        pdf=store(made.pdf, german, f"letter:{made.kind}"),
        courtesy_pdf=(
            store(made.courtesy, english, f"letter:{made.kind}:en") if made.courtesy else None
        ),
        code_hash=code_hash(made.code) if made.code else "",
        title_id=title_id,
        valid_until=valid_until,
        issued_at=made.issued_at,
    )
    event_record(
        case,
        kind=event,
        actor=actor,
        at=max(made.issued_at, now) if now is not None else made.issued_at,
        data={"letter": letter.pk, "number": letter.number, **(event_data or {})},
    )
    return letter


def qr_data(data: dict[str, Any]) -> dict[str, Any]:
    """What a letter's QR code holds of its snapshot: enough to check it, no more."""
    keys = {
        LetterKind.DECISION: ("c", "n", "o", "d", "tk", "tu"),
        LetterKind.PROVISIONAL: ("c", "n", "b", "f", "u"),
    }.get(data.get("k", ""), ("c",))
    return {k: data[k] for k in keys if data.get(k) not in (None, "")}


# --- deciding: the title granted and the provisional certificate ended --------------------------


@dataclass(frozen=True, slots=True)
class Grant:
    kind: str
    legal_basis: str
    valid_until: dt.date | None


def grant_clean(
    *,
    case_type: CaseType,
    outcome: str,
    valid_until: dt.date | None,
    legal_basis: str,
    today: dt.date,
    person_linked: bool,
) -> Grant | None:
    """The title a decision grants (None for a rejection or a type that grants none), its
    input checked: the person linked first (the title is recorded on them), the legal basis
    entered or the type's, and `valid_until` for the kinds that are always limited (after
    today), none for the others."""
    kind = case_type.grants_title_kind
    if outcome not in GRANTING or not kind:
        return None
    if not person_linked:
        raise InvalidInput.field(
            "outcome",
            _(
                "Identify the applicant first: link the case to their person record, so that "
                "the residence title granted can be recorded."
            ),
            code="person-missing",
        )
    c = Collector()
    basis = (legal_basis or "").strip() or case_type.grants_legal_basis
    if basis:
        basis = c.run(legal_basis_clean, basis) or ""
    else:
        c.errors.append(
            {
                "field": "legal_basis",
                "message": _("Enter the legal basis of the title, for example “§ 18b AufenthG”."),
            }
        )
        c.codes.append("legal-basis-missing")
    if kind in LIMITED_TITLES and valid_until is None:
        c.errors.append(
            {"field": "valid_until", "message": _("Enter the last day the title is valid.")}
        )
        c.codes.append("title-needs-end")
    elif kind not in LIMITED_TITLES and valid_until is not None:
        c.errors.append(
            {
                "field": "valid_until",
                "message": _("This kind of title is not limited: leave “valid until” empty."),
            }
        )
        c.codes.append("title-unlimited")
    elif valid_until is not None and valid_until <= today:
        c.errors.append(
            {"field": "valid_until", "message": _("The title must be valid beyond today.")}
        )
        c.codes.append("title-ends-too-soon")
    c.raise_if_any()
    return Grant(kind, basis, valid_until)


def live_letters(case: Case, kind: str) -> list[Letter]:
    return list(Letter.objects.filter(case=case, kind=kind, revoked_at__isnull=True))


class DecisionEffect(Protocol):
    def __call__(
        self, *, case: Case, outcome: str, actor: Actor, now: dt.datetime
    ) -> dict[str, Any]: ...


_effects: dict[str, DecisionEffect] = {}


def decision_effect_register(case_type: str) -> Callable[[DecisionEffect], DecisionEffect]:
    """Register what a decision on a case of the type `case_type` (its slug) changes beyond
    the case, for an app above this one (the online change of address moves the person,
    forms.handlers.change_of_address): called by `decision_effects` inside `case_decide`'s
    transaction, after the checks, with the case locked; it may refuse (an AppError undoes the
    decision) and returns what the decision's event records of it."""

    def register(function: DecisionEffect) -> DecisionEffect:
        _effects[case_type] = function
        return function

    return register


def decision_effects(
    *, case: Case, outcome: str, grant: Grant | None, actor: Actor, now: dt.datetime
) -> dict[str, Any]:
    """What a decision changes besides the case, inside `case_decide`'s transaction: the
    title granted recorded on the person (`grant_clean` asked for them), what an effect
    registered for the type does (`decision_effect_register`), and the case's provisional
    certificate ended (the fiction of § 81 (4) AufenthG lasts until the decision). Returns
    what the decision's event records of it."""
    today = today_in_hamburg(now)
    effects: dict[str, Any] = {}
    registered = _effects.get(case.case_type.slug)
    if registered is not None:
        effects.update(registered(case=case, outcome=outcome, actor=actor, now=now))
    if grant is not None:
        assert case.person is not None  # grant_clean refused it
        title = title_record(
            person=case.person,
            kind=grant.kind,
            legal_basis=grant.legal_basis,
            valid_from=today,
            valid_until=grant.valid_until,
            actor=actor,
            now=now,
        )
        effects.update(
            title=title.pk,
            title_kind=grant.kind,
            legal_basis=title.legal_basis,
            valid_from=today.isoformat(),
            valid_until=grant.valid_until.isoformat() if grant.valid_until else None,
        )
    ended = []
    for letter in live_letters(case, LetterKind.PROVISIONAL):
        letter.revoked_at = now
        letter.revoked_reason = "decided"
        letter.save(update_fields=["revoked_at", "revoked_reason"])
        provisional = (
            ResidenceTitle.objects.filter(pk=letter.title_id, ended_on__isnull=True).first()
            if letter.title_id
            else None
        )
        if provisional is not None:
            title_end(
                title=provisional,
                ended_on=max(today, provisional.valid_from),
                reason="Entscheidung über den Antrag " + case.reference,
                actor=actor,
                now=now,
            )
        ended.append(letter.number)
    if ended:
        effects["provisional_ended"] = ended
    return effects


# --- the decision letter -----------------------------------------------------------------------


def _decision_event(case: Case) -> CaseEvent | None:
    return (
        CaseEvent.objects.filter(
            case=case, kind__in=[CaseEventKind.DECIDED, CaseEventKind.DECISION_CORRECTED]
        )
        .order_by("-at", "-pk")
        .first()
    )


def _decision_data(case: Case, event: CaseEvent) -> dict[str, Any]:
    """The snapshot a decision letter prints: only what the decision needs. The reasons are
    the texts as recorded with the decision (a template edited later does not change them);
    a correction gives its own reason."""
    decided = (
        event
        if event.kind == CaseEventKind.DECIDED
        else CaseEvent.objects.filter(case=case, kind=CaseEventKind.DECIDED).first()
    )
    made = (decided.data if decided else {}) or {}
    outcome = event.data.get("outcome", case.outcome)
    if event.kind == CaseEventKind.DECIDED:
        chosen = [r for r in made.get("reason_texts") or [] if isinstance(r, dict)]
        own = str(made.get("reasons") or "")
    else:
        chosen, own = [], str(event.data.get("reason") or "")
    data: dict[str, Any] = {
        "n": person_name(case.person) if case.person else case.applicant_name,
        "r": case.reference,
        "ty": {"de": case.case_type.name_de, "en": case.case_type.name_en},
        "ag": case.case_type.agency,
        "gt": bool(case.case_type.grants_title_kind),
        "rc": case.received_on.isoformat(),
        "d": (case.decided_on or today_in_hamburg(event.at)).isoformat(),
        "o": outcome,
        "rs": [{"de": str(r.get("de", "")), "en": str(r.get("en", ""))} for r in chosen],
        "own": own,
        "ev": event.pk,
    }
    title_id = made.get("title")
    if title_id and outcome in GRANTING:
        data.update(
            ti=title_id,
            tk=made.get("title_kind", ""),
            tb=made.get("legal_basis", ""),
            tf=made.get("valid_from"),
            tu=made.get("valid_until"),
        )
        if case.person is not None:
            data["b"] = birth_iso(case.person)
    return data


def _decision_context(language: str, data: dict[str, Any]) -> dict[str, Any]:
    type_name = data["ty"]["en" if language == "en" else "de"]
    outcome = data["o"]
    day = wording.day_text
    tenor = [
        wording.pick(
            wording.TENOR[outcome],
            language,
            type=type_name,
            received=day(_date(data["rc"]), language),
        )
    ]
    if data.get("ti"):
        grant = wording.GRANT_LIMITED if data.get("tu") else wording.GRANT_UNLIMITED
        tenor.append(
            wording.pick(
                grant,
                language,
                title=wording.title_name(data["tk"], language),
                basis=data["tb"],
                valid_from=day(_date(data["tf"]), language),
                valid_until=day(_date(data.get("tu")), language),
            )
        )
        tenor.append(wording.pick(wording.GRANT_CARD, language))
    remedy = (
        [
            wording.pick(p, language)
            for p in wording.remedy(
                agency=data.get("ag", ""),
                title_refused=outcome == "rejected" and bool(data.get("gt")),
            )
        ]
        if outcome in REJECTING
        else []
    )
    return {
        "name": data["n"],
        "birth": birth_text(data.get("b", ""), language),
        "reference": data["r"],
        "type_name": type_name,
        "received_on": day(_date(data["rc"]), language),
        "decided_on": day(_date(data["d"]), language),
        "tenor": tenor,
        "reasons": [r["en" if language == "en" else "de"] or r["de"] for r in data["rs"]],
        "own_reasons": data.get("own", ""),
        "own_reasons_note": wording.pick(wording.OWN_REASONS_GERMAN, language),
        "remedy_heading": wording.pick(wording.REMEDY_HEADING, language),
        "remedy": remedy,
    }


@dataclass(frozen=True)
class IssuedLetter:
    """A letter just issued: the row, its code (printed on the PDF) and the PDFs."""

    letter: Letter
    code: str
    pdf: bytes
    courtesy: bytes | None = field(default=None, repr=False)


def letter_issue(*, case: Case, actor: Actor, now: dt.datetime | None = None) -> IssuedLetter:
    """Issue the decision letter of the case's decision as recorded (the latest decision or
    correction). Refused before a decision, and while a letter of this decision is valid; a
    letter of a corrected decision replaces (revokes) the earlier one."""
    now = now_or(now)
    case = Case.objects.select_related("case_type", "person").filter(pk=case.pk).first() or case
    require_worker(actor, case)
    event = _decision_event(case)
    if event is None or case.decided_on is None:
        raise Conflict(_("This case has not been decided yet."), code="case-undecided")
    if Letter.objects.filter(
        case=case, kind=LetterKind.DECISION, revoked_at__isnull=True, data__ev=event.pk
    ).exists():
        raise Conflict(
            _("The letter of this decision has been issued already."), code="letter-issued"
        )
    data = _decision_data(case, event)
    if case.person is not None:
        person_read_record(actor, case, case.person, birth="b" in data)
    made = letter_make(
        kind=LetterKind.DECISION,
        case_type=case.case_type,
        data=data,
        context=_decision_context,
        now=now,
    )
    with write_transaction():
        case = lock_case(case)
        require_worker(actor, case)
        if (
            _decision_event(case) != event
            or Letter.objects.filter(
                case=case, kind=LetterKind.DECISION, revoked_at__isnull=True, data__ev=event.pk
            ).exists()
        ):
            raise Conflict(
                _("The decision changed or its letter was issued meanwhile. Look again."),
                code="letter-issued",
            )
        replaced = live_letters(case, LetterKind.DECISION)
        letter = letter_record(
            case=case,
            made=made,
            actor=actor,
            event=CaseEventKind.LETTER_ISSUED,
            event_data={
                "kind": LetterKind.DECISION,
                "decision": event.pk,
                "replaces": [r.number for r in replaced],
            },
            title_id=data.get("ti"),
            valid_until=_date(data.get("tu")),
            now=now,
        )
        for old in replaced:
            old.revoked_at = made.issued_at
            old.revoked_reason = f"replaced by {letter.number}"
            old.save(update_fields=["revoked_at", "revoked_reason"])
    return IssuedLetter(letter=letter, code=made.code, pdf=made.pdf, courtesy=made.courtesy)


def letter_due(case: Case) -> bool:
    """Decided, and the latest decision has no valid letter yet."""
    event = _decision_event(case)
    return event is not None and not any(
        letter.kind == LetterKind.DECISION
        and letter.revoked_at is None
        and letter.data.get("ev") == event.pk
        for letter in case.letters.all()
    )


# --- the applicant's and staff's downloads -----------------------------------------------------


def letters_for_applicant(case: Case) -> list[Letter]:
    """The case's letters as the applicant's status page lists them, oldest first; link each
    to `letter_file(case=, number=, variant="de" | "en")` (the English only where
    `courtesy_pdf` is set)."""
    return list(
        Letter.objects.filter(case=case)
        .select_related("pdf", "courtesy_pdf")
        .order_by("issued_at", "pk")
    )


def letter_file(
    *, case: Case, number: str, variant: str = "de", revoked: bool = True
) -> StoredFile:
    """The PDF of the case's letter `number`: the German ("de") or the English courtesy
    translation ("en"); a revoked letter only with `revoked`. NotFound alike for another
    case's letter, an unknown number and a translation that does not exist. The caller has
    checked who asks (staff entitled to the case, or the applicant with the case's secret)."""
    canonical = number_normalise(number)
    letters = Letter.objects.select_related("pdf", "courtesy_pdf").filter(case=case)
    if not revoked:
        letters = letters.filter(revoked_at__isnull=True)
    letter = letters.filter(number=canonical).first() if canonical else None
    stored = None
    if letter is not None:
        stored = {"de": letter.pdf, "en": letter.courtesy_pdf}.get(variant)
    if stored is None or not stored.storage_name:
        raise NotFound(_("There is no such letter."), code="letter-unknown")
    return stored


# --- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterShown:
    """What the public verification page shows of a genuine letter, in the page's language."""

    template: ClassVar[str] = "cases/verify_letter.html"

    kind: str
    kind_label: str
    number: str
    name: str
    birth: str
    outcome: str
    decided_on: str
    title: str
    valid_from: str
    valid_until: str
    expired: bool
    issued_at: dt.datetime
    revoked_at: dt.datetime | None
    via: str

    @property
    def issued_on(self) -> str:
        return _day_of(self.issued_at)

    @property
    def revoked_on(self) -> str:
        return _day_of(self.revoked_at) if self.revoked_at else ""


def _language() -> str:
    return active_suffix()


def _day_of(moment: dt.datetime) -> str:
    return wording.day_text(today_in_hamburg(moment), _language())


OUTCOME_LABELS = {
    "approved": {"de": "stattgegeben", "en": "granted"},
    "partly_approved": {"de": "teilweise stattgegeben", "en": "granted in part"},
    "rejected": {"de": "abgelehnt", "en": "rejected"},
}


def _shown(letter: Letter, via: str, now: dt.datetime) -> LetterShown:
    data, language = letter.data, _language()
    labels = {
        LetterKind.DECISION: _("Decision letter"),
        LetterKind.PROVISIONAL: _("Provisional certificate (Fiktionsbescheinigung)"),
        LetterKind.LATE_NOTICE: _("Notice on a late application"),
    }
    title = ""
    if data.get("tk"):
        title = wording.title_name(data["tk"], language) + " " + data.get("tb", "")
    until = letter.valid_until
    return LetterShown(
        kind=letter.kind,
        kind_label=str(labels.get(LetterKind(letter.kind), letter.kind)),
        number=letter.number,
        name=str(data.get("n", "")),
        birth=birth_text(str(data.get("b", "")), language),
        outcome=OUTCOME_LABELS.get(data.get("o", ""), {}).get(language, ""),
        decided_on=wording.day_text(_date(data.get("d")), language),
        title=title,
        valid_from=wording.day_text(_date(data.get("f") or data.get("tf")), language),
        valid_until=wording.day_text(until, language),
        expired=letter.kind == LetterKind.PROVISIONAL
        and until is not None
        and until < today_in_hamburg(now),
        issued_at=letter.issued_at,
        revoked_at=letter.revoked_at,
        via=via,
    )


def _count(kind: str, outcome: str, *, now: dt.datetime, letter: Letter | None = None) -> None:
    day = today_in_hamburg(now)
    with transaction.atomic():
        if letter is not None:
            Letter.objects.filter(pk=letter.pk).update(checks=F("checks") + 1)
        counted = LetterCheckCount.objects.filter(day=day, kind=kind, outcome=outcome).update(
            checks=F("checks") + 1
        )
        if not counted:
            try:
                with transaction.atomic():
                    LetterCheckCount.objects.create(day=day, kind=kind, outcome=outcome, checks=1)
            except IntegrityError:  # another request made the day's row first
                LetterCheckCount.objects.filter(day=day, kind=kind, outcome=outcome).update(
                    checks=F("checks") + 1
                )


def _not_valid_title() -> str:
    return _("This document is not valid.")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Compared with when the number is unknown (or has no code): the work of a wrong code."""
    return code_hash(code_new())


def letter_verify_code(*, number: str, code: str, now: dt.datetime | None = None) -> LetterShown:
    """The letter with this number, if `code` is its verification code; otherwise
    InvalidInput `document-not-valid` — the same for an unknown number. Counted."""
    now = now_or(now)
    canonical = number_normalise(number)
    letter = Letter.objects.filter(number=canonical).first() if canonical else None
    stored = letter.code_hash if letter is not None and letter.code_hash else _dummy_hash()
    matches = code_matches(code_normalise(code), stored)
    kind = KIND_OF_PREFIX.get((canonical or "")[:2], LetterKind.DECISION)
    if letter is None or not letter.code_hash or not matches:
        _count(kind, Outcome.CODE_NOT_VALID, now=now)
        raise InvalidInput(
            _(
                "No valid document of the Hamburg Service has this number and verification "
                "code. Check both on the document and try again."
            ),
            code="document-not-valid",
            title=_not_valid_title(),
        )
    revoked = letter.revoked_at is not None
    _count(kind, Outcome.CODE_REVOKED if revoked else Outcome.CODE_VALID, now=now, letter=letter)
    return _shown(letter, "code", now)


def letter_verify_payload(*, text: str, now: dt.datetime | None = None) -> LetterShown:
    """The letter whose QR code says `text`, if it is genuine and on file with exactly these
    data; otherwise InvalidInput (`payload_verify`'s codes, or `document-not-on-file`)."""
    now = now_or(now)
    verified = payload_verify(text)
    kind = next((k for k, v in PAYLOAD_KINDS.items() if v == verified.kind), None)
    if kind is None:
        raise InvalidInput(
            _("This code belongs to another kind of document."),
            code="payload-kind",
            title=_not_valid_title(),
        )
    number = verified.data.get("c")
    letter = Letter.objects.filter(number=number, kind=kind).first() if number else None
    if (
        letter is None
        or qr_data(letter.data) != verified.data
        or int(letter.issued_at.timestamp()) != int(verified.issued_at.timestamp())
    ):
        _count(kind, Outcome.QR_NOT_ON_FILE, now=now)
        raise InvalidInput(
            _(
                "This code was signed by the Hamburg Service, but no such document is on file "
                "(any more)."
            ),
            code="document-not-on-file",
            title=_not_valid_title(),
        )
    revoked = letter.revoked_at is not None
    _count(kind, Outcome.QR_REVOKED if revoked else Outcome.QR_VALID, now=now, letter=letter)
    return _shown(letter, "qr", now)


register(
    Verifier(
        key="cases.letters",
        number_normalise=number_normalise,
        payload_kinds=tuple(PAYLOAD_KINDS.values()),
        by_code=letter_verify_code,
        by_payload=letter_verify_payload,
    )
)
