"""The staff API of the cases: open, read, move, take the next, the pool and the backlog —
the same services and access checks as the workstation (docs/cases.md, "API")."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from ninja.security import django_auth

from hamburg_service.accounts.access import actor_of
from hamburg_service.cases import backlog as backlog_figures
from hamburg_service.cases import selectors
from hamburg_service.cases.forms import received_at
from hamburg_service.cases.models import Case, CaseType
from hamburg_service.cases.services import lifecycle, pool
from hamburg_service.cases.services.common import case_unknown
from hamburg_service.core.api_schemas import answers
from hamburg_service.core.errors import InvalidInput

router = Router(tags=["cases (staff)"], auth=django_auth)

CaseStatusName = Literal[
    "received",
    "in_review",
    "waiting_applicant",
    "waiting_authority",
    "decided",
    "in_production",
    "ready_for_pickup",
    "closed",
    "withdrawn",
    "rejected",
]


class CaseOut(Schema):
    reference: str
    case_type: str = Field(description="The slug of the case type")
    status: str
    channel: str
    received_on: dt.date
    planned_on: dt.date = Field(description="Planned decision (service norm + suspended days)")
    statutory_due_on: dt.date | None
    suspended_days: int
    urgency: int
    assigned: bool
    decided_on: dt.date | None
    outcome: str

    @staticmethod
    def resolve_case_type(case: Case) -> str:
        return case.case_type.slug

    @staticmethod
    def resolve_assigned(case: Case) -> bool:
        return case.assigned_to_id is not None


class UrgencyPartOut(Schema):
    key: str
    points: int
    text: str


class CaseDetailOut(CaseOut):
    applicant_name: str
    gross_days: int
    net_days: int
    at_risk: bool
    urgency_parts: list[UrgencyPartOut]


class CaseIn(Schema):
    case_type: str = Field(..., max_length=50, description="The slug of the case type")
    applicant_name: str = Field(..., min_length=1, max_length=200)
    applicant_email: str = Field("", max_length=254)
    language: Literal["de", "en"] = "de"
    channel: Literal["counter", "desk", "post", "api"] = "api"
    received_on: dt.date | None = Field(
        None, description="The day the application arrived (at most 90 days ago); empty: now"
    )


class OpenedOut(Schema):
    case: CaseOut
    secret: str = Field(description="The applicant's status secret: shown only in this answer")


class TransitionIn(Schema):
    status: CaseStatusName
    reason: str = Field("", max_length=1000)


class PoolQuery(Schema):
    case_type: str = Field("", max_length=50)
    page: int = Field(1, ge=1, le=100_000)


class PoolOut(Schema):
    count: int
    page: int
    pages: int
    cases: list[CaseOut]


class TypeBacklogOut(Schema):
    slug: str
    name: str
    by_status: dict[str, int]
    ages: dict[str, int]
    open: int
    in_pool: int
    over_norm: int
    at_risk: int


class GroupOut(Schema):
    name: str
    open: int
    over_norm: int
    at_risk: int


class BacklogOut(Schema):
    on: dt.date
    types: list[TypeBacklogOut]
    teams: list[GroupOut]
    caseworkers: list[GroupOut]


def _type(slug: str) -> CaseType:
    found = CaseType.objects.filter(slug=slug).first()
    if found is None:
        raise InvalidInput.field("case_type", _("There is no such case type."), code="type-unknown")
    return found


@router.post(
    "/cases",
    response=answers({201: OpenedOut}, 401, 403, 422),
    summary="Open a case (the answer carries the status secret, once)",
)
def case_open(request: HttpRequest, body: CaseIn) -> Status:
    now = timezone.now()
    opened = lifecycle.case_open(
        case_type=_type(body.case_type),
        applicant_name=body.applicant_name,
        applicant_email=body.applicant_email,
        language=body.language,
        channel=body.channel,
        received_at=received_at(body.received_on, now),
        actor=actor_of(request),
        now=now,
    )
    return Status(201, {"case": opened.case, "secret": opened.secret})


@router.get(
    "/cases/backlog",
    response=answers({200: BacklogOut}, 401, 403),
    summary="The backlog: open cases per type, status, age, team and caseworker",
)
def case_backlog(request: HttpRequest) -> backlog_figures.Backlog:
    return backlog_figures.backlog_for(actor=actor_of(request))


@router.get(
    "/cases/pool",
    response=answers({200: PoolOut}, 401, 404, 422),
    summary="The pool: undecided cases nobody works on, most urgent first (no names)",
)
def case_pool(request: HttpRequest, params: Query[PoolQuery]) -> dict[str, object]:
    actor = actor_of(request)
    if not selectors.readable_agencies(actor):
        raise case_unknown()
    chosen = _type(params.case_type) if params.case_type else None
    page, rows = selectors.pool_page(actor=actor, case_type=chosen, page=params.page)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "cases": [row.case for row in rows],
    }


@router.post(
    "/cases/next",
    response=answers({200: CaseOut, 204: None}, 401, 403, 404, 409),
    summary="Take the next case: the most urgent one you are skilled for (204: none)",
)
def case_next(request: HttpRequest) -> Status:
    case = pool.case_next(actor=actor_of(request))
    return Status(200, case) if case is not None else Status(204, None)


@router.get(
    "/cases/{reference}",
    response=answers({200: CaseDetailOut}, 401, 404),
    summary="Read a case (logged, with the case as purpose)",
)
def case_read(request: HttpRequest, reference: str) -> SimpleNamespace:
    view = selectors.case_for(actor=actor_of(request), reference=reference)
    # The case's own fields with the clock and urgency computed now.
    return SimpleNamespace(
        **{f.attname: getattr(view.case, f.attname) for f in Case._meta.concrete_fields},
        case_type=view.case.case_type,
        gross_days=view.clock.gross_days,
        net_days=view.clock.net_days,
        at_risk=view.clock.at_risk,
        urgency_parts=list(view.urgency.parts),
    )


@router.post(
    "/cases/{reference}/status",
    response=answers({200: CaseOut}, 401, 403, 404, 409, 422),
    summary="Move a case to another status its type allows",
)
def case_transition(request: HttpRequest, reference: str, body: TransitionIn) -> Case:
    actor = actor_of(request)
    case = selectors.case_for(actor=actor, reference=reference).case
    return lifecycle.case_transition(case=case, target=body.status, reason=body.reason, actor=actor)
