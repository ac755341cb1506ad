"""The expected decision date of an undecided case, from the live queue (docs/cases.md,
"Expected decision date (the forecast)").

A case in the pool is decided after (1) the cases of its type received before it and not yet
taken by a caseworker have been taken, and its own turn has come, and (2) the time a case of
its type then needs until the decision (work, questions to the applicant, other authorities).

1. **Position**: `ahead` = the cases of the same type in the pool (nobody works on them yet)
   that "next case" would give out before this one today — more urgent, or as urgent and
   received earlier — one COUNT on the pool's index.
2. **Throughput**: decisions of that type per week over the last 8 full weeks, less the share
   of takes in those weeks that passed a case received earlier (urgent cases arriving later
   pass this one too). The days until `ahead + 1` cases are taken follow from a normal
   approximation of the sum of daily decisions (mean and variance per day from the weekly
   counts, so the weekend gap is not counted as noise).
3. **After taken**: the days from being taken to the decision of up to 2,000 cases of that
   type decided in the same 8 weeks (an empirical distribution, waiting included).

The two are added as independent (the distribution of the sum, exactly, over whole days), and
its 50th and 80th percentiles are the range shown: the day by which half of such cases were
decided, and the day by which 80 % were. A case a caseworker works on already is past (1): its
remaining time is the distribution (3) given that it has taken `elapsed` days so far, where the
days it waited for the applicant (or another authority, where that suspends the clock) do not
count — so while it waits, the date moves by every day of waiting.

The per-type figures (2) and (3) are computed once per type and day and kept in Django's cache.
With too little history (fewer than 10 decisions or 5 durations in 8 weeks) the forecast falls
back to the service norm, and says so.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import OuterRef, Q, Subquery

from hamburg_service.cases.clock import CLOCK_KINDS, ClockEvent, clock_of
from hamburg_service.cases.models import (
    POOL_CONDITION,
    UNDECIDED,
    WAITING,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    CaseType,
)
from hamburg_service.people.checks import today_in_hamburg

WEEKS = 8
WINDOW_DAYS = WEEKS * 7
DURATIONS_MAX = 2000
MIN_DECISIONS = 10
MIN_DURATIONS = 5
# How many of the longest durations describe the tail beyond the longest seen.
TAIL_MIN = 5
P50, P80 = 0.5, 0.8
# The take time is searched up to this far ahead: a queue longer than that is not forecast.
HORIZON_DAYS = 3 * 365
CACHE_VERSION = 1


class Basis:
    QUEUE = "queue"  # from the position in the queue and the recent throughput
    NORM = "norm"  # too little history: the service norm's planned date


@dataclass(frozen=True, slots=True)
class History:
    """What the forecast knows of a case type on a day: the decisions per week of the last
    8 full weeks (oldest first), and the days from taken to decided of cases decided then
    (sorted)."""

    today: dt.date
    weekly: tuple[int, ...]
    after_taken: tuple[int, ...]
    # The share of the window's takes that passed a case received earlier (urgent ones): a
    # case waiting in the pool advances only by the others.
    overtaking: float = 0.0

    @property
    def decisions(self) -> int:
        return sum(self.weekly)

    @property
    def usable(self) -> bool:
        return self.decisions >= MIN_DECISIONS and len(self.after_taken) >= MIN_DURATIONS

    def rate(self) -> tuple[float, float]:
        """Mean and variance of one day's decisions (the variance from the week-to-week
        variance, so the weekend gap is not counted as noise)."""
        counts = self.weekly
        if not counts:
            return 0.0, 0.0
        mean = sum(counts) / len(counts)
        if len(counts) < 2:
            return mean / 7, mean / 7
        variance = sum((w - mean) ** 2 for w in counts) / (len(counts) - 1)
        return mean / 7, variance / 7

    @property
    def per_day(self) -> float:
        return self.rate()[0]

    def to_cache(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "weekly": list(self.weekly),
            "after_taken": list(self.after_taken),
            "overtaking": self.overtaking,
        }

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> History:
        return cls(
            dt.date.fromisoformat(data["today"]),
            tuple(data["weekly"]),
            tuple(data["after_taken"]),
            float(data["overtaking"]),
        )


def history_build(
    today: dt.date,
    decided_on: Iterable[dt.date],
    durations: Iterable[int],
    overtaking: float = 0.0,
) -> History:
    """The History of `today` from the decision days of the window and the durations (days
    from taken to decided) of cases decided in it; days outside the window are ignored."""
    start = today - dt.timedelta(days=WINDOW_DAYS)
    weekly = [0] * WEEKS
    for day in decided_on:
        if start <= day < today:
            weekly[(day - start).days // 7] += 1
    return History(today, tuple(weekly), tuple(sorted(d for d in durations if d >= 0)), overtaking)


def overtaking_share(takes: Sequence[tuple[Any, Any]], oldest_waiting: Any | None) -> float:
    """The share of takes `(taken, received)` that passed a case received earlier: one taken
    later, or `oldest_waiting` (the receipt of the oldest case still in the pool). Exact when
    `takes` are all the takes since some moment."""
    lowest = oldest_waiting
    passed = 0
    # Latest first; of takes at the same moment, the later received first (no passing).
    for _taken, received in sorted(takes, reverse=True):
        if lowest is not None and lowest < received:
            passed += 1
        if lowest is None or received < lowest:
            lowest = received
    return passed / len(takes) if takes else 0.0


# --- the arithmetic (pure: the simulation uses it as the pages do) ----------------------------


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _z(q: float) -> float:
    """The standard normal quantile (for the few q the search bounds need)."""
    low, high = -10.0, 10.0
    for _i in range(60):
        mid = (low + high) / 2
        if _phi(mid) < q:
            low = mid
        else:
            high = mid
    return high


class TakeTime:
    """The day (0 = today) by the end of which the `n`-th case of the queue has been taken,
    when each day takes a number of cases with mean `mean` and variance `variance`."""

    def __init__(self, n: int, mean: float, variance: float) -> None:
        self.n, self.mean, self.sd = n, mean, math.sqrt(max(variance, 0.0))

    def cdf(self, day: int) -> float:
        """P(taken by the end of `day`) = P(the decisions of days 0..day reach n)."""
        if day < 0:
            return 0.0
        days = day + 1
        expected = days * self.mean
        if self.sd == 0.0:
            return 1.0 if expected >= self.n - 0.5 else 0.0
        return 1.0 - _phi((self.n - 0.5 - expected) / (self.sd * math.sqrt(days)))

    def upper(self, q: float = 0.9995) -> int:
        """A day by which the case has been taken with probability at least `q`."""
        z = _z(q)
        target = max(self.n - 0.5, 0.5)
        root = (z * self.sd + math.sqrt((z * self.sd) ** 2 + 4 * self.mean * target)) / (
            2 * self.mean
        )
        return min(HORIZON_DAYS, math.ceil(root * root) + 1)


def _weights(values: Sequence[int]) -> list[tuple[int, float]]:
    counts = Counter(values)
    total = len(values)
    return sorted((value, count / total) for value, count in counts.items())


def _quantiles_of_sum(take: TakeTime, durations: Sequence[int], qs: Sequence[float]) -> list[int]:
    """For each q the smallest day x with P(take + duration <= x) >= q, the two independent
    (exact over whole days: the take time's distribution is tabulated once)."""
    weights = _weights(durations)
    high = take.upper() + weights[-1][0]
    table = [take.cdf(day) for day in range(high + 1)]

    def cdf(x: int) -> float:
        return sum(w * table[x - d] for d, w in weights if d <= x)

    found = []
    for q in qs:
        low, top = 0, high
        while low < top:
            mid = (low + top) // 2
            if cdf(mid) >= q:
                top = mid
            else:
                low = mid + 1
        found.append(low)
    return found


def _remaining_quantile(durations: Sequence[int], elapsed: int, q: float) -> int:
    """The q-quantile of (duration - elapsed) among the durations of at least `elapsed` days.
    Past nearly all of them: an exponential tail whose mean is the mean excess of the longest
    durations over the shortest of those (memoryless: it no longer depends on `elapsed`)."""
    longer = sorted(d - elapsed for d in durations if d >= elapsed)
    if len(longer) >= TAIL_MIN:
        return longer[max(0, math.ceil(q * len(longer)) - 1)]
    tail = sorted(durations)[-max(TAIL_MIN, len(durations) // 10) :]
    mean_excess = max(1.0, sum(d - tail[0] for d in tail) / len(tail))
    return math.ceil(-math.log(1 - q) * mean_excess)


MAX_OVERTAKING = 0.9


def offsets_in_queue(history: History, ahead: int) -> tuple[int, int]:
    """Days from today to the 50 % and 80 % dates of a case with `ahead` cases before it in
    the pool (History.usable must hold)."""
    mean, variance = history.rate()
    # Every recent take passed someone (a single case left behind makes that so): the queue
    # still moves, so never count it as standing still (that divided by zero).
    overtaking = min(history.overtaking, MAX_OVERTAKING)
    take = TakeTime(ahead + 1, mean * (1.0 - overtaking), variance)
    low, high = _quantiles_of_sum(take, history.after_taken, (P50, P80))
    return low, high


def offsets_taken(history: History, elapsed: int) -> tuple[int, int]:
    """Days from today to the 50 % and 80 % dates of a case taken `elapsed` working days ago
    (days waiting for the applicant not counted)."""
    elapsed = max(0, elapsed)
    return (
        _remaining_quantile(history.after_taken, elapsed, P50),
        _remaining_quantile(history.after_taken, elapsed, P80),
    )


# --- the live queue -----------------------------------------------------------------------------


def _cache_key(case_type_id: int, today: dt.date) -> str:
    return f"cases:forecast:v{CACHE_VERSION}:{case_type_id}:{today.isoformat()}"


def history_compute(case_type_id: int, today: dt.date) -> History:
    """From the database: the type's cases decided since the window began or taken and still
    undecided, each with the moment it was first taken (one query), and the oldest case in
    its pool (one more)."""
    start = today - dt.timedelta(days=WINDOW_DAYS)
    first_taken = (
        CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEventKind.ASSIGNED)
        .order_by("at")
        .values("at")[:1]
    )
    rows = list(
        Case.objects.filter(case_type_id=case_type_id)
        .filter(
            Q(decided_on__gte=start)
            | Q(decided_on__isnull=True, status__in=UNDECIDED, assigned_to__isnull=False)
        )
        .annotate(taken_at=Subquery(first_taken))
        .values_list("decided_on", "taken_at", "received_at", "pk")
        .order_by()
    )
    decided = [(on, at) for on, at, _r, _pk in rows if on is not None and on < today]
    decided.sort(key=lambda row: row[0], reverse=True)
    durations = [(on - today_in_hamburg(at)).days for on, at in decided if at is not None][
        :DURATIONS_MAX
    ]
    takes = [
        (at, (received, pk))
        for _on, at, received, pk in rows
        if at is not None and start <= today_in_hamburg(at) < today
    ]
    oldest = (
        Case.objects.filter(POOL_CONDITION, case_type_id=case_type_id)
        .order_by("received_at", "pk")
        .values_list("received_at", "pk")
        .first()
    )
    return history_build(
        today, [on for on, _at in decided], durations, overtaking_share(takes, oldest)
    )


def history_of(case_type_id: int, today: dt.date) -> History:
    """The type's History of `today`, computed at most once a day (per cache)."""
    key = _cache_key(case_type_id, today)
    data = cache.get(key)
    if data is not None:
        return History.from_cache(data)
    history = history_compute(case_type_id, today)
    cache.set(key, history.to_cache(), timeout=26 * 3600)
    return history


# The pool's statuses as literals, not parameters: SQLite uses a partial index only when the
# query's terms match its condition literally (and then counts along `case_pool_type`, which
# an OR of the three terms would not). Keep in step with models.POOL_CONDITION.
_POSITION_SQL = """
SELECT
  (SELECT COUNT(*) FROM cases_case
   WHERE assigned_to_id IS NULL AND status IN ('received', 'in_review') AND case_type_id = %s
     AND urgency > %s)
+ (SELECT COUNT(*) FROM cases_case
   WHERE assigned_to_id IS NULL AND status IN ('received', 'in_review') AND case_type_id = %s
     AND urgency = %s AND received_at < %s)
+ (SELECT COUNT(*) FROM cases_case
   WHERE assigned_to_id IS NULL AND status IN ('received', 'in_review') AND case_type_id = %s
     AND urgency = %s AND received_at = %s AND id < %s)
"""


def position_of(case: Case) -> int:
    """The cases of its type the pool gives out before it, as "next case" orders them today:
    more urgent, or as urgent and received earlier. Three range counts on the pool's index
    (an OR of them would not use it), in one statement."""
    field = Case._meta.get_field("received_at")
    received = field.get_db_prep_value(case.received_at, connection=connection)
    t = case.case_type_id
    with connection.cursor() as cursor:
        cursor.execute(
            _POSITION_SQL,
            [t, case.urgency, t, case.urgency, received, t, case.urgency, received, case.pk],
        )
        row = cursor.fetchone()
    return int(row[0])


@dataclass(frozen=True, slots=True)
class Forecast:
    p50: dt.date
    p80: dt.date
    basis: str
    ahead: int | None  # cases before it in the pool; None once taken
    per_week: float  # decisions of the type per week lately
    waiting: bool  # waiting for the applicant or another authority now: the dates move
    norm_passed: bool = False  # the norm's date lies in the past (basis NORM)


def _in_pool(case: Case) -> bool:
    return case.assigned_to_id is None and case.status in (
        CaseStatus.RECEIVED,
        CaseStatus.IN_REVIEW,
    )


def case_forecast(
    case: Case,
    *,
    now: dt.datetime,
    events: Sequence[CaseEvent] | None = None,
    case_type: CaseType | None = None,
) -> Forecast | None:
    """The expected decision range of an undecided case (None once decided). `events` are
    the case's events in order if the caller has them already (saves a query)."""
    if case.status not in UNDECIDED:
        return None
    today = today_in_hamburg(now)
    case_type = case_type or case.case_type
    history = history_of(case.case_type_id, today)
    waiting = case.status in WAITING
    if events is None:
        events = list(
            CaseEvent.objects.filter(
                case=case,
                kind__in=[
                    CaseEventKind.STATUS_CHANGED,
                    CaseEventKind.DECIDED,
                    CaseEventKind.ASSIGNED,
                ],
            ).order_by("at", "pk")
        )
    if not history.usable:
        clock = clock_of(
            case_type, received_on=case.received_on, events=_clock_events(events), today=today
        )
        return Forecast(
            p50=max(today, clock.planned_on),
            p80=max(today, clock.planned_on),
            basis=Basis.NORM,
            ahead=None,
            per_week=history.decisions / WEEKS,
            waiting=waiting,
            norm_passed=clock.planned_on < today,
        )
    ahead: int | None = None
    if _in_pool(case):
        ahead = position_of(case)
        low, high = offsets_in_queue(history, ahead)
    else:
        low, high = offsets_taken(history, _elapsed(case, case_type, events, today))
    return Forecast(
        p50=today + dt.timedelta(days=low),
        p80=today + dt.timedelta(days=max(low, high)),
        basis=Basis.QUEUE,
        ahead=ahead,
        per_week=history.decisions / WEEKS,
        waiting=waiting,
    )


def _clock_events(events: Sequence[CaseEvent]) -> list[ClockEvent]:
    return [ClockEvent.of(e.at, e.kind, e.data) for e in events if e.kind in CLOCK_KINDS]


def _elapsed(case: Case, case_type: CaseType, events: Sequence[CaseEvent], today: dt.date) -> int:
    """Days since the case was first taken, minus the days it was suspended since."""
    taken = next((e for e in events if e.kind == CaseEventKind.ASSIGNED), None)
    taken_on = today_in_hamburg(taken.at) if taken is not None else case.received_on
    later = [e for e in _clock_events(events) if e.on >= taken_on]
    clock = clock_of(case_type, received_on=taken_on, events=later, today=today)
    return clock.net_days
