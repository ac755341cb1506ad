"""The reads of the cases app, permission-filtered and set-based (docs/cases.md).

A case shows personal data (the applicant's name and e-mail, the person record): opening one
or listing a caseworker's own cases writes an access-log entry, the case as its purpose. The
pool lists no names: a caseworker sees what to take, not who.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from hamburg_service.accounts.access import access_record, agencies_for
from hamburg_service.accounts.models import AccessPurpose, DataCategory
from hamburg_service.accounts.permissions import CasesPerm
from hamburg_service.cases.clock import (
    CLOCK_KINDS,
    RISK_MONTHS,
    Clock,
    ClockEvent,
    clock_of,
    months_after,
)
from hamburg_service.cases.models import (
    UNDECIDED,
    Case,
    CaseEvent,
    CaseStatus,
    CaseType,
    Skill,
)
from hamburg_service.cases.services.common import case_unknown
from hamburg_service.cases.services.pool import POOL_STATUSES
from hamburg_service.cases.services.requests import documents_overdue
from hamburg_service.cases.urgency import Urgency, urgency_of
from hamburg_service.catalog.models import Agency
from hamburg_service.core.actors import Actor
from hamburg_service.people.checks import today_in_hamburg

POOL_PAGE = 50


def readable_agencies(actor: Actor) -> frozenset[str]:
    """The agencies whose cases the actor may open: caseworkers and team leads of each."""
    if actor.user is None:
        return frozenset()
    return agencies_for(actor.user, CasesPerm.WORK) | agencies_for(actor.user, CasesPerm.ASSIGN)


def _visible(actor: Actor) -> QuerySet[Case]:
    return Case.objects.filter(case_type__agency__in=readable_agencies(actor))


@dataclass(frozen=True, slots=True)
class CaseView:
    """One case as its page shows it: the clock and the urgency computed now."""

    case: Case
    clock: Clock
    urgency: Urgency
    events: list[CaseEvent]


def case_for(*, actor: Actor, reference: str, now: dt.datetime | None = None) -> CaseView:
    """Open a case (logged: the applicant's name and contact, the case as purpose). NotFound
    alike for an unknown case and one the reader may not see."""
    now = now or timezone.now()
    reference = (reference or "").strip().upper()[:20]
    case = (
        _visible(actor)
        .select_related("case_type", "case_type__service", "assigned_to", "person")
        .filter(reference=reference)
        .first()
    )
    if case is None:
        raise case_unknown()
    events = list(
        CaseEvent.objects.filter(case=case).select_related("actor_user").order_by("-at", "-pk")
    )
    # The clock from the events just read (newest first), not a second query.
    clock = clock_of(
        case.case_type,
        received_on=case.received_on,
        events=[
            ClockEvent.of(e.at, e.kind, e.data) for e in reversed(events) if e.kind in CLOCK_KINDS
        ],
        today=today_in_hamburg(now),
    )
    access_record(
        actor=actor,
        subject_type="case",
        subject_ref=case.reference,
        purpose=AccessPurpose.PERSON_CASE,
        categories=(DataCategory.NAME, DataCategory.CONTACT, DataCategory.HISTORY),
        case_reference=case.reference,
        persons=[case.person_id] if case.person_id else [],
    )
    return CaseView(case, clock, urgency_of(clock, case.facts), events)


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A line of a list: stored clock figures only, so a page is one query."""

    case: Case
    today: dt.date

    @property
    def norm_days_left(self) -> int:
        return (self.case.planned_on - self.today).days

    @property
    def statutory_days_left(self) -> int | None:
        due = self.case.statutory_due_on
        return None if due is None else (due - self.today).days

    @property
    def at_risk(self) -> bool:
        return self.case.undecided and self.today >= months_after(
            self.case.received_on, RISK_MONTHS
        )

    @property
    def waiting_days(self) -> int:
        return (self.today - self.case.received_on).days

    @property
    def status_label(self) -> str:
        # Not get_status_display(): it hashes every choice's lazy label on each call, a third
        # of the time a list of 100 took to render (bench/cases.py).
        return str(CaseStatus(self.case.status).label)

    @property
    def url(self) -> str:
        """The case page, without a `reverse` per row."""
        language = get_language()
        prefix = _CASE_PATHS.get(language)
        if prefix is None:
            prefix = _CASE_PATHS[language] = reverse("cases:case", args=[_REFERENCE_MARK])
        return prefix.replace(_REFERENCE_MARK, self.case.reference)


_REFERENCE_MARK = "HS-0000-000000"
_CASE_PATHS: dict[str | None, str] = {}


def cases_mine(*, actor: Actor, now: dt.datetime | None = None) -> list[CaseRow]:
    """The caseworker's own open cases, most urgent first (logged: names are shown)."""
    today = today_in_hamburg(now or timezone.now())
    cases = list(
        Case.objects.select_related("case_type")
        .filter(assigned_to_id=actor.user_id, status__in=UNDECIDED)
        .annotate(documents_overdue=documents_overdue())
        # What the list shows: not the JSON of the facts and of every row's case type.
        .only(
            "reference",
            "applicant_name",
            "status",
            "received_on",
            "planned_on",
            "statutory_due_on",
            "urgency",
            "person",
            "case_type__name_de",
            "case_type__name_en",
        )
        .order_by("-urgency", "received_at")[:200]
    )
    if cases:
        access_record(
            actor=actor,
            subject_type="cases",
            subject_ref="mine",
            purpose=AccessPurpose.PERSON_CASE,
            categories=(DataCategory.NAME,),
            persons=[c.person_id for c in cases if c.person_id],
        )
    return [CaseRow(c, today) for c in cases]


def pool_types(actor: Actor) -> list[CaseType]:
    return list(CaseType.objects.filter(agency__in=readable_agencies(actor)).order_by("name_de"))


# The columns the pool's page and the API (CaseOut) show: a deferred field is a query a row.
POOL_COLUMNS = (
    "reference",
    "status",
    "received_on",
    "received_at",
    "planned_on",
    "statutory_due_on",
    "suspended_days",
    "urgency",
    "channel",
    "assigned_to",
    "decided_on",
    "outcome",
    "case_type__name_de",
    "case_type__name_en",
    "case_type__slug",
)
_POOL_WHERE = (
    "assigned_to_id IS NULL AND status IN ("
    + ", ".join(f"'{status.value}'" for status in POOL_STATUSES)
    + ")"
)


class _PoolRows:
    """The pool as Django's Paginator sees it — its size and a page's rows — read along the
    pool's partial indexes: the count from the index alone, a page's keys in the index's order
    (no sorting, however deep the page), then those rows.

    The keys are plain SQL because SQLite's planner, whose statistics average over all cases,
    takes the caseworkers' index for "nobody works on it" and sorts the whole pool on every
    page (bench/cases.py measured 25–65 ms for 33,000 cases): `INDEXED BY` names the index.
    PostgreSQL picks the partial index itself. The statuses are literals, not parameters: a
    partial index serves only a query that states its condition."""

    def __init__(self, *, agencies: frozenset[str] | None, case_type: CaseType | None) -> None:
        where: list[str] = [_POOL_WHERE]
        params: list[Any] = []
        if case_type is not None:
            where.append("case_type_id = %s")
            params.append(case_type.pk)
        if agencies is not None:  # not all: the types of the reader's agencies
            marks = ", ".join(["%s"] * len(agencies)) or "NULL"
            where.append(
                f"case_type_id IN (SELECT id FROM cases_casetype WHERE agency IN ({marks}))"  # noqa: S608 - placeholders
            )
            params.extend(sorted(agencies))
        self.where, self.params = " AND ".join(where), params
        self.filtered = case_type is not None or agencies is not None
        self._count: int | None = None

    def _hint(self, name: str) -> str:
        return f"INDEXED BY {name}" if connection.vendor == "sqlite" else ""

    def count(self) -> int:
        if self._count is None:
            index = "case_pool_type" if self.filtered else "case_pool"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*) FROM cases_case {self._hint(index)} WHERE {self.where}",  # noqa: S608 - constants and parameters
                    self.params,
                )
                self._count = int(cursor.fetchone()[0])
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Case]:
        start, stop = window.start or 0, window.stop
        keys = RawSQL(  # noqa: S611 - constants and parameters
            f"SELECT id FROM cases_case {self._hint('case_pool')} WHERE {self.where} "  # noqa: S608 - constants and parameters
            "ORDER BY urgency DESC, received_at, id LIMIT %s OFFSET %s",
            (*self.params, max(0, stop - start), start),
        )
        return list(
            Case.objects.filter(pk__in=keys)
            .select_related("case_type")
            .only(*POOL_COLUMNS)
            .order_by("-urgency", "received_at", "pk")
        )


