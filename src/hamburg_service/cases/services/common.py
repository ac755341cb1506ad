"""What every case service shares: the time, the lock, the permission checks, and the clock
and urgency recomputed from the events after each change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from hamburg_service.accounts.access import agencies_for, has_perm
from hamburg_service.accounts.permissions import CasesPerm
from hamburg_service.cases.clock import CLOCK_KINDS, Clock, ClockEvent, clock_of
from hamburg_service.cases.models import Case, CaseEvent, CaseType
from hamburg_service.cases.urgency import facts_of_person, urgency_of
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Conflict, Forbidden, NotFound
from hamburg_service.people.checks import today_in_hamburg
from hamburg_service.people.models import Person

IMMIGRATION = "immigration"


def case_unknown() -> NotFound:
    # One answer for a case that does not exist and one this reader may not see.
    return NotFound(_("There is no such case."), code="case-unknown")


def may(actor: Actor, perm: CasesPerm, case_type: CaseType) -> bool:
    return actor.user is not None and has_perm(actor.user, perm, agency=case_type.agency)


def require_may(actor: Actor, perm: CasesPerm, case_type: CaseType) -> None:
    if not may(actor, perm, case_type):
        raise Forbidden(_("Your role does not allow this here."), code="role-forbids")


def require_worker(actor: Actor, case: Case) -> None:
    """The caseworker the case is assigned to, or a team lead of its agency, may act on it;
    anyone else is told the case does not exist unless their role lets them see it."""
    if may(actor, CasesPerm.ASSIGN, case.case_type):
        return
    if not may(actor, CasesPerm.WORK, case.case_type):
        raise case_unknown()
    if case.assigned_to_id != actor.user_id:
        raise Conflict(
            _("This case is not assigned to you. Take it from the pool or ask your team lead."),
            code="case-not-yours",
        )


def lock_case(case: Case) -> Case:
    """The case again, locked for the rest of the transaction."""
    locked = Case.objects.select_for_update().select_related("case_type").filter(pk=case.pk).first()
    if locked is None:
        raise case_unknown()
    return locked


def clock_events(case: Case) -> list[ClockEvent]:
    rows = CaseEvent.objects.filter(case=case, kind__in=CLOCK_KINDS).values_list(
        "at", "kind", "data"
    )
    return [ClockEvent.of(at, kind, data) for at, kind, data in rows]


def clock_now(case: Case, now: dt.datetime) -> Clock:
    return clock_of(
        case.case_type,
        received_on=case.received_on,
        events=clock_events(case),
        today=today_in_hamburg(now),
    )


def person_facts(person: Person | None, case_type: CaseType) -> dict[str, Any]:
    """What the urgency uses of the applicant's record (no access log: nothing is shown)."""
    if person is None:
        return {}
    titles = None
    if case_type.agency == IMMIGRATION:
        titles = list(person.titles.filter(ended_on__isnull=True).only("kind", "valid_until"))
    return facts_of_person(
        birth_year=person.birth_year,
        birth_month=person.birth_month,
        birth_day=person.birth_day,
        titles=titles,
    )


def clock_store(case: Case, clock: Clock) -> None:
    """Put the clock and the urgency on the case's stored columns (not saved)."""
    case.suspended_days = clock.suspended_days
    case.suspended_since = clock.suspended_since
    case.planned_on = clock.planned_on
    case.statutory_due_on = clock.statutory_due_on
    case.urgency = urgency_of(clock, case.facts).points if case.undecided else 0
    case.urgency_on = clock.today


def case_refresh(case: Case, now: dt.datetime, *, facts: bool = False) -> Clock:
    """Recompute the stored clock and urgency from the events (inside the transaction)."""
    if facts:
        case.facts = person_facts(case.person, case.case_type)
    clock = clock_now(case, now)
    clock_store(case, clock)
    case.save(
        update_fields=[
            "facts",
            "suspended_days",
            "suspended_since",
            "planned_on",
            "statutory_due_on",
            "urgency",
            "urgency_on",
            "status",
            "assigned_to",
            "decided_on",
            "outcome",
            "closed_at",
            "person",
        ]
    )
    return clock


def work_agencies(actor: Actor) -> frozenset[str]:
    return agencies_for(actor.user, CasesPerm.WORK) if actor.user is not None else frozenset()
