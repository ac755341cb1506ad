"""Retention: each app deletes or anonymises what it no longer needs, as a daily job of the
one scheduler, and reports every run here (RetentionRun); counts that later figures need are
kept as anonymised daily facts (DailyFact). The rules and their legal grounds are settings,
listed in docs/people.md ("Retention")."""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally

from django.db import transaction
from django.db.models import F

from hamburg_service.core.models import DailyFact, RetentionRun


def retention_report(*, rule: str, before: dt.datetime, count: int, at: dt.datetime) -> int:
    """Record one run of a rule; returns `count` (what the job reports)."""
    RetentionRun.objects.create(at=at, rule=rule, before=before, count=count)
    return count


def facts_add(name: str, counts: Tally[tuple[dt.date, str]]) -> None:
    """Add `counts` ((day, dimension) -> n) to the daily facts `name` (inside the caller's
    transaction, so the facts and the deletion they stand for commit together)."""
    with transaction.atomic():
        for (day, dimension), n in sorted(counts.items()):
            updated = DailyFact.objects.filter(day=day, name=name, dimension=dimension).update(
                count=F("count") + n
            )
            if not updated:
                DailyFact.objects.create(day=day, name=name, dimension=dimension, count=n)
