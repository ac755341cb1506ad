"""A seeded year of cases for benchmarks and demos (`manage.py cases_generate`).

`cases_generate(open_count=50_000, closed_count=1_000_000, seed=1, days=365)` writes:

- the Hamburg case types (`demo.case_types_ensure`, loading the demo catalogue first where its
  services are missing), 120 caseworkers (90 immigration, 30 registration) in 8 teams with a
  team lead each and skills per type, and six front-desk staff;
- `closed_count` cases received over the last `days` days, decided or withdrawn before today:
  arrivals follow the weekday (busy Mondays, little at weekends: online and post only) and the
  season (fewer in summer and over Christmas, more in autumn); each case has a history as the
  services would have written it — received, taken from the pool (in review, assigned), a wait
  for the applicant or another authority for some, decided (approved, partly, rejected) or
  withdrawn, and for granted titles the card in production, ready for pick-up and closed. The
  pool is first come, first served within a type, as "next case" gives it out (a few urgent
  cases pass the others), so the forecast's figures of the queue are those of a real one. A
  step that would fall on today or later has not happened yet: such cases are still decided,
  in production or ready for pick-up;
- `open_count` undecided cases: two thirds in the pool (received, a few in review after being
  returned to it), one third with a caseworker (in review, waiting for the applicant — with an
  open document request — or for another authority). Where the applicant is known, the urgency
  facts are generated directly (no person records are needed: `person` stays empty).

The stored clock and urgency of every case are what `case_refresh` would have stored at its
last event (`clock.clock_of`, `urgency.urgency_of`), for open cases as of today (the nightly
refresh). Built for size: two passes over the seeded plans (the first only to sort by receipt,
so that references and keys run in the order the cases came in), rows as tuples, PostgreSQL's
COPY or SQLite's executemany, one transaction per batch, no services, no mails. The same seed
and day give the same data; a seed already generated is refused.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import json
import math
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from hamburg_service.accounts.models import Role, RoleAssignment, User
from hamburg_service.cases.clock import ClockEvent, clock_of
from hamburg_service.cases.demo import CASE_TYPES, case_types_ensure
from hamburg_service.cases.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseEventKind,
    CaseSequence,
    CaseStatus,
    CaseType,
    DocumentRequest,
    Skill,
    Team,
)
from hamburg_service.cases.services.lifecycle import REFERENCE_PREFIX, secret_hash
from hamburg_service.cases.urgency import urgency_of
from hamburg_service.catalog.hours import BERLIN
from hamburg_service.catalog.models import Service
from hamburg_service.core.db import write_transaction
from hamburg_service.people.bulk import columns_of, ids_reserve
from hamburg_service.people.names import latin_spelling
from hamburg_service.people.population import ORIGINS

S = CaseStatus
K = CaseEventKind


class GenerateError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Profile:
    """How cases of a type go: the share of arrivals, mean days in each phase, how many wait
    for the applicant or another authority (once), end rejected or withdrawn, and whether a
    grant is followed by a document to produce and pick up."""

    share: float
    pool_days: float
    work_days: float
    applicant: float
    applicant_days: float
    authority: float
    authority_days: float
    rejected: float
    withdrawn: float
    produced: bool
    english: float


PROFILES: dict[str, Profile] = {
    "residence-permit-extension": Profile(0.34, 11, 9, 0.40, 16, 0.30, 20, 0.04, 0.03, True, 0.25),
    "residence-permit": Profile(0.12, 15, 12, 0.45, 20, 0.45, 28, 0.12, 0.05, True, 0.30),
    "blue-card": Profile(0.06, 3, 6, 0.30, 12, 0.15, 10, 0.05, 0.02, True, 0.60),
    "settlement-permit": Profile(0.08, 16, 10, 0.40, 18, 0.20, 20, 0.10, 0.04, True, 0.15),
    "information-block": Profile(0.10, 3, 3, 0.15, 10, 0.0, 0, 0.08, 0.03, False, 0.03),
    "dog-registration": Profile(0.30, 4, 2, 0.20, 12, 0.0, 0, 0.02, 0.02, False, 0.03),
}
IMMIGRATION_WORKERS, REGISTRATION_WORKERS = 90, 30
TEAMS = {"immigration": ("Aufenthalt", 6), "residents": ("Meldewesen", 2)}
DESK_STAFF = 6
POOL_RELEASED = 0.03  # pool cases taken once and returned (in review, nobody works on them)
ASSIGNED_EVERY = 3  # every third open case is with a caseworker
CHANNELS = (("online", 0.45), ("post", 0.20), ("counter", 0.25), ("desk", 0.10))
CLOSED_TRIES = 60
WEEKDAY_WEIGHT = (1.25, 1.1, 1.0, 1.1, 0.85, 0.12, 0.05)

# Steps of a plan (in this order on the same day).
TAKE, WAIT_APP, BACK_APP, WAIT_AUTH, BACK_AUTH, DECIDE, WITHDRAW = range(7)
PRODUCE, READY, CLOSE, RELEASE = range(7, 11)
APPROVED, PARTLY, REJECTED = "approved", "partly_approved", "rejected"
REASONS = {
    WAIT_APP: "Unterlagen nachgefordert",
    BACK_APP: "Unterlagen eingegangen",
    WAIT_AUTH: "Beteiligung einer anderen Behörde (Sicherheitsabfrage, Bundesagentur für Arbeit)",
    BACK_AUTH: "Antwort der Behörde eingegangen",
    WITHDRAW: "Antrag zurückgenommen",
    RELEASE: "Urlaubsvertretung",
}
# A request for a type without required documents says what it wants.
REQUEST_MESSAGE = "Bitte begründen Sie Ihren Antrag und legen Sie Nachweise bei."
DECISION_REASONS = {
    APPROVED: "Die Voraussetzungen sind erfüllt.",
    PARTLY: "Die Voraussetzungen sind zum Teil erfüllt.",
    REJECTED: "Die Voraussetzungen sind nicht erfüllt.",
}


Step = tuple[int, int, str, int]  # (day, step, outcome, minute or -1: drawn when written)


@dataclass(slots=True)
class Plan:
    """One case before it is written: its type, the day (an ordinal, `date.toordinal()`) and
    minute (Hamburg time) it came in, how, and its steps in order."""

    slug: str
    received: int
    minute: int
    channel: str
    steps: list[Step] = field(default_factory=list)
    open: bool = False


# Days are ordinals (plain ints: the planner does millions of day sums); 1 is a Monday.
def _weekday(day: int) -> int:
    return (day - 1) % 7


def _workday(day: int) -> int:
    """The day, or the Monday after a weekend day."""
    weekday = (day - 1) % 7
    return day + (7 - weekday if weekday >= 5 else 0)


def _below(rng: random.Random, n: int) -> int:
    """0 … n-1 (what randrange does, several times faster)."""
    return int(rng.random() * n)


def _gamma(rng: random.Random, mean: float) -> int:
    """Whole days, mean about `mean`, rarely zero: a shape-2 gamma, the sum of two
    exponentials."""
    if mean <= 0:
        return 0
    return int(-mean / 2 * math.log((1.0 - rng.random()) * (1.0 - rng.random())) + 0.5)


def _pick(rng: random.Random, cumulative: Sequence[float], items: Sequence[Any]) -> Any:
    return items[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def _cumulative(weights: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _season(day: dt.date) -> float:
    """More applications in autumn (studies, jobs), fewer in summer and over Christmas."""
    if (day.month == 12 and day.day >= 23) or (day.month == 1 and day.day <= 2):
        return 0.45
    doy = day.timetuple().tm_yday
    factor = 1.0 + 0.10 * math.cos(2 * math.pi * (doy - 20) / 365)
    if day.month in (7, 8):
        factor *= 0.85
    if day.month in (9, 10):
        factor *= 1.15
    return factor


# The pool is first come, first served within a type (next case orders by urgency, which for
# cases without special facts grows with the days waited): a case received at moment x is
# taken at x + delay(x), a smooth function whose slope is far below one, so the takes keep the
# order of receipt. The delay is longest after the autumn rush. A few cases (a minor, a title
# running out) are urgent and taken after a fraction of it, passing the others.
DELAY_PEAK = dt.date(2026, 11, 1).toordinal()
DELAY_SWING = 0.25
URGENT_SHARE, URGENT_DELAY = 0.06, 0.15


def _office_moment(moment: float) -> tuple[int, int]:
    """A moment in days (ordinal + fraction) as the day and minute a caseworker takes the case:
    office hours 9:00–17:00 on weekdays, and what falls on a weekend first thing on Monday
    (Saturday's before Sunday's) — the order of moments is kept."""
    day = int(moment)
    fraction = moment - day
    weekday = _weekday(day)
    if weekday == 5:
        return day + 2, 450 + int(fraction * 45)
    if weekday == 6:
        return day + 1, 495 + int(fraction * 45)
    return day, 540 + int(fraction * 480)


class _Planner:
    """The seeded plans. `closed(i)` and `open(i)` give the same plan for the same i, however
    often they are asked (each case has its own random stream)."""

    def __init__(self, *, seed: int, today: dt.date, days: int, slugs: list[str]) -> None:
        self.seed, self.days = seed, days
        self.today = today.toordinal()
        self.yesterday = self.today - 1
        self.start = self.today - days
        self.slugs = slugs
        profiles = [PROFILES[s] for s in slugs]
        self.type_cum = _cumulative([p.share for p in profiles])
        # Open cases by Little's law: arrivals times the time spent at work.
        self.work_cum = _cumulative(
            [
                p.share
                * (p.work_days + p.applicant * p.applicant_days + p.authority * p.authority_days)
                for p in profiles
            ]
        )
        self.weights = {
            day: WEEKDAY_WEIGHT[_weekday(day)] * _season(dt.date.fromordinal(day))
            for day in range(self.start - 400, self.today + 1)
        }
        self.days_list = list(range(self.start, self.today))
        self.day_cum = _cumulative([self.weights[d] for d in self.days_list])
        self.channel_cum = _cumulative([w for _c, w in CHANNELS])
        self.channels = [c for c, _w in CHANNELS]
        # Where the pool begins today: cases received after `cutoff` are not taken yet.
        self.cutoff = {slug: self._cutoff(slug) for slug in slugs}
        # In the pool now, by type: arrivals since the cutoff.
        self.pool_cum = _cumulative(
            [p.share * (self.today - self.cutoff[s]) for s, p in zip(slugs, profiles, strict=True)]
        )
        self.rng = random.Random()

    def delay(self, slug: str, moment: float) -> float:
        phase = 2 * math.pi * (moment - DELAY_PEAK) / 365.2425
        return PROFILES[slug].pool_days * (1 + DELAY_SWING * math.cos(phase))

    def _cutoff(self, slug: str) -> float:
        low, high = float(self.start - 400), float(self.today)
        for _i in range(50):
            mid = (low + high) / 2
            if mid + self.delay(slug, mid) < self.today:
                low = mid
            else:
                high = mid
        return high

    def take(self, plan: Plan, *, urgent: bool = False) -> tuple[int, int]:
        """When the pool gives the case out (day, minute)."""
        moment = plan.received + plan.minute / 1440
        wait = self.delay(plan.slug, moment) * (URGENT_DELAY if urgent else 1.0)
        return _office_moment(moment + max(wait, 0.5))

    def _stream(self, i: int, kind: int) -> random.Random:
        self.rng.seed(self.seed * 1_000_003 * 4 + kind * 1_000_003 + i)
        return self.rng

    def _arrival(self, rng: random.Random, plan: Plan) -> None:
        """The minute and channel: offices on weekdays, online and post every day."""
        channel = _pick(rng, self.channel_cum, self.channels)
        if _weekday(plan.received) >= 5 and channel in ("counter", "desk"):
            channel = "online"
        plan.channel = channel
        if channel == "online":
            plan.minute = 6 * 60 + _below(rng, 17 * 60)  # never near the clock change
        else:
            plan.minute = 8 * 60 + _below(rng, 8 * 60)

    def _life(
        self, rng: random.Random, profile: Profile, taken: tuple[int, int], *, end: str
    ) -> list[Step]:
        """The steps from the moment taken: waits, then the decision or withdrawal, then
        production and pick-up. `end` "withdraw_review"/"withdraw_waiting" ends early."""
        day = taken[0]
        steps: list[Step] = [(day, TAKE, "", taken[1])]
        day = _workday(day + _gamma(rng, profile.work_days / 2))
        for chance, mean, wait, back in (
            (profile.applicant, profile.applicant_days, WAIT_APP, BACK_APP),
            (profile.authority, profile.authority_days, WAIT_AUTH, BACK_AUTH),
        ):
            if rng.random() < chance:
                steps.append((day, wait, "", -1))
                day = _workday(day + max(1, _gamma(rng, mean)))
                if end == "withdraw_waiting":
                    steps.append((day, WITHDRAW, "", -1))
                    return steps
                steps.append((day, back, "", -1))
        day = _workday(day + _gamma(rng, profile.work_days / 2))
        if end.startswith("withdraw"):
            steps.append((day, WITHDRAW, "", -1))
            return steps
        u = rng.random()
        outcome = REJECTED if u < profile.rejected else PARTLY if u < 0.03 else APPROVED
        steps.append((day, DECIDE, outcome, -1))
        if outcome == REJECTED:
            return steps
        if profile.produced:
            for step, low, high in ((PRODUCE, 1, 3), (READY, 10, 28), (CLOSE, 1, 21)):
                day = _workday(day + low + _below(rng, high - low + 1))
                steps.append((day, step, "", -1))
        else:
            day = _workday(day + _below(rng, 3))
            steps.append((day, CLOSE, "", -1))
        return steps

    def _received(self, rng: random.Random, low: float, high: float) -> int:
        """A day in [low, high) by the arrival weights (the window's days only)."""
        first = bisect.bisect_left(self.days_list, math.ceil(low))
        last = bisect.bisect_left(self.days_list, math.ceil(high))
        if last <= first:
            return self.days_list[max(0, min(first, len(self.days_list) - 1))]
        base = self.day_cum[first - 1] if first > 0 else 0.0
        u = base + rng.random() * (self.day_cum[last - 1] - base)
        return self.days_list[min(last - 1, bisect.bisect_left(self.day_cum, u))]

    def closed(self, i: int) -> Plan:
        """A case decided or withdrawn before today, received within the window: arrival and
        life drawn together until the decision falls before today (so the recent arrivals
        are mostly the open cases, as in a steady state)."""
        rng = self._stream(i, 0)
        slug = _pick(rng, self.type_cum, self.slugs)
        profile = PROFILES[slug]
        for _try in range(CLOSED_TRIES):
            u = rng.random()
            end = "decide"
            if u < profile.withdrawn:
                where = int(u * 3 / profile.withdrawn)
                end = ("withdraw_pool", "withdraw_review", "withdraw_waiting")[where]
            plan = Plan(slug, self._received(rng, self.start, self.today), 0, "")
            self._arrival(rng, plan)
            taken = self.take(plan, urgent=rng.random() < URGENT_SHARE)
            if end == "withdraw_pool":  # while waiting in the pool
                day = plan.received + int(rng.random() * (taken[0] - plan.received + 1))
                steps: list[Step] = [(_workday(day), WITHDRAW, "", -1)]
            else:
                steps = self._life(rng, profile, taken, end=end)
            last = next(d for d, step, _o, _m in reversed(steps) if step in (DECIDE, WITHDRAW))
            if last <= self.yesterday:
                break
        else:  # a window too short for this type's lives: decided by yesterday
            steps = [(min(d, self.yesterday), s, o, m) for d, s, o, m in steps]
        plan.steps = [s for s in steps if s[0] <= self.yesterday]
        return plan

    def open(self, i: int) -> Plan:
        """An undecided case: with a caseworker (every third) or in the pool."""
        rng = self._stream(i, 1)
        assigned = i % ASSIGNED_EVERY == 0
        slug = _pick(rng, self.work_cum if assigned else self.pool_cum, self.slugs)
        profile = PROFILES[slug]
        cutoff = self.cutoff[slug]
        if not assigned:
            if rng.random() < POOL_RELEASED:
                # Taken in the last days and given back: received just before the cutoff.
                for back in range(1, 8):
                    plan = Plan(slug, self._received(rng, cutoff - back, cutoff), 0, "", open=True)
                    self._arrival(rng, plan)
                    taken = self.take(plan)
                    if taken[0] <= self.yesterday:
                        released = min(self.yesterday, taken[0] + _below(rng, 2))
                        plan.steps = [(taken[0], TAKE, "", taken[1]), (released, RELEASE, "", -1)]
                        return plan
            for _try in range(20):  # received after the cutoff: not taken yet
                plan = Plan(slug, self._received(rng, cutoff, self.today), 0, "", open=True)
                self._arrival(rng, plan)
                if self.take(plan)[0] >= self.today:
                    break
            return plan
        # With a caseworker: somewhere in its life between taken and decided, uniformly.
        urgent = rng.random() < URGENT_SHARE
        position = rng.random()
        state = rng.getstate()
        life = self._life(rng, profile, (self.today, 540), end="decide")
        decision = next(d for d, step, _o, _m in life if step == DECIDE)
        into = 1 + int(position * max(1, decision - self.today))
        rng.setstate(state)  # the same life again, from the moment it was taken
        target = self.today - into
        plan = Plan(slug, target, 0, "", open=True)
        self._arrival(rng, plan)
        for _try in range(10):
            wait = self.delay(slug, plan.received) * (URGENT_DELAY if urgent else 1.0)
            plan.received = max(self.start, target - round(wait))
            taken = self.take(plan, urgent=urgent)
            if taken[0] <= self.yesterday or plan.received == self.start:
                break
            target -= taken[0] - self.yesterday
        if _weekday(plan.received) >= 5:
            plan.channel = "online"
        steps = self._life(rng, profile, taken, end="decide")
        cut = [s for s in steps if s[0] <= self.yesterday]
        # Undecided today: the decision (and what follows it) has not happened yet.
        plan.steps = cut[: next((n for n, s in enumerate(cut) if s[1] == DECIDE), len(cut))]
        return plan


# --- people and staff ----------------------------------------------------------------------------


@functools.cache
def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ı", "i"))
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c == "-")).lower()