def pool_page(
    *,
    actor: Actor,
    case_type: CaseType | None = None,
    page: int = 1,
    now: dt.datetime | None = None,
) -> tuple[Page[Case], list[CaseRow]]:
    """The pool, most urgent first, `POOL_PAGE` a page: two queries whatever the page."""
    today = today_in_hamburg(now or timezone.now())
    agencies = readable_agencies(actor)
    every = agencies >= frozenset(Agency.values)
    rows = _PoolRows(agencies=None if every else agencies, case_type=case_type)
    current: Page[Case] = Paginator(cast(Any, rows), POOL_PAGE).get_page(page)
    return current, [CaseRow(c, today) for c in current.object_list]


@dataclass(frozen=True, slots=True)
class Load:
    user_id: int
    name: str
    in_review: int
    waiting: int
    over_norm: int
    case_types: list[str]


def worker_loads(*, actor: Actor, now: dt.datetime | None = None) -> list[Load]:
    """Each caseworker's open cases (for team leads): three queries for the whole list."""
    today = today_in_hamburg(now or timezone.now())
    agencies = agencies_for(actor.user, CasesPerm.ASSIGN) if actor.user else frozenset()
    workers = list(
        get_user_model()
        .objects.filter(is_active=True, case_skills__case_type__agency__in=agencies)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    counts = (
        Case.objects.filter(
            assigned_to__in=workers, status__in=UNDECIDED, case_type__agency__in=agencies
        )
        .values("assigned_to")
        .annotate(
            in_review=Count("pk", filter=Q(status__in=POOL_STATUSES)),
            waiting=Count("pk", filter=~Q(status__in=POOL_STATUSES)),
            over_norm=Count("pk", filter=Q(planned_on__lt=today)),
        )
    )
    by_worker: dict[int, dict[str, Any]] = {row["assigned_to"]: dict(row) for row in counts}
    skills: dict[int, list[str]] = defaultdict(list)
    for user_id, name in Skill.objects.filter(
        user__in=workers, case_type__agency__in=agencies
    ).values_list("user_id", "case_type__name_de"):
        skills[user_id].append(name)
    return [
        Load(
            user_id=w.pk,
            name=w.get_full_name() or w.get_username(),
            in_review=by_worker.get(w.pk, {}).get("in_review", 0),
            waiting=by_worker.get(w.pk, {}).get("waiting", 0),
            over_norm=by_worker.get(w.pk, {}).get("over_norm", 0),
            case_types=sorted(skills[w.pk]),
        )
        for w in workers
    ]


def workers_for_type(*, case_type_id: int) -> list[tuple[int, str]]:
    """The active caseworkers skilled for a type, to assign a case to."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, case_skills__case_type_id=case_type_id)
        .order_by("last_name", "first_name", "username")
    )
    return [(u.pk, u.get_full_name() or u.get_username()) for u in users]
