"""The backlog for leads and managers (docs/cases.md, "Backlog"): open cases per type and
status, their age, how many are over the norm or at risk of a failure-to-act action, per team
and per caseworker. A handful of aggregate queries, whatever the number of cases."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import agencies_for
from hamburg_service.accounts.permissions import CasesPerm
from hamburg_service.cases.clock import RISK_MONTHS, months_after
from hamburg_service.cases.models import UNDECIDED, Case, CaseStatus, CaseType, Team
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Forbidden
from hamburg_service.people.checks import today_in_hamburg

UNDECIDED_ORDER = (
    CaseStatus.RECEIVED,
    CaseStatus.IN_REVIEW,
    CaseStatus.WAITING_APPLICANT,
    CaseStatus.WAITING_AUTHORITY,
)
# Age buckets in days since received: (upper bound exclusive, key).
AGE_BUCKETS: tuple[tuple[int | None, str], ...] = (
    (14, "under_2_weeks"),
    (28, "2_to_4_weeks"),
    (61, "1_to_2_months"),
    (92, "2_to_3_months"),
    (None, "over_3_months"),
)


@dataclass
class TypeBacklog:
    slug: str
    name: str
    by_status: dict[str, int] = field(default_factory=dict)
    ages: dict[str, int] = field(default_factory=dict)
    open: int = 0
    over_norm: int = 0
    at_risk: int = 0
    in_pool: int = 0

    @property
    def status_row(self) -> list[int]:
        return [self.by_status.get(status, 0) for status in UNDECIDED_ORDER]


@dataclass(frozen=True, slots=True)
class GroupBacklog:
    name: str
    open: int
    over_norm: int
    at_risk: int


@dataclass(frozen=True, slots=True)
class Backlog:
    on: dt.date
    types: list[TypeBacklog]
    teams: list[GroupBacklog]
    caseworkers: list[GroupBacklog]

    @property
    def total(self) -> int:
        return sum(t.open for t in self.types)


def backlog_for(*, actor: Actor, now: dt.datetime | None = None) -> Backlog:
    """The backlog of the agencies the actor may see figures of (team leads, managers)."""
    agencies = agencies_for(actor.user, CasesPerm.BACKLOG) if actor.user else frozenset()
    if not agencies:
        raise Forbidden(_("Your role does not allow this here."), code="role-forbids")
    today = today_in_hamburg(now or timezone.now())
    risk_from = _risk_received_before(today)
    open_cases = Case.objects.filter(status__in=UNDECIDED, case_type__agency__in=agencies)
    over_norm = Count("pk", filter=Q(planned_on__lt=today))
    at_risk = Count("pk", filter=Q(received_on__lte=risk_from))
    types = {
        t.pk: TypeBacklog(t.slug, t.name)
        for t in CaseType.objects.filter(agency__in=agencies).order_by("name_de")
    }
    for row in open_cases.values("case_type", "status").annotate(
        n=Count("pk"), over_norm=over_norm, at_risk=at_risk
    ):
        entry = types[row["case_type"]]
        entry.by_status[row["status"]] = row["n"]
        entry.open += row["n"]
        entry.over_norm += row["over_norm"]
        entry.at_risk += row["at_risk"]
    for pool_row in (
        open_cases.filter(
            assigned_to__isnull=True, status__in=[CaseStatus.RECEIVED, CaseStatus.IN_REVIEW]
        )
        .values("case_type")
        .annotate(n=Count("pk"))
    ):
        types[pool_row["case_type"]].in_pool = pool_row["n"]
    buckets = {
        key: Count("pk", filter=Q(received_on__gt=today - dt.timedelta(days=upper)))
        if upper is not None
        else Count("pk")
        for upper, key in AGE_BUCKETS
    }
    for age_row in open_cases.values("case_type").annotate(**buckets):
        ages: dict[str, Any] = dict(age_row)
        entry = types[ages["case_type"]]
        below = 0
        for _upper, key in AGE_BUCKETS:  # cumulative counts to buckets
            entry.ages[key] = ages[key] - below
            below = ages[key]
    caseworkers = [
        GroupBacklog(
            name=" ".join(
                p for p in (row["assigned_to__first_name"], row["assigned_to__last_name"]) if p
            )
            or row["assigned_to__username"],
            open=row["n"],
            over_norm=row["over_norm"],
            at_risk=row["at_risk"],
        )
        for row in open_cases.filter(assigned_to__isnull=False)
        .values(
            "assigned_to",
            "assigned_to__first_name",
            "assigned_to__last_name",
            "assigned_to__username",
        )
        .annotate(n=Count("pk"), over_norm=over_norm, at_risk=at_risk)
        .order_by("assigned_to__last_name", "assigned_to__username")
    ]
    team_rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for team_row in (
        open_cases.filter(assigned_to__case_teams__agency__in=agencies)
        .values("assigned_to__case_teams__name")
        .annotate(n=Count("pk"), over_norm=over_norm, at_risk=at_risk)
    ):
        team_rows[team_row["assigned_to__case_teams__name"]] = [
            team_row["n"],
            team_row["over_norm"],
            team_row["at_risk"],
        ]
    teams = [
        GroupBacklog(team.name, *team_rows[team.name])
        for team in Team.objects.filter(agency__in=agencies).order_by("name")
    ]
    return Backlog(on=today, types=list(types.values()), teams=teams, caseworkers=caseworkers)


def _risk_received_before(today: dt.date) -> dt.date:
    """The latest day of receipt for which three months are over today (§ 75 VwGO)."""
    day = today - dt.timedelta(days=80)
    while months_after(day + dt.timedelta(days=1), RISK_MONTHS) <= today:
        day += dt.timedelta(days=1)
    while months_after(day, RISK_MONTHS) > today:
        day -= dt.timedelta(days=1)
    return day
