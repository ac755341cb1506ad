"""Register information (einfache Melderegisterauskunft, § 44 BMG): anyone may ask for a
person's current names and addresses by naming them exactly enough.

- **Checked input** (`information_query_check`): family name and given names (DIN 91379 Latin
  letters, at least two letters each) and a date of birth or a former address in Hamburg (or
  both); the requester's name and e-mail address (for the receipt) and the purpose (private
  or commercial, with the commercial purpose said, § 44 (1) sentence 2). Every wrong field is
  named at once; nothing is looked up or written then.
- **Matching** (`information_candidates`, one query): exact, after normalisation — never
  phonetic, since an official answer must be certain. Family and given names are compared by
  their ICAO 9303 keys (`Person.family_key`, `given_key`): "Müller", "Mueller" and "MÜLLER"
  are one name, "Müller" and "Miller" are two. The given names must be all of the registered
  ones or the first of them in order ("Anna" finds "Anna Maria", never "Maria Anna"). A name
  affix may be typed in front ("von Bülow" finds family name "Bülow" with affix "von"). The
  date of birth must equal the registered one **exactly, unknown parts included**: "00.03.1985"
  finds only a register entry "March 1985, day unknown", and "04.03.1985" never does (the
  register cannot say that is the same day). A former address matches any residence the
  register knows for the person (past or current) with the same postcode, the same street
  (case, "ß"/"ss", umlauts, "Straße"/"Str.", spaces and hyphens ignored) and the same house
  number (spaces ignored). Only residents with a current residence in Hamburg can be found.
- **The answer** is exactly one of found (names, doctoral degree and current addresses — § 44
  (1) BMG), not found, not unique. "Not found" stands for unknown, deceased, moved away and
  **blocked** (§ 51 BMG) alike; a blocked person counts as absent, so they never make an
  answer "not unique" either.
- **The same work for every outcome**: the request path runs one lookup query that returns the
  candidates with their block (a subquery, always evaluated), inserts one
  `RegisterInformationRequest` row and enqueues one background task after commit — whatever the
  answer. A "not found" row is written alike for a blocked and an unknown person (no person, not
  marked blocked: a foreign key to check or an entry in the index of blocked requests would be
  work only the blocked one costs); only the ids of the blocks go with it. The task
  (`register_information_settle`) marks the row blocked with the person the block stands for,
  queues the receipt to the requester and, where a blocked person matched, the notice to the
  central registration office (§ 51 (2) BMG), away from the request, so no timing and no
  answer tells a blocked person from an unknown one.
- **The log** is read by the central registration office and the data protection officer
  (`information_log_page`, PeoplePerm.INFORMATION_LOG_READ), itself access-logged.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tasks import task

from hamburg_service.accounts.access import access_record, require
from hamburg_service.accounts.models import AccessPurpose, DataCategory
from hamburg_service.accounts.permissions import PeoplePerm
from hamburg_service.catalog import hours
from hamburg_service.core.actors import Actor
from hamburg_service.core.db import WordPrefix, rows_insert
from hamburg_service.core.errors import InvalidInput
from hamburg_service.core.scheduler import per_item
from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue
from hamburg_service.people import selectors
from hamburg_service.people.checks import (
    Address,
    BirthDate,
    Collector,
    text_clean,
    today_in_hamburg,
)
from hamburg_service.people.models import (
    InformationAnswer,
    InformationBlock,
    InformationPurpose,
    PersonStatus,
    RegisterInformationRequest,
    Residence,
    ResidenceKind,
)
from hamburg_service.people.names import NameRefused, din91379_check, icao_transliterate

MIN_NAME_LETTERS = 2
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
REFERENCE_LENGTH = 12
LOG_PAGE_SIZE = 50
SETTLE_GRACE = dt.timedelta(minutes=2)
SETTLE_LOOK_BACK = dt.timedelta(days=7)


# --- The request as typed, and as checked ------------------------------------------------


@dataclass(frozen=True, slots=True)
class InformationQuery:
    """A register information request as typed (page or API)."""

    family_name: str = ""
    given_names: str = ""
    birth_date: str = ""
    street: str = ""
    house_number: str = ""
    postcode: str = ""
    requester_name: str = ""
    requester_email: str = ""
    purpose: str = ""
    commercial_purpose: str = ""


@dataclass(frozen=True, slots=True)
class CheckedQuery:
    """A request whose every field passed `information_query_check`."""

    family_name: str
    given_names: str
    birth: BirthDate | None
    address: Address | None
    requester_name: str
    requester_email: str
    purpose: str
    commercial_purpose: str

    def criteria(self) -> dict[str, str]:
        """The details given, as the log keeps them and the receipt repeats them."""
        address = self.address
        return {
            "family_name": self.family_name,
            "given_names": self.given_names,
            "birth_date": birth_text(self.birth) if self.birth else "",
            "street": address.street if address else "",
            "house_number": address.house_number if address else "",
            "postcode": address.postcode if address else "",
        }


def birth_text(birth: BirthDate) -> str:
    """dd.mm.yyyy with 00 for an unknown day or month, as German registers write it."""
    return f"{birth.day or 0:02d}.{birth.month or 0:02d}.{birth.year:04d}"


def _name_check(value: str, *, field: str, missing: str) -> str:
    try:
        text = din91379_check(value or "")
    except NameRefused as refused:
        if refused.reason == "control":
            message = _(
                "This contains control or formatting characters that cannot be part of a name."
            )
        elif refused.reason == "no-letter":
            message = _("A name needs at least one letter.")
        elif refused.character.isdigit():
            message = _("Names cannot contain digits (“%(character)s”).") % {
                "character": refused.character
            }
        else:
            message = _(
                "“%(character)s” is not a letter allowed in names (DIN 91379). Enter the name "
                "in Latin letters, as in the passport."
            ) % {"character": refused.character}
        raise InvalidInput.field(field, message, code="name-character") from None
    if not text:
        raise InvalidInput.field(field, missing, code="name-missing")
    if len(text) > 120:
        raise InvalidInput.field(
            field,
            _("A name can be at most %(count)d characters long.") % {"count": 120},
            code="name-too-long",
        )
    if sum(1 for character in text if character.isalpha()) < MIN_NAME_LETTERS:
        raise InvalidInput.field(
            field,
            _("Enter the whole name: one letter cannot identify anyone."),
            code="name-too-short",
        )
    return text


def _birth_check(text: str, *, today: dt.date) -> BirthDate:
    return BirthDate.parse(text, field="birth_date").check(today=today, field="birth_date")


def _email_check(value: str) -> str:
    email = (value or "").strip()
    if not email:
        raise InvalidInput.field(
            "requester_email", _("Please enter your e-mail address."), code="email-missing"
        )
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise InvalidInput.field(
            "requester_email", _("Please enter a valid e-mail address."), code="email-invalid"
        ) from None
    return email


def _requester_check(value: str) -> str:
    if not (value or "").strip():
        raise InvalidInput.field(
            "requester_name", _("Please enter your name."), code="requester-missing"
        )
    return text_clean(value, field="requester_name", max_length=150)


def _purpose_check(value: str) -> str:
    if value not in InformationPurpose.values:
        raise InvalidInput.field(
            "purpose",
            _("Say whether you ask for a private or a commercial purpose."),
            code="purpose-missing",
        )
    return value


def _commercial_check(value: str) -> str:
    if not (value or "").strip():
        raise InvalidInput.field(
            "commercial_purpose",
            _("Say what the commercial purpose is (§ 44 (1) BMG)."),
            code="commercial-purpose-missing",
        )
    return text_clean(value, field="commercial_purpose", max_length=200)


def _too_little() -> None:
    raise InvalidInput.field(
        "birth_date",
        _(
            "Give the date of birth or a former address in Hamburg (or both): a name alone "
            "cannot identify anyone."
        ),
        code="too-little-to-identify",
    )


def information_query_check(
    query: InformationQuery, *, now: dt.datetime | None = None
) -> CheckedQuery:
    """The request checked, or InvalidInput naming every field that needs correcting: the
    names (DIN 91379, at least two letters), a date of birth (not in the future, partly unknown
    allowed) or a former address in Hamburg (street, house number, a Hamburg postcode) — at
    least one of them — the requester's name and e-mail address, and the purpose."""
    today = today_in_hamburg(now or timezone.now())
    errors = Collector()
    family = errors.run(
        _name_check,
        query.family_name,
        field="family_name",
        missing=_("Enter the family name of the person you are looking for."),
    )
    given = errors.run(
        _name_check,
        query.given_names,
        field="given_names",
        missing=_("Enter the given names of the person you are looking for."),
    )
    birth: BirthDate | None = None
    if (query.birth_date or "").strip():
        birth = errors.run(_birth_check, query.birth_date, today=today)
    address: Address | None = None
    address_given = any(
        (v or "").strip() for v in (query.street, query.house_number, query.postcode)
    )
    if address_given:
        address = errors.run(
            Address(
                street=query.street or "",
                house_number=query.house_number or "",
                postcode=query.postcode or "",
            ).clean
        )
    if not (query.birth_date or "").strip() and not address_given:
        errors.run(_too_little)
    requester = errors.run(_requester_check, query.requester_name)
    email = errors.run(_email_check, query.requester_email)
    purpose = errors.run(_purpose_check, query.purpose)
    commercial = ""
    if purpose == InformationPurpose.COMMERCIAL:
        commercial = errors.run(_commercial_check, query.commercial_purpose) or ""
    errors.raise_if_any()
    return CheckedQuery(
        family_name=family or "",
        given_names=given or "",
        birth=birth,
        address=address,
        requester_name=requester or "",
        requester_email=email or "",
        purpose=purpose or "",
        commercial_purpose=commercial,
    )


