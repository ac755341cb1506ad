"""Pure opening-hours arithmetic on wall-clock minutes, free of the ORM.

Times of day are minutes since local midnight (0–1440). Sets of times are sorted, disjoint,
half-open intervals. selectors.py feeds this module with rows and turns its answers into
timezone-aware datetimes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BERLIN = ZoneInfo("Europe/Berlin")
DAY = 24 * 60

Span = tuple[int, int]


def minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def normalise(spans: Iterable[Span]) -> list[Span]:
    """Sort and merge overlapping or touching spans; drop empty ones."""
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def subtract(spans: Sequence[Span], cuts: Sequence[Span]) -> list[Span]:
    """`spans` minus `cuts`; both normalised."""
    out: list[Span] = []
    for start, end in spans:
        cursor = start
        for cut_start, cut_end in cuts:
            if cut_end <= cursor or cut_start >= end:
                continue
            if cut_start > cursor:
                out.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def coverage(per_counter: Sequence[Sequence[Span]]) -> list[tuple[int, int, int]]:
    """Sweep the counters' open spans into (start, end, how many counters) pieces, count > 0."""
    edges: dict[int, int] = {}
    for spans in per_counter:
        for start, end in spans:
            edges[start] = edges.get(start, 0) + 1
            edges[end] = edges.get(end, 0) - 1
    out: list[tuple[int, int, int]] = []
    level = 0
    points = sorted(edges)
    for here, nxt in itertools.pairwise(points):
        level += edges[here]
        if level > 0:
            if out and out[-1][1] == here and out[-1][2] == level:
                out[-1] = (out[-1][0], nxt, level)
            else:
                out.append((here, nxt, level))
    return out


def local_datetime(day: dt.date, minute: int) -> dt.datetime:
    """The real instant of a wall-clock minute in Hamburg.

    A time that does not exist (the hour skipped in spring) moves forward past the gap; a time
    that exists twice (the hour repeated in autumn) means its first occurrence.
    """
    if minute >= DAY:
        return local_datetime(day + dt.timedelta(days=1), minute - DAY)
    naive = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
    aware = naive.replace(tzinfo=BERLIN, fold=0)
    return aware.astimezone(dt.UTC).astimezone(BERLIN)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The real instants where a Hamburg day starts and the next one starts."""
    return local_datetime(day, 0), local_datetime(day + dt.timedelta(days=1), 0)


@dataclass(frozen=True, slots=True)
class Holiday:
    date: dt.date
    name: str


@lru_cache(maxsize=64)
def _hamburg_holidays(year: int, language: str) -> dict[dt.date, str]:
    calendar = holidays.country_holidays("DE", subdiv="HH", years=year, language=language)
    return dict(calendar.items())


def holiday_on(day: dt.date, language: str = "de") -> str | None:
    """The name of the Hamburg public holiday on `day`, or None."""
    lang = "en_US" if language.startswith("en") else "de"
    return _hamburg_holidays(day.year, lang).get(day)
