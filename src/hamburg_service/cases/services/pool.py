"""The city-wide pool: "next case", assigning, returning to the pool, and the nightly refresh
of every undecided case's clock and urgency (docs/cases.md, "The pool")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import has_perm
from hamburg_service.accounts.permissions import CasesPerm
from hamburg_service.cases.clock import CLOCK_KINDS, ClockEvent, clock_of
from hamburg_service.cases.models import (
    UNDECIDED,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Skill,
)
from hamburg_service.cases.services.common import (
    case_refresh,
    case_unknown,
    clock_store,
    lock_case,
    may,
    require_may,
    require_worker,
    work_agencies,
)
from hamburg_service.cases.services.lifecycle import REASON_MAX, status_move
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.core.events import event_record
from hamburg_service.people.checks import text_clean, today_in_hamburg

# In the pool: undecided, not waiting, and nobody works on it.
POOL_STATUSES = (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW)
# The same as SQL with the statuses written out: SQLite uses a partial index (case_pool,
# case_pool_type) only where the query states its condition literally, and Django passes
# `status__in` values as parameters — without it, "next case" and the pool sorted every case
# in the pool on every request (bench/cases.py). Keep in step with models.POOL_CONDITION.
_IN_POOL_SQL = (
    '"cases_case"."assigned_to_id" IS NULL AND "cases_case"."status" IN ('
    + ", ".join(f"'{s.value}'" for s in POOL_STATUSES)
    + ")"
)
IN_POOL = RawSQL(_IN_POOL_SQL, (), output_field=BooleanField())  # noqa: S611 - constants
REFRESH_BATCH = 2000


def skilled_type_ids(actor: Actor) -> list[int]:
    """The case types the actor may take from the pool: skilled for, and entitled to by role
    and agency."""
    agencies = work_agencies(actor)
    if not agencies or actor.user_id is None:
        return []
    return list(
        Skill.objects.filter(
            user_id=actor.user_id, case_type__agency__in=agencies, case_type__is_active=True
        ).values_list("case_type_id", flat=True)
    )


def _take(case: Case, *, user_id: int, actor: Actor, now: dt.datetime, by_lead: bool) -> None:
    case.assigned_to_id = user_id
    if case.status == CaseStatus.RECEIVED:
        status_move(case, target=CaseStatus.IN_REVIEW, actor=actor, now=now)
    event_record(
        case,
        kind=CaseEventKind.ASSIGNED,
        actor=actor,
        at=now,
        data={"to": user_id, "by_lead": by_lead},
    )
    case_refresh(case, now)


def _front_one_writer(type_ids: list[int]) -> Case | None:
    """The most urgent case of these types in the pool where one writer works at a time
    (SQLite; PostgreSQL locks and skips rows instead): the front of each type along its index
    (`case_pool_type`, no sorting), then the best of those, in one statement. For one query
    over all the types SQLite's planner sorts the whole pool on every press (bench/cases.py)."""
    if not type_ids:
        return None
    front = (
        "SELECT * FROM (SELECT id, urgency, received_at FROM cases_case INDEXED BY case_pool_type"  # noqa: S608 - constants
        f" WHERE {_IN_POOL_SQL} AND case_type_id = %s"
        " ORDER BY urgency DESC, received_at, id LIMIT 1)"
    )
    sql = (
        f"SELECT id FROM ({' UNION ALL '.join([front] * len(type_ids))})"  # noqa: S608 - constants
        " ORDER BY urgency DESC, received_at, id LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(type_ids))
        row = cursor.fetchone()
    return None if row is None else Case.objects.select_related("case_type").get(pk=row[0])


def case_next(*, actor: Actor, now: dt.datetime | None = None) -> Case | None:
    """Take the most urgent case of the pool the actor is skilled and entitled for: it is
    assigned to them and in review. None when the pool has nothing for them. Two caseworkers
    at once never get the same case: on PostgreSQL the row is locked and skipped by the other
    (`SKIP LOCKED`); SQLite lets one writer in at a time."""
    now = now_or(now)
    if not work_agencies(actor):
        raise case_unknown()
    type_ids = skilled_type_ids(actor)
    if not type_ids:
        raise Conflict(
            _("You have no case types to take from the pool yet. Your team lead sets them."),
            code="no-skills",
        )
    with write_transaction():
        if connection.vendor == "sqlite":
            case = _front_one_writer(type_ids)
        else:
            case = (
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("case_type")
                .filter(IN_POOL, case_type_id__in=type_ids)
                .order_by("-urgency", "received_at", "pk")
                .first()
            )
        if case is None:
            return None
        assert actor.user_id is not None
        _take(case, user_id=actor.user_id, actor=actor, now=now, by_lead=False)
    return case


def case_assign(*, case: Case, user_id: int, actor: Actor, now: dt.datetime | None = None) -> Case:
    """A team lead gives a case to a caseworker skilled for its type (or takes it back from
    one to give to another)."""
    now = now_or(now)
    with write_transaction():
        case = lock_case(case)
        if not may(actor, CasesPerm.WORK, case.case_type) and not may(
            actor, CasesPerm.ASSIGN, case.case_type
        ):
            raise case_unknown()
        require_may(actor, CasesPerm.ASSIGN, case.case_type)
        if case.status not in UNDECIDED:
            raise Conflict(_("A decided case is not assigned any more."), code="case-decided")
        worker = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if (
            worker is None
            or not has_perm(worker, CasesPerm.WORK, agency=case.case_type.agency)
            or not Skill.objects.filter(user=worker, case_type_id=case.case_type_id).exists()
        ):
            raise InvalidInput.field(
                "user",
                _("Choose a caseworker skilled for this type of case."),
                code="worker-not-skilled",
            )
        if case.assigned_to_id == worker.pk:
            return case
        _take(case, user_id=worker.pk, actor=actor, now=now, by_lead=True)
    return case


def case_release(
    *, case: Case, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> Case:
    """Return a case to the pool (the caseworker is away, or it needs other skills)."""
    now = now_or(now)
    reason = text_clean(reason, field="reason", max_length=REASON_MAX, required=False)
    with write_transaction():
        case = lock_case(case)
        require_worker(actor, case)
        if case.status not in POOL_STATUSES or case.assigned_to_id is None:
            raise Conflict(
                _("Only a case in review that someone works on can go back to the pool."),
                code="case-not-releasable",
            )
        event_record(
            case,
            kind=CaseEventKind.RELEASED,
            actor=actor,
            at=now,
            data={"from": case.assigned_to_id, "reason": reason},
        )
        case.assigned_to = None
        case_refresh(case, now)
    return case


def urgency_refresh_all(*, now: dt.datetime | None = None) -> int:
    """Each night: the clock and urgency of every undecided case for the new day (the score
    depends on today). Set-based: one query for a batch's events, one update per batch."""
    now = now_or(now)
    today = today_in_hamburg(now)
    changed = 0
    last_pk = 0
    while True:
        batch = list(
            Case.objects.select_related("case_type")
            .filter(status__in=UNDECIDED, pk__gt=last_pk)
            .order_by("pk")[:REFRESH_BATCH]
        )
        if not batch:
            return changed
        last_pk = batch[-1].pk
        events: dict[int, list[ClockEvent]] = defaultdict(list)
        for case_id, at, kind, data in (
            CaseEvent.objects.filter(
                case_id__in=[c.pk for c in batch],
                kind__in=CLOCK_KINDS,
            )
            .order_by("at", "pk")
            .values_list("case_id", "at", "kind", "data")
        ):
            events[case_id].append(ClockEvent.of(at, kind, data))
        for case in batch:
            clock = clock_of(
                case.case_type, received_on=case.received_on, events=events[case.pk], today=today
            )
            clock_store(case, clock)
        with transaction.atomic():
            Case.objects.bulk_update(
                batch,
                [
                    "suspended_days",
                    "suspended_since",
                    "planned_on",
                    "statutory_due_on",
                    "urgency",
                    "urgency_on",
                ],
            )
        changed += len(batch)