# --- Matching (the selector) -------------------------------------------------------------


def street_key(street: str) -> str:
    """A street as compared: ICAO letters without spaces or hyphens, "STRASSE" as "STR"
    ("Osterstraße", "Osterstr.", "Oster-Strasse" → "OSTERSTR")."""
    return icao_transliterate(street).replace(" ", "").replace("STRASSE", "STR")


def house_number_key(number: str) -> str:
    """A house number as compared: upper case, no spaces ("12 a" → "12A")."""
    return "".join(number.split()).upper()


@dataclass(frozen=True, slots=True)
class FoundAddress:
    kind: str
    street: str
    house_number: str
    address_extra: str
    postcode: str
    city: str


@dataclass(slots=True)
class Candidate:
    """A resident whose names (and date of birth) match, with their current addresses."""

    person_id: int
    family_name: str
    name_affix: str
    given_names: str
    doctoral_degree: str
    block_id: int | None
    addresses: list[FoundAddress] = field(default_factory=list)
    at_address: bool = False


def _family_keys(family_name: str) -> dict[str, str]:
    """The family keys that may match, each with the affix typed in front of it: "VON BUELOW"
    itself (no affix) and "BUELOW" (affix "VON")."""
    words = icao_transliterate(family_name).split()
    return {" ".join(words[i:]): " ".join(words[:i]) for i in range(len(words))}


