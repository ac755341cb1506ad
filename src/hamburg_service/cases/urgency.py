"""How urgent a case is: a score in points, each part explainable (docs/cases.md, "Urgency").

"Next case" gives a caseworker the undecided case with the most points among those nobody
works on, of the types they are skilled for; equal points go to the case received first. The
parts, each shown on the case as "why this one":

| part | points |
| --- | --- |
| statutory period | 3 per day under 60 days left, more when over it |
| service norm | 2 per day under 30 days left, more when over it |
| waiting | 1 per 2 days since received, not counting suspended days |
| residence title ends within 8 weeks | 1 per day under 56 days left |
| living on a provisional certificate | 30 |
| no valid residence title | 40 |
| a minor | 20 |

The channel (online, post, counter) is not a part: no channel jumps the queue. The score
depends on today; it is stored with the day it was computed for, recomputed at every event and
each night for every undecided case (`cases.urgency_refresh`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hamburg_service.cases.clock import Clock
from hamburg_service.people.checks import BirthDate

STATUTORY_WINDOW, STATUTORY_WEIGHT = 60, 3
NORM_WINDOW, NORM_WEIGHT = 30, 2
WAITING_DAYS_PER_POINT = 2
TITLE_WINDOW = 56  # 8 weeks, as the person page flags a title
PROVISIONAL_POINTS = 30
NO_TITLE_POINTS = 40
MINOR_POINTS = 20
ADULT_AGE = 18


@dataclass(frozen=True, slots=True)
class Part:
    key: str
    points: int
    text: str


@dataclass(frozen=True, slots=True)
class Urgency:
    points: int
    parts: tuple[Part, ...]


def facts_of_person(
    *,
    birth_year: int | None,
    birth_month: int | None,
    birth_day: int | None,
    titles: list[Any] | None,
) -> dict[str, Any]:
    """What the score uses of a person, as stored on the case (no more than that): when the
    title that runs longest ends, whether that is a provisional certificate, whether they have a
    valid title at all (`titles` None: a case type of the residents' side, where titles do not
    count), and the day they come of age (a partly unknown birth date counts as the last
    possible day, so nobody is taken for a minor too long)."""
    facts: dict[str, Any] = {}
    if birth_year is not None:
        latest = BirthDate(birth_year, birth_month, birth_day).latest()
        try:
            facts["adult_on"] = latest.replace(year=birth_year + ADULT_AGE).isoformat()
        except ValueError:  # 29 February
            facts["adult_on"] = dt.date(birth_year + ADULT_AGE, 3, 1).isoformat()
    if titles is not None:
        facts["titles"] = bool(titles)
    if titles:
        longest = max(titles, key=lambda t: t.valid_until or dt.date.max)
        facts["title_until"] = longest.valid_until.isoformat() if longest.valid_until else None
        facts["title_provisional"] = longest.kind == "provisional"
    return facts


def urgency_of(clock: Clock, facts: dict[str, Any]) -> Urgency:
    """The score of an undecided case on `clock.today`."""
    today = clock.today
    parts: list[Part] = []
    left = clock.statutory_days_left
    if left is not None and left < STATUTORY_WINDOW:
        parts.append(
            Part(
                "statutory",
                STATUTORY_WEIGHT * (STATUTORY_WINDOW - left),
                ngettext(
                    "%(days)d day left to the statutory period",
                    "%(days)d days left to the statutory period",
                    left,
                )
                % {"days": left}
                if left >= 0
                else _("statutory period passed %(days)d days ago") % {"days": -left},
            )
        )
    left = clock.norm_days_left
    if left < NORM_WINDOW:
        parts.append(
            Part(
                "norm",
                NORM_WEIGHT * (NORM_WINDOW - left),
                ngettext(
                    "%(days)d day left to the service norm",
                    "%(days)d days left to the service norm",
                    left,
                )
                % {"days": left}
                if left >= 0
                else _("over the service norm by %(days)d days") % {"days": -left},
            )
        )
    if clock.net_days >= WAITING_DAYS_PER_POINT:
        parts.append(
            Part(
                "waiting",
                clock.net_days // WAITING_DAYS_PER_POINT,
                ngettext(
                    "waiting %(days)d day (not counting suspended days)",
                    "waiting %(days)d days (not counting suspended days)",
                    clock.net_days,
                )
                % {"days": clock.net_days},
            )
        )
    if "titles" in facts:
        until = facts.get("title_until")
        days = (dt.date.fromisoformat(until) - today).days if until else None
        if not facts["titles"] or (days is not None and days < 0):
            parts.append(Part("no_title", NO_TITLE_POINTS, _("no valid residence title")))
        elif facts.get("title_provisional"):
            parts.append(
                Part("provisional", PROVISIONAL_POINTS, _("living on a provisional certificate"))
            )
        elif days is not None and days < TITLE_WINDOW:
            parts.append(
                Part(
                    "title_ends",
                    TITLE_WINDOW - days,
                    ngettext(
                        "residence title ends in %(days)d day",
                        "residence title ends in %(days)d days",
                        days,
                    )
                    % {"days": days},
                )
            )
    adult_on = facts.get("adult_on")
    if adult_on and today < dt.date.fromisoformat(adult_on):
        parts.append(Part("minor", MINOR_POINTS, _("the applicant is a minor")))
    return Urgency(sum(p.points for p in parts), tuple(parts))
