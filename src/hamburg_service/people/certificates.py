"""Registration certificates (Meldebescheinigung, § 18 BMG): issue, revoke, verify
(docs/people.md, "Registration certificate and verification").

- **Issue** (`certificate_issue`, clerks: `PeoplePerm.REGISTER_WRITE`): the record is read through
  `people.access.person_for` with the page's purpose (so the read is logged, § 40 BMG); what
  § 18 Abs. 1 BMG allows is copied into a snapshot (`Certificate.data`); the certificate gets
  the next public number of the year (`MB-2026-000123`) and a secret verification code of ten
  characters (only its scrypt hash is stored); the PDF — tagged, in German or English, with the
  QR code of `payload_sign("mb", snapshot)` and the code and address to verify — is rendered
  and signed *before* the certificate is written, so a failure leaves no certificate behind.
  The code exists only on that PDF: it cannot be shown again (a lost certificate is revoked and
  a new one issued).
- **Revoke** (`certificate_revoke`): with a reason; an event on the person.
- **Verify** (`certificate_verify_code`, `certificate_verify_payload`), for anyone: by number
  and code — a wrong code and an unknown number get one answer (same text, status and work:
  an unknown number is hashed against a dummy) — or by the QR code's text (`payload_verify`).
  Each verification is counted on the certificate and by outcome a day; the rate limits are
  the page's (`people.public_views`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import require
from hamburg_service.accounts.permissions import PeoplePerm
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound
from hamburg_service.core.events import event_record
from hamburg_service.core.pdf import pdf_render_signed
from hamburg_service.core.signing import payload_sign, payload_verify
from hamburg_service.core.text import text_refused
from hamburg_service.people import access
from hamburg_service.people.checks import today_in_hamburg
from hamburg_service.people.models import (
    Certificate,
    CertificateCheckCount,
    CertificateCheckOutcome,
    CertificateSequence,
    PersonEventKind,
    PersonStatus,
    Residence,
    ResidenceKind,
)
from hamburg_service.people.services.common import lock_persons, require_active

PAYLOAD_KIND = "mb"
NUMBER_PREFIX = "MB"
# Ten characters of 31 (no 0/O, 1/I/L): about 49.5 bits, typed from paper without doubt.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
# scrypt (RFC 7914) for the code's hash: 16 MiB and some 40 ms a hash, so a stolen database
# does not give the codes away by trying all 8 * 10^14 of them.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
LANGUAGES = ("de", "en")
TEMPLATE = "people/certificate_pdf.html"
REASON_MAX = 500

_NUMBER = re.compile(r"^MB-?(\d{4})-?(\d{1,9})$")
_CODE_SEPARATORS = re.compile(r"[\s\-]+")


# --- the number and the code ---------------------------------------------------------------


def number_normalise(text: str) -> str | None:
    """`MB-2026-000123` from what a person typed (`mb 2026 123`, `MB-2026-123`); None when it
    cannot be a certificate number."""
    match = _NUMBER.match(_CODE_SEPARATORS.sub("-", text.strip().upper()))
    if match is None:
        return None
    return f"{NUMBER_PREFIX}-{match.group(1)}-{int(match.group(2)):06d}"


def _number_next(year: int) -> str:
    """The next number of `year`, counted up in a transaction of its own (held for
    milliseconds, not while the PDF is made)."""
    with transaction.atomic():
        CertificateSequence.objects.bulk_create(
            [CertificateSequence(year=year, last=0)], ignore_conflicts=True
        )
        CertificateSequence.objects.filter(year=year).update(last=F("last") + 1)
        last = CertificateSequence.objects.get(year=year).last
    return f"{NUMBER_PREFIX}-{year}-{last:06d}"


def code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_display(code: str) -> str:
    """`ABCDE-FGHJK`: two groups of five, as printed."""
    return f"{code[:5]}-{code[5:]}"


def code_normalise(text: str) -> str:
    """The code as typed, in capitals, without spaces and hyphens."""
    return _CODE_SEPARATORS.sub("", text).upper()


def _scrypt(code: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(code.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


def code_hash(code: str) -> str:
    """`scrypt$n$r$p$salt$hash` (base64): what is stored instead of the code."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(code, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def code_matches(code: str, stored: str) -> bool:
    """Does `code` (normalised) belong to the hash `stored`? Always hashes once, whatever the
    code looks like, so every wrong answer costs the same."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        found = _scrypt(code, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    well_formed = len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)
    return hmac.compare_digest(found, base64.b64decode(digest)) and well_formed


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Compared with when the number is unknown: the same work as a wrong code."""
    return code_hash(code_new())


# --- what is printed ------------------------------------------------------------------------


