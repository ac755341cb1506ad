"""Nationalities (Staatsangehörigkeiten), identity documents (Personalausweis, Reisepass,
eAT-Karte) and residence titles (Aufenthaltstitel, § 4 AufenthG; the provisional certificate
of § 81 Abs. 5 AufenthG as a kind): recording them and ending them. Each row keeps when it was
valid and when the register learnt it (models.py)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError
from django.utils.translation import gettext as _

from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.core.events import event_record
from hamburg_service.people.checks import (
    Collector,
    country_clean,
    document_number_clean,
    legal_basis_clean,
    text_clean,
    today_in_hamburg,
)
from hamburg_service.people.models import (
    DocumentKind,
    IdentityDocument,
    Nationality,
    Person,
    PersonEventKind,
    ResidenceTitle,
    TitleKind,
)
from hamburg_service.people.services.common import lock_persons, require_active

# Titles that are always limited in time (§ 7 Abs. 1 AufenthG, § 18g, § 6, § 81 Abs. 5).
LIMITED_TITLES = {
    TitleKind.RESIDENCE_PERMIT,
    TitleKind.BLUE_CARD,
    TitleKind.NATIONAL_VISA,
    TitleKind.PROVISIONAL,
}


def _not_future(day: dt.date | None, today: dt.date, field: str) -> dt.date | None:
    if day is not None and day > today:
        raise InvalidInput.field(
            field, _("The date cannot lie in the future."), code="date-in-future"
        )
    return day


def nationality_record(
    *,
    person: Person,
    country: str,
    actor: Actor,
    since: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Nationality:
    now = now_or(now)
    country = country_clean(country, field="country", required=True)
    _not_future(since, today_in_hamburg(now), "since")
    with write_transaction():
        (person,) = lock_persons(person)
        require_active(person)
        if Nationality.objects.filter(person=person, country=country, until__isnull=True).exists():
            raise Conflict(_("This nationality is already recorded."), code="nationality-known")
        row = Nationality.objects.create(
            person=person, country=country, since=since, recorded_at=now
        )
        event_record(
            person,
            kind=PersonEventKind.NATIONALITY_ADDED,
            actor=actor,
            at=now,
            data={"nationality": row.pk, "country": country, "since": since},
        )
    return row


def nationality_end(
    *, nationality: Nationality, until: dt.date, actor: Actor, now: dt.datetime | None = None
) -> Nationality:
    """The nationality was lost or given up; `until` is the last day it was held."""
    now = now_or(now)
    _not_future(until, today_in_hamburg(now), "until")
    with write_transaction():
        (person,) = lock_persons(nationality.person)
        require_active(person)
        row = Nationality.objects.filter(
            pk=nationality.pk, person=person, until__isnull=True
        ).first()
        if row is None:
            raise Conflict(_("This nationality has ended already."), code="already-ended")
        row.until = until
        row.ended_recorded_at = now
        row.save(update_fields=["until", "ended_recorded_at"])
        event_record(
            person,
            kind=PersonEventKind.NATIONALITY_ENDED,
            actor=actor,
            at=now,
            data={"nationality": row.pk, "country": row.country, "until": until},
        )
    return row


def document_record(
    *,
    person: Person,
    kind: str,
    number: str,
    issued_on: dt.date,
    expires_on: dt.date,
    actor: Actor,
    issuing_country: str = "DEU",
    now: dt.datetime | None = None,
) -> IdentityDocument:
    """Record an identity document. Refused: an unknown kind, a number not of 6–20 letters
    and digits, an issue date in the future or after the expiry (422), a number already
    recorded for that kind and country (409 `document-known`)."""
    now = now_or(now)
    today = today_in_hamburg(now)
    c = Collector()
    if kind not in DocumentKind.values:
        c.errors.append({"field": "kind", "message": _("Choose the kind of document.")})
        c.codes.append("kind-invalid")
    number = c.run(document_number_clean, number) or ""
    issuing_country = (
        c.run(country_clean, issuing_country, field="issuing_country", required=True) or ""
    )
    c.run(_not_future, issued_on, today, "issued_on")
    if expires_on < issued_on:
        c.errors.append(
            {"field": "expires_on", "message": _("A document cannot expire before it was issued.")}
        )
        c.codes.append("expires-before-issue")
    c.raise_if_any()
    try:
        with write_transaction():
            (person,) = lock_persons(person)
            require_active(person)
            if IdentityDocument.objects.filter(
                kind=kind, number=number, issuing_country=issuing_country
            ).exists():
                raise Conflict(
                    _("A document with this number is already recorded."), code="document-known"
                )
            document = IdentityDocument.objects.create(
                person=person,
                kind=kind,
                number=number,
                issuing_country=issuing_country,
                issued_on=issued_on,
                expires_on=expires_on,
                recorded_at=now,
            )
            event_record(
                person,
                kind=PersonEventKind.DOCUMENT_RECORDED,
                actor=actor,
                at=now,
                data={
                    "document": document.pk,
                    "kind": kind,
                    "number": number,
                    "issued_on": issued_on,
                    "expires_on": expires_on,
                },
            )
    except IntegrityError as error:  # someone recorded the same number a moment earlier
        raise Conflict(
            _("A document with this number is already recorded."), code="document-known"
        ) from error
    return document


def document_end(
    *,
    document: IdentityDocument,
    ended_on: dt.date,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> IdentityDocument:
    """The document is no longer valid from `ended_on` (lost, stolen, handed back, replaced)."""
    now = now_or(now)
    reason = text_clean(reason, field="reason", max_length=200)
    with write_transaction():
        (person,) = lock_persons(document.person)
        require_active(person)
        row = IdentityDocument.objects.filter(
            pk=document.pk, person=person, ended_on__isnull=True
        ).first()
        if row is None:
            raise Conflict(_("This document has ended already."), code="already-ended")
        row.ended_on = ended_on
        row.ended_reason = reason
        row.ended_recorded_at = now
        row.save(update_fields=["ended_on", "ended_reason", "ended_recorded_at"])
        event_record(
            person,
            kind=PersonEventKind.DOCUMENT_ENDED,
            actor=actor,
            at=now,
            data={"document": row.pk, "ended_on": ended_on, "reason": reason},
        )
    return row


def title_record(
    *,
    person: Person,
    kind: str,
    legal_basis: str,
    valid_from: dt.date,
    actor: Actor,
    valid_until: dt.date | None = None,
    conditions: str = "",
    card_number: str = "",
    now: dt.datetime | None = None,
) -> ResidenceTitle:
    """Record a residence title or provisional certificate. The legal basis is stored as
    "§ 18b AufenthG"; limited kinds need `valid_until`."""
    now = now_or(now)
    c = Collector()
    if kind not in TitleKind.values:
        c.errors.append({"field": "kind", "message": _("Choose the kind of residence title.")})
        c.codes.append("kind-invalid")
    basis = c.run(legal_basis_clean, legal_basis) or ""
    conditions = (
        c.run(text_clean, conditions, field="conditions", max_length=2000, required=False) or ""
    )
    card = c.run(document_number_clean, card_number, field="card_number") if card_number else ""
    if valid_until is None and kind in LIMITED_TITLES:
        c.errors.append(
            {
                "field": "valid_until",
                "message": _("This kind of title is always limited: enter its end."),
            }
        )
        c.codes.append("title-needs-end")
    if valid_until is not None and valid_until < valid_from:
        c.errors.append(
            {"field": "valid_until", "message": _("A title cannot end before it begins.")}
        )
        c.codes.append("title-ends-before-start")
    c.raise_if_any()
    with write_transaction():
        (person,) = lock_persons(person)
        require_active(person)
        title = ResidenceTitle.objects.create(
            person=person,
            kind=kind,
            legal_basis=basis,
            valid_from=valid_from,
            valid_until=valid_until,
            conditions=conditions,
            card_number=card or "",
            recorded_at=now,
        )
        event_record(
            person,
            kind=PersonEventKind.TITLE_RECORDED,
            actor=actor,
            at=now,
            data={
                "title": title.pk,
                "kind": kind,
                "legal_basis": basis,
                "valid_from": valid_from,
                "valid_until": valid_until,
            },
        )
    return title


def title_end(
    *,
    title: ResidenceTitle,
    ended_on: dt.date,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> ResidenceTitle:
    """The title no longer holds from `ended_on` (replaced, withdrawn, revoked, § 51 AufenthG)."""
    now = now_or(now)
    reason = text_clean(reason, field="reason", max_length=200)
    with write_transaction():
        (person,) = lock_persons(title.person)
        require_active(person)
        row = ResidenceTitle.objects.filter(
            pk=title.pk, person=person, ended_on__isnull=True
        ).first()
        if row is None:
            raise Conflict(_("This residence title has ended already."), code="already-ended")
        if ended_on < row.valid_from:
            raise InvalidInput.field(
                "ended_on",
                _("A title cannot end before it begins."),
                code="title-ends-before-start",
            )
        row.ended_on = ended_on
        row.ended_reason = reason
        row.ended_recorded_at = now
        row.save(update_fields=["ended_on", "ended_reason", "ended_recorded_at"])
        event_record(
            person,
            kind=PersonEventKind.TITLE_ENDED,
            actor=actor,
            at=now,
            data={"title": row.pk, "ended_on": ended_on, "reason": reason},
        )
    return row
