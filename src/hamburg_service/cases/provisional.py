"""The provisional certificate at once (Fiktionsbescheinigung, § 81 Abs. 4 and 5 AufenthG;
docs/cases.md, "Provisional certificate").

When a case of a type that `extends_title` is opened for a known person (`case_open`), or
the person is identified later (`case_person_link`), the rule below is applied to the day the
application was **received**:

- the title to extend is the person's current title (not ended, begun by that day) of a kind
  other than `provisional` that runs longest;
- valid on the day of receipt (`received_on <= valid_until`, the day of expiry itself is in
  time): the provisional certificate is issued — recorded as a title of kind `provisional`
  (§ 81 Abs. 4 AufenthG, valid from the day of receipt, with the old title's conditions), a
  signed PDF with its QR code and verification code, a `Letter` of kind provisional and the
  event `provisional_issued`;
- expired before the day of receipt: the notice that no fiction arises (`late_notice`);
- nothing is issued when the person has no title on record (we cannot tell a first
  application from a title we do not know: the caseworker looks), holds only a provisional
  certificate (that is no title to extend), holds a title without end (nothing to extend in
  time), or the case has a provisional certificate or late notice already.

Validity: three months from receipt, but at most until a month after the planned decision;
never less than a month from the day it is issued, nor than a month after the old title ends.

The PDFs are made before the case's transaction (`provisional_prepare`), and recorded inside
it (`provisional_commit`, which applies the rule again to the locked case and refuses if the
titles changed meanwhile): the case and its certificate are written together or not at all.

`provisional_warn` (the daily job `cases.provisional_warnings`) warns before a certificate of
a case still open expires: an event on the case (shown on its page) and, if the applicant gave
an e-mail address, a message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from hamburg_service.cases import wording
from hamburg_service.cases.clock import months_after
from hamburg_service.cases.letters import (
    Made,
    birth_iso,
    birth_text,
    letter_make,
    letter_record,
    person_name,
    person_read_record,
)
from hamburg_service.cases.models import (
    UNDECIDED,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseType,
    Letter,
    LetterKind,
)
from hamburg_service.cases.services.common import (
    case_refresh,
    lock_case,
    require_worker,
)
from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict
from hamburg_service.core.events import event_record
from hamburg_service.core.scheduler import per_item
from hamburg_service.notifications.renderers import Rendered, renderer, text_mail
from hamburg_service.notifications.services import message_queue
from hamburg_service.people.checks import today_in_hamburg
from hamburg_service.people.models import Person, PersonStatus, ResidenceTitle, TitleKind
from hamburg_service.people.services.papers import title_end, title_record

LEGAL_BASIS = "§ 81 Abs. 4 AufenthG"
VALID_MONTHS = 3
AFTER_PLANNED_MONTHS = 1
AT_LEAST_MONTHS = 1
WARN_DAYS = 14  # the warning comes two weeks before the certificate ends
PROVISIONAL, LATE = LetterKind.PROVISIONAL, LetterKind.LATE_NOTICE


@dataclass(frozen=True, slots=True)
class Plan:
    kind: str  # provisional or late_notice
    title: ResidenceTitle  # the title to extend
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def same(self, other: Plan | None) -> bool:
        return other is not None and (self.kind, self.title.pk, self.valid_until) == (
            other.kind,
            other.title.pk,
            other.valid_until,
        )


def provisional_rule(
    *,
    titles: list[ResidenceTitle],
    received_on: dt.date,
    planned_on: dt.date,
    today: dt.date,
) -> Plan | None:
    """What the application received on `received_on` gets (module docstring), from the
    person's titles; None: nothing."""
    candidates = [
        t
        for t in titles
        if t.ended_on is None and t.kind != TitleKind.PROVISIONAL and t.valid_from <= received_on
    ]
    if not candidates or any(t.valid_until is None for t in candidates):
        return None
    title = max(candidates, key=lambda t: (t.valid_until or dt.date.max, t.pk))
    assert title.valid_until is not None
    if title.valid_until < received_on:
        return Plan(LATE, title)
    until = min(
        months_after(received_on, VALID_MONTHS), months_after(planned_on, AFTER_PLANNED_MONTHS)
    )
    until = max(
        until,
        months_after(today, AT_LEAST_MONTHS),
        months_after(title.valid_until, AT_LEAST_MONTHS),
    )
    return Plan(PROVISIONAL, title, valid_from=received_on, valid_until=until)