def _address(residence: Residence) -> str:
    parts = [f"{residence.street} {residence.house_number}".strip()]
    if residence.address_extra:
        parts.append(residence.address_extra)
    parts.append(f"{residence.postcode} {residence.city}")
    return ", ".join(parts)


def certificate_data(record: access.PersonRecord, *, secondary: bool) -> dict[str, Any]:
    """The snapshot § 18 Abs. 1 BMG allows, in the QR code's compact keys (without the number):
    family name (with its affix), given names, doctoral degree, date of birth (00 for unknown
    parts), the current main residence and — on request — the secondary residences, each with
    its move-in date. Refused when there is nothing to certify."""
    names = record.names
    if record.status == PersonStatus.DECEASED:
        raise Conflict(
            _("This person has died; no registration certificate can be issued."),
            code="person-deceased",
        )
    current = sorted(record.residences, key=lambda r: (r.moved_in_on, r.pk))
    main = [r for r in current if r.kind == ResidenceKind.MAIN]
    others = [r for r in current if r.kind == ResidenceKind.SECONDARY] if secondary else []
    if not main and not others:
        raise Conflict(
            _("This person has no current residence in Hamburg to certify.")
            if not current
            else _(
                "This person has no main residence in Hamburg; choose to include the "
                "secondary residences."
            ),
            code="certificate-no-residence",
        )
    family = " ".join(p for p in (names.get("name_affix", ""), names["family_name"]) if p)
    data: dict[str, Any] = {"n": family}
    if names.get("given_names"):
        data["g"] = names["given_names"]
    if names.get("doctoral_degree"):
        data["dr"] = names["doctoral_degree"]
    data["b"] = (
        f"{names['birth_year']:04d}-{names.get('birth_month') or 0:02d}-"
        f"{names.get('birth_day') or 0:02d}"
    )
    if main:
        data["a"] = _address(main[0])
        data["m"] = main[0].moved_in_on.isoformat()
    if others:
        data["s"] = [{"a": _address(r), "m": r.moved_in_on.isoformat()} for r in others]
    return data


def _day_text(iso: str) -> str:
    """A date of the snapshot (`1985-03-00`) for people, in the active language: German as the
    register writes it (`04.03.1985`, `00.03.1985`), English with the month's name."""
    year, month, day = (int(part) for part in iso.split("-"))
    german = (translation.get_language() or "de").startswith("de")
    if german:
        return f"{day:02d}.{month:02d}.{year:04d}"
    if month and day:
        return dateformat.format(dt.date(year, month, day), "j F Y")
    if month:
        return dateformat.format(dt.date(year, month, 1), "F Y")
    return str(year)


def moment_day(moment: dt.datetime) -> str:
    return _day_text(today_in_hamburg(moment).isoformat())


@dataclass(frozen=True)
class ResidenceLine:
    kind: str
    address: str
    moved_in: str


@dataclass(frozen=True)
class CertificateFacts:
    """A certificate's snapshot as people read it, in the active language."""

    number: str
    family_name: str
    given_names: str
    doctoral_degree: str
    birth: str
    residences: list[ResidenceLine]


def facts_of(data: dict[str, Any]) -> CertificateFacts:
    lines = []
    if data.get("a"):
        lines.append(
            ResidenceLine(_("Main residence"), str(data["a"]), _day_text(str(data.get("m"))))
        )
    for other in data.get("s") or []:
        lines.append(
            ResidenceLine(_("Secondary residence"), str(other["a"]), _day_text(str(other["m"])))
        )
    return CertificateFacts(
        number=str(data.get("c", "")),
        family_name=str(data.get("n", "")),
        given_names=str(data.get("g", "")),
        doctoral_degree=str(data.get("dr", "")),
        birth=_day_text(str(data.get("b", "0000-00-00"))),
        residences=lines,
    )


def verify_url(*, number: str = "") -> str:
    """The public verification page in the active language, on the site's address."""
    url = f"{settings.SITE_URL}{reverse('verify:verify')}"
    return f"{url}?number={number}" if number else url


def key_set_url() -> str:
    return f"{settings.SITE_URL}{reverse('key-set')}"


