"""How good is the expected decision date? A simulated year (docs/cases.md, "Expected decision
date (the forecast)"; `manage.py cases_forecast_check`).

A seeded, day-by-day model of one case type's pool, independent of the database:

- **Arrivals**: per working day Poisson around a base rate, with a seasonal swing (±20 %,
  highest in spring), a slower week at Christmas, noise per day (a gamma factor), and a few
  online applications at weekends.
- **Takes**: caseworkers take cases from the pool on working days (not on Hamburg's public
  holidays), Poisson around a capacity slightly above the mean arrivals; fewer in the summer
  school holidays and between Christmas and New Year. The pool is worked urgent first (a share
  of the arrivals: a title about to expire), then by arrival.
- **After taken**: a log-normal number of days of work, plus, for some cases, a wait for the
  applicant's documents and a wait for another authority (uniform in a range of days); the
  decision falls on the next working day.

Every case received in the measured year gets the forecast of `cases.forecast` at receipt —
the same functions the status page uses, fed with what the live system would know that
morning: the decisions per week of the last 8 weeks, the days from taken to decided of the
cases decided then, and its position in the pool — and again on the day it is taken. Its actual
decision day is compared with both: the share decided by the 50 % date (should be near 50 %),
by the 80 % date (near 80 %), and the mean absolute error of the 50 % date in days.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import deque
from dataclasses import dataclass, field

from hamburg_service.cases.forecast import (
    DURATIONS_MAX,
    WINDOW_DAYS,
    History,
    history_build,
    offsets_in_queue,
    offsets_taken,
    overtaking_share,
)

START = dt.date(2025, 1, 1)  # the first measured day; the model runs from WARM_UP days before
WARM_UP = 180
MEASURED_DAYS = 365
# Hamburg's public holidays (2024–2027) and school holidays that thin the caseworkers out.
HOLIDAYS = {
    dt.date(y, m, d)
    for y in (2024, 2025, 2026, 2027)
    for m, d in ((1, 1), (5, 1), (10, 3), (10, 31), (12, 25), (12, 26))
} | {
    dt.date(2024, 3, 29),
    dt.date(2024, 4, 1),
    dt.date(2024, 5, 9),
    dt.date(2024, 5, 20),
    dt.date(2025, 4, 18),
    dt.date(2025, 4, 21),
    dt.date(2025, 5, 29),
    dt.date(2025, 6, 9),
    dt.date(2026, 4, 3),
    dt.date(2026, 4, 6),
    dt.date(2026, 5, 14),
    dt.date(2026, 5, 25),
}
SUMMER = ((7, 10), (8, 20))  # school holidays, roughly


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    arrivals_per_workday: float
    capacity_ratio: float  # takes per working day / arrivals per working day
    work_median_days: float
    work_sigma: float
    wait_applicant_share: float
    wait_applicant_days: tuple[int, int]
    wait_authority_share: float
    wait_authority_days: tuple[int, int]
    urgent_share: float
    weekend_share: float = 0.15  # of a working day's arrivals, online
    backlog: int = 0  # cases waiting in the pool when the model starts


SCENARIOS = {
    s.name: s
    for s in (
        # Like the extension of a residence permit: busy, many questions, police checks.
        Scenario("busy", 60, 1.12, 6, 0.7, 0.35, (7, 42), 0.25, (10, 56), 0.12),
        # Like the EU Blue Card: fewer, simpler, rarely another authority.
        Scenario("medium", 12, 1.12, 4, 0.6, 0.30, (7, 35), 0.10, (10, 42), 0.05),
        # Like the settlement permit: a few a day.
        Scenario("small", 2, 1.15, 8, 0.7, 0.40, (7, 42), 0.15, (14, 56), 0.05),
        # A pool with months of backlog (as in 2023) that is worked off only slowly.
        Scenario("backlog", 40, 1.03, 6, 0.7, 0.35, (7, 42), 0.25, (10, 56), 0.12, backlog=6000),
    )
}


@dataclass(slots=True)
class SimCase:
    received: int
    seq: int  # arrival order
    urgent: bool
    measured: bool
    ahead: int = 0
    forecast: tuple[int, int] | None = None  # at receipt: days of the 50 % and 80 % dates
    at_take: tuple[int, int] | None = None
    taken: int | None = None
    decided: int | None = None
    usable: bool = True


@dataclass
class Outcome:
    scenario: str
    seed: int
    cases: int
    fallback: int  # forecasts at receipt without enough history (norm)
    by_p50: float
    by_p80: float
    mae: float
    bias: float  # mean of actual - p50 (positive: later than said)
    width: float  # mean days between the 50 % and the 80 % date
    ahead: float  # mean cases before one at receipt
    waited: float  # mean days from receipt to taken
    taken_by_p50: float
    taken_by_p80: float
    taken_mae: float
    per_quarter: list[tuple[str, float, float]] = field(default_factory=list)


def _day(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


def _workday(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def _season(day: dt.date) -> float:
    swing = 1.0 + 0.2 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 30) / 365)
    if (day.month, day.day) >= (12, 20) or (day.month, day.day) <= (1, 3):
        swing *= 0.6
    return swing


def _capacity_factor(day: dt.date) -> float:
    if SUMMER[0] <= (day.month, day.day) <= SUMMER[1]:
        return 0.8
    if (day.month, day.day) >= (12, 22) or (day.month, day.day) <= (1, 2):
        return 0.5
    return 1.0


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:  # normal approximation: fast and close enough here
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _after_taken(rng: random.Random, s: Scenario) -> int:
    days = rng.lognormvariate(math.log(s.work_median_days), s.work_sigma)
    if rng.random() < s.wait_applicant_share:
        days += rng.randint(*s.wait_applicant_days)
    if rng.random() < s.wait_authority_share:
        days += rng.randint(*s.wait_authority_days)
    return max(0, round(days))


class _Decisions:
    """Decisions by day, with the durations (taken → decided) of each day's cases."""

    def __init__(self) -> None:
        self.by_day: dict[int, list[int]] = {}

    def add(self, day: int, duration: int) -> None:
        self.by_day.setdefault(day, []).append(duration)

    def history(self, today: int, overtaking: float) -> History:
        days: list[dt.date] = []
        durations: list[int] = []
        for day in range(today - 1, today - WINDOW_DAYS - 1, -1):
            found = self.by_day.get(day, [])
            days.extend([_day(day)] * len(found))
            if len(durations) < DURATIONS_MAX:
                durations.extend(found[: DURATIONS_MAX - len(durations)])
        return history_build(_day(today), days, durations, overtaking)