def _plan_for(
    person: Person | None, *, received_on: dt.date, planned_on: dt.date, today: dt.date
) -> Plan | None:
    if person is None or person.merged_into_id is not None:
        return None
    if person.status == PersonStatus.DECEASED:
        return None
    titles = list(ResidenceTitle.objects.filter(person=person, ended_on__isnull=True))
    return provisional_rule(
        titles=titles, received_on=received_on, planned_on=planned_on, today=today
    )


def _already(case_id: int | None) -> bool:
    return case_id is not None and (
        Letter.objects.filter(case_id=case_id, kind__in=[PROVISIONAL, LATE]).exists()
    )


@dataclass(frozen=True)
class Prepared:
    plan: Plan
    made: Made


def _context(language: str, data: dict[str, Any]) -> dict[str, Any]:
    day, old = wording.day_text, data["t"]
    values = {
        "received": day(dt.date.fromisoformat(data["rc"]), language),
        "title": wording.title_name(old["k"], language) + " " + old.get("lb", ""),
        "expires": day(dt.date.fromisoformat(old["u"]), language),
        "expired": day(dt.date.fromisoformat(old["u"]), language),
        "reference": data["r"],
        "valid_until": day(dt.date.fromisoformat(data["u"]), language) if data.get("u") else "",
    }
    texts = wording.PROVISIONAL_EFFECT if data["k"] == PROVISIONAL else wording.LATE_NOTICE
    return {
        "name": data["n"],
        "birth": birth_text(data.get("b", ""), language),
        "reference": data["r"],
        "received_on": values["received"],
        "valid_from": day(dt.date.fromisoformat(data["f"]), language) if data.get("f") else "",
        "valid_until": values["valid_until"],
        "old_title": values["title"],
        "old_until": values["expires"],
        "conditions": old.get("cond", ""),
        "paragraphs": [wording.pick(t, language, **values) for t in texts],
    }


def provisional_prepare(
    *,
    case_type: CaseType,
    person: Person | None,
    received_on: dt.date,
    planned_on: dt.date,
    reference: str,
    now: dt.datetime,
    case_id: int | None = None,
) -> Prepared | None:
    """The certificate or notice an application gets, rendered and signed (outside any
    transaction); None when nothing is due."""
    if not case_type.extends_title or person is None or _already(case_id):
        return None
    plan = _plan_for(
        person, received_on=received_on, planned_on=planned_on, today=today_in_hamburg(now)
    )
    if plan is None:
        return None
    old = plan.title
    assert old.valid_until is not None
    data: dict[str, Any] = {
        "n": person_name(person),
        "r": reference,
        "rc": received_on.isoformat(),
        "t": {"id": old.pk, "k": old.kind, "lb": old.legal_basis, "u": old.valid_until.isoformat()},
    }
    if plan.kind == PROVISIONAL:
        assert plan.valid_from is not None
        assert plan.valid_until is not None
        data.update(
            b=birth_iso(person), f=plan.valid_from.isoformat(), u=plan.valid_until.isoformat()
        )
        if old.conditions:
            data["t"]["cond"] = old.conditions
    made = letter_make(
        kind=plan.kind,
        case_type=case_type,
        data=data,
        context=_context,
        now=now,
        verifiable=plan.kind == PROVISIONAL,
    )
    return Prepared(plan, made)