# --- issue and revoke -----------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate just issued: the row, the code (only here, never stored), the QR text
    and the signed PDF to hand out."""

    certificate: Certificate
    code: str
    payload: str
    pdf: bytes

    @property
    def filename(self) -> str:
        return f"meldebescheinigung-{self.certificate.number}.pdf"


def certificate_pdf(
    *, data: dict[str, Any], code: str, payload: str, issued_at: dt.datetime, language: str
) -> bytes:
    """The signed, tagged PDF of a certificate in `language`."""
    with translation.override(language):
        facts = facts_of(data)
        context = {
            "facts": facts,
            "code": code_display(code),
            "issued_on": moment_day(issued_at),
            "verify_url": verify_url(),
            "verify_link": verify_url(number=facts.number),
            "key_set_url": key_set_url(),
        }
        alt = _(
            "QR code with the signed data of registration certificate %(number)s; its text "
            "can be checked at %(url)s"
        ) % {"number": facts.number, "url": context["verify_url"]}
        reason = _("Registration certificate issued by the Hamburg Service")
    return pdf_render_signed(TEMPLATE, context, language, qr=payload, qr_alt=alt, reason=reason)


def certificate_issue(
    *,
    actor: Actor,
    person_id: int,
    purpose: access.Purpose,
    language: str = "de",
    secondary: bool = False,
    now: dt.datetime | None = None,
) -> IssuedCertificate:
    """Issue a registration certificate for the person `person_id` (clerks): read the record
    (logged with `purpose`), number it, render and sign the PDF, then write the certificate and
    its event. Refused — with nothing written but the logged read — for a deceased person or
    one without a current residence; a role that may not issue is refused before the read."""
    require(actor.user, PeoplePerm.REGISTER_WRITE)
    if language not in LANGUAGES:
        raise InvalidInput.field("language", _("Choose German or English."))
    issued_at = now_or(now).replace(microsecond=0)  # the QR code holds whole seconds
    record = access.person_for(actor=actor, person_id=person_id, purpose=purpose)
    data = certificate_data(record, secondary=secondary)
    data["c"] = _number_next(today_in_hamburg(issued_at).year)
    code = code_new()
    payload = payload_sign(PAYLOAD_KIND, data, issued_at=issued_at)
    pdf = certificate_pdf(
        data=data, code=code, payload=payload, issued_at=issued_at, language=language
    )
    with transaction.atomic():
        (person,) = lock_persons(record.person)
        require_active(person)
        certificate = Certificate.objects.create(
            number=data["c"],
            code_hash=code_hash(code),
            person=person,
            data=data,
            language=language,
            issued_at=issued_at,
            issued_by=actor.user if actor.is_staff else None,
        )
        event_record(
            person,
            kind=PersonEventKind.CERTIFICATE_ISSUED,
            actor=actor,
            at=issued_at,
            data={
                "certificate": certificate.pk,
                "number": certificate.number,
                "language": language,
                "secondary": "s" in data,
            },
        )
    return IssuedCertificate(certificate=certificate, code=code, payload=payload, pdf=pdf)


def certificate_for(
    *, actor: Actor, person_id: int, certificate_id: int, purpose: access.Purpose
) -> tuple[access.PersonRecord, Certificate]:
    """A certificate of the person `person_id`, for staff who may issue (the record's read is
    logged); NotFound for another person's or an unknown one."""
    require(actor.user, PeoplePerm.REGISTER_WRITE)
    record = access.person_for(actor=actor, person_id=person_id, purpose=purpose)
    certificate = (
        Certificate.objects.filter(pk=certificate_id, person_id=person_id).first()
        if 0 < certificate_id < 2**63
        else None
    )
    if certificate is None:
        raise NotFound(_("There is no such certificate."), code="certificate-unknown")
    return record, certificate


def certificate_revoke(
    *, certificate: Certificate, reason: str, actor: Actor, now: dt.datetime | None = None
) -> Certificate:
    """Revoke a certificate with a reason (it is shown as revoked on verification from now
    on); an event on the person."""
    require(actor.user, PeoplePerm.REGISTER_WRITE)
    now = now_or(now)
    reason = reason.strip()
    if not reason:
        raise InvalidInput.field("reason", _("Give the reason for revoking the certificate."))
    if len(reason) > REASON_MAX or text_refused(reason):
        raise InvalidInput.field(
            "reason", _("The reason can be at most 500 characters, without control characters.")
        )
    with transaction.atomic():
        (person,) = lock_persons(certificate.person)
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise Conflict(_("This certificate was revoked already."), code="certificate-revoked")
        certificate.revoked_at = now
        certificate.revoked_by = actor.user if actor.is_staff else None
        certificate.revoked_reason = reason
        certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        event_record(
            person,
            kind=PersonEventKind.CERTIFICATE_REVOKED,
            actor=actor,
            at=now,
            data={"certificate": certificate.pk, "number": certificate.number, "reason": reason},
        )
    return certificate


# --- verify ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateShown:
    """What the public page shows of a genuine certificate: its data as issued, when it was
    issued and, if so, revoked."""

    facts: CertificateFacts
    issued_at: dt.datetime
    revoked_at: dt.datetime | None
    via: str  # "code" or "qr"

    @property
    def issued_on(self) -> str:
        return moment_day(self.issued_at)

    @property
    def revoked_on(self) -> str:
        return moment_day(self.revoked_at) if self.revoked_at else ""


