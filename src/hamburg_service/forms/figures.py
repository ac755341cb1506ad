"""Submissions per online service and day, for leads (`/staff/online/`): figures without
personal data, computed from the submissions themselves (their `submitted_at`), one aggregate
query whatever their number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncDate

from hamburg_service.catalog.hours import BERLIN
from hamburg_service.forms.definition import text_in
from hamburg_service.forms.models import FormDefinition, Submission

DAYS = 14


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    slug: str
    title: str
    counts: list[int]  # per day, in the order of `Figures.days`
    total: int


@dataclass(frozen=True, slots=True)
class Figures:
    days: list[dt.date]  # oldest first, the last is today
    services: list[ServiceFigures]
    totals: list[int]  # per day, all services

    @property
    def total(self) -> int:
        return sum(self.totals)

    def rows(self) -> list[tuple[dt.date, list[int], int]]:
        """Per day, newest first: the day, its count per service, its total."""
        return [
            (day, [s.counts[i] for s in self.services], self.totals[i])
            for i, day in reversed(list(enumerate(self.days)))
        ]


def submissions_per_day(*, today: dt.date, language: str, days: int = DAYS) -> Figures:
    """The last `days` days up to `today` (days in Hamburg): every service that has a
    definition, with its count per day (0 where none came)."""
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=BERLIN)
    counted = (
        Submission.objects.filter(submitted_at__gte=start)
        .annotate(day=TruncDate("submitted_at", tzinfo=BERLIN))
        .values("definition__slug", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_key = {(row["definition__slug"], row["day"]): row["n"] for row in counted}
    # Each service's name from its newest version.
    titles: dict[str, str] = {}
    for slug, raw in FormDefinition.objects.order_by("slug", "-version").values_list(
        "slug", "content__title"
    ):
        if slug not in titles:
            titles[slug] = text_in(raw, language) if isinstance(raw, dict) else slug
    for slug, _day in by_key:  # a submission of a service whose definitions are gone
        titles.setdefault(slug, slug)
    dates = [first + dt.timedelta(days=i) for i in range(days)]
    services = []
    for slug in sorted(titles, key=lambda s: titles[s].casefold()):
        counts = [by_key.get((slug, day), 0) for day in dates]
        services.append(ServiceFigures(slug, titles[slug] or slug, counts, sum(counts)))
    totals = [sum(s.counts[i] for s in services) for i in range(days)]
    return Figures(days=dates, services=services, totals=totals)
