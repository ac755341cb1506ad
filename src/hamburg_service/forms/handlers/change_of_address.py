"""Change of address within Hamburg (Ummeldung, forms/definitions/change-of-address.json)
for one person or a family.

**On submission** a case `change-of-address` is opened for the registration staff, with the
account's person record when the account is linked to one (the form asks for trust level
high: an eID sign-in links it). A move-in more than two weeks ago (§ 17 (1) BMG) is accepted
and flagged late in a note; a move-in in the future is refused by the form (the register
records a move on or after the day).

**On approval** (`decision_effect_register`, run inside `case_decide`'s transaction) the move
is registered: `residence_change` for the applicant (the case's person, identified first) and
for each of their children moving with them — a person named in the form who is identified in
the register (same names — ICAO keys: all given names or the first ones —, the same date of
birth, unknown parts included, living at the applicant's current main address) and is under 16
on the move-in day (§ 17 (3) BMG: parents register their children). An identified person of 16
or more is not moved: they register themselves (their own application, at the counter or
online), and the decision's event lists them as `must_register_themselves`; one not identified
is listed as `not_identified` (registered at the counter or by a correction). Then a
registration certificate (Meldebescheinigung, people.certificates) is issued for every person
moved — the applicant and their children, nobody else; its signed PDF is kept as a file of the
case (purpose `registration-certificate`), which the applicant downloads from the account
(`certificates_of`). The matching is a read by the deciding member of staff: it needs their
right to read the register and is logged with the case as purpose; it reads only the records
whose keys and birth match, not everyone at the address. Any refusal — the move-in still in
the future, a person without a current residence — undoes the whole decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, Subquery
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import access_record
from hamburg_service.accounts.models import AccessPurpose, DataCategory
from hamburg_service.cases.letters import decision_effect_register
from hamburg_service.cases.models import Case, CaseFile
from hamburg_service.cases.services.case_files import case_file_owner
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import InvalidInput
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.services import file_store_generated
from hamburg_service.forms.handlers import SubmitContext, handler_register
from hamburg_service.forms.handlers.common import case_note, case_open_online, linked_person
from hamburg_service.forms.models import Submission
from hamburg_service.people import access, certificates
from hamburg_service.people.checks import Address, BirthDate, today_in_hamburg
from hamburg_service.people.models import Person, PersonStatus, Residence, ResidenceKind
from hamburg_service.people.names import icao_transliterate
from hamburg_service.people.services.residences import current_main, is_late, residence_change

CASE_TYPE = "change-of-address"
CERTIFICATE_PURPOSE = "registration-certificate"
GRANTING = ("approved", "partly_approved")


@handler_register("change_of_address")
def handle(ctx: SubmitContext) -> Case:
    case = case_open_online(ctx, CASE_TYPE, person=linked_person(ctx))
    answers = ctx.submission_answers
    moved_in = dt.date.fromisoformat(str(answers["moved_in_on"]))
    if is_late(moved_in, today_in_hamburg(ctx.now)):
        case_note(
            ctx,
            case,
            f"Ummeldung nach mehr als zwei Wochen (§ 17 Abs. 1 BMG): Einzug am {moved_in:%d.%m.%Y}",
            late=True,
        )
    return case


def _birth_of(typed: str) -> BirthDate | None:
    try:
        return BirthDate.parse(typed)
    except InvalidInput:
        return None


def _match(
    home: Residence, applicant: Person, member: dict[str, Any], taken: list[int]
) -> Person | None:
    """The one resident at the applicant's home with the member's names and date of birth —
    found by the database, so that no other record at the address is read."""
    family = icao_transliterate(str(member.get("member_family_name") or ""))
    given = icao_transliterate(str(member.get("member_given_names") or ""))
    birth = _birth_of(str(member.get("member_birth") or ""))
    if not family or not given or birth is None:
        return None
    at_home = Residence.objects.filter(
        kind=ResidenceKind.MAIN,
        moved_out_on__isnull=True,
        voided_at__isnull=True,
        street=home.street,
        house_number=home.house_number,
        postcode=home.postcode,
    ).values("person_id")
    return (
        Person.objects.filter(
            Q(given_key=given) | Q(given_key__startswith=given + " "),
            pk__in=Subquery(at_home),
            merged_into__isnull=True,
            status=PersonStatus.RESIDENT,
            family_key=family,
            birth_year=birth.year,
            birth_month=birth.month,
            birth_day=birth.day,
        )
        .exclude(pk__in=[applicant.pk, *taken])
        .order_by("pk")
        .first()
    )


def member_name(member: dict[str, Any]) -> str:
    """A member as the form names them."""
    given = str(member.get("member_given_names") or "")
    family = str(member.get("member_family_name") or "")
    return f"{given} {family}".strip()


def members_identified(
    applicant: Person, members: list[dict[str, Any]], *, actor: Actor, case: Case
) -> tuple[list[tuple[dict[str, Any], Person]], list[str]]:
    """The people moving with the applicant, found in the register among those living at
    the applicant's current main address (each at most once) with the form's entry each, and
    the names of those not found. A read by `actor` (who must be allowed to read the
    register), logged with the case as purpose for the records found."""
    access.read_allowed(actor)
    home = current_main(applicant)
    found: list[tuple[dict[str, Any], Person]] = []
    missing: list[str] = []
    for member in members:
        match = (
            _match(home, applicant, member, [p.pk for _m, p in found]) if home is not None else None
        )
        if match is None:
            missing.append(member_name(member))
        else:
            found.append((member, match))
    if found:
        access_record(
            actor=actor,
            subject_type="person_match",
            subject_ref=f"case:{case.reference}",
            purpose=AccessPurpose.PERSON_CASE,
            categories=(DataCategory.NAME, DataCategory.BIRTH, DataCategory.ADDRESS),
            case_reference=case.reference,
            hits=len(found),
            persons=[p.pk for _m, p in found],
        )
    return found, missing


# § 17 (3) BMG: whoever takes in a person under 16 registers them (parents their children);
# from 16 a person registers themselves.
OWN_REGISTRATION_AGE = 16


def minor_on(person: Person, day: dt.date) -> bool:
    """Under 16 on `day` for certain: counted from the earliest birth the record allows."""
    born = dt.date(person.birth_year, person.birth_month or 1, person.birth_day or 1)
    try:
        own_from = born.replace(year=born.year + OWN_REGISTRATION_AGE)
    except ValueError:  # born on 29 February
        own_from = dt.date(born.year + OWN_REGISTRATION_AGE, 3, 1)
    return day < own_from


def _address(answers: dict[str, Any]) -> Address:
    value = answers.get("new_address") or {}
    return Address(
        street=str(value.get("street") or ""),
        house_number=str(value.get("house_number") or ""),
        postcode=str(value.get("postcode") or ""),
    )


def _refused(error: InvalidInput) -> InvalidInput:
    """A refusal of the register, told on the decision form."""
    return InvalidInput.field(
        "outcome",
        _("The move cannot be registered yet: %(reason)s") % {"reason": error.detail},
        code=error.code,
    )


@decision_effect_register(CASE_TYPE)
def on_decision(*, case: Case, outcome: str, actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """Register the move approved and issue the certificates (module docstring)."""
    if outcome not in GRANTING:
        return {}
    submission = Submission.objects.filter(case=case).first()
    if submission is None:  # a change of address opened at the counter: the clerk registers it
        return {}
    if case.person is None:
        raise InvalidInput.field(
            "outcome",
            _(
                "Identify the applicant first: link the case to their person record, so that "
                "the move can be registered."
            ),
            code="person-missing",
        )
    answers = submission.answers
    members = [m for m in answers.get("family") or [] if isinstance(m, dict)]
    found, missing = members_identified(case.person, members, actor=actor, case=case)
    moved_in_on = dt.date.fromisoformat(str(answers["moved_in_on"]))
    landlord = str(answers.get("landlord_code") or "") or f"{case.reference} (Upload)"
    children = [p for _m, p in found if minor_on(p, moved_in_on)]
    adults = [member_name(m) for m, p in found if p not in children]
    moved = [case.person, *children]
    try:
        for person in moved:
            residence_change(
                person=person,
                address=_address(answers),
                moved_in_on=moved_in_on,
                actor=actor,
                landlord_confirmation=landlord,
                now=now,
            )
    except InvalidInput as error:
        raise _refused(error) from None
    purpose = access.Purpose(AccessPurpose.PERSON_CASE, case.reference)
    numbers = []
    for person in moved:
        issued = certificates.certificate_issue(
            actor=actor,
            person_id=person.pk,
            purpose=purpose,
            language=case.language if case.language in certificates.LANGUAGES else "de",
            now=now,
        )
        stored = file_store_generated(
            data=issued.pdf,
            name=issued.filename,
            content_type="application/pdf",
            owner=case_file_owner(case),
            actor=actor,
            purpose=CERTIFICATE_PURPOSE,
            now=now,
        )
        CaseFile.objects.create(case=case, file=stored, added_at=now)
        numbers.append(issued.certificate.number)
    return {
        "moved": [p.pk for p in moved],
        "not_identified": missing,
        "must_register_themselves": adults,
        "certificates": numbers,
    }


def certificates_of(case: Case) -> list[StoredFile]:
    """The registration certificates issued on approving this case, for the account."""
    return list(
        StoredFile.objects.filter(
            owner=case_file_owner(case), purpose=CERTIFICATE_PURPOSE, state=FileState.ATTACHED
        ).order_by("created_at", "pk")
    )