def provisional_commit(
    *, case: Case, prepared: Prepared, actor: Actor, now: dt.datetime
) -> Letter | None:
    """Record a prepared certificate or notice for `case` (locked, inside its transaction):
    the rule is applied again to the case as it is now; a change in the person's titles in
    between is a Conflict (the caller's whole change is undone: try again)."""
    if _already(case.pk):
        return None
    plan = _plan_for(
        case.person,
        received_on=case.received_on,
        planned_on=case.planned_on,
        today=today_in_hamburg(now),
    )
    if not prepared.plan.same(plan):
        raise Conflict(
            _("The person's residence titles changed meanwhile. Please try again."),
            code="titles-changed",
        )
    made, old = prepared.made, prepared.plan.title
    assert case.person is not None  # a plan needs one
    person_read_record(actor, case, case.person, birth=prepared.plan.kind == PROVISIONAL)
    title_id = None
    if plan is not None and plan.kind == PROVISIONAL:
        assert plan.valid_from is not None
        title = title_record(
            person=case.person,
            kind=TitleKind.PROVISIONAL,
            legal_basis=LEGAL_BASIS,
            valid_from=plan.valid_from,
            valid_until=plan.valid_until,
            conditions=old.conditions,
            actor=actor,
            now=now,
        )
        title_id = title.pk
    letter = letter_record(
        case=case,
        made=made,
        actor=actor,
        event=CaseEventKind.PROVISIONAL_ISSUED
        if prepared.plan.kind == PROVISIONAL
        else CaseEventKind.LATE_NOTICE,
        event_data={
            "title": old.pk,
            "title_until": old.valid_until,
            "provisional_title": title_id,
            "valid_until": prepared.plan.valid_until,
        },
        title_id=title_id,
        valid_until=prepared.plan.valid_until,
        now=now,
    )
    case_refresh(case, now, facts=True)  # living on a provisional certificate counts
    return letter


def provisional_for_link(*, case: Case, person: Person, now: dt.datetime) -> Prepared | None:
    """Before `case_person_link`'s transaction: what linking `person` will issue."""
    return provisional_prepare(
        case_type=case.case_type,
        person=person,
        received_on=case.received_on,
        planned_on=case.planned_on,
        reference=case.reference,
        now=now,
        case_id=case.pk,
    )


def renewal_until(*, planned_on: dt.date, today: dt.date) -> dt.date:
    """A new certificate's end: three months from today, at most a month after the planned
    decision, at least a month."""
    until = min(months_after(today, VALID_MONTHS), months_after(planned_on, AFTER_PLANNED_MONTHS))
    return max(until, months_after(today, AT_LEAST_MONTHS))


def provisional_renew(*, case: Case, actor: Actor, now: dt.datetime | None = None) -> Letter:
    """A new provisional certificate for an open case whose certificate ends (the fiction
    lasts until the decision; only the paper ends): valid from today (`renewal_until`), the
    old letter revoked ("replaced by …") and its title ended the day before. Refused for a
    decided case or one without a certificate in force."""
    now = now_or(now)
    today = today_in_hamburg(now)
    fresh = Case.objects.select_related("case_type", "person").filter(pk=case.pk).first()
    if fresh is None:
        raise Conflict(_("There is no such case."), code="case-unknown")
    require_worker(actor, fresh)
    current = provisional_current(fresh)
    if current is None or not fresh.undecided or fresh.person is None:
        raise Conflict(
            _("Only an undecided case with a provisional certificate in force gets a new one."),
            code="no-provisional",
        )
    until = renewal_until(planned_on=fresh.planned_on, today=today)
    data = {k: v for k, v in current.data.items() if k in ("n", "b", "r", "rc", "t")} | {
        "f": today.isoformat(),
        "u": until.isoformat(),
    }
    made = letter_make(
        kind=PROVISIONAL, case_type=fresh.case_type, data=data, context=_context, now=now
    )
    with write_transaction():
        locked = lock_case(fresh)
        require_worker(actor, locked)
        if provisional_current(locked) != current or not locked.undecided:
            raise Conflict(_("The case changed meanwhile. Please look again."), code="case-changed")
        assert locked.person is not None
        old_title = (
            ResidenceTitle.objects.filter(pk=current.title_id, ended_on__isnull=True).first()
            if current.title_id
            else None
        )
        title = title_record(
            person=locked.person,
            kind=TitleKind.PROVISIONAL,
            legal_basis=LEGAL_BASIS,
            valid_from=today,
            valid_until=until,
            conditions=old_title.conditions if old_title else "",
            actor=actor,
            now=now,
        )
        letter = letter_record(
            case=locked,
            made=made,
            actor=actor,
            event=CaseEventKind.PROVISIONAL_ISSUED,
            event_data={"replaces": current.number, "valid_until": until},
            title_id=title.pk,
            valid_until=until,
            now=now,
        )
        current.revoked_at = now
        current.revoked_reason = f"replaced by {letter.number}"
        current.save(update_fields=["revoked_at", "revoked_reason"])
        if old_title is not None:
            title_end(
                title=old_title,
                ended_on=max(old_title.valid_from, today - dt.timedelta(days=1)),
                reason="Neue Fiktionsbescheinigung " + letter.number,
                actor=actor,
                now=now,
            )
        case_refresh(locked, now, facts=True)
    return letter