def simulate(scenario: Scenario, *, seed: int = 1) -> Outcome:
    rng = random.Random(seed)
    capacity = scenario.arrivals_per_workday * scenario.capacity_ratio
    urgent: deque[SimCase] = deque()
    normal: deque[SimCase] = deque()
    decisions = _Decisions()
    due: dict[int, list[SimCase]] = {}
    measured: list[SimCase] = []
    day = -WARM_UP
    seq = 0
    normal.extend(SimCase(day, i, False, False) for i in range(scenario.backlog))
    seq = scenario.backlog
    takes: deque[tuple[tuple[int, int], int]] = deque()  # ((day, order), received seq)
    take_order = 0
    end = MEASURED_DAYS + 3 * 365
    while day < end:
        date = _day(day)
        while takes and takes[0][0][0] < day - WINDOW_DAYS:
            takes.popleft()
        oldest = min((q[0].seq for q in (urgent, normal) if q), default=None)
        history = decisions.history(day, overtaking_share(list(takes), oldest))
        for case in due.pop(day, []):
            assert case.taken is not None
            decisions.add(day, day - case.taken)
        # Arrivals, each forecast the moment it is received (behind those already in the pool).
        rate = scenario.arrivals_per_workday * _season(date) * rng.gammavariate(20, 1 / 20)
        if not _workday(date):
            rate *= scenario.weekend_share
        arrivals = _poisson(rng, rate) if day < MEASURED_DAYS else 0
        for _i in range(arrivals):
            case = SimCase(day, seq, rng.random() < scenario.urgent_share, 0 <= day < MEASURED_DAYS)
            seq += 1
            if case.measured:
                case.usable = history.usable
                # Ahead in the pool's order: the urgent ones, then (for a normal one) the rest.
                case.ahead = len(urgent) + (0 if case.urgent else len(normal))
                if history.usable:
                    case.forecast = offsets_in_queue(history, case.ahead)
                measured.append(case)
            (urgent if case.urgent else normal).append(case)
        # Takes.
        if _workday(date):
            for _i in range(_poisson(rng, capacity * _capacity_factor(date))):
                queue = urgent or normal
                if not queue:
                    break
                case = queue.popleft()
                case.taken = day
                takes.append(((day, take_order), case.seq))
                take_order += 1
                if case.measured and history.usable:
                    case.at_take = offsets_taken(history, 0)
                decided = day + _after_taken(rng, scenario)
                while not _workday(_day(decided)):
                    decided += 1
                case.decided = decided
                due.setdefault(decided, []).append(case)
        if day >= MEASURED_DAYS and not urgent and not normal and not due:
            break
        day += 1
    return _outcome(scenario, seed, measured)