_ROW = (
    "person_id",
    "person__family_key",
    "person__name_affix",
    "person__family_name",
    "person__given_names",
    "person__doctoral_degree",
    "block_id",
    "person__birth_key",
    "kind",
    "street",
    "house_number",
    "address_extra",
    "postcode",
    "city",
    "moved_in_on",
    "moved_out_on",
)


def information_candidates(*, query: CheckedQuery, now: dt.datetime) -> list[Candidate]:
    """INTERNAL, unlogged: the residents matching `query` exactly (see the module), each with
    their current addresses (main first) and the id of their information block in force, if
    any. One query of the same shape for every outcome, bounded by the name keys' index: it
    reads the residents of that name, whatever the date of birth or address asked for, which
    are compared here — so a blocked person and an unknown one of the same name cost the
    database the same. The block is a subquery evaluated for every row, blocked or not."""
    today = today_in_hamburg(now)
    family_keys = _family_keys(query.family_name)
    given = icao_transliterate(query.given_names)
    current = Q(moved_in_on__lte=today) & (
        Q(moved_out_on__isnull=True) | Q(moved_out_on__gte=today)
    )
    address = query.address
    wanted = current if address is None else current | Q(postcode=address.postcode)
    block = InformationBlock.objects.filter(
        person_id=OuterRef("person_id"),
        lifted_on__isnull=True,
        starts_on__lte=today,
        ends_on__gte=today,
    ).values("pk")[:1]
    rows = Residence.objects.filter(
        wanted,
        WordPrefix(F("person__given_key"), given),
        voided_at__isnull=True,
        registered_at__lte=now,
        person__family_key__in=list(family_keys),
        person__merged_into__isnull=True,
        person__status=PersonStatus.RESIDENT,
    )
    rows = rows.annotate(block_id=Subquery(block)).order_by("person_id", "moved_in_on", "pk")
    wanted_street = street_key(address.street) if address else ""
    wanted_number = house_number_key(address.house_number) if address else ""
    wanted_birth = query.birth.key if query.birth is not None else None
    found: dict[int, Candidate] = {}
    for row in rows.values_list(*_ROW):
        (pid, family_key, affix, family, given_names, degree, block_id, birth_key) = row[:8]
        kind, street, number, extra, postcode, city, moved_in, moved_out = row[8:]
        if wanted_birth is not None and birth_key != wanted_birth:
            continue
        typed_affix = family_keys.get(family_key)
        if typed_affix is None or (typed_affix and typed_affix != icao_transliterate(affix)):
            continue
        candidate = found.setdefault(
            pid, Candidate(pid, family, affix, given_names, degree, block_id)
        )
        if moved_in <= today and (moved_out is None or moved_out >= today):
            candidate.addresses.append(FoundAddress(kind, street, number, extra, postcode, city))
        if (
            address is not None
            and postcode == address.postcode
            and house_number_key(number) == wanted_number
            and street_key(street) == wanted_street
        ):
            candidate.at_address = True
    matching = [c for c in found.values() if c.addresses and (address is None or c.at_address)]
    for candidate in matching:
        candidate.addresses.sort(key=lambda a: a.kind != ResidenceKind.MAIN)
    return matching