def _not_valid_title() -> str:
    return _("This certificate is not valid.")


def _code_not_valid() -> InvalidInput:
    # One answer for an unknown number, a wrong code and a mistyped number.
    return InvalidInput(
        _(
            "No valid registration certificate has this number and verification code. Check "
            "both on the certificate and try again."
        ),
        code="certificate-not-valid",
        title=_not_valid_title(),
    )


_PAYLOAD_OUTCOMES = {
    "payload-malformed": CertificateCheckOutcome.QR_MALFORMED,
    "key-unknown": CertificateCheckOutcome.QR_KEY_UNKNOWN,
    "signature-invalid": CertificateCheckOutcome.QR_SIGNATURE_INVALID,
    "payload-kind": CertificateCheckOutcome.QR_KIND,
}


def _count(
    outcome: CertificateCheckOutcome,
    *,
    now: dt.datetime,
    number: str | None = None,
    genuine: bool = False,
) -> None:
    """Count a verification: by outcome a day, and on the certificate `number` (a genuine
    verification or a wrong code; for a number nobody holds the update meets no row)."""
    day = today_in_hamburg(now)
    with transaction.atomic():
        if number is not None:
            counter = "verified_count" if genuine else "failed_count"
            Certificate.objects.filter(number=number).update(
                **{counter: F(counter) + 1}, last_checked_at=now
            )
        counted = CertificateCheckCount.objects.filter(day=day, outcome=outcome).update(
            checks=F("checks") + 1
        )
        if not counted:
            try:
                with transaction.atomic():
                    CertificateCheckCount.objects.create(day=day, outcome=outcome, checks=1)
            except IntegrityError:  # another request made the day's row first
                CertificateCheckCount.objects.filter(day=day, outcome=outcome).update(
                    checks=F("checks") + 1
                )


def _shown(certificate: Certificate, via: str) -> CertificateShown:
    return CertificateShown(
        facts=facts_of(certificate.data),
        issued_at=certificate.issued_at,
        revoked_at=certificate.revoked_at,
        via=via,
    )


def certificate_verify_code(
    *, number: str, code: str, now: dt.datetime | None = None
) -> CertificateShown:
    """The certificate with this number, if `code` is its verification code; otherwise
    InvalidInput `certificate-not-valid` — the same for an unknown number. Counted."""
    now = now_or(now)
    canonical = number_normalise(number)
    certificate = Certificate.objects.filter(number=canonical).first() if canonical else None
    matches = code_matches(
        code_normalise(code), certificate.code_hash if certificate else _dummy_hash()
    )
    if certificate is None or not matches:
        _count(CertificateCheckOutcome.CODE_NOT_VALID, now=now, number=canonical)
        raise _code_not_valid()
    outcome = (
        CertificateCheckOutcome.CODE_REVOKED
        if certificate.revoked_at
        else CertificateCheckOutcome.CODE_VALID
    )
    _count(outcome, now=now, number=certificate.number, genuine=True)
    return _shown(certificate, "code")


def payload_text(text: str) -> str:
    """The QR code's text as pasted: only a trailing line break goes (base45 holds spaces,
    also at its end)."""
    return text.rstrip("\r\n")


def certificate_verify_payload(*, text: str, now: dt.datetime | None = None) -> CertificateShown:
    """The certificate whose QR code says `text`, if its signature checks out and it is on
    file with exactly these data; otherwise InvalidInput with `payload_verify`'s code (altered,
    someone else's key, not our code, another kind of document) or `certificate-not-on-file`.
    Counted."""
    now = now_or(now)
    try:
        verified = payload_verify(payload_text(text), kind=PAYLOAD_KIND)
    except InvalidInput as refused:
        _count(_PAYLOAD_OUTCOMES.get(refused.code, CertificateCheckOutcome.QR_MALFORMED), now=now)
        raise InvalidInput(refused.detail, code=refused.code, title=_not_valid_title()) from None
    number = verified.data.get("c")
    certificate = (
        Certificate.objects.filter(number=number).first() if isinstance(number, str) else None
    )
    if (
        certificate is None
        or certificate.data != verified.data
        or int(certificate.issued_at.timestamp()) != int(verified.issued_at.timestamp())
    ):
        _count(CertificateCheckOutcome.QR_NOT_ON_FILE, now=now)
        raise InvalidInput(
            _(
                "This code was signed by the Hamburg Service, but no such certificate is on "
                "file (any more)."
            ),
            code="certificate-not-on-file",
            title=_not_valid_title(),
        )
    outcome = (
        CertificateCheckOutcome.QR_REVOKED
        if certificate.revoked_at
        else CertificateCheckOutcome.QR_VALID
    )
    _count(outcome, now=now, number=certificate.number, genuine=True)
    return _shown(certificate, "qr")
