"""Dates as each language writes them: "Montag, 3. Dezember 2026" in German, "Monday,
3 December 2026" in English (Django's `date` filter takes one pattern for every language)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import dateformat
from django.utils.translation import get_language

register = template.Library()

PATTERNS = {
    "de": {"long": "l, j. F Y", "date": "j. F Y", "weekday": "l, j. F", "short": "j. F"},
    "en": {"long": "l, j F Y", "date": "j F Y", "weekday": "l, j F", "short": "j F"},
}


def _written(value: dt.date | None, kind: str) -> str:
    if value is None:
        return ""
    language = (get_language() or "de")[:2]
    return dateformat.format(value, PATTERNS.get(language, PATTERNS["de"])[kind])


@register.filter(expects_localtime=True)
def long_date(value: dt.date | None) -> str:
    """Monday, 3 December 2026."""
    return _written(value, "long")


@register.filter(expects_localtime=True)
def day_month_year(value: dt.date | None) -> str:
    """3 December 2026."""
    return _written(value, "date")


@register.filter(expects_localtime=True)
def weekday_day_month(value: dt.date | None) -> str:
    """Monday, 3 December."""
    return _written(value, "weekday")


@register.filter(expects_localtime=True)
def day_month(value: dt.date | None) -> str:
    """3 December."""
    return _written(value, "short")