# --- The request (the service) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InformationResult:
    """What the requester is told: the answer, and for "found" the names and addresses."""

    answer: str
    fee_cents: int
    criteria: dict[str, str]
    requester_email: str
    family_name: str = ""
    name_affix: str = ""
    given_names: str = ""
    doctoral_degree: str = ""
    addresses: tuple[FoundAddress, ...] = ()
    reference: str = ""  # the request's number (RegisterInformationRequest.reference)

    @property
    def detail(self) -> str:
        return answer_text(self.answer)

    @property
    def fee(self) -> str:
        return fee_text(self.fee_cents)

    @property
    def person(self) -> InformationResult | None:
        """The person's names and addresses (these same fields) — only when found."""
        return self if self.answer == InformationAnswer.FOUND else None


def answer_text(answer: str) -> str:
    if answer == InformationAnswer.FOUND:
        return _("The register holds one person with these details.")
    if answer == InformationAnswer.NOT_UNIQUE:
        return _(
            "More than one person in the register matches these details. Add the date of "
            "birth or a former address, and all given names, and ask again."
        )
    return _("No information can be given about a person with these details.")


def fee_text(cents: int) -> str:
    """The fee in euros as the active language writes it ("€10.00", "10,00 €")."""
    amount = number_format(Decimal(cents) / 100, 2, force_grouping=True)
    return f"€{amount}" if (get_language() or "").startswith("en") else f"{amount} €"