class _Names:
    """Applicants' names as written on an application (Latin script), by origin."""

    def __init__(self) -> None:
        def latin(names: Sequence[str], cyrillic: bool) -> list[str]:
            return [latin_spelling(n) if cyrillic else n for n in names]

        self.origins = [
            (
                latin(o.family, o.cyrillic),
                latin(o.male, o.cyrillic) + latin(o.female, o.cyrillic),
            )
            for o in ORIGINS
        ]
        self.all_cum = _cumulative([o.weight for o in ORIGINS])
        self.foreign_cum = _cumulative([o.weight if o.needs_title else 0.0 for o in ORIGINS])

    def name(self, rng: random.Random, *, foreign: bool) -> tuple[str, str]:
        families, givens = _pick(rng, self.foreign_cum if foreign else self.all_cum, self.origins)
        return givens[_below(rng, len(givens))], families[_below(rng, len(families))]


@dataclass
class _Staff:
    workers: dict[str, list[int]]  # case type slug -> skilled caseworkers (ids)
    weights: dict[str, list[float]]  # their capacity, cumulative
    leads: dict[str, list[int]]  # agency -> team leads
    desk: list[int]
    caseworkers: int
    teams: int


def _staff_make(rng: random.Random, seed: int, types: dict[str, CaseType], names: _Names) -> _Staff:
    prefix = f"gen{seed}-"
    if User.objects.filter(username__startswith=prefix).exists():
        raise GenerateError(f"Cases with seed {seed} exist already; choose another seed.")
    by_agency: dict[str, list[str]] = {}
    for slug, case_type in types.items():
        by_agency.setdefault(case_type.agency, []).append(slug)
    workers: dict[str, list[int]] = {slug: [] for slug in types}
    capacity: dict[str, list[float]] = {slug: [] for slug in types}
    leads: dict[str, list[int]] = {}
    roles: list[RoleAssignment] = []
    skills: list[Skill] = []

    def user(username: str) -> User:
        given, family = names.name(rng, foreign=False)
        made = User(username=username, first_name=given, last_name=family)
        made.set_unusable_password()
        made.save()
        return made

    caseworkers = 0
    teams = 0
    for agency, (team_name, team_count) in TEAMS.items():
        slugs = by_agency.get(agency, [])
        if not slugs:
            continue
        count = IMMIGRATION_WORKERS if agency == "immigration" else REGISTRATION_WORKERS
        role = (
            Role.CASEWORKER_IMMIGRATION if agency == "immigration" else Role.CASEWORKER_REGISTRATION
        )
        # The busiest type is everyone's; the others each a share of the team.
        main = max(slugs, key=lambda s: PROFILES[s].share)
        for t in range(team_count):
            team = Team.objects.create(
                name=f"{team_name} {chr(65 + t)} (gen {seed})", agency=agency
            )
            teams += 1
            lead = user(f"{prefix}lead-{agency[:3]}-{t + 1}")
            roles.append(RoleAssignment(user=lead, role=Role.TEAM_LEAD))
            leads.setdefault(agency, []).append(lead.pk)
            members = [lead]
            for _n in range(count // team_count):
                worker = user(f"{prefix}cw-{caseworkers + 1:03d}")
                caseworkers += 1
                members.append(worker)
                roles.append(RoleAssignment(user=worker, role=role))
                weight = rng.uniform(0.5, 1.5)  # part-time, experience
                for slug in slugs:
                    if slug == main or rng.random() < 0.55:
                        skills.append(Skill(user=worker, case_type=types[slug]))
                        workers[slug].append(worker.pk)
                        capacity[slug].append(weight)
            team.members.add(*members)
    desk = []
    for n in range(DESK_STAFF):
        clerk = user(f"{prefix}desk-{n + 1}")
        roles.append(RoleAssignment(user=clerk, role=Role.FRONT_DESK))
        desk.append(clerk.pk)
    RoleAssignment.objects.bulk_create(roles)
    Skill.objects.bulk_create(skills)
    return _Staff(
        workers=workers,
        weights={slug: _cumulative(w) for slug, w in capacity.items()},
        leads=leads,
        desk=desk,
        caseworkers=caseworkers,
        teams=teams,
    )


# --- rows ----------------------------------------------------------------------------------------

EVENT_COLUMNS = ("case_id", "at", "kind", "actor_kind", "actor_user_id", "actor_name", "data")


def _copy_or_many(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert tuples (values ready for the driver) into `model`'s columns `names`: COPY on
    PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    fields = {f.attname: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(str(fields[n].column)) for n in names)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as wrapper:
            cursor = getattr(wrapper, "cursor", wrapper)
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join("?" * len(names))
    connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608 - names from the model


class _Writer:
    """Turns plans into rows: the case, its events, and for a case waiting for documents its
    request; computes the stored clock and urgency as `case_refresh` would have."""

    def __init__(
        self,
        *,
        seed: int,
        today: dt.date,
        types: dict[str, CaseType],
        staff: _Staff,
        names: _Names,
    ) -> None:
        self.today, self.types, self.staff, self.names = today, types, staff, names
        self.rng = random.Random(seed * 7919 + 17)
        self.sqlite = connection.vendor == "sqlite"
        self._midnight: dict[int, dt.datetime] = {}
        self._dates: dict[int, dt.date] = {}
        self._json: dict[Any, str] = {}
        self.case_columns = columns_of(Case)
        self.case_row = itemgetter(*self.case_columns)
        self.counts: Counter[str] = Counter()

    # values as the driver takes them
    def date(self, day: int) -> dt.date:
        found = self._dates.get(day)
        if found is None:
            found = self._dates[day] = dt.date.fromordinal(day)
        return found

    def at(self, day: int, minute: int) -> Any:
        """The moment `minute` after midnight of `day` in Hamburg (UTC; no event is near the
        clock change at night)."""
        base = self._midnight.get(day)
        if base is None:
            date = self.date(day)
            noon = dt.datetime(date.year, date.month, date.day, 12, tzinfo=BERLIN)
            offset = noon.utcoffset() or dt.timedelta()
            base = dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC) - offset
            if self.sqlite:  # what Django's SQLite backend stores: UTC without the zone
                base = base.replace(tzinfo=None)
            self._midnight[day] = base
        value = base + dt.timedelta(minutes=minute)
        return str(value) if self.sqlite else value

    def day(self, day: dt.date | None) -> Any:
        if day is None:
            return None
        return day.isoformat() if self.sqlite else day

    def json(self, key: Any, value: dict[str, Any]) -> str:
        """`value` as JSON, made once per `key` (the payloads repeat)."""
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = json.dumps(value, ensure_ascii=False)
        return text

    def worker(self, slug: str) -> int:
        return _pick(self.rng, self.staff.weights[slug], self.staff.workers[slug])

    def facts(self, case_type: CaseType, slug: str) -> dict[str, Any]:
        """What the urgency knows of an identified applicant (two in three are)."""
        rng = self.rng
        if rng.random() > 0.66:
            return {}
        facts: dict[str, Any] = {}
        minor = rng.random() < (0.06 if case_type.agency == "immigration" else 0.02)
        days = 1 + _below(rng, 17 * 365) if minor else -1 - _below(rng, 60 * 365)
        facts["adult_on"] = (self.today + dt.timedelta(days=days)).isoformat()
        if case_type.agency != "immigration":
            return facts
        if slug == "residence-permit" and rng.random() < 0.3:
            facts["titles"] = False
            return facts
        facts["titles"] = True
        ahead = {"residence-permit-extension": (-10, 150), "settlement-permit": (0, 365)}
        low, high = ahead.get(slug, (0, 200))
        until = self.today + dt.timedelta(days=low + _below(rng, high - low + 1))
        facts["title_until"] = until.isoformat()
        facts["title_provisional"] = slug == "residence-permit-extension" and rng.random() < 0.08
        return facts

    def case(
        self,
        plan: Plan,
        pk: int,
        reference: str,
        events: list[tuple[Any, ...]],
        requests: list[dict[str, Any]],
    ) -> tuple[Any, ...]:
        rng = self.rng
        slug = plan.slug
        case_type = self.types[slug]
        profile = PROFILES[slug]
        immigration = case_type.agency == "immigration"
        given, family = self.names.name(rng, foreign=immigration)
        channel = plan.channel
        email = ""
        if channel == "online" or rng.random() < 0.55:
            email = f"{_ascii(given)}.{_ascii(family)}{_below(rng, 100)}@example.org"
        received_at = self.at(plan.received, plan.minute)
        if channel == "online":
            receiver: tuple[Any, ...] = ("resident", None, email.lower())
        else:
            receiver = ("staff", self.staff.desk[_below(rng, len(self.staff.desk))], "")
        events.append(
            (
                pk,
                received_at,
                K.RECEIVED,
                *receiver,
                self.json(("received", channel, slug), {"channel": channel, "type": slug}),
            )
        )
        status: str = S.RECEIVED
        assigned: int | None = None
        worker: int | None = None
        decided_on: int | None = None
        outcome = ""
        closed_at: Any = None
        clock_events: list[ClockEvent] = []
        last_day, last_minute = plan.received, plan.minute
        waiting_request: tuple[int, int] | None = None

        def move(on: int, minute: int, target: str, reason: str, actor: int | None) -> None:
            nonlocal status, closed_at
            source = status
            data = self.json(
                ("status", source, target, reason),
                {"from": source, "to": target, "reason": reason},
            )
            events.append((pk, self.at(on, minute), K.STATUS_CHANGED, "staff", actor, "", data))
            clock_events.append(ClockEvent(self.date(on), K.STATUS_CHANGED, target))
            status = target
            if target in (S.CLOSED, S.WITHDRAWN, S.REJECTED) and closed_at is None:
                closed_at = self.at(on, minute)

        for on, step, result, at_minute in plan.steps:
            # Office hours, after the case's previous event of that day.
            earliest = last_minute + 1 if on == last_day else 7 * 60 + 30
            if at_minute < 0:
                at_minute = 7 * 60 + 30 + _below(rng, 9 * 60)
            minute = max(earliest, at_minute)
            if minute >= 24 * 60:
                minute = earliest if earliest < 24 * 60 else 24 * 60 - 1
            last_day, last_minute = on, minute
            if step == TAKE:
                worker = self.worker(slug)
                assigned = worker
                if status == S.RECEIVED:
                    move(on, minute, S.IN_REVIEW, "", worker)
                events.append(
                    (
                        pk,
                        self.at(on, minute),
                        K.ASSIGNED,
                        "staff",
                        worker,
                        "",
                        self.json(("assigned", worker), {"to": worker, "by_lead": False}),
                    )
                )
            elif step == RELEASE:
                events.append(
                    (
                        pk,
                        self.at(on, minute),
                        K.RELEASED,
                        "staff",
                        worker,
                        "",
                        self.json(
                            ("released", worker),
                            {"from": worker, "reason": REASONS[RELEASE]},
                        ),
                    )
                )
                assigned = None
            elif step in (WAIT_APP, WAIT_AUTH):
                target = S.WAITING_APPLICANT if step == WAIT_APP else S.WAITING_AUTHORITY
                move(on, minute, target, REASONS[step], worker)
                if step == WAIT_APP:
                    waiting_request = (on, minute)
            elif step in (BACK_APP, BACK_AUTH):
                move(on, minute, S.IN_REVIEW, REASONS[step], worker)
                waiting_request = None
            elif step == WITHDRAW:
                actor = (
                    worker if worker is not None else rng.choice(self.staff.leads[case_type.agency])
                )
                move(on, minute, S.WITHDRAWN, REASONS[WITHDRAW], actor)
                assigned = None if worker is None else assigned
            elif step == DECIDE:
                outcome = result
                decided_on = on
                target = S.REJECTED if result == REJECTED else S.DECIDED
                move(on, minute, target, DECISION_REASONS[result], worker)
                events.append(
                    (
                        pk,
                        self.at(on, minute),
                        K.DECIDED,
                        "staff",
                        worker,
                        "",
                        self.json(
                            ("decided", result),
                            {"outcome": result, "reasons": DECISION_REASONS[result]},
                        ),
                    )
                )
                clock_events.append(ClockEvent(self.date(on), K.DECIDED, ""))
            elif step == PRODUCE:
                move(on, minute, S.IN_PRODUCTION, "", worker)
            elif step == READY:
                move(on, minute, S.READY_FOR_PICKUP, "", worker)
            elif step == CLOSE:
                move(on, minute, S.CLOSED, "", worker)

        facts = self.facts(case_type, slug) if plan.open else {}
        undecided = status in (S.RECEIVED, S.IN_REVIEW, S.WAITING_APPLICANT, S.WAITING_AUTHORITY)
        clock = clock_of(
            case_type,
            received_on=self.date(plan.received),
            events=clock_events,
            today=self.today if undecided else self.date(last_day),
        )
        urgency = urgency_of(clock, facts).points if undecided else 0
        if waiting_request is not None and status == S.WAITING_APPLICANT:
            requests.append(
                {
                    "case": pk,
                    "on": waiting_request[0],
                    "minute": waiting_request[1],
                    "worker": worker,
                    "keys": [d for d in case_type.required_documents if rng.random() < 0.5][:2]
                    or list(case_type.required_documents[:1]),
                    "by_post": not email,
                }
            )
        # A secret nobody is told (the bench sets known ones where it needs them).
        secret = f"{rng.getrandbits(50):013X}"
        self.counts[status] += 1
        row = {
            "id": pk,
            "reference": reference,
            "case_type_id": case_type.pk,
            "person_id": None,
            "citizen_id": None,
            "applicant_name": f"{given} {family}",
            "applicant_email": email,
            "language": "en" if rng.random() < profile.english else "de",
            "channel": channel,
            "status": status,
            "received_at": received_at,
            "received_on": self.day(self.date(plan.received)),
            "assigned_to_id": assigned if undecided else (worker if worker is not None else None),
            "decided_on": None if decided_on is None else self.day(self.date(decided_on)),
            "outcome": outcome,
            "closed_at": closed_at,
            "secret_hash": secret_hash(reference, secret),
            "suspended_days": clock.suspended_days,
            "suspended_since": self.day(clock.suspended_since),
            "planned_on": self.day(clock.planned_on),
            "statutory_due_on": self.day(clock.statutory_due_on),
            "urgency": urgency,
            "urgency_on": self.day(clock.today),
            "facts": json.dumps(facts) if facts else "{}",
        }
        return self.case_row(row)

    def requests_write(self, requests: list[dict[str, Any]], events: list[tuple[Any, ...]]) -> int:
        """The open document requests of the cases waiting for the applicant (with the
        documents asked for and the event), keys reserved first."""
        if not requests:
            return 0
        ids = ids_reserve(DocumentRequest, len(requests))
        request_rows, document_rows = [], []
        for pk, item in zip(ids, requests, strict=True):
            created = self.at(item["on"], item["minute"])
            due = max(
                self.date(item["on"]) + dt.timedelta(days=14), self.today + dt.timedelta(days=3)
            )
            nonce = hashlib.sha256(f"cases-generate:{item['case']}:{pk}".encode()).hexdigest()[:32]
            request_rows.append(
                (
                    pk,
                    item["case"],
                    "" if item["keys"] else REQUEST_MESSAGE,
                    self.day(due),
                    created,
                    nonce,
                    hashlib.sha256(f"token:{nonce}".encode()).hexdigest(),
                    None,
                    None,
                    None,
                )
            )
            for document in item["keys"]:
                document_rows.append(
                    (item["case"], document["key"], document["de"], created, None, pk)
                )
            events.append(
                (
                    item["case"],
                    created,
                    K.DOCUMENTS_REQUESTED,
                    "staff",
                    item["worker"],
                    "",
                    json.dumps(
                        {
                            "request": pk,
                            "documents": [d["key"] for d in item["keys"]],
                            "due_on": due.isoformat(),
                            "by_post": item["by_post"],
                        }
                    ),
                )
            )
        _copy_or_many(
            DocumentRequest,
            (
                "id",
                "case_id",
                "message",
                "due_on",
                "created_at",
                "link_nonce",
                "token_hash",
                "reminded_at",
                "answered_at",
                "overdue_at",
            ),
            request_rows,
        )
        _copy_or_many(
            CaseDocument,
            ("case_id", "key", "label", "requested_at", "received_at", "request_id"),
            document_rows,
        )
        return len(request_rows)


def _services_ensure() -> None:
    """The catalogue services the case types hang on: the demo city if any is missing."""
    wanted = {spec["service"] for spec in CASE_TYPES}
    if set(Service.objects.filter(slug__in=wanted).values_list("slug", flat=True)) != wanted:
        from hamburg_service.catalog.demo import demo_city_load

        demo_city_load()


def cases_generate(
    *,
    open_count: int,
    closed_count: int,
    seed: int = 1,
    days: int = 365,
    batch_size: int = 10_000,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Generate the staff and the cases (see the module); returns what was written and the
    seconds it took."""
    if open_count < 0 or closed_count < 0 or batch_size < 1 or days < 30:
        raise GenerateError("Counts must not be negative, the window at least 30 days.")
    started = time.monotonic()
    today = today or timezone.localdate()
    _services_ensure()
    case_types_ensure()
    types = {t.slug: t for t in CaseType.objects.filter(slug__in=list(PROFILES), is_active=True)}
    if not types:
        raise GenerateError("None of the Hamburg case types is there and active.")
    slugs = [s for s in PROFILES if s in types]
    names = _Names()
    with write_transaction():
        staff = _staff_make(random.Random(seed), seed, types, names)
    planner = _Planner(seed=seed, today=today, days=days, slugs=slugs)

    # Pass 1: when each case came in, to write them in that order.
    keys: list[int] = []
    for kind, count, plan_of in ((0, closed_count, planner.closed), (1, open_count, planner.open)):
        for i in range(count):
            plan = plan_of(i)
            minutes = (plan.received - planner.start) * 1440 + plan.minute
            keys.append((minutes << 25) | (kind << 24) | i)
    keys.sort()
    if progress:
        progress(f"planned {len(keys):,} cases in {time.monotonic() - started:.1f} s")

    # References: the year's sequence is taken for all of them at once (other cases may be
    # opened meanwhile).
    per_year: Counter[int] = Counter()
    for key in keys:
        per_year[dt.date.fromordinal(planner.start + (key >> 25) // 1440).year] += 1
    first_number: dict[int, int] = {}
    with write_transaction():
        for year, count in sorted(per_year.items()):
            sequence, _created = CaseSequence.objects.select_for_update().get_or_create(year=year)
            first_number[year] = sequence.last + 1
            sequence.last += count
            sequence.save(update_fields=["last"])

    writer = _Writer(seed=seed, today=today, types=types, staff=staff, names=names)
    totals: Counter[str] = Counter()
    next_number = dict(first_number)
    mask = (1 << 24) - 1
    for first in range(0, len(keys), batch_size):
        chunk = keys[first : first + batch_size]
        plans = [(planner.open if (key >> 24) & 1 else planner.closed)(key & mask) for key in chunk]
        case_rows: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        requests: list[dict[str, Any]] = []
        with write_transaction():
            ids = ids_reserve(Case, len(plans))
            for pk, plan in zip(ids, plans, strict=True):
                year = writer.date(plan.received).year
                reference = f"{REFERENCE_PREFIX}-{year}-{next_number[year]:06d}"
                next_number[year] += 1
                case_rows.append(writer.case(plan, pk, reference, events, requests))
                totals["open" if plan.open else "closed"] += 1
            _copy_or_many(Case, writer.case_columns, case_rows)
            totals["document_requests"] += writer.requests_write(requests, events)
            _copy_or_many(CaseEvent, EVENT_COLUMNS, events)
        totals["events"] += len(events)
        if progress:
            progress(
                f"{first + len(chunk):,} cases, {totals['events']:,} events after "
                f"{time.monotonic() - started:.1f} s"
            )
    by_status = {str(k): v for k, v in sorted(writer.counts.items()) if k != "events"}
    return {
        "cases": totals["open"] + totals["closed"],
        "open": totals["open"],
        "closed": totals["closed"],
        "events": totals["events"],
        "document_requests": totals["document_requests"],
        "by_status": by_status,
        "caseworkers": staff.caseworkers,
        "teams": staff.teams,
        "today": today.isoformat(),
        "seconds": round(time.monotonic() - started, 2),
    }