# --- the warning before a certificate expires ---------------------------------------------------


def provisional_current(case: Case) -> Letter | None:
    """The case's provisional certificate in force (not revoked), if any."""
    return (
        Letter.objects.filter(case=case, kind=PROVISIONAL, revoked_at__isnull=True)
        .order_by("-issued_at")
        .first()
    )


def provisional_expiring(letter: Letter | None, today: dt.date) -> bool:
    return (
        letter is not None
        and letter.valid_until is not None
        and letter.valid_until <= today + dt.timedelta(days=WARN_DAYS)
    )


def _warn_one(letter_id: int, *, now: dt.datetime, actor: Actor) -> bool:
    with write_transaction():
        letter = Letter.objects.select_related("case").filter(pk=letter_id).first()
        if letter is None:
            return False
        case = lock_case(letter.case)
        letter.refresh_from_db()
        if (
            letter.revoked_at is not None
            or case.status not in UNDECIDED
            or CaseEvent.objects.filter(
                case=case, kind=CaseEventKind.PROVISIONAL_EXPIRING, data__letter=letter.pk
            ).exists()
        ):
            return False
        event_record(
            case,
            kind=CaseEventKind.PROVISIONAL_EXPIRING,
            actor=actor,
            at=now,
            data={"letter": letter.pk, "number": letter.number, "valid_until": letter.valid_until},
        )
        if case.applicant_email:
            message_queue(
                to=case.applicant_email,
                template="cases/provisional_expiring",
                language=case.language,
                context={"letter_id": letter.pk},
                about=f"case:{case.reference}",
                now=now,
            )
        case_refresh(case, now, facts=True)
    return True


def provisional_warn(*, now: dt.datetime | None = None) -> int:
    """Warn of every provisional certificate of an open case that ends within WARN_DAYS and
    was not warned of yet (idempotent: the event is the mark). Returns how many."""
    now = now_or(now)
    today = today_in_hamburg(now)
    actor = Actor.system("cases.provisional_warnings")
    due = list(
        Letter.objects.filter(
            kind=PROVISIONAL,
            revoked_at__isnull=True,
            valid_until__lte=today + dt.timedelta(days=WARN_DAYS),
            case__status__in=UNDECIDED,
        )
        .order_by("valid_until", "pk")
        .values_list("pk", "case_id")
    )
    warned = {
        (data or {}).get("letter")
        for data in CaseEvent.objects.filter(
            case_id__in={case_id for _pk, case_id in due},
            kind=CaseEventKind.PROVISIONAL_EXPIRING,
        ).values_list("data", flat=True)
    }
    return per_item(
        [pk for pk, _case_id in due if pk not in warned],
        lambda pk: _warn_one(pk, now=now, actor=actor),
        what="provisional certificate warning",
    )


@renderer("cases/provisional_expiring")
def provisional_expiring_mail(context: dict[str, Any]) -> Rendered:
    letter = Letter.objects.select_related("case").get(pk=context["letter_id"])
    # The outbox renders in the recipient's language: the date too.
    language = active_suffix()
    return text_mail(
        "cases/mail/provisional_expiring.txt",
        {
            "letter": letter,
            "case": letter.case,
            "valid_until": wording.day_text(letter.valid_until, language),
            "site_url": settings.SITE_URL,
        },
    )