def _reference_new() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def register_information_request(
    *,
    query: CheckedQuery,
    channel: str,
    language: str,
    now: dt.datetime | None = None,
) -> InformationResult:
    """Answer a checked request and log it. The same work whatever the answer: one lookup,
    one request row, one background task (the receipt, and the § 51 notice where a blocked
    person matched) enqueued after commit. A blocked person counts as absent; the row of a
    "not found" is the same for blocked and unknown but for the block ids, and the task marks
    it blocked."""
    now = now or timezone.now()
    candidates = information_candidates(query=query, now=now)
    shown = [c for c in candidates if c.block_id is None]
    blocked = [c for c in candidates if c.block_id is not None]
    person = shown[0] if len(shown) == 1 else None
    if person is not None:
        answer = InformationAnswer.FOUND
    elif shown:
        answer = InformationAnswer.NOT_UNIQUE
    else:
        answer = InformationAnswer.NOT_FOUND
    criteria = query.criteria()
    fee = settings.REGISTER_INFORMATION_FEE_CENTS
    with transaction.atomic():
        row = RegisterInformationRequest(
            reference=_reference_new(),
            at=now,
            channel=channel,
            language=language if language in ("de", "en") else settings.LANGUAGE_CODE,
            requester_name=query.requester_name,
            requester_email=query.requester_email,
            purpose=query.purpose,
            commercial_purpose=query.commercial_purpose,
            criteria=criteria,
            answer=answer,
            person_id=person.person_id if person else None,
            blocks=[c.block_id for c in blocked],
            fee_cents=fee,
        )
        rows_insert([row])  # without per-call SQL compilation (core.db)
        request_id = row.pk
        transaction.on_commit(lambda: register_information_settle.enqueue(request_id=request_id))
    if person is None:
        return InformationResult(
            answer, fee, criteria, query.requester_email, reference=row.reference
        )
    return InformationResult(
        answer,
        fee,
        criteria,
        query.requester_email,
        reference=row.reference,
        family_name=person.family_name,
        name_affix=person.name_affix,
        given_names=person.given_names,
        doctoral_degree=person.doctoral_degree,
        addresses=tuple(person.addresses),
    )


def register_information_notify(*, request_id: int, now: dt.datetime | None = None) -> bool:
    """Mark a request that matched blocked persons as blocked (a "not found" with the person
    the first block stands for), queue the receipt to the requester and one notice per block
    to the central registration office (§ 51 (2) BMG: the person is told of every request;
    the office writes to them — the register holds no e-mail address). Once per request
    (idempotent); False if done before."""
    now = now or timezone.now()
    with transaction.atomic():
        row = RegisterInformationRequest.objects.select_for_update().filter(pk=request_id).first()
        if row is None or row.receipt_queued_at is not None:
            return False
        message_queue(
            to=row.requester_email,
            template="people/information_receipt",
            language=row.language,
            context={"request_id": row.pk},
            about=f"register-information:{row.reference}",
            now=now,
        )
        row.receipt_queued_at = now
        fields = ["receipt_queued_at"]
        if row.blocks:
            row.blocked = True
            fields.append("blocked")
            if row.answer == InformationAnswer.NOT_FOUND:
                row.person_id = (
                    InformationBlock.objects.filter(pk__in=row.blocks)
                    .order_by("person_id")
                    .values_list("person_id", flat=True)
                    .first()
                )
                fields.append("person")
        if row.blocks and settings.CENTRAL_REGISTRATION_EMAIL:
            for block_id in row.blocks:
                message_queue(
                    to=settings.CENTRAL_REGISTRATION_EMAIL,
                    template="people/information_blocked",
                    language="de",
                    context={"request_id": row.pk, "block_id": block_id},
                    about=f"block:{block_id}",
                    now=now,
                )
            row.notified_at = now
            fields.append("notified_at")
        row.save(update_fields=fields)
    return True


@task()
def register_information_settle(*, request_id: int) -> None:
    """The rest of a request, away from the request that asked (the same task for every
    answer). Defined here, beside what it calls and what enqueues it."""
    register_information_notify(request_id=request_id)


def register_information_settle_due(*, now: dt.datetime | None = None) -> int:
    """The scheduler's sweep behind the task: a request whose task never ran (the process died
    between commit and enqueue, the queue lost it) is settled after `SETTLE_GRACE`, so no
    receipt and no § 51 notice is lost. Looks back `SETTLE_LOOK_BACK` along the index on `at`.
    Returns how many it settled."""
    now = now or timezone.now()
    due = RegisterInformationRequest.objects.filter(
        at__gte=now - SETTLE_LOOK_BACK, at__lte=now - SETTLE_GRACE, receipt_queued_at__isnull=True
    ).order_by("pk")
    return per_item(
        list(due.values_list("pk", flat=True)[:500]),
        lambda pk: register_information_notify(request_id=pk, now=now),
        what="Settling a register information request",
    )


