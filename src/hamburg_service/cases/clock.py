"""The clock of a case, computed from its events alone (docs/cases.md, "The clock").

- **Gross days**: from the day the application was received to the day it was decided (or
  today, while undecided), in calendar days as the law counts them (Europe/Berlin).
- **Suspended days**: the days spent waiting for the applicant or for another authority, where
  the case type lets that waiting suspend the clock — from the day the case began to wait to the
  day it stopped (a wait still running counts up to today).
- **Net days**: gross minus suspended: the time we took.
- **Planned decision date**: received + the service norm + the suspended days; the statutory
  period ends on received + its days + the suspended days. Both move with every suspension.
- **At risk (§ 75 VwGO)**: undecided three months after it was received — after that the
  applicant may sue for a decision (Untätigkeitsklage). The three months count gross: the court
  asks whether the delay had a sufficient reason, which waiting for the applicant may be, but
  the flag is there so someone looks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hamburg_service.cases.models import CaseEventKind, CaseType
from hamburg_service.people.checks import today_in_hamburg

RISK_MONTHS = 3  # § 75 Satz 2 VwGO
# The events the clock reads; the others leave it as it is.
CLOCK_KINDS = (CaseEventKind.STATUS_CHANGED, CaseEventKind.DECIDED)


@dataclass(frozen=True, slots=True)
class ClockEvent:
    """What the clock needs of an event: its day in Hamburg, its kind and, for a status
    change, the status it led to."""

    on: dt.date
    kind: str
    status: str = ""

    @classmethod
    def of(cls, at: dt.datetime, kind: str, data: dict[str, Any] | None) -> ClockEvent:
        """From an event row's time, kind and data."""
        return cls(today_in_hamburg(at), kind, (data or {}).get("to", ""))


@dataclass(frozen=True, slots=True)
class Clock:
    received_on: dt.date
    decided_on: dt.date | None
    today: dt.date
    gross_days: int
    suspended_days: int
    suspended_since: dt.date | None  # waiting now, since that day (suspending)
    planned_on: dt.date
    statutory_due_on: dt.date | None
    at_risk: bool

    @property
    def net_days(self) -> int:
        return self.gross_days - self.suspended_days

    @property
    def norm_days_left(self) -> int:
        """Days to the planned decision date from today (negative: over the norm)."""
        return (self.planned_on - self.today).days

    @property
    def statutory_days_left(self) -> int | None:
        if self.statutory_due_on is None:
            return None
        return (self.statutory_due_on - self.today).days

    @property
    def over_norm(self) -> bool:
        return self.decided_on is None and self.norm_days_left < 0


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day where it has no such day (§ 188 (3)
    BGB: a period ending on the 31st of a 30-day month ends on the 30th)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def clock_of(
    case_type: CaseType,
    *,
    received_on: dt.date,
    events: Iterable[ClockEvent],
    today: dt.date,
) -> Clock:
    """The clock of a case of `case_type` on `today`, from its events in order."""
    decided_on: dt.date | None = None
    suspended = 0
    since: dt.date | None = None
    for event in events:
        if event.on > today:
            break
        if event.kind == CaseEventKind.DECIDED and decided_on is None:
            decided_on = event.on
        if event.kind != CaseEventKind.STATUS_CHANGED or decided_on is not None:
            continue
        if since is not None:
            suspended += (event.on - since).days
            since = None
        if case_type.suspends(event.status):
            since = event.on
    end = decided_on or today
    if since is not None:
        suspended += (end - since).days
    gross = (end - received_on).days
    planned = received_on + dt.timedelta(days=case_type.norm_days + suspended)
    statutory = (
        received_on + dt.timedelta(days=case_type.statutory_days + suspended)
        if case_type.statutory_days is not None
        else None
    )
    return Clock(
        received_on=received_on,
        decided_on=decided_on,
        today=today,
        gross_days=gross,
        suspended_days=suspended,
        suspended_since=since if decided_on is None else None,
        planned_on=planned,
        statutory_due_on=statutory,
        at_risk=decided_on is None and today >= months_after(received_on, RISK_MONTHS),
    )