def _share(hits: list[bool]) -> float:
    return sum(hits) / len(hits) if hits else float("nan")


def _outcome(scenario: Scenario, seed: int, cases: list[SimCase]) -> Outcome:
    done = [c for c in cases if c.decided is not None and c.forecast is not None]
    actual = [c.decided - c.received for c in done if c.decided is not None]
    p50 = [c.forecast[0] for c in done if c.forecast]
    p80 = [c.forecast[1] for c in done if c.forecast]
    taken = [c for c in done if c.at_take is not None and c.taken is not None]
    t_actual = [c.decided - c.taken for c in taken if c.decided is not None and c.taken is not None]
    t50 = [c.at_take[0] for c in taken if c.at_take]
    t80 = [c.at_take[1] for c in taken if c.at_take]
    quarters = []
    for q in range(4):
        inside = [i for i, c in enumerate(done) if (c.received * 4) // MEASURED_DAYS == q]
        quarters.append(
            (
                f"Q{q + 1}",
                _share([actual[i] <= p50[i] for i in inside]),
                _share([actual[i] <= p80[i] for i in inside]),
            )
        )
    n = len(done) or 1
    return Outcome(
        scenario=scenario.name,
        seed=seed,
        cases=len(cases),
        fallback=sum(1 for c in cases if not c.usable),
        by_p50=_share([a <= b for a, b in zip(actual, p50, strict=True)]),
        by_p80=_share([a <= b for a, b in zip(actual, p80, strict=True)]),
        mae=sum(abs(a - b) for a, b in zip(actual, p50, strict=True)) / n,
        bias=sum(a - b for a, b in zip(actual, p50, strict=True)) / n,
        width=sum(b - a for a, b in zip(p50, p80, strict=True)) / n,
        ahead=sum(c.ahead for c in done) / n,
        waited=sum((c.taken or 0) - c.received for c in done) / n,
        taken_by_p50=_share([a <= b for a, b in zip(t_actual, t50, strict=True)]),
        taken_by_p80=_share([a <= b for a, b in zip(t_actual, t80, strict=True)]),
        taken_mae=sum(abs(a - b) for a, b in zip(t_actual, t50, strict=True)) / (len(taken) or 1),
        per_quarter=quarters,
    )


def _pct(share: float, digits: int = 1) -> str:
    return f"{share * 100:.{digits}f} %"


def report(outcomes: list[Outcome]) -> str:
    """The results as the Markdown tables of docs/cases.md."""
    lines = [
        "| type | seed | cases | ahead at receipt | days to taken | decided by the 50 % date "
        "| by the 80 % date | mean abs. error (days) | bias (days) | 50→80 % (days) "
        "| at take: by 50 % | by 80 % | error (days) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.scenario} | {o.seed} | {o.cases} | {o.ahead:.0f} | {o.waited:.1f} "
            f"| {_pct(o.by_p50)} | {_pct(o.by_p80)} | "
            f"{o.mae:.1f} | {o.bias:+.1f} | {o.width:.1f} | {_pct(o.taken_by_p50)} | "
            f"{_pct(o.taken_by_p80)} | {o.taken_mae:.1f} |"
        )
    lines += ["", "| type | seed | " + " | ".join(f"Q{q} 50 % / 80 %" for q in range(1, 5)) + " |"]
    lines.append("| --- | ---: |" + " ---: |" * 4)
    for o in outcomes:
        cells = " | ".join(f"{_pct(a, 0)} / {_pct(b, 0)}" for _q, a, b in o.per_quarter)
        lines.append(f"| {o.scenario} | {o.seed} | {cells} |")
    return "\n".join(lines)