# --- The e-mails ---------------------------------------------------------------------------


def _found_at(row: RegisterInformationRequest) -> dict[str, Any] | None:
    """The names and addresses answered, as the register knew them when it answered."""
    if row.answer != InformationAnswer.FOUND or row.person_id is None:
        return None
    state = selectors.person_as_of(
        person_id=row.person_id, on=today_in_hamburg(row.at), known_at=row.at
    )
    if state is None:
        return None
    residences = sorted(state.residences, key=lambda r: (r.kind != ResidenceKind.MAIN, r.pk))
    return {"names": state.names, "residences": residences}


@renderer("people/information_receipt")
def information_receipt(context: dict[str, Any]) -> Rendered:
    row = RegisterInformationRequest.objects.get(pk=context["request_id"])
    return text_mail(
        "people/mail/information_receipt.txt",
        {
            "row": row,
            "at": row.at.astimezone(hours.BERLIN),
            "answer": answer_text(row.answer),
            "found": _found_at(row),
            "fee": fee_text(row.fee_cents),
        },
    )


@renderer("people/information_blocked")
def information_blocked(context: dict[str, Any]) -> Rendered:
    row = RegisterInformationRequest.objects.get(pk=context["request_id"])
    return text_mail(
        "people/mail/information_blocked.txt",
        {
            "row": row,
            "block_id": context["block_id"],
            "at": row.at.astimezone(hours.BERLIN),
            "url": f"{settings.SITE_URL}/staff/people/register-information/"
            f"?reference={row.reference}",
        },
    )


# --- The log (staff) -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InformationLogFilter:
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    answer: str = ""
    blocked_only: bool = False
    reference: str = ""


def reference_normalise(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())[:REFERENCE_LENGTH]


def information_log_page(
    *, actor: Actor, where: InformationLogFilter, before: int | None = None
) -> list[RegisterInformationRequest]:
    """One page of the register information requests, newest first, for the central
    registration office and the data protection officer (Forbidden to everyone else):
    `LOG_PAGE_SIZE` requests older than `before` (keyset paging: a page costs the same however
    long the log). The read is access-logged with the persons the page names. A fixed number
    of queries."""
    require(actor.user, PeoplePerm.INFORMATION_LOG_READ)
    rows = RegisterInformationRequest.objects.all()
    if where.first_day:
        rows = rows.filter(at__gte=hours.local_datetime(where.first_day, 0))
    if where.last_day:
        rows = rows.filter(at__lt=hours.local_datetime(where.last_day + dt.timedelta(days=1), 0))
    if where.answer:
        rows = rows.filter(answer=where.answer)
    if where.blocked_only:
        rows = rows.filter(blocked=True)
    if where.reference:
        rows = rows.filter(reference=reference_normalise(where.reference))
    if before is not None:
        rows = rows.filter(pk__lt=before)
    with transaction.atomic():
        page = list(rows.order_by("-pk")[:LOG_PAGE_SIZE])
        access_record(
            actor=actor,
            subject_type="register_information",
            subject_ref=f"{len(page)} requests",
            purpose=AccessPurpose.REGISTER_INFORMATION,
            categories=(
                DataCategory.NAME,
                DataCategory.CONTACT,
                DataCategory.BIRTH,
                DataCategory.ADDRESS,
                DataCategory.BLOCK,
            ),
            criteria={
                "first_day": where.first_day.isoformat() if where.first_day else "",
                "last_day": where.last_day.isoformat() if where.last_day else "",
                "answer": where.answer,
                "blocked_only": where.blocked_only,
                "reference": where.reference[:20],
                "before": before,
            },
            hits=len(page),
            persons=[row.person_id for row in page if row.person_id is not None],
        )
    return page
